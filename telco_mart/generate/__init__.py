"""Synthetic source extracts for telco-mart: every table of the interface contract, for a
window of business dates, with labelled defects and the hidden truth behind them.

    from telco_mart.generate import GenerateOptions, generate
    summary = generate(DataLayout.from_environment(), GenerateOptions(start, end, subscribers=20_000))

One fixed population per seed; a hidden monthly churn process; GN traffic shaped by each
subscriber's interests. Same options, same bytes, whatever the number of worker processes.
"""

from telco_mart.generate.options import GenerateOptions, GenerateSummary
from telco_mart.generate.runner import generate

__all__ = ["GenerateOptions", "GenerateSummary", "generate"]
