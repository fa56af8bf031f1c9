"""Control groups and waves: who is held out, and who goes in the test send.

The hold-out is a stable hash of the subscriber id with the campaign as salt: the same
subscriber is in the control group of a campaign on every day and every rerun, and in
different campaigns independently. The hash is SHA-256 (Spark's ``sha2``), so any tool can
recompute a subscriber's arm from the two ids.

A campaign with a test send first sends a small wave (``test_send.size`` contacts, with its own
share of control subjects); it releases the full send ``release_after_days`` later only when the
test wave's complaint rate stayed at or under ``max_complaint_rate``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from telco_mart.campaigns.definition import Campaign
from telco_mart.campaigns.policy import DROP
from telco_mart.campaigns.tables import CONTROL, FULL_WAVE, TEST_WAVE, TREATMENT

CONTROL_GROUP = "control_group"
AWAITING_TEST_WAVE = "awaiting_test_wave"
TEST_WAVE_COMPLAINTS = "test_wave_complaints"
_HEX_DIGITS = 13  # 52 bits: exact in a double


def hashed_fraction(salt: str, campaign_id: Column, subscriber_id: Column) -> Column:
    """A uniform number in [0, 1) from SHA-256 of ``<salt>:<campaign id>:<subscriber id>``."""
    digest = F.sha2(F.concat_ws(":", F.lit(salt), campaign_id, subscriber_id), 256)
    leading = F.conv(F.substring(digest, 1, _HEX_DIGITS), 16, 10).cast("double")
    return leading / F.lit(float(16**_HEX_DIGITS))


@dataclass(frozen=True)
class WaveState:
    """What a campaign sends today."""

    wave: str  # "test", "full", "waiting" (test wave out, release not due) or "held" (test wave complained)
    test_date: date | None = None
    test_contacts: int = 0
    test_complaints: int = 0

    @property
    def complaint_rate(self) -> float | None:
        """Complaints per test contact."""
        return self.test_complaints / self.test_contacts if self.test_contacts else None


def wave_state(campaign: Campaign, day: date, test_history: dict) -> WaveState:
    """The campaign's wave on ``day`` from its test wave so far.

    ``test_history``: ``{"test_date": date | None, "contacts": int, "complaints": int}`` from the
    contact history and the reconciled channel results before ``day``.
    """
    if campaign.test_send.size == 0:
        return WaveState(FULL_WAVE)
    test_date = test_history.get("test_date")
    if test_date is None:
        return WaveState(TEST_WAVE)
    contacts, complaints = test_history.get("contacts", 0), test_history.get("complaints", 0)
    if day < test_date + timedelta(days=campaign.test_send.release_after_days):
        return WaveState("waiting", test_date, contacts, complaints)
    rate = complaints / contacts if contacts else 0.0
    state = FULL_WAVE if rate <= campaign.test_send.max_complaint_rate else "held"
    return WaveState(state, test_date, contacts, complaints)


def test_wave_subjects(campaign: Campaign) -> int:
    """Subjects the test wave takes so that about ``size`` of them are contacted: ``ceil(size / (1 - share))``,
    in exact fractions (21 / 0.7 is 30, not 30.000000000000004 and so 31)."""
    share = Fraction(str(campaign.control_share))
    return math.ceil(Fraction(campaign.test_send.size) / (1 - share))


def assign_arms(
    survivors: DataFrame, campaigns: dict[str, Campaign], waves: dict[str, WaveState]
) -> tuple[DataFrame, DataFrame]:
    """(assigned, dropped): ``arm`` and ``wave`` for the rows that go out today (control rows
    included); rows that wait for the test wave's release are dropped with the reason."""
    control_share = F.create_map(
        *[x for c in campaigns.values() for x in (F.lit(c.campaign_id), F.lit(c.control_share))]
    )
    wave_of = F.create_map(*[x for cid, w in waves.items() for x in (F.lit(cid), F.lit(w.wave))])
    # The test wave takes size / (1 - control share) subjects so that `size` of them are contacted.
    test_subjects = F.create_map(
        *[x for c in campaigns.values() for x in (F.lit(c.campaign_id), F.lit(test_wave_subjects(c)))]
    )
    frame = (
        survivors.withColumn("_u_control", hashed_fraction("control", F.col("campaign_id"), F.col("subscriber_id")))
        .withColumn("_u_wave", hashed_fraction("wave", F.col("campaign_id"), F.col("subscriber_id")))
        .withColumn("_wave", wave_of[F.col("campaign_id")])
    )
    by_wave_hash = Window.partitionBy("campaign_id").orderBy("_u_wave", "subscriber_id")
    frame = frame.withColumn("_wave_rank", F.row_number().over(by_wave_hash))
    frame = frame.withColumn(
        DROP,
        F.when(F.col("_wave") == "held", F.lit(TEST_WAVE_COMPLAINTS))
        .when(F.col("_wave") == "waiting", F.lit(AWAITING_TEST_WAVE))
        .when(
            (F.col("_wave") == TEST_WAVE) & (F.col("_wave_rank") > test_subjects[F.col("campaign_id")]),
            F.lit(AWAITING_TEST_WAVE),
        ),
    )
    frame = frame.withColumn(
        "arm",
        F.when(F.col("_u_control") < control_share[F.col("campaign_id")], F.lit(CONTROL)).otherwise(F.lit(TREATMENT)),
    ).withColumn("wave", F.col("_wave"))
    helpers = ["_u_control", "_u_wave", "_wave", "_wave_rank"]
    dropped = frame.where(F.col(DROP).isNotNull()).drop(*helpers, "arm", "wave")
    assigned = frame.where(F.col(DROP).isNull()).drop(*helpers)
    return assigned, dropped
