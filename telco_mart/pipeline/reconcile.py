"""The day's reconciliation: did every due table arrive and load, and do the counts add up?

Reads the audit table (latest run per table-date), so it works whether the sources were
ingested in this process, in separate Airflow tasks, or in a backfill. Writes the summary to
``audit/reconciliation/dt=<date>/`` and fails when a required table was rejected or missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pyarrow as pa

from telco_mart.contract import Contract, load_contract
from telco_mart.errors import TelcoMartError
from telco_mart.ingest.audit import read_audit
from telco_mart.settings import DataLayout, partition_name
from telco_mart.storage.files import write_parquet_atomic


class ReconciliationFailed(TelcoMartError):
    """A required table was not loaded for the business date, or counts do not add up."""


@dataclass(frozen=True)
class TableSummary:
    """One table's outcome for the day, summed over its files."""

    source: str
    table_name: str
    required: bool
    status: str
    files: int
    rows_read: int
    rows_accepted: int
    rows_quarantined: int
    reason: str | None


@dataclass
class Reconciliation:
    """The day's summary and the problems that fail it."""

    business_date: date
    tables: list[TableSummary] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when every required table loaded and every file's counts add up."""
        return not self.problems


def _summarise(table, rows: list[dict]) -> TableSummary:
    if not rows:
        return TableSummary(
            table.source,
            table.name,
            table.required,
            "not_ingested",
            0,
            0,
            0,
            0,
            "no ingestion run recorded for this date",
        )
    status = rows[0]["status"]
    reason = next((r["reason_detail"] or r["reason"] for r in rows if r["reason"]), None)
    return TableSummary(
        table.source,
        table.name,
        table.required,
        status,
        files=sum(1 for r in rows if r["status"] != "missing"),
        rows_read=sum(r["rows_read"] or 0 for r in rows),
        rows_accepted=sum(r["rows_accepted"] for r in rows),
        rows_quarantined=sum(r["rows_quarantined"] for r in rows),
        reason=reason,
    )


def reconcile(
    business_date: date,
    layout: DataLayout | None = None,
    contract: Contract | None = None,
    sources: list[str] | None = None,
) -> Reconciliation:
    """Summarise the day from the audit table and list what fails it (does not raise)."""
    layout = layout or DataLayout.from_environment()
    contract = contract or load_contract()
    audit_rows = read_audit(layout, business_date).to_pylist()
    result = Reconciliation(business_date)
    for source in contract.sources:
        if sources and source.name not in sources:
            continue
        for table in source.tables:
            if not table.is_due(business_date):
                continue
            rows = [r for r in audit_rows if r["source"] == source.name and r["table_name"] == table.name]
            summary = _summarise(table, rows)
            result.tables.append(summary)
            if table.required and summary.status != "loaded":
                result.problems.append(f"{source.name}/{table.name}: {summary.status} ({summary.reason})")
            for row in rows:
                loaded = row["status"] == "loaded"
                if loaded and row["rows_read"] != row["rows_accepted"] + row["rows_quarantined"]:
                    result.problems.append(
                        f"{row['file_name']}: rows read {row['rows_read']} != accepted {row['rows_accepted']}"
                        f" + quarantined {row['rows_quarantined']}"
                    )
    return result


def write_reconciliation(result: Reconciliation, layout: DataLayout | None = None) -> None:
    """Store the day's summary as Parquet, replacing an earlier one for the same date."""
    layout = layout or DataLayout.from_environment()
    folder = layout.audit / "reconciliation" / partition_name(result.business_date)
    folder.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pylist(
        [summary.__dict__ | {"business_date": result.business_date} for summary in result.tables]
    )
    write_parquet_atomic(table, folder / "reconciliation.parquet")


def reconcile_or_fail(business_date: date, layout: DataLayout | None = None) -> Reconciliation:
    """Reconcile, store the summary, and raise :class:`ReconciliationFailed` on any problem."""
    result = reconcile(business_date, layout)
    write_reconciliation(result, layout)
    if not result.passed:
        raise ReconciliationFailed(f"{business_date}: " + "; ".join(result.problems))
    return result
