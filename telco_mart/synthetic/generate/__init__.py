"""Synthetic source extracts for telco-mart: every table of the interface contract, for a
window of business dates, with labelled defects and the hidden truth behind them.

    from telco_mart.synthetic.generate import GenerateOptions, generate
    summary = generate(DataLayout.from_environment(), GenerateOptions(start, end, subscribers=20_000))

How it is built (one module, one job):

* ``population``: the fixed subscribers and customers of a seed (numbers, cities, packages,
  handsets, interests, hidden traits); ``catalogue``, ``gn_rules``, ``terminals``: reference data;
  ``contracts``: renewal chains laid on the calendar; ``households``: the fixed-line products
  (landline, broadband, IPTV) of each customer and when they were last used.
* ``history`` and ``churn``: month by month from five months before the window (earlier when a
  high-value photograph needs the last year end) to two months after it: package and handset
  moves, usage and bills, complaints, the churn hazard and the churn. The population depends on
  the seed alone; the history starts from the window, so churn before a window's warm-up is
  not carried from one window to another.
* ``world``: all of it plus the state of every subscriber on a date.
* ``tables_*``: one builder per contract table; ``columns``: the contract's text forms.
* ``defects``: labelled row defects; ``plan``: table-dates, file defects and work units;
  ``work``: what a worker process does with a unit; ``truth``: the truth files; ``runner``:
  ``generate()`` with its process pool.

Same options, same bytes, whatever the number of worker processes.
"""

from telco_mart.synthetic.generate.options import GenerateOptions, GenerateSummary
from telco_mart.synthetic.generate.runner import generate

__all__ = ["GenerateOptions", "GenerateSummary", "generate"]
