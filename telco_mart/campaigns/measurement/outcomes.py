"""Outcomes of every assignment and the effect of every campaign against its control group.

Success is measured from CRM orders for both arms alike: an order of the offered package
dated after the assignment date and no later than ``window_end_date``. Treatment contacts
count once the channel confirmed them (a reconciled result exists); control subjects count
as assigned. The effect uses only matured assignments (their window has closed), so early
days do not dilute the rates; the rest are reported as pending.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from telco_mart.campaigns import tables
from telco_mart.campaigns.definition import Campaign
from telco_mart.campaigns.inputs import contacts_before, results_until
from telco_mart.campaigns.measurement.stats import proportion_effect
from telco_mart.campaigns.policy_config import ContactPolicy
from telco_mart.settings import DataLayout
from telco_mart.storage.restricted import read_raw_range

ORDERS_SCHEMA = (
    "order_id string, subscriber_id string, package_id string, order_action string, ordered_at timestamp, "
    "channel_type string, store_id string, dt date"
)
# Stages a result implies: a contact that was reached was also delivered, and so on.
DELIVERED = ("delivered", "reached", "accepted", "refused", "complained", "opted_out")
REACHED = ("reached", "accepted", "refused", "complained", "opted_out")
ALL = "all"


def _result_flags(results: DataFrame) -> DataFrame:
    def any_of(values) -> F.Column:
        return F.max(F.col("contact_result").isin(*values).cast("int")).cast("boolean")

    return results.groupBy("contact_id").agg(
        F.lit(True).alias("has_result"),
        any_of(DELIVERED).alias("is_delivered"),
        any_of(REACHED).alias("is_reached"),
        any_of(["accepted"]).alias("is_accepted"),
        any_of(["refused"]).alias("is_refused"),
        any_of(["complained"]).alias("is_complained"),
        any_of(["opted_out"]).alias("is_opted_out"),
    )


def contact_outcomes(spark, layout: DataLayout, day: date, policy: ContactPolicy) -> DataFrame:
    """Every assignment of the look-back before ``day`` with its channel results and success as of ``day``."""
    contacts = contacts_before(spark, layout, day, policy.outcome_lookback_days).withColumnRenamed(
        "business_date", "contact_date"
    )
    flags = _result_flags(
        results_until(spark, layout, day, policy.outcome_lookback_days + policy.feedback_max_delay_days)
    )
    orders = (
        read_raw_range(
            spark,
            layout,
            "crm",
            "CRM_PRODUCT_ORDER",
            day - timedelta(days=policy.outcome_lookback_days),
            day,
            ORDERS_SCHEMA,
        )
        .where(F.col("order_action") == "order")
        .select("subscriber_id", F.col("package_id").alias("offer_package_id"), F.col("dt").alias("order_date"))
    )
    successes = (
        contacts.select("contact_id", "subscriber_id", "offer_package_id", "contact_date", "window_end_date")
        .join(orders, ["subscriber_id", "offer_package_id"])
        .where(
            (F.col("order_date") > F.col("contact_date"))
            & (F.col("order_date") <= F.col("window_end_date"))
            & (F.col("order_date") <= F.lit(day))
        )
        .groupBy("contact_id")
        .agg(F.min("order_date").alias("success_date"))
    )
    outcomes = contacts.join(flags, "contact_id", "left").join(successes, "contact_id", "left")
    flag_names = (
        "has_result",
        "is_delivered",
        "is_reached",
        "is_accepted",
        "is_refused",
        "is_complained",
        "is_opted_out",
    )
    for name in flag_names:
        outcomes = outcomes.withColumn(name, F.coalesce(F.col(name), F.lit(False)))
    # A control subject is never exported, so it has nothing to reconcile.
    is_reconciled = (F.col("arm") == tables.CONTROL) | F.col("has_result")
    return outcomes.select(
        "contact_id",
        "contact_date",
        "campaign_id",
        "subscriber_id",
        "msisdn_masked",
        "arm",
        "wave",
        "channel",
        "task_code",
        "offer_package_id",
        "offer_fee_yuan",
        "window_end_date",
        (F.col("window_end_date") <= F.lit(day)).alias("is_matured"),
        is_reconciled.alias("is_reconciled"),
        "is_delivered",
        "is_reached",
        "is_accepted",
        "is_refused",
        "is_complained",
        "is_opted_out",
        F.col("success_date").isNotNull().alias("is_success"),
        "success_date",
        *tables.CONTACT_FEATURES,
        "offer_fee_change_yuan",
        "propensity",
    )


def effect_rows(
    outcomes: DataFrame, campaigns: dict[str, Campaign], statuses: dict[str, str], detectable: dict[str, float | None]
) -> pd.DataFrame:
    """One row per campaign and channel (and ``all``): sizes, rates, uplift and its 95% interval."""
    counted = outcomes.where(F.col("is_reconciled"))
    keys = ["campaign_id", "arm", "channel"]
    aggregated = (
        counted.groupBy(*keys)
        .agg(
            F.sum(F.col("is_matured").cast("long")).alias("matured"),
            F.sum((F.col("is_matured") & F.col("is_success")).cast("long")).alias("successes"),
            F.sum((F.col("is_matured") & F.col("is_complained")).cast("long")).alias("complaints"),
            F.sum((~F.col("is_matured")).cast("long")).alias("pending"),
        )
        .toPandas()
    )
    rows = []
    for campaign_id in sorted(set(aggregated["campaign_id"]) | set(statuses)):
        mine = aggregated[aggregated["campaign_id"] == campaign_id]
        control = mine[mine["arm"] == tables.CONTROL]
        treated = mine[mine["arm"] == tables.TREATMENT]
        n_control, s_control = int(control["matured"].sum()), int(control["successes"].sum())
        groups = [(ALL, treated)] + [
            (c, treated[treated["channel"] == c]) for c in sorted(treated["channel"].dropna().unique())
        ]
        for channel, part in groups:
            n_arm, s_arm = int(part["matured"].sum()), int(part["successes"].sum())
            effect = proportion_effect(s_arm, n_arm, s_control, n_control)
            complaints = int(part["complaints"].sum())
            campaign = campaigns.get(campaign_id)
            rows.append(
                {
                    "campaign_id": campaign_id,
                    "campaign_name": campaign.name if campaign else campaign_id,
                    "channel": channel,
                    "campaign_status": statuses.get(campaign_id, "unknown"),
                    "treatment_contacts": n_arm,
                    "control_subjects": n_control,
                    "treatment_successes": s_arm,
                    "control_successes": s_control,
                    "treatment_rate": effect.value_arm,
                    "control_rate": effect.value_control,
                    "uplift": effect.uplift,
                    "uplift_ci_low": effect.ci_low,
                    "uplift_ci_high": effect.ci_high,
                    "p_value": effect.p_value,
                    "complaints": complaints,
                    "complaint_rate": complaints / n_arm if n_arm else float("nan"),
                    "pending_contacts": int(part["pending"].sum())
                    + (int(control["pending"].sum()) if channel == ALL else 0),
                    "min_detectable_uplift": detectable.get(campaign_id),
                }
            )
    return pd.DataFrame(rows, columns=EFFECT_COLUMNS)


EFFECT_COLUMNS = [
    "campaign_id",
    "campaign_name",
    "channel",
    "campaign_status",
    "treatment_contacts",
    "control_subjects",
    "treatment_successes",
    "control_successes",
    "treatment_rate",
    "control_rate",
    "uplift",
    "uplift_ci_low",
    "uplift_ci_high",
    "p_value",
    "complaints",
    "complaint_rate",
    "pending_contacts",
    "min_detectable_uplift",
]
