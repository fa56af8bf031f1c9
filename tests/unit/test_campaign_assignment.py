"""Control groups and waves: the hashed hold-out, its stability, the test wave and its release."""

from __future__ import annotations

import dataclasses
import hashlib
import random
from datetime import date

import pytest
from pyspark.sql import functions as F

from telco_mart.campaigns import definition
from telco_mart.campaigns.assignment import (
    AWAITING_TEST_WAVE,
    TEST_WAVE_COMPLAINTS,
    WaveState,
    assign_arms,
    wave_state,
)
from telco_mart.campaigns.policy import DROP
from telco_mart.campaigns.tables import CONTROL, FULL_WAVE, TEST_WAVE, TREATMENT

DAY = date(2026, 12, 10)
SURVIVORS_SCHEMA = "campaign_id string, subscriber_id string, arbitration_score double"
TEMPLATE = definition.load_campaign_file(definition.CAMPAIGNS_DIR / "fit_3g_recommended.yaml")


def campaign(campaign_id: str, control_share: float = 0.2, size: int = 0, release_after_days: int = 1):
    return dataclasses.replace(
        TEMPLATE,
        campaign_id=campaign_id,
        control_share=control_share,
        test_send=definition.TestSend(size, release_after_days, max_complaint_rate=0.03),
    )


def fraction(salt: str, campaign_id: str, subscriber_id: str) -> float:
    """The documented hash, recomputed outside Spark: SHA-256 of ``salt:campaign:subscriber``."""
    digest = hashlib.sha256(f"{salt}:{campaign_id}:{subscriber_id}".encode()).hexdigest()
    return int(digest[:13], 16) / 16**13


def subscribers(count: int, prefix: str = "86") -> list[str]:
    return [f"{prefix}{n:06d}" for n in range(count)]


def survivors(spark, pairs: list[tuple[str, str]]):
    return spark.createDataFrame([(c, s, float(n % 7)) for n, (c, s) in enumerate(pairs)], SURVIVORS_SCHEMA)


def assign(spark, pairs, campaigns, waves) -> tuple[dict, dict]:
    """({(campaign, subscriber): (arm, wave)}, {(campaign, subscriber): drop step}), each row once."""
    by_id = {c.campaign_id: c for c in campaigns}
    assigned, dropped = assign_arms(survivors(spark, pairs), by_id, waves)
    assert DROP in assigned.columns and "arm" not in dropped.columns and "wave" not in dropped.columns
    both = assigned.withColumn("kept", F.lit(True)).unionByName(
        dropped.withColumn("kept", F.lit(False)), allowMissingColumns=True
    )
    rows = both.collect()
    assert all(r["kept"] == (r[DROP] is None) for r in rows), "kept rows have no drop step, dropped rows have one"
    kept = {(r["campaign_id"], r["subscriber_id"]): (r["arm"], r["wave"]) for r in rows if r["kept"]}
    lost = {(r["campaign_id"], r["subscriber_id"]): r[DROP] for r in rows if not r["kept"]}
    assert not set(kept) & set(lost) and len(kept) + len(lost) == len(rows) == len(pairs)
    return kept, lost


SIZE_10 = campaign("fit", size=10)
NO_TEST = campaign("renew", size=0)


@pytest.mark.parametrize(
    ("campaign_under_test", "history", "day", "expected"),
    [
        pytest.param(NO_TEST, {}, DAY, WaveState(FULL_WAVE), id="no-test-wave-is-full"),
        pytest.param(
            NO_TEST,
            {"test_date": date(2026, 12, 9), "contacts": 10, "complaints": 10},
            DAY,
            WaveState(FULL_WAVE),
            id="size-0-ignores-history",
        ),
        pytest.param(SIZE_10, {}, DAY, WaveState(TEST_WAVE), id="no-history-is-test"),
        pytest.param(SIZE_10, {"test_date": None}, DAY, WaveState(TEST_WAVE), id="no-test-date-is-test"),
        pytest.param(
            campaign("fit", size=10, release_after_days=3),
            {"test_date": date(2026, 12, 8), "contacts": 100, "complaints": 0},
            DAY,
            WaveState("waiting", date(2026, 12, 8), 100, 0),
            id="before-release-is-waiting",
        ),
        pytest.param(
            SIZE_10,
            {"test_date": date(2026, 12, 9), "contacts": 100, "complaints": 3},
            DAY,
            WaveState(FULL_WAVE, date(2026, 12, 9), 100, 3),
            id="rate-at-the-limit-is-full",
        ),
        pytest.param(
            SIZE_10,
            {"test_date": date(2026, 12, 9), "contacts": 100, "complaints": 4},
            DAY,
            WaveState("held", date(2026, 12, 9), 100, 4),
            id="rate-over-the-limit-is-held",
        ),
        pytest.param(
            SIZE_10,
            {"test_date": date(2026, 12, 1), "contacts": 100, "complaints": 4},
            DAY,
            WaveState("held", date(2026, 12, 1), 100, 4),
            id="held-stays-held",
        ),
        pytest.param(
            SIZE_10,
            {"test_date": date(2026, 12, 9), "contacts": 0, "complaints": 0},
            DAY,
            WaveState(FULL_WAVE, date(2026, 12, 9), 0, 0),
            id="no-test-contact-is-full",
        ),
    ],
)
def test_wave_state(campaign_under_test, history, day, expected):
    assert wave_state(campaign_under_test, day, history) == expected


def test_the_complaint_rate_of_a_wave():
    assert WaveState("held", DAY, 200, 7).complaint_rate == pytest.approx(0.035)
    assert WaveState(TEST_WAVE).complaint_rate is None


