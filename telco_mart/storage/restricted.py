"""The one reader of the restricted raw zone outside ingestion and the dbt build.

The raw zone holds what the operator delivered, full mobile numbers included; the mart holds
them masked. Three jobs need raw rows after ingestion: the channel files (full numbers go to the
channel systems and nowhere else), the contact policy (the latest restriction extract, read
again for the second do-not-disturb check) and the clerk's lookup by number. They read through
here, so a review of who touches full numbers is a review of the callers of this module; a test
(``tests/unit/test_restricted_zone.py``) fails when any other module builds a raw path.
"""

from __future__ import annotations

from datetime import date

from pyspark.sql import DataFrame

from telco_mart.settings import DataLayout
from telco_mart.storage.keys import RAW_KEY
from telco_mart.storage.spark_reads import read_latest, read_range


def read_raw_latest(spark, layout: DataLayout, source: str, table: str, on_or_before: date) -> tuple[DataFrame, date]:
    """The latest raw partition of a source table on or before ``on_or_before`` and its date."""
    return read_latest(spark, layout.raw_table(source, table), RAW_KEY, on_or_before, f"raw {source}/{table}")


def read_raw_range(
    spark, layout: DataLayout, source: str, table: str, start: date, end: date, schema: str
) -> DataFrame:
    """Raw partitions of a source table dated ``start..end`` (both included), ``dt`` as a date;
    no rows (with ``schema``) when there are none."""
    return read_range(spark, layout.raw_table(source, table), RAW_KEY, start, end, schema)
