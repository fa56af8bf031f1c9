"""Read-only SQL over the mart for analysts (``telco-mart sql``).

The mart tables are registered as temporary views over their Parquet folders, so a query
needs no metastore (it never blocks the nightly dbt run on Derby's one-process lock) and
sees the mart only: file paths in SQL are switched off, and raw/ and quarantine/ are never
registered. A dated table's plain name shows the latest business date (or ``as_of``); its
``<name>_history`` view shows every date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from telco_mart.errors import TelcoMartError
from telco_mart.mart.catalogue import mart_table_folders
from telco_mart.settings import DataLayout
from telco_mart.storage.keys import DATE_KEY
from telco_mart.storage.partitions import latest_partition_date, partition_dates

READ_ONLY_STATEMENTS = ("select", "with", "show", "describe", "desc", "explain", "values", "table")
_LEADING_COMMENTS = re.compile(r"^\s*(--[^\n]*\n\s*|/\*.*?\*/\s*)*", re.DOTALL)


class MartQueryError(TelcoMartError):
    """The query is not a single read-only statement, or the mart is empty."""


@dataclass(frozen=True)
class MartView:
    """One registered view."""

    name: str
    path: str
    business_date: date | None


def register_mart_views(spark, layout: DataLayout, as_of: date | None = None) -> list[MartView]:
    """Register every mart table as views; returns what was registered."""
    from pyspark.sql import functions as F

    folders = mart_table_folders(layout)
    if not folders:
        raise MartQueryError(f"the mart under {layout.mart} is empty: run `telco-mart mart build --date D` first")
    views = []
    for folder in folders:
        table_df = spark.read.parquet(str(folder))
        if partition_dates(folder, DATE_KEY):
            chosen = latest_partition_date(folder, DATE_KEY, as_of)
            table_df.createOrReplaceTempView(f"{folder.name}_history")
            views.append(MartView(f"{folder.name}_history", str(folder), None))
            if chosen is None:
                continue
            table_df = table_df.where(F.col(DATE_KEY) == F.lit(chosen))
        else:
            chosen = None
        table_df.createOrReplaceTempView(folder.name)
        views.append(MartView(folder.name, str(folder), chosen))
    return views


def check_read_only(query: str) -> str:
    """The query without a trailing semicolon; refuses several statements or anything but a read."""
    text = query.strip().rstrip(";").strip()
    if not text:
        raise MartQueryError("empty query")
    if ";" in _strip_strings(text):
        raise MartQueryError("one statement at a time: the query contains ';'")
    words = _LEADING_COMMENTS.sub("", text).split(None, 1)
    first_word = words[0].lower() if words else ""
    if first_word not in READ_ONLY_STATEMENTS:
        raise MartQueryError(f"only read-only queries run here ({', '.join(READ_ONLY_STATEMENTS)}); got {first_word!r}")
    return text


def _strip_strings(text: str) -> str:
    return re.sub(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`", "''", text)


def run_query(spark, layout: DataLayout, query: str, as_of: date | None = None):
    """Run a read-only query over the mart views; returns the Spark DataFrame."""
    text = check_read_only(query)
    # No `select * from parquet.`/data/raw/...``: the analyst's session sees the mart only.
    spark.conf.set("spark.sql.runSQLOnFiles", "false")
    register_mart_views(spark, layout, as_of)
    return spark.sql(text)
