"""The ingestion audit table: one row per file per run, under ``audit/ingest_files/``.

Written with pyarrow (a few rows per table-date), partitioned by business date, one Parquet
file per run, so reruns add rows rather than rewrite history. ``rows_read`` is counted from
the file itself; for every loaded file ``rows_read = rows_accepted + rows_quarantined``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds

from telco_mart.settings import DataLayout, partition_name
from telco_mart.storage.files import write_parquet_atomic

AUDIT_SCHEMA = pa.schema(
    [
        ("run_id", pa.string()),
        ("ingested_at", pa.timestamp("us", tz="UTC")),
        ("source", pa.string()),
        ("table_name", pa.string()),
        ("business_date", pa.date32()),
        ("file_name", pa.string()),
        ("part_number", pa.int32()),
        ("rows_in_control", pa.int64()),
        ("rows_read", pa.int64()),
        ("rows_accepted", pa.int64()),
        ("rows_quarantined", pa.int64()),
        ("bytes", pa.int64()),
        ("md5", pa.string()),
        ("status", pa.string()),
        ("reason", pa.string()),
        ("reason_detail", pa.string()),
    ]
)


@dataclass
class AuditRow:
    """One file's outcome in one run."""

    run_id: str
    ingested_at: datetime
    source: str
    table_name: str
    business_date: date
    file_name: str
    part_number: int | None
    rows_in_control: int | None
    rows_read: int | None
    rows_accepted: int
    rows_quarantined: int
    bytes: int | None
    md5: str | None
    status: str
    reason: str | None
    reason_detail: str | None


def audit_dir(layout: DataLayout) -> Path:
    """Folder of the file-level audit table."""
    return layout.audit / "ingest_files"


def write_audit_rows(layout: DataLayout, rows: list[AuditRow]) -> None:
    """Append this run's rows, one Parquet file per business date and run."""
    by_date: dict[date, list[AuditRow]] = {}
    for row in rows:
        by_date.setdefault(row.business_date, []).append(row)
    for business_date, day_rows in by_date.items():
        folder = audit_dir(layout) / partition_name(business_date)
        folder.mkdir(parents=True, exist_ok=True)
        run_id, source = day_rows[0].run_id, day_rows[0].source
        table = pa.Table.from_pylist([asdict(row) for row in day_rows], schema=AUDIT_SCHEMA)
        write_parquet_atomic(table, folder / f"{source}-{run_id}.parquet")


def read_audit(layout: DataLayout, business_date: date | None = None, latest_only: bool = True) -> pa.Table:
    """Audit rows, for one business date or all; by default only each table-date's latest run."""
    folder = audit_dir(layout)
    if business_date is not None:
        folder = folder / partition_name(business_date)
    if not folder.exists():
        return AUDIT_SCHEMA.empty_table()
    files = sorted(str(p) for p in folder.rglob("*.parquet"))
    if not files:
        return AUDIT_SCHEMA.empty_table()
    table = ds.dataset(files, schema=AUDIT_SCHEMA, format="parquet").to_table()
    if latest_only and table.num_rows:
        table = _latest_runs(table)
    return table.sort_by(
        [
            ("business_date", "ascending"),
            ("source", "ascending"),
            ("table_name", "ascending"),
            ("file_name", "ascending"),
        ]
    )


def _latest_runs(table: pa.Table) -> pa.Table:
    """Keep, for each source, table and date, the rows of the run that ingested it last."""
    frame = table.to_pandas()
    latest = frame.groupby(["source", "table_name", "business_date"])["ingested_at"].transform("max")
    return pa.Table.from_pandas(frame[frame["ingested_at"] == latest], schema=AUDIT_SCHEMA, preserve_index=False)
