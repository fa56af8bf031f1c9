"""The building blocks of what a suite validates: batches, metric frames, the raw row counts.

Raw suites never validate raw rows: they validate a metric frame of a few rows (one per table,
per date or per segment) computed from Parquet footers or one Spark aggregate, so the gate costs
seconds even on a day of billions of traffic sessions. Metric frames carry a ``subject`` column
naming what each row measures and a ``note`` that says how it was measured, or why a comparison
was not made (no previous partition); a value left null is not compared and so passes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from telco_mart.contract import load_contract
from telco_mart.settings import DataLayout
from telco_mart.storage import partitions
from telco_mart.storage.keys import RAW_KEY

DEFAULT_LOOKBACK_DAYS = 7


@dataclass(frozen=True)
class Batch:
    """The data one suite validates: a pandas metric frame or a Spark DataFrame of the mart,
    the values of the suite's ``$PARAMETER``s, and notes on how it was read."""

    frame: Any
    engine: str  # "pandas" or "spark"
    parameters: dict[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Skipped:
    """A suite that did not run on the date, and why; ``is_failure`` when that is itself critical."""

    reason: str
    is_failure: bool = False


def metric_frame(rows: list[dict], value_columns: list[str]):
    """A pandas metric frame: ``subject``, the value columns as floats (null: not compared), ``note``."""
    import pandas as pd

    frame = pd.DataFrame(rows, columns=["subject", *value_columns, "note"])
    return frame.astype(dict.fromkeys(value_columns, "float64"))


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """``numerator / denominator``, or ``None`` when either is missing or the denominator is zero."""
    if numerator is None or not denominator:
        return None
    return float(numerator) / float(denominator)


def row_counts_batch(spark, layout: DataLayout, business_date: date, parameters: dict) -> Batch | Skipped:
    """One row per table with a raw partition on the date: its rows against the previous partition."""
    lookback = int(parameters.get("daily_lookback_days", DEFAULT_LOOKBACK_DAYS))
    min_previous_rows = int(parameters.get("min_previous_rows", 0))
    rows = []
    for table in load_contract().tables:
        table_dir = layout.raw_table(table.source, table.name)
        if not partitions.has_partition(table_dir, RAW_KEY, business_date):
            continue  # a missing due table is reconciliation's finding, not this gate's
        count = partitions.footer_row_count(partitions.partition_path(table_dir, RAW_KEY, business_date))
        previous = partitions.previous_partition(table_dir, RAW_KEY, business_date, not table.is_daily, lookback)
        row = {"subject": f"{table.source}/{table.name.lower()}", "row_count": count}
        if previous is None:
            since = "the previous month end" if not table.is_daily else f"{business_date - timedelta(days=lookback)}"
            row["note"] = f"{count} rows; no previous partition since {since}: not compared"
            rows.append(row)
            continue
        previous_count = partitions.footer_row_count(partitions.partition_path(table_dir, RAW_KEY, previous))
        row["previous_row_count"] = previous_count
        row["note"] = f"{count} rows vs {previous_count} on {previous}"
        if previous_count < min_previous_rows:
            row["note"] += f": under {min_previous_rows} rows, not compared"
        else:
            row["row_count_ratio"] = ratio(count, previous_count)
        rows.append(row)
    if not rows:
        return Skipped(f"no raw partition on {business_date}")
    return Batch(metric_frame(rows, ["row_count", "previous_row_count", "row_count_ratio"]), "pandas")
