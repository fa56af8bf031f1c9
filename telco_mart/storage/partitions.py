"""Partition folders by path: which exist, the latest on or before a date, which one came
before, how many rows they hold.

Shared by the quality gates, the mart build plan, the mart views, the tag counts, the task
models, the front-desk lookup and the campaigns: every "latest partition on or before D" choice
is :func:`latest_partition_date`. Everything
here reads the file system and Parquet footers only (no Spark, no metastore), so it costs
milliseconds however large the partitions are.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pyarrow.parquet as pq

from telco_mart.errors import TelcoMartError
from telco_mart.pipeline.dates import previous_month_end


class PartitionMissing(TelcoMartError):
    """A table has no partition on or before the date a job needs."""


def partition_value(key: str, day: date) -> str:
    """The folder value of a partition: ``YYYY-MM`` for ``billing_month``, ``YYYY-MM-DD`` otherwise."""
    return f"{day:%Y-%m}" if key == "billing_month" else f"{day:%Y-%m-%d}"


def partition_path(table_dir: Path, key: str, day: date) -> Path:
    """``<table_dir>/<key>=<value>``."""
    return table_dir / f"{key}={partition_value(key, day)}"


def parquet_files(partition: Path) -> list[Path]:
    """The data files of a partition folder, sorted (hidden ``.crc`` and ``_SUCCESS`` left out)."""
    if not partition.is_dir():
        return []
    return sorted(p for p in partition.glob("*.parquet") if not p.name.startswith((".", "_")))


def has_partition(table_dir: Path, key: str, day: date) -> bool:
    """Whether the partition folder of ``day`` exists (an empty day may hold no data file)."""
    return partition_path(table_dir, key, day).is_dir()


def footer_row_count(partition: Path) -> int:
    """Rows of a partition, summed from its Parquet footers."""
    return sum(pq.ParquetFile(path).metadata.num_rows for path in parquet_files(partition))


def partition_dates(table_dir: Path, key: str) -> list[date]:
    """The dates of the partition folders of a table (months as their first day), sorted."""
    found = []
    for folder in table_dir.glob(f"{key}=*") if table_dir.is_dir() else []:
        text = folder.name.split("=", 1)[1]
        try:
            found.append(date.fromisoformat(text if len(text) == 10 else f"{text}-01"))
        except ValueError:
            continue  # a stray folder (a failed swap's leftovers) is not a partition
    return sorted(found)


def dated_partitions(table_dir: Path, key: str, start: date | None, end: date) -> list[date]:
    """The dates from ``start`` (None: the first) to ``end``, both included, whose partition holds
    data files (an empty day may have a folder and no file; reading it would fail), sorted."""
    return [
        d
        for d in partition_dates(table_dir, key)
        if (start is None or d >= start) and d <= end and parquet_files(partition_path(table_dir, key, d))
    ]


def latest_partition_date(
    table_dir: Path, key: str, on_or_before: date | None = None, max_age_days: int | None = None
) -> date | None:
    """The one "latest partition" rule: the latest date on or before ``on_or_before`` (None: the
    latest of all) whose partition holds data files, no older than ``max_age_days`` when given."""
    if max_age_days is not None and on_or_before is None:
        raise ValueError("max_age_days needs on_or_before")
    start = on_or_before - timedelta(days=max_age_days) if max_age_days is not None else None
    end = on_or_before or date.max
    found = dated_partitions(table_dir, key, start, end)
    return found[-1] if found else None


def previous_partition(table_dir: Path, key: str, day: date, monthly: bool, lookback_days: int) -> date | None:
    """The partition a comparison uses: the previous month end for monthly tables, otherwise the
    latest partition before ``day`` within ``lookback_days`` (a rejected day-1 falls back to day-2)."""
    if monthly:
        wanted = previous_month_end(day)
        return wanted if has_partition(table_dir, key, wanted) else None
    earlier = [d for d in partition_dates(table_dir, key) if day - timedelta(days=lookback_days) <= d < day]
    return earlier[-1] if earlier else None


def sample_files(files: list[Path], max_files: int) -> list[Path]:
    """At most ``max_files`` files spread evenly over the sorted list (all when there are fewer)."""
    if len(files) <= max_files:
        return files
    step = len(files) / max_files
    return [files[int(index * step)] for index in range(max_files)]
