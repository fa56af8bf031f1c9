"""The mart partition a mart suite validates, read by path with Spark.

Mart models are Parquet folders ``<mart>/<model>/business_date=YYYY-MM-DD`` (monthly facts:
``billing_month=YYYY-MM``). They are read by path, never through the metastore (dbt owns the
Derby metastore, which admits one process). A partition missing on the date is itself a critical
failure: the mart build should have produced it.
"""

from __future__ import annotations

from datetime import date

from telco_mart.pipeline.dates import latest_complete_month, previous_month_end
from telco_mart.quality.metrics import DEFAULT_LOOKBACK_DAYS, Batch, Skipped
from telco_mart.quality.suites import SuiteSpec
from telco_mart.settings import DataLayout
from telco_mart.storage import partitions


def mart_partition_dates(spec: SuiteSpec, layout: DataLayout, business_date: date) -> tuple[date, date | None]:
    """The partition a suite validates on ``business_date`` and the one it compares with.

    Daily models: the business date and the latest earlier partition within the lookback.
    Monthly models: the latest complete billing month and the month before it."""
    model_dir = layout.mart / spec.dataset
    if spec.partition == "billing_month":
        month = latest_complete_month(business_date)
        before = previous_month_end(month).replace(day=1)
        return month, before if partitions.has_partition(model_dir, spec.partition, before) else None
    lookback = int(spec.parameters.get("daily_lookback_days", DEFAULT_LOOKBACK_DAYS))
    return business_date, partitions.previous_partition(model_dir, spec.partition, business_date, False, lookback)


def mart_batch(spec: SuiteSpec, spark, layout: DataLayout, business_date: date) -> Batch | Skipped:
    """The Spark DataFrame of the model's partition, with ``row_count`` and ``previous_row_count``
    as ``$PARAMETER``s (without a previous partition the count is compared with itself, so passes)."""
    model_dir = layout.mart / spec.dataset
    wanted, previous = mart_partition_dates(spec, layout, business_date)
    path = partitions.partition_path(model_dir, spec.partition, wanted)
    files = partitions.parquet_files(path)
    if not files:
        return Skipped(
            f"no partition {spec.dataset}/{path.name} in the mart: the mart build should have produced it", True
        )
    row_count = partitions.footer_row_count(path)
    if previous is None:
        previous_count = row_count
        note = f"{spec.dataset}/{path.name}: {row_count} rows; no previous partition: row count compared with itself"
    else:
        previous_path = partitions.partition_path(model_dir, spec.partition, previous)
        previous_count = partitions.footer_row_count(previous_path)
        note = f"{spec.dataset}/{path.name}: {row_count} rows vs {previous_count} in {previous_path.name}"
    frame = spark.read.parquet(str(path))
    parameters = {"row_count": row_count, "previous_row_count": previous_count}
    return Batch(frame, "spark", parameters=parameters, notes=(note,))
