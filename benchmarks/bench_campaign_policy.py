"""Contact policy benchmark: a province-shaped campaign day through the policy, the control
group and channel capacity, in Spark.

    .venv/bin/python benchmarks/bench_campaign_policy.py [--subscribers 1000000] [--campaigns 4]
                                                        [--history-days 30] [--seed 7]

Synthesises, with ``spark.range`` and seeded ``rand`` (nothing read from disk, nothing timed
that a real day would not do):
  * candidates: each campaign targets a random ~40% of the subscribers (so most subscribers are
    wanted by several campaigns), with priorities, two exclusion groups, channel preferences,
    home stores and the features arbitration reads;
  * history: 30 days of earlier assignments (about 1.5 contacts per subscriber a month, some of
    them to the same campaigns), restrictions (3% do-not-disturb or blacklist), complaints (2%),
    suppressions (1% refusals, 0.3% opt-outs).
Then times, each materialised (``localCheckpoint``) so its cost is its own:
  1. ``apply_contact_policy`` (every row-level rule, mutual exclusion, arbitration);
  2. ``assign_arms`` (hashed control group, test wave);
  3. ``allocate_channels`` (capacities: outbound 2% of subscribers, SMS 20%, app 30%, counter by store).
Prints rows, seconds and candidate rows/s per stage, the funnel by step, and peak memory
(this process and the Spark JVM). Everything runs under a temporary data root, removed at the end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path

from peak_memory import peak_rss_mb

DAY = date(2026, 12, 1)


def _synthetic(spark, subscribers: int, campaigns: int, history_days: int, seed: int):
    from pyspark.sql import functions as F

    draws = iter(range(seed, seed + 1000))

    def uniform():
        return F.rand(next(draws))

    ids = spark.range(subscribers).select(F.format_string("S%010d", "id").alias("subscriber_id"), F.col("id"))
    people = ids.select(
        "subscriber_id",
        F.format_string("ST%04d", (F.col("id") % 400).cast("int")).alias("store_id"),
        F.format_string("city%02d", (F.col("id") % 11).cast("int")).alias("city"),
        (uniform() < 0.01).alias("is_dnd"),
        (uniform() < 0.002).alias("is_blacklisted"),
    )
    wanted = []
    for number in range(campaigns):
        wanted.append(
            people.where(uniform() < 0.4).select(
                "*",
                F.lit(f"campaign_{number}").alias("campaign_id"),
                F.lit(3 + number % 4).alias("priority"),
                F.lit(f"group_{number % 2}").alias("exclusion_group"),
                (F.lit(0.02) + uniform() * 0.1).alias("propensity"),
                F.lit(50.0 + 30 * number).alias("offer_value_yuan"),
                F.array(
                    *[F.lit(c) for c in (("outbound_call", "sms") if number % 2 else ("retail_counter", "app"))]
                ).alias("channels"),
            )
        )
    candidates = wanted[0]
    for frame in wanted[1:]:
        candidates = candidates.unionByName(frame)
    candidates = candidates.withColumn(
        "arbitration_score", F.col("priority") * F.col("propensity") * F.col("offer_value_yuan")
    )

    contacts = (
        ids.where(uniform() < 0.5)
        .select(
            "subscriber_id",
            F.format_string("campaign_%d", F.floor(uniform() * campaigns * 2).cast("int")).alias("campaign_id"),
            F.format_string("group_%d", F.floor(uniform() * 2).cast("int")).alias("exclusion_group"),
            F.when(uniform() < 0.2, F.lit("control")).otherwise(F.lit("treatment")).alias("arm"),
            F.date_sub(F.lit(DAY), (F.floor(uniform() * history_days) + 1).cast("int")).alias("business_date"),
        )
        .unionByName(
            ids.where(uniform() < 0.5).select(
                "subscriber_id",
                F.lit("campaign_0").alias("campaign_id"),
                F.lit("group_0").alias("exclusion_group"),
                F.lit("treatment").alias("arm"),
                F.date_sub(F.lit(DAY), (F.floor(uniform() * 6) + 1).cast("int")).alias("business_date"),
            )
        )
    )
    restricted = ids.where(uniform() < 0.03).select("subscriber_id")
    complaints = ids.where(uniform() < 0.02).select("subscriber_id", F.lit("billing").alias("complaint_category"))
    suppressions = ids.where(uniform() < 0.013).select(
        "subscriber_id",
        F.when(uniform() < 0.25, F.lit("opted_out")).otherwise(F.lit("refused")).alias("suppression_kind"),
        F.lit("group_0").alias("exclusion_group"),
    )
    stores = [(f"ST{n:04d}", 400) for n in range(400)]
    return candidates, contacts, restricted, complaints, suppressions, stores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=1_000_000)
    parser.add_argument("--campaigns", type=int, default=4)
    parser.add_argument("--history-days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="bench_policy_"))
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import functions as F

    from telco_mart.campaigns.assignment import WaveState, assign_arms
    from telco_mart.campaigns.capacity import CapacityUse, allocate_channels
    from telco_mart.campaigns.definition import load_campaigns
    from telco_mart.campaigns.policy import DROP, PolicyHistory, apply_contact_policy
    from telco_mart.campaigns.policy_config import load_contact_policy
    from telco_mart.settings import DataLayout
    from telco_mart.spark_session import get_spark

    policy = load_contact_policy()
    template = next(iter(load_campaigns().values()))
    try:
        started = time.perf_counter()
        spark = get_spark("bench-campaign-policy", DataLayout(root))
        jvm_pid = int(spark.sparkContext._jvm.java.lang.ProcessHandle.current().pid())
        print(f"Spark start-up: {time.perf_counter() - started:.1f} s; master {spark.sparkContext.master}")

        started = time.perf_counter()
        candidates, contacts, restricted, complaints, suppressions, stores = _synthetic(
            spark, args.subscribers, args.campaigns, args.history_days, args.seed
        )
        candidates = candidates.localCheckpoint()
        contacts = contacts.localCheckpoint()
        rows = candidates.count()
        print(
            f"synthesised {rows:,} candidate rows ({args.campaigns} campaigns over {args.subscribers:,} subscribers) "
            f"and {contacts.count():,} history assignments in {time.perf_counter() - started:.1f} s"
        )

        history = PolicyHistory(restricted, suppressions, complaints, contacts)
        started = time.perf_counter()
        survivors, dropped = apply_contact_policy(candidates, history, policy, DAY)
        survivors = survivors.localCheckpoint()
        dropped = dropped.localCheckpoint()
        kept = survivors.count()
        policy_seconds = time.perf_counter() - started
        print(
            f"1. contact policy: {rows:,} -> {kept:,} rows in {policy_seconds:.1f} s ({rows / policy_seconds:,.0f} rows/s)"
        )
        for row in dropped.groupBy(DROP).count().orderBy(F.desc("count")).collect():
            print(f"     dropped by {row[DROP]}: {row['count']:,}")

        from dataclasses import replace

        campaigns = {
            f"campaign_{n}": replace(template, campaign_id=f"campaign_{n}", control_share=0.1)
            for n in range(args.campaigns)
        }
        waves = {cid: WaveState("full") for cid in campaigns}
        started = time.perf_counter()
        assigned, _ = assign_arms(survivors, campaigns, waves)
        assigned = assigned.localCheckpoint()
        arms = {r["arm"]: r["count"] for r in assigned.groupBy("arm").count().collect()}
        arm_seconds = time.perf_counter() - started
        print(f"2. control group and waves: {arms} in {arm_seconds:.1f} s ({kept / arm_seconds:,.0f} rows/s)")

        capacity = {
            "outbound_call": args.subscribers // 50,
            "sms": args.subscribers // 5,
            "app": args.subscribers * 3 // 10,
            "retail_counter": args.subscribers,
        }
        use = CapacityUse(capacity, dict(stores))
        treatment = assigned.where(F.col("arm") == "treatment")
        started = time.perf_counter()
        placed, waiting = allocate_channels(treatment, use)
        placed = placed.localCheckpoint()
        contacted = placed.count()
        capacity_seconds = time.perf_counter() - started
        waiting_rows = waiting.count()
        print(
            f"3. channel capacity: {arms.get('treatment', 0):,} -> {contacted:,} contacts, {waiting_rows:,} to the next day, "
            f"in {capacity_seconds:.1f} s ({arms.get('treatment', 0) / capacity_seconds:,.0f} rows/s)"
        )
        for row in use.rows():
            if row["scope"] == "channel":
                print(
                    f"     {row['channel']}: {row['used']:,} of {row['capacity']:,} (overflow onwards {row['overflow_next_channel']:,})"
                )
        total = policy_seconds + arm_seconds + capacity_seconds
        print(f"total: {total:.1f} s for {rows:,} candidate rows ({rows / total:,.0f} rows/s)")
        print(f"peak memory: this process {peak_rss_mb():,.0f} MB, Spark JVM {peak_rss_mb(jvm_pid):,.0f} MB")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
