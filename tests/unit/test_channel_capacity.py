"""Channel capacity on tiny frames: no channel or store over its capacity, overflow, best first, deterministic."""

from __future__ import annotations

import random

from pyspark.sql import functions as F

from telco_mart.campaigns.capacity import CAPACITY_NEXT_DAY, STORE_LIMITED_CHANNEL, CapacityUse, allocate_channels
from telco_mart.campaigns.policy import DROP

TREATMENT_SCHEMA = (
    "campaign_id string, subscriber_id string, store_id string, arbitration_score double, channels array<string>"
)
CHANNELS = {
    "fit": ["outbound_call", "sms"],
    "flagship": ["sms", "app"],
    "renewal": [STORE_LIMITED_CHANNEL, "app"],
    "sms_only": ["sms"],
}
NO_CAPACITY = {"outbound_call": 0, "sms": 0, STORE_LIMITED_CHANNEL: 0, "app": 0}


def row(campaign_id: str, subscriber_id: str, score: float | None, store_id: str | None = "S1") -> tuple:
    return (campaign_id, subscriber_id, store_id, score, CHANNELS[campaign_id])


def allocate(spark, rows, channel_capacity: dict, store_capacity: dict | None = None):
    """({(campaign, subscriber): (channel, preference rank)}, {(campaign, subscriber): drop step}, use)."""
    use = CapacityUse({**NO_CAPACITY, **channel_capacity}, store_capacity or {})
    contacted, dropped = allocate_channels(spark.createDataFrame(rows, TREATMENT_SCHEMA), use)
    both = contacted.withColumn(DROP, F.lit(None).cast("string")).unionByName(
        dropped.withColumn("channel", F.lit(None).cast("string")).withColumn(
            "channel_preference_rank", F.lit(None).cast("int")
        )
    )
    collected = both.collect()
    placed = {(r["campaign_id"], r["subscriber_id"]): (r["channel"], r["channel_preference_rank"]) for r in collected}
    lost = {(r["campaign_id"], r["subscriber_id"]): r[DROP] for r in collected if r[DROP] is not None}
    for key in lost:
        del placed[key]
    assert len(placed) + len(lost) == len(collected) == len(rows), "every contact comes out exactly once"
    assert set(lost.values()) <= {CAPACITY_NEXT_DAY}
    return placed, lost, use


def used(placed: dict) -> dict[str, int]:
    counts: dict[str, int] = {}
    for channel, _ in placed.values():
        counts[channel] = counts.get(channel, 0) + 1
    return counts


def test_a_channel_takes_its_capacity_best_scores_first(spark):
    rows = [
        row("sms_only", "s1", 1.0),
        row("sms_only", "s2", 5.0),
        row("sms_only", "s3", None),
        row("sms_only", "s4", 3.0),
        row("sms_only", "s5", 3.0),
        row("sms_only", "s6", 2.0),
    ]

    placed, lost, use = allocate(spark, rows, {"sms": 3})

    # s4 and s5 tie at 3.0: the subscriber id decides; an unknown score goes last.
    assert placed == {("sms_only", "s2"): ("sms", 1), ("sms_only", "s4"): ("sms", 1), ("sms_only", "s5"): ("sms", 1)}
    assert set(lost) == {("sms_only", "s1"), ("sms_only", "s3"), ("sms_only", "s6")}
    assert use.channel_used == {"sms": 3}


def test_overflow_goes_to_the_next_preferred_channel_then_to_the_next_day(spark):
    rows = [row("fit", f"f{score}", float(score)) for score in (9, 8, 7, 6, 5, 4)]
    rows += [row("flagship", f"g{score}", float(score)) for score in (1, 2, 3)]

    placed, lost, use = allocate(spark, rows, {"outbound_call": 2, "sms": 4, "app": 1})

    # The first choices fill each channel before any second choice: flagship takes 3 of the 4 SMS
    # places with lower scores than the fit contacts that overflow from the call centre.
    assert placed == {
        ("fit", "f9"): ("outbound_call", 1),
        ("fit", "f8"): ("outbound_call", 1),
        ("flagship", "g1"): ("sms", 1),
        ("flagship", "g2"): ("sms", 1),
        ("flagship", "g3"): ("sms", 1),
        ("fit", "f7"): ("sms", 2),
    }
    assert set(lost) == {("fit", "f6"), ("fit", "f5"), ("fit", "f4")}
    assert use.channel_used == used(placed) == {"outbound_call": 2, "sms": 4}
    assert use.overflow_next_channel.get("outbound_call") == 4
    assert use.overflow_next_channel.get("sms", 0) == 0


