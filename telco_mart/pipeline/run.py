"""Run the pipeline for a date or a range in one process (``telco-mart run``).

The same functions the Airflow tasks call, with one SparkSession for the whole run. A range
is ingested source by source over all its dates at once, which costs far fewer Spark jobs
than one run per date, then reconciled date by date.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from telco_mart.contract import load_contract
from telco_mart.ingest.runner import IngestResult, ingest_source
from telco_mart.pipeline.reconcile import Reconciliation, reconcile, write_reconciliation
from telco_mart.settings import DataLayout

Progress = Callable[[str], None]


@dataclass
class RunResult:
    """What a pipeline run did: ingestion per source and the reconciliation of each date."""

    ingestions: list[IngestResult] = field(default_factory=list)
    reconciliations: list[Reconciliation] = field(default_factory=list)

    @property
    def failed_dates(self) -> list[Reconciliation]:
        """Dates whose reconciliation failed."""
        return [r for r in self.reconciliations if not r.passed]


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


def run_pipeline(
    spark, business_dates: list[date], layout: DataLayout | None = None, progress: Progress | None = None
) -> RunResult:
    """Ingest every source for the dates, then reconcile and record each date."""
    layout = layout or DataLayout.from_environment()
    result = RunResult(ingestions=ingest_dates(spark, business_dates, layout=layout, progress=progress))
    for business_date in business_dates:
        reconciliation = reconcile(business_date, layout)
        write_reconciliation(reconciliation, layout)
        result.reconciliations.append(reconciliation)
    return result
