"""Mart benchmark: the dbt mart stage of one business date, then planners' trial counts.

    python benchmarks/bench_mart.py --date 2026-11-30 [--counts 5]

Runs on the data root as it is ($TELCO_MART_HOME, e.g. after `make demo`): times
`build_mart` for the date (dbt build: models, tests, unit tests, tag generation) with the ten
slowest nodes, then starts a fresh Spark session and times a few trial counts of a target group
(Spark start-up reported apart). Prints seconds, rows of the main tables and peak memory.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date

import pyarrow.dataset as ds
from peak_memory import peak_rss_mb

EXPRESSIONS = [
    "interest_video and terminal_5g_capable and not is_dnd and city in ('taiyuan','datong')",
    "contract_ends_within_3m and not is_dnd and not is_blacklisted",
    "(action_upgrade_generation or action_sim_change) and contactable and value_segment in ('top','high')",
    "forwarding_over_half and arpu_3m_yuan > 50 and not marketing_sensitive",
    "age_years between 18 and 30 and (interest_games or interest_video) and prefers_app",
]


def _jvm_pid(spark) -> int | None:
    try:
        return int(spark.sparkContext._jvm.java.lang.ProcessHandle.current().pid())
    except Exception:  # the figure is optional
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--date", required=True, help="business date, YYYY-MM-DD")
    parser.add_argument("--counts", type=int, default=5, help="trial counts to time")
    args = parser.parse_args()
    business_date = date.fromisoformat(args.date)

    from telco_mart.mart.build import build_mart
    from telco_mart.settings import DataLayout

    layout = DataLayout.from_environment()
    started = time.perf_counter()
    build = build_mart(business_date, layout, progress=print)
    build_seconds = time.perf_counter() - started
    print(f"mart build {business_date}: {build_seconds:.1f} s, {build.models_built} models, {build.tests_passed} tests")
    print(f"  daily partitions built: {len(build.plan.daily_dates)}, bill months: {len(build.plan.billing_month_ends)}")
    for node in sorted(build.run.nodes, key=lambda n: -n.seconds)[:10]:
        print(f"  {node.seconds:6.1f} s  {node.unique_id}")
    for table in ("dim_subscriber", "fct_subscriber_app_usage", "fct_subscriber_tags"):
        partition = layout.mart / table / f"business_date={business_date}"
        print(f"  {table}: {ds.dataset(partition, format='parquet').count_rows():,} rows")

    from pyspark.sql import SparkSession

    from telco_mart.spark_session import get_spark
    from telco_mart.tags.counting import TargetGroupCounter

    SparkSession.builder.getOrCreate().stop()  # a planner's session is a fresh one, without the catalogue
    started = time.perf_counter()
    spark = get_spark("bench-tags", layout)
    counter = TargetGroupCounter(spark, layout, business_date)
    print(f"Spark start-up and opening the tag partition: {time.perf_counter() - started:.1f} s")
    timings = []
    for index in range(args.counts):
        expression = EXPRESSIONS[index % len(EXPRESSIONS)]
        result = counter.count(expression)
        timings.append(result.seconds)
        print(
            f"  count {index + 1}: {result.matched:,} of {result.subscribers:,} in {result.seconds:.2f} s  {expression}"
        )
    print(f"trial count: first {timings[0]:.2f} s, median {statistics.median(timings):.2f} s, max {max(timings):.2f} s")
    print(f"peak memory: Python {peak_rss_mb():.0f} MB, Spark JVM {peak_rss_mb(_jvm_pid(spark)):.0f} MB")


if __name__ == "__main__":
    main()