def test_the_same_contacts_in_any_order_fill_the_same_places(spark):
    rows = [row("fit", f"s{n:02d}", float(n % 3)) for n in range(12)]
    rows += [row("flagship", f"s{n:02d}", float(n % 2)) for n in range(0, 12, 2)]
    capacity = {"outbound_call": 4, "sms": 5, "app": 2}
    first = allocate(spark, rows, capacity)

    shuffled = list(rows)
    random.Random(3).shuffle(shuffled)
    again = allocate(spark, shuffled, capacity)

    assert first[:2] == again[:2]
    assert first[2].channel_used == again[2].channel_used == {"outbound_call": 4, "sms": 5, "app": 1}


def test_the_retail_counter_keeps_to_each_store_and_to_the_channel_total(spark):
    rows = [
        row("renewal", "a", 5.0, "S1"),
        row("renewal", "b", 4.0, "S1"),
        row("renewal", "c", 3.0, "S1"),
        row("renewal", "d", 5.0, "S2"),
        row("renewal", "e", 4.0, "S2"),
        row("renewal", "f", 3.0, "S2"),
        row("renewal", "no_store", 9.0, None),
        row("renewal", "unknown_store", 8.0, "S9"),
    ]

    placed, lost, use = allocate(spark, rows, {STORE_LIMITED_CHANNEL: 10, "app": 2}, {"S1": 1, "S2": 2})

    assert placed == {
        ("renewal", "a"): (STORE_LIMITED_CHANNEL, 1),
        ("renewal", "d"): (STORE_LIMITED_CHANNEL, 1),
        ("renewal", "e"): (STORE_LIMITED_CHANNEL, 1),
        ("renewal", "no_store"): ("app", 2),
        ("renewal", "unknown_store"): ("app", 2),
    }
    assert set(lost) == {("renewal", "b"), ("renewal", "c"), ("renewal", "f")}
    assert use.store_used == {"S1": 1, "S2": 2}
    assert use.channel_used == {STORE_LIMITED_CHANNEL: 3, "app": 2}
    assert use.rows() == [
        {"channel": "app", "scope": "channel", "scope_id": "app", "capacity": 2, "used": 2, "overflow_next_channel": 0},
        {
            "channel": "outbound_call",
            "scope": "channel",
            "scope_id": "outbound_call",
            "capacity": 0,
            "used": 0,
            "overflow_next_channel": 0,
        },
        {
            "channel": STORE_LIMITED_CHANNEL,
            "scope": "channel",
            "scope_id": STORE_LIMITED_CHANNEL,
            "capacity": 10,
            "used": 3,
            "overflow_next_channel": 5,
        },
        {"channel": "sms", "scope": "channel", "scope_id": "sms", "capacity": 0, "used": 0, "overflow_next_channel": 0},
        {
            "channel": STORE_LIMITED_CHANNEL,
            "scope": "store",
            "scope_id": "S1",
            "capacity": 1,
            "used": 1,
            "overflow_next_channel": 0,
        },
        {
            "channel": STORE_LIMITED_CHANNEL,
            "scope": "store",
            "scope_id": "S2",
            "capacity": 2,
            "used": 2,
            "overflow_next_channel": 0,
        },
    ]


def test_the_retail_counter_total_caps_the_stores_together(spark):
    rows = [
        row("renewal", "a", 5.0, "S1"),
        row("renewal", "b", 1.0, "S1"),
        row("renewal", "c", 4.0, "S2"),
        row("renewal", "d", 3.0, "S2"),
    ]

    placed, lost, use = allocate(spark, rows, {STORE_LIMITED_CHANNEL: 2}, {"S1": 2, "S2": 2})

    assert placed == {("renewal", "a"): (STORE_LIMITED_CHANNEL, 1), ("renewal", "c"): (STORE_LIMITED_CHANNEL, 1)}
    assert set(lost) == {("renewal", "b"), ("renewal", "d")}
    assert use.store_used == {"S1": 1, "S2": 1}


def test_no_contacts_use_no_capacity(spark):
    placed, lost, use = allocate(spark, [], {"sms": 3})

    assert (placed, lost, use.channel_used, use.store_used) == ({}, {}, {}, {})


def test_overflow_to_the_next_channel_counts_only_contacts_that_have_one(spark):
    sms_only = [row("sms_only", s, 1.0) for s in ("a", "b", "c")]
    alone = allocate(spark, sms_only, {"sms": 1})[2]
    beside = allocate(spark, [*sms_only, row("fit", "d", 1.0)], {"sms": 1, "outbound_call": 1})[2]

    assert alone.overflow_next_channel.get("sms", 0) == beside.overflow_next_channel.get("sms", 0) == 0
