"""The contact policy, applied in its configured order, every drop kept with its reason.

``apply_contact_policy`` takes the day's candidates (one row per campaign and subscriber,
from ``selection``) and the history, and returns the survivors of arbitration plus the dropped
rows, each with the step that dropped it. Rules that look at one row (restrictions, cool-off,
suppressions, the contact history) are decided in one pass, the first failing rule naming the
drop; the rules that compare campaigns for one subscriber (mutual exclusion, arbitration) rank
the survivors. The order is the one in ``campaigns/policy/contact_policy.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from telco_mart.campaigns.policy_config import ContactPolicy, FrequencyCap
from telco_mart.campaigns.tables import TREATMENT

DROP = "drop_step"
DO_NOT_DISTURB = "do_not_disturb_or_blacklist"
OPTED_OUT = "opted_out"
COMPLAINT_COOL_OFF = "complaint_cool_off"
RECENT_REFUSAL = "recent_refusal"
ALREADY_IN_CAMPAIGN = "already_in_campaign"
MUTUAL_EXCLUSION = "mutual_exclusion"
ARBITRATION = "arbitration"


@dataclass(frozen=True)
class PolicyHistory:
    """What the policy looks back at, all as of the run date (history strictly before it)."""

    restricted_ids: DataFrame  # subscriber_id: do-not-disturb or blacklist in the latest extract
    suppressions: DataFrame  # entries in force: subscriber_id, suppression_kind, exclusion_group
    complaints: DataFrame  # CRM complaints of the cool-off window: subscriber_id, complaint_category
    contacts: DataFrame  # assignments before the date (the declared fct_contacts)


def policy_steps(policy: ContactPolicy) -> list[str]:
    """Every step's name in the order the policy applies them (the funnel's rows)."""
    return [
        DO_NOT_DISTURB,
        OPTED_OUT,
        COMPLAINT_COOL_OFF,
        RECENT_REFUSAL,
        ALREADY_IN_CAMPAIGN,
        *(cap.step for cap in policy.frequency_caps),
        MUTUAL_EXCLUSION,
        ARBITRATION,
    ]


def _before(cap: FrequencyCap) -> str:
    """The column counting a subscriber's contacts in the cap's window before today."""
    return f"{cap.step}_before_today"


def _flag(candidates: DataFrame, ids: DataFrame, name: str, keys: list[str]) -> DataFrame:
    """Adds boolean ``name``: whether the row's keys are in ``ids``."""
    marked = ids.select(*keys).distinct().withColumn(name, F.lit(True))
    return candidates.join(marked, on=keys, how="left").fillna({name: False})


def _history_flags(candidates: DataFrame, history: PolicyHistory, policy: ContactPolicy, day: date) -> DataFrame:
    suppressions = history.suppressions
    frame = _flag(candidates, history.restricted_ids, "_restricted", ["subscriber_id"])
    frame = _flag(frame, suppressions.where(F.col("suppression_kind") == "opted_out"), "_opted_out", ["subscriber_id"])
    cool_off = history.complaints.where(F.col("complaint_category").isin(*policy.complaint_categories)).select(
        "subscriber_id"
    )
    cool_off = cool_off.unionByName(
        suppressions.where(F.col("suppression_kind") == "complained").select("subscriber_id")
    )
    frame = _flag(frame, cool_off, "_cool_off", ["subscriber_id"])
    frame = _flag(
        frame,
        suppressions.where(F.col("suppression_kind") == "refused"),
        "_refused",
        ["subscriber_id", "exclusion_group"],
    )
    frame = _flag(frame, history.contacts, "_in_campaign", ["campaign_id", "subscriber_id"])
    treated = history.contacts.where(F.col("arm") == TREATMENT)
    for cap in policy.frequency_caps:
        # A contact today would be the (n+1)th in the window of `days` days that ends today.
        since = day - timedelta(days=cap.days - 1)
        earlier = (
            treated.where(F.col("business_date") >= F.lit(since))
            .groupBy("subscriber_id")
            .agg(F.count(F.lit(1)).alias(_before(cap)))
        )
        frame = frame.join(earlier, "subscriber_id", "left").fillna({_before(cap): 0})
        frame = frame.withColumn(f"_{cap.step}", F.col(_before(cap)) >= cap.max_contacts)
    since = day - timedelta(days=policy.mutual_exclusion_days)
    grouped = history.contacts.where(F.col("business_date") >= F.lit(since)).select(
        "subscriber_id", "exclusion_group", F.col("campaign_id").alias("_other_campaign")
    )
    other = (
        frame.select("campaign_id", "subscriber_id", "exclusion_group")
        .join(grouped, ["subscriber_id", "exclusion_group"])
        .where(F.col("_other_campaign") != F.col("campaign_id"))
        .select("campaign_id", "subscriber_id")
    )
    return _flag(frame, other, "_excluded_before", ["campaign_id", "subscriber_id"])