def test_about_the_control_share_is_held_out_by_the_documented_hash(spark):
    ids = subscribers(400)
    campaigns = [campaign("fit", control_share=0.2), campaign("upsell", control_share=0.5)]
    pairs = [(c.campaign_id, s) for c in campaigns for s in ids]

    arms, lost = assign(spark, pairs, campaigns, {c.campaign_id: WaveState(FULL_WAVE) for c in campaigns})

    assert lost == {}
    assert {wave for _, wave in arms.values()} == {FULL_WAVE}
    control = {c: {s for (cid, s), (arm, _) in arms.items() if cid == c and arm == CONTROL} for c in ("fit", "upsell")}
    assert 60 <= len(control["fit"]) <= 100  # 20% of 400, within 2.5 standard deviations
    assert 170 <= len(control["upsell"]) <= 230  # 50% of 400
    # Any tool recomputes the arm from the two ids.
    shares = {c.campaign_id: c.control_share for c in campaigns}
    assert all(
        (arm == CONTROL) == (fraction("control", c, s) < shares[c]) and arm in (CONTROL, TREATMENT)
        for (c, s), (arm, _) in arms.items()
    )
    # Independent draws: about a quarter of the upsell hold-out is in the fit hold-out too.
    both = control["fit"] & control["upsell"]
    assert 0.1 * len(control["upsell"]) <= len(both) <= 0.3 * len(control["upsell"])


def test_a_subscriber_keeps_the_arm_of_a_campaign_across_calls_and_row_orders(spark):
    ids = subscribers(60)
    campaigns = [campaign("fit", control_share=0.3), campaign("renew", control_share=0.3)]
    waves = {c.campaign_id: WaveState(FULL_WAVE) for c in campaigns}
    pairs = [(c.campaign_id, s) for c in campaigns for s in ids]
    first, _ = assign(spark, pairs, campaigns, waves)

    fewer = [pair for pair in pairs if pair[1] in ids[::3]]
    random.Random(7).shuffle(fewer)
    again, _ = assign(spark, fewer, campaigns, waves)

    assert again == {pair: first[pair] for pair in fewer}
    # Salted by the campaign: the two campaigns do not hold out the same subscribers.
    assert {s for (c, s), (a, _) in first.items() if c == "fit" and a == CONTROL} != {
        s for (c, s), (a, _) in first.items() if c == "renew" and a == CONTROL
    }


def test_the_test_wave_takes_size_over_the_treatment_share_of_subjects(spark):
    # fit: ceil(10 / 0.8) = 13 of 40; upsell: ceil(4 / 0.5) = 8 of 40; renew sends in full.
    campaigns = [
        campaign("fit", control_share=0.2, size=10),
        campaign("upsell", control_share=0.5, size=4),
        campaign("renew", control_share=0.2, size=0),
    ]
    waves = {"fit": WaveState(TEST_WAVE), "upsell": WaveState(TEST_WAVE), "renew": WaveState(FULL_WAVE)}
    pairs = [(c, s) for c in ("fit", "upsell") for s in subscribers(40)] + [("renew", s) for s in subscribers(20)]

    arms, lost = assign(spark, pairs, campaigns, waves)
    shuffled = list(reversed(pairs))
    arms_again, lost_again = assign(spark, shuffled, campaigns, waves)

    assert (arms_again, lost_again) == (arms, lost)
    for campaign_id, subjects in (("fit", 13), ("upsell", 8), ("renew", 20)):
        chosen = {s for (c, s) in arms if c == campaign_id}
        assert len(chosen) == subjects, campaign_id
    assert set(lost.values()) == {AWAITING_TEST_WAVE}
    assert len(lost) == (40 - 13) + (40 - 8)
    # The wave is the subjects with the smallest wave hash; control subjects count in it.
    fit_ids = sorted(subscribers(40), key=lambda s: (fraction("wave", "fit", s), s))
    assert {s for (c, s) in arms if c == "fit"} == set(fit_ids[:13])
    assert {wave for (c, _), (_, wave) in arms.items() if c != "renew"} == {TEST_WAVE}
    assert {wave for (c, _), (_, wave) in arms.items() if c == "renew"} == {FULL_WAVE}


def test_waiting_and_held_waves_send_nothing_and_say_why(spark):
    campaigns = [campaign("fit", size=10), campaign("upsell", size=10), campaign("renew", size=10)]
    waves = {
        "fit": WaveState("waiting", date(2026, 12, 9), 10, 0),
        "upsell": WaveState("held", date(2026, 12, 8), 10, 3),
        "renew": WaveState(FULL_WAVE, date(2026, 12, 8), 10, 0),
    }
    pairs = [(c.campaign_id, s) for c in campaigns for s in subscribers(12)]

    arms, lost = assign(spark, pairs, campaigns, waves)

    assert lost == {
        **{("fit", s): AWAITING_TEST_WAVE for s in subscribers(12)},
        **{("upsell", s): TEST_WAVE_COMPLAINTS for s in subscribers(12)},
    }
    assert set(arms) == {("renew", s) for s in subscribers(12)}
    assert {wave for _, wave in arms.values()} == {FULL_WAVE}


def test_the_test_wave_size_is_exact_for_shares_without_an_exact_binary_form(spark):
    fit = campaign("fit", control_share=0.3, size=21)
    pairs = [("fit", s) for s in subscribers(40)]

    arms, lost = assign(spark, pairs, [fit], {"fit": WaveState(TEST_WAVE)})

    assert (len(arms), len(lost)) == (30, 10)
