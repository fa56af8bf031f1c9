"""Trial counts of a target group (``telco-mart tags count``) and the tag list with coverage.

The planner's expression is parsed and type-checked against the tag library, compiled to a
Spark Column (never pasted into SQL) and evaluated on the latest ``fct_subscriber_tags``
partition in one aggregation: the count and its breakdown by city and value segment.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from functools import cache

import pyarrow.dataset as ds

from telco_mart.errors import TelcoMartError
from telco_mart.settings import DataLayout
from telco_mart.storage.keys import DATE_KEY
from telco_mart.storage.partitions import latest_partition_date, partition_path
from telco_mart.tags.compile import to_spark_column
from telco_mart.tags.expression import Expression, check_expression, parse_expression, referenced_columns
from telco_mart.tags.library import Tag, load_tag_library

TAGS_TABLE = "fct_subscriber_tags"
CATALOGUE_TABLE = "tag_catalogue"
BREAKDOWN_TAGS = ("city", "value_segment")


class TagCountError(TelcoMartError):
    """No tag partition to count on."""


@dataclass(frozen=True)
class TagCount:
    """A target group's size on a business date, with its breakdown."""

    expression: str
    business_date: date
    subscribers: int
    matched: int
    by_city: list[tuple[str | None, int]]
    by_value_segment: list[tuple[str | None, int]]
    seconds: float


def _chosen_date(layout: DataLayout, as_of: date | None, table: str) -> date:
    found = latest_partition_date(layout.mart / table, DATE_KEY, as_of)
    if found is None:
        raise TagCountError(f"no {table} partition under {layout.mart}: run `telco-mart mart build --date D` first")
    return found


def tag_types(tags: list[Tag]) -> dict[str, str]:
    """Tag id -> value type of the tags in force, for checking count expressions."""
    return {t.id: t.value_type for t in tags if not t.retired}


@cache
def _types_in_force() -> dict[str, str]:
    # Read and checked once per process: a planner's session checks many expressions.
    return tag_types(load_tag_library())


def checked_target_group(expression_text: str) -> Expression:
    """Parse and type-check a target-group expression against the tag library (no Spark needed)."""
    expression = parse_expression(expression_text)
    check_expression(expression, _types_in_force(), expect_boolean=True)
    return expression


class TargetGroupCounter:
    """Counts target groups on one tag partition; opening it once lets a planner try many groups.

    Opening reads the partition's schema and runs one aggregate (the base by city and value
    segment), which also warms the JVM, so that each count afterwards is one small Spark job.
    """

    def __init__(self, spark, layout: DataLayout, as_of: date | None = None) -> None:
        from pyspark.sql import functions as F

        self.business_date = _chosen_date(layout, as_of, TAGS_TABLE)
        partition = layout.mart / TAGS_TABLE / f"business_date={self.business_date}"
        self.tags_df = spark.read.parquet(str(partition))
        base = self.tags_df.groupBy(*BREAKDOWN_TAGS).agg(F.count(F.lit(1)).alias("subscribers")).collect()
        self.subscribers = sum(row["subscribers"] for row in base)

    def count(self, expression_text: str) -> TagCount:
        """The subscribers matching ``expression_text``, with the breakdown by city and value segment."""
        from pyspark.sql import functions as F

        expression = checked_target_group(expression_text)
        started = time.perf_counter()
        needed = sorted(referenced_columns(expression) | set(BREAKDOWN_TAGS))
        rows = (
            self.tags_df.select(*needed)
            .where(to_spark_column(expression))
            .groupBy(*BREAKDOWN_TAGS)
            .agg(F.count(F.lit(1)).alias("matched"))
            .collect()
        )
        by_city: dict[str | None, int] = {}
        by_segment: dict[str | None, int] = {}
        for row in rows:
            by_city[row["city"]] = by_city.get(row["city"], 0) + row["matched"]
            by_segment[row["value_segment"]] = by_segment.get(row["value_segment"], 0) + row["matched"]
        return TagCount(
            expression=expression_text,
            business_date=self.business_date,
            subscribers=self.subscribers,
            matched=sum(row["matched"] for row in rows),
            by_city=sorted(by_city.items(), key=lambda kv: -kv[1]),
            by_value_segment=sorted(by_segment.items(), key=lambda kv: -kv[1]),
            seconds=time.perf_counter() - started,
        )


def count_target_group(spark, layout: DataLayout, expression_text: str, as_of: date | None = None) -> TagCount:
    """Count the subscribers matching ``expression_text`` on the latest tag partition (or ``as_of``)."""
    checked_target_group(expression_text)  # refuse a bad expression before touching the data
    return TargetGroupCounter(spark, layout, as_of).count(expression_text)


def tag_list(layout: DataLayout, category: str | None = None, as_of: date | None = None) -> list[dict]:
    """The library's tags (optionally one category) with their coverage on the latest catalogue date."""
    library = load_tag_library()
    tags = [t for t in library if not t.retired and (category is None or t.category == category)]
    if category is not None and not tags:
        known = sorted({t.category for t in library})
        raise TelcoMartError(f"no tags in category {category!r}; categories: {', '.join(known)}")
    coverage: dict[str, tuple[int, float | None]] = {}
    catalogue_date = latest_partition_date(layout.mart / CATALOGUE_TABLE, DATE_KEY, as_of)
    if catalogue_date is not None:
        # Plain pyarrow: listing tags needs no Spark.
        partition = partition_path(layout.mart / CATALOGUE_TABLE, DATE_KEY, catalogue_date)
        table = ds.dataset(partition, format="parquet").to_table(columns=["tag_id", "coverage_count", "coverage_share"])
        for row in table.to_pylist():
            coverage[row["tag_id"]] = (row["coverage_count"], row["coverage_share"])
    return [
        {
            "id": t.id,
            "name_zh": t.name_zh,
            "name_en": t.name_en,
            "category": t.category,
            "value_type": t.value_type,
            "definition": t.definition,
            "coverage_count": coverage.get(t.id, (None, None))[0],
            "coverage_share": coverage.get(t.id, (None, None))[1],
            "coverage_date": catalogue_date,
        }
        for t in tags
    ]
