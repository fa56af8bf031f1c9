"""Channel capacity: each channel takes at most its daily number of contacts (the retail
counter also at most its share of each store's capacity); what does not fit falls to the
campaign's next preferred channel, then to the next day.

Within a channel the best arbitration scores go first, ties broken by subscriber and campaign
id, so the same inputs fill the same places. Each round (first choice, second choice, ...)
ranks the contacts still waiting and takes what is left of each capacity.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from telco_mart.campaigns.channels import PER_STORE_CHANNELS
from telco_mart.campaigns.policy import DROP

# The store capacities form one table shared out per home store: one channel (the retail counter)
# is limited per store; the registry marks it (`limited_per_store`).
(STORE_LIMITED_CHANNEL,) = PER_STORE_CHANNELS
CAPACITY_NEXT_DAY = "channel_capacity_next_day"


@dataclass
class CapacityUse:
    """Capacity and use of each channel (and each store for the retail counter) on the day."""

    channel_capacity: dict[str, int]
    store_capacity: dict[str, int]
    channel_used: dict[str, int] = field(default_factory=dict)
    store_used: dict[str, int] = field(default_factory=dict)
    overflow_next_channel: dict[str, int] = field(default_factory=dict)

    def rows(self) -> list[dict]:
        """One dict per channel and per store used, for the run summary and the report."""
        out = [
            {
                "channel": c,
                "scope": "channel",
                "scope_id": c,
                "capacity": cap,
                "used": self.channel_used.get(c, 0),
                "overflow_next_channel": self.overflow_next_channel.get(c, 0),
            }
            for c, cap in sorted(self.channel_capacity.items())
        ]
        out += [
            {
                "channel": STORE_LIMITED_CHANNEL,
                "scope": "store",
                "scope_id": s,
                "capacity": self.store_capacity.get(s, 0),
                "used": used,
                "overflow_next_channel": 0,
            }
            for s, used in sorted(self.store_used.items())
        ]
        return out


def allocate_channels(treatment: DataFrame, use: CapacityUse) -> tuple[DataFrame, DataFrame]:
    """(contacted, dropped): ``channel`` and ``channel_preference_rank`` for the contacts that fit;
    the others are dropped for the day with ``channel_capacity_next_day``.

    ``treatment`` needs campaign_id, subscriber_id, store_id, arbitration_score and ``channels``
    (the campaign's channels in order of preference).
    """
    spark = treatment.sparkSession
    best_first = [F.col("arbitration_score").desc(), F.col("subscriber_id"), F.col("campaign_id")]
    pending = treatment
    placed: list[DataFrame] = []
    rounds = treatment.select(F.max(F.size("channels")).alias("n")).first()["n"] or 0
    for choice in range(rounds):
        offered = pending.where(F.size("channels") > choice).withColumn("channel", F.col("channels")[choice])
        store_left = spark.createDataFrame(
            [(s, cap - use.store_used.get(s, 0)) for s, cap in use.store_capacity.items()] or [("", 0)],
            "store_id string, _store_left int",
        )
        in_store = Window.partitionBy("channel", "store_id").orderBy(*best_first)
        offered = (
            offered.withColumn("_store_rank", F.row_number().over(in_store))
            .join(F.broadcast(store_left), "store_id", "left")
            .where(
                (F.col("channel") != STORE_LIMITED_CHANNEL)
                | (F.col("store_id").isNotNull() & (F.col("_store_rank") <= F.coalesce(F.col("_store_left"), F.lit(0))))
            )
        )
        channel_left = spark.createDataFrame(
            [(c, cap - use.channel_used.get(c, 0)) for c, cap in use.channel_capacity.items()],
            "channel string, _channel_left int",
        )
        in_channel = Window.partitionBy("channel").orderBy(*best_first)
        accepted = (
            offered.withColumn("_channel_rank", F.row_number().over(in_channel))
            .join(F.broadcast(channel_left), "channel", "left")
            .where(F.col("_channel_rank") <= F.coalesce(F.col("_channel_left"), F.lit(0)))
            .withColumn("channel_preference_rank", F.lit(choice + 1))
            .drop("_store_rank", "_store_left", "_channel_rank", "_channel_left")
            .localCheckpoint()
        )
        for row in accepted.groupBy("channel", "store_id").count().collect():
            use.channel_used[row["channel"]] = use.channel_used.get(row["channel"], 0) + row["count"]
            if row["channel"] == STORE_LIMITED_CHANNEL:
                use.store_used[row["store_id"]] = use.store_used.get(row["store_id"], 0) + row["count"]
        # Only contacts with a next channel overflow onwards; the others wait for the next day.
        waiting_before = (
            pending.where(F.size("channels") > choice + 1).groupBy(F.col("channels")[choice].alias("c")).count()
        )
        placed.append(accepted)
        pending = pending.join(
            accepted.select("campaign_id", "subscriber_id"), ["campaign_id", "subscriber_id"], "left_anti"
        )
        pending = pending.localCheckpoint()
        if choice + 1 < rounds:
            accepted_by_channel = {
                r["channel"]: r["count"]
                for r in accepted.where(F.size("channels") > choice + 1).groupBy("channel").count().collect()
            }
            for row in waiting_before.collect():
                overflow = row["count"] - accepted_by_channel.get(row["c"], 0)
                use.overflow_next_channel[row["c"]] = use.overflow_next_channel.get(row["c"], 0) + overflow
    contacted = (
        placed[0]
        if placed
        else treatment.limit(0)
        .withColumn("channel", F.lit(None).cast("string"))
        .withColumn("channel_preference_rank", F.lit(None).cast("int"))
    )
    for frame in placed[1:]:
        contacted = contacted.unionByName(frame)
    dropped = pending.withColumn(DROP, F.lit(CAPACITY_NEXT_DAY))
    return contacted, dropped
