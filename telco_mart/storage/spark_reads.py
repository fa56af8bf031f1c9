"""Spark reads of dated partitions, built on :mod:`telco_mart.storage.partitions`.

The partition to read is chosen from the file system (folders and Parquet files, no metastore),
then Spark reads exactly those folders: a reader never scans a whole table to find one date.
"""

from __future__ import annotations

__all__ = ["PartitionMissing", "read_latest", "read_range"]

from datetime import date
from pathlib import Path

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from telco_mart.storage.partitions import PartitionMissing, dated_partitions, latest_partition_date, partition_path


def read_latest(
    spark, folder: Path, key: str, on_or_before: date, what: str, max_age_days: int | None = None
) -> tuple[DataFrame, date]:
    """The latest partition on or before ``on_or_before`` and its date; a one-line error naming
    ``what``, the date and the folder when there is none."""
    found = latest_partition_date(folder, key, on_or_before, max_age_days)
    if found is None:
        window = f" within {max_age_days} days" if max_age_days is not None else ""
        raise PartitionMissing(f"{what}: no partition on or before {on_or_before}{window} under {folder}")
    return spark.read.parquet(str(partition_path(folder, key, found))), found


def read_range(spark, folder: Path, key: str, start: date | None, end: date, schema: str) -> DataFrame:
    """The partitions of ``folder`` dated ``start..end`` (both included), the key as a date column;
    no rows (with ``schema``) when there are none."""
    wanted = dated_partitions(folder, key, start, end)
    if not wanted:
        return spark.createDataFrame([], schema)
    frame = spark.read.option("basePath", str(folder)).parquet(*[str(partition_path(folder, key, d)) for d in wanted])
    return frame.withColumn(key, F.col(key).cast("date"))
