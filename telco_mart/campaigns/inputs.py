"""What a campaign day reads, by path: mart partitions, raw CRM extracts and its own history.

A run of date D reads the inputs of D (the latest partition on or before D) and the contact
history strictly before D, so a rerun of D gives the same result whatever ran since.
"""

from __future__ import annotations

from datetime import date, timedelta

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from telco_mart.campaigns import tables
from telco_mart.campaigns.policy import PolicyHistory
from telco_mart.campaigns.policy_config import ContactPolicy
from telco_mart.settings import DataLayout
from telco_mart.storage.declared import declared_table
from telco_mart.storage.keys import DATE_KEY
from telco_mart.storage.restricted import read_raw_latest, read_raw_range
from telco_mart.storage.spark_reads import read_latest

COMPLAINTS_SCHEMA = (
    "complaint_id string, subscriber_id string, complained_at timestamp, complaint_category string, "
    "channel_type string, dt date"
)


def mart_latest(spark, layout: DataLayout, table: str, end: date, max_age_days: int | None = None):
    """The latest partition of a mart table on or before ``end`` and its date."""
    return read_latest(spark, layout.mart / table, DATE_KEY, end, f"mart table {table}", max_age_days)


def contacts_before(spark, layout: DataLayout, business_date: date, days: int) -> DataFrame:
    """Assignments of the ``days`` days strictly before ``business_date``."""
    return declared_table(tables.CONTACTS).read_range(
        spark, layout, business_date - timedelta(days=days), business_date - timedelta(days=1)
    )


def results_until(spark, layout: DataLayout, business_date: date, days: int) -> DataFrame:
    """Reconciled channel results that arrived in the ``days`` days up to ``business_date``."""
    return declared_table(tables.CONTACT_RESULTS).read_range(
        spark, layout, business_date - timedelta(days=days), business_date
    )


def suppressions_in_force(spark, layout: DataLayout, business_date: date) -> DataFrame:
    """Suppression entries made on or before ``business_date`` that still hold on it."""
    entries = declared_table(tables.CONTACT_SUPPRESSIONS).read_range(spark, layout, None, business_date)
    return entries.where(F.col("until_date").isNull() | (F.col("until_date") >= F.lit(business_date)))


def restricted_subscribers(spark, layout: DataLayout, business_date: date) -> DataFrame:
    """Subscriber ids under do-not-disturb or blacklist in the latest CRM extract on or before the date."""
    frame, _ = read_raw_latest(spark, layout, "crm", "CRM_CONTACT_RESTRICTION", business_date)
    return frame.select("subscriber_id").distinct()


def policy_history(spark, layout: DataLayout, day: date, policy: ContactPolicy) -> PolicyHistory:
    """What the contact policy looks back at on ``day``: restrictions, suppressions, complaints, contacts."""
    longest = max(
        [policy.mutual_exclusion_days, policy.outcome_lookback_days, *(c.days for c in policy.frequency_caps)]
    )
    return PolicyHistory(
        restricted_ids=restricted_subscribers(spark, layout, day),
        suppressions=suppressions_in_force(spark, layout, day),
        complaints=read_raw_range(
            spark,
            layout,
            "crm",
            "CRM_COMPLAINT",
            day - timedelta(days=policy.complaint_cool_off_days),
            day,
            COMPLAINTS_SCHEMA,
        ),
        contacts=contacts_before(spark, layout, day, longest),
    )