def apply_contact_policy(
    candidates: DataFrame, history: PolicyHistory, policy: ContactPolicy, day: date
) -> tuple[DataFrame, DataFrame]:
    """(survivors, dropped): survivors of every rule up to arbitration; dropped rows carry ``drop_step``.

    ``candidates`` needs campaign_id, subscriber_id, exclusion_group, arbitration_score,
    is_dnd and is_blacklisted (from dim_subscriber).
    """
    flagged = _history_flags(candidates, history, policy, day)
    # The first failing rule names the drop (the policy's order).
    rules = [
        (DO_NOT_DISTURB, F.col("_restricted") | F.coalesce(F.col("is_dnd") | F.col("is_blacklisted"), F.lit(False))),
        (OPTED_OUT, F.col("_opted_out")),
        (COMPLAINT_COOL_OFF, F.col("_cool_off")),
        (RECENT_REFUSAL, F.col("_refused")),
        (ALREADY_IN_CAMPAIGN, F.col("_in_campaign")),
        *((cap.step, F.col(f"_{cap.step}")) for cap in policy.frequency_caps),
        (MUTUAL_EXCLUSION, F.col("_excluded_before")),
    ]
    decision = F.lit(None).cast("string")
    for step, failed in reversed(rules):
        decision = F.when(failed, F.lit(step)).otherwise(decision)
    helper_columns = [c for c in flagged.columns if c.startswith("_")]
    decided = flagged.withColumn(DROP, decision).drop(*helper_columns)

    # Mutual exclusion within the day, then arbitration: the best by priority x expected value,
    # ties broken by campaign id so the choice is the same on every run.
    best_first = [F.col("arbitration_score").desc(), F.col("campaign_id")]
    alive = decided.where(F.col(DROP).isNull())
    in_group = Window.partitionBy("subscriber_id", "exclusion_group").orderBy(*best_first)
    alive = alive.withColumn("_group_rank", F.row_number().over(in_group))
    alive = alive.withColumn(DROP, F.when(F.col("_group_rank") > 1, F.lit(MUTUAL_EXCLUSION)))
    survivors_of_group = alive.where(F.col(DROP).isNull())
    per_subscriber = Window.partitionBy("subscriber_id").orderBy(*best_first)
    # Beyond the day's maximum a campaign loses arbitration; within it, a campaign that would take
    # the subscriber over a frequency cap today (several campaigns a day allowed) is dropped by that cap.
    over_cap = F.lit(None).cast("string")
    for cap in reversed(policy.frequency_caps):
        over_cap = F.when(F.col("_day_rank") > F.col(f"_{cap.step}_left"), F.lit(cap.step)).otherwise(over_cap)
    ranked = survivors_of_group.withColumn("_day_rank", F.row_number().over(per_subscriber))
    for cap in policy.frequency_caps:
        ranked = ranked.withColumn(f"_{cap.step}_left", F.lit(cap.max_contacts) - F.col(_before(cap)))
    ranked = ranked.withColumn(
        DROP,
        F.when(F.col("_day_rank") > policy.max_campaigns_per_subscriber_per_day, F.lit(ARBITRATION)).otherwise(
            over_cap
        ),
    ).drop(*[f"_{cap.step}_left" for cap in policy.frequency_caps])
    dropped = (
        decided.where(F.col(DROP).isNotNull())
        .unionByName(alive.where(F.col(DROP).isNotNull()).drop("_group_rank"))
        .unionByName(ranked.where(F.col(DROP).isNotNull()).drop("_group_rank", "_day_rank"))
    )
    survivors = ranked.where(F.col(DROP).isNull()).drop("_group_rank", "_day_rank")
    counts = [_before(cap) for cap in policy.frequency_caps]
    return survivors.drop(*counts), dropped.drop(*counts)
