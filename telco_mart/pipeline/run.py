"""Ingest many dates at once (``telco-mart ingest``, history loads).

The day itself, ingestion through campaigns, is :mod:`telco_mart.pipeline.day`. A history load
is not a day: it ingests a source over all its dates in one Spark job per table, which costs far
fewer jobs than one run per date, and leaves the verdict of each date to its reconciliation.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from telco_mart.contract import load_contract
from telco_mart.ingest.runner import IngestResult, ingest_source
from telco_mart.settings import DataLayout

Progress = Callable[[str], None]


def ingest_dates(
    spark,
    business_dates: list[date],
    sources: list[str] | None = None,
    layout: DataLayout | None = None,
    progress: Progress | None = None,
    frequency: str | None = None,
) -> list[IngestResult]:
    """Ingest the given sources (default all) for ``business_dates``, optionally only the
    tables of one frequency (a history of month-end extracts, say)."""
    contract = load_contract()
    names = sources or [source.name for source in contract.sources]
    return [
        ingest_source(spark, name, business_dates, layout, contract, progress=progress, frequency=frequency)
        for name in names
    ]
