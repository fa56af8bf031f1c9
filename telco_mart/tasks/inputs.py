"""The mart tables the task models read for a business date, by path (no metastore).

Only partitions on or before the business date are read, so a rerun of an old date sees what
that date saw, whatever was built since. A missing table names the build that makes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from telco_mart.errors import TelcoMartError
from telco_mart.pipeline.dates import latest_complete_month
from telco_mart.settings import DataLayout
from telco_mart.storage.keys import DATE_KEY, MONTH_KEY
from telco_mart.storage.partitions import dated_partitions, has_partition, partition_path

# A day without retention contacts writes no partition (a small region may have none for weeks).
RETENTION_RESULTS_SCHEMA = (
    "contact_id string, subscriber_id string, task_code string, channel_type string, "
    "retention_outcome string, contact_date date, business_date date"
)


class TaskInputMissing(TelcoMartError):
    """A mart table or partition the task models need is not there."""


@dataclass(frozen=True)
class TaskInputs:
    """The DataFrames of one business date."""

    business_date: date
    last_bill_month: date
    subscribers: DataFrame
    packages: DataFrame
    contracts: DataFrame
    monthly_usage: DataFrame
    churn_status: DataFrame
    retention_results: DataFrame

    @property
    def latest_usage(self) -> DataFrame:
        """The bills of the latest complete bill month."""
        return self.monthly_usage.where(F.col("billing_month") == F.lit(self.last_bill_month))


def _table_dir(layout: DataLayout, table: str):
    folder = layout.mart / table
    if not folder.is_dir():
        raise TaskInputMissing(f"mart table {table} not found under {layout.mart}: run `telco-mart mart build` first")
    return folder


def read_dated(spark, layout: DataLayout, table: str, business_date: date) -> DataFrame:
    """The partition of ``business_date`` of a daily mart table."""
    folder = _table_dir(layout, table)
    if not has_partition(folder, DATE_KEY, business_date):
        raise TaskInputMissing(
            f"{table} has no partition {DATE_KEY}={business_date}: build the mart for that date first"
        )
    path = partition_path(folder, DATE_KEY, business_date)
    return spark.read.parquet(str(path)).withColumn(DATE_KEY, F.lit(business_date))


def read_history(
    spark, layout: DataLayout, table: str, key: str, until: date, empty_schema: str | None = None
) -> DataFrame:
    """Every partition of a table up to ``until`` (months as their first day), the key as a date.
    With ``empty_schema``, a table with no partition yet reads as no rows rather than an error."""
    folder = layout.mart / table
    wanted = dated_partitions(folder, key, None, until)
    if not wanted and empty_schema is not None:
        return spark.createDataFrame([], empty_schema)
    folder = _table_dir(layout, table)
    if not wanted:
        raise TaskInputMissing(f"{table} has no partition on or before {until}: build the mart first")
    frame = spark.read.option("basePath", str(folder)).parquet(*[str(partition_path(folder, key, d)) for d in wanted])
    if key == MONTH_KEY:
        return frame.withColumn(key, F.to_date(F.concat(F.col(key).cast("string"), F.lit("-01"))))
    return frame.withColumn(key, F.col(key).cast("date"))


def read_task_inputs(spark, layout: DataLayout, business_date: date) -> TaskInputs:
    """The task models' inputs for ``business_date``."""
    last_bill_month = latest_complete_month(business_date).replace(day=1)
    usage = read_history(spark, layout, "fct_subscriber_monthly_usage", MONTH_KEY, last_bill_month)
    if not has_partition(layout.mart / "fct_subscriber_monthly_usage", MONTH_KEY, last_bill_month):
        raise TaskInputMissing(
            f"fct_subscriber_monthly_usage has no bill month {last_bill_month:%Y-%m}, the latest complete month "
            f"of {business_date}: deliver and ingest BOSS_BILL_MONTHLY of that month end, then build the mart"
        )
    return TaskInputs(
        business_date=business_date,
        last_bill_month=last_bill_month,
        subscribers=read_dated(spark, layout, "dim_subscriber", business_date),
        packages=read_dated(spark, layout, "dim_package", business_date),
        contracts=read_dated(spark, layout, "dim_contract", business_date),
        monthly_usage=usage,
        churn_status=read_history(spark, layout, "fct_subscriber_churn_status", MONTH_KEY, last_bill_month),
        retention_results=read_history(
            spark, layout, "fct_retention_results", DATE_KEY, business_date, RETENTION_RESULTS_SCHEMA
        ),
    )
