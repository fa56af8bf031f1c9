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
from telco_mart.errors import TelcoMartError
from telco_mart.partitions import dated_partitions, partition_path
from telco_mart.settings import DataLayout
from telco_mart.storage.keys import DATE_KEY, RAW_KEY

CONTACTS_SCHEMA = (
    "contact_id string, campaign_id string, subscriber_id string, msisdn_masked string, arm string, wave string, "
    "channel string, channel_preference_rank int, city string, store_id string, task_code string, "
    "offer_package_id string, offer_name string, offer_fee_yuan double, offer_fee_change_yuan double, "
    "offer_value_yuan double, priority int, exclusion_group string, propensity double, propensity_source string, "
    "expected_value_yuan double, arbitration_score double, success_within_days int, window_end_date date, "
    "age_years long, tenure_months long, arpu_3m_yuan double, package_monthly_fee_yuan double, "
    "months_to_contract_end long, generation_rank int, terminal_max_generation_rank int, value_segment string, "
    "business_date date"
)
RESULTS_SCHEMA = (
    "contact_id string, contact_result string, campaign_id string, subscriber_id string, channel_type string, "
    "result_at timestamp, detail string, contact_date date, business_date date"
)
COMPLAINTS_SCHEMA = (
    "complaint_id string, subscriber_id string, complained_at timestamp, complaint_category string, "
    "channel_type string, dt date"
)
SUPPRESSIONS_SCHEMA = (
    "subscriber_id string, suppression_kind string, exclusion_group string, campaign_id string, "
    "channel_type string, until_date date, business_date date"
)


class CampaignInputMissing(TelcoMartError):
    """A table a campaign day needs has no partition on or before the date."""


def read_range(spark, folder, key: str, start: date | None, end: date, schema: str) -> DataFrame:
    """The partitions of ``folder`` dated ``start..end`` (both included), the key as a date column;
    no rows (with ``schema``) when there are none."""
    wanted = dated_partitions(folder, key, start, end)
    if not wanted:
        return spark.createDataFrame([], schema)
    frame = spark.read.option("basePath", str(folder)).parquet(*[str(partition_path(folder, key, d)) for d in wanted])
    return frame.withColumn(key, F.col(key).cast("date"))


def latest_date(folder, key: str, end: date, max_age_days: int | None = None) -> date | None:
    """The latest partition date on or before ``end`` (within ``max_age_days`` when given)."""
    start = end - timedelta(days=max_age_days) if max_age_days is not None else None
    found = dated_partitions(folder, key, start, end)
    return found[-1] if found else None


def read_latest(
    spark, folder, key: str, end: date, what: str, max_age_days: int | None = None
) -> tuple[DataFrame, date]:
    """The latest partition on or before ``end``; a clear error naming ``what`` when there is none."""
    found = latest_date(folder, key, end, max_age_days)
    if found is None:
        window = f" within {max_age_days} days" if max_age_days is not None else ""
        raise CampaignInputMissing(f"{what}: no partition on or before {end}{window} under {folder}")
    return spark.read.parquet(str(partition_path(folder, key, found))), found


def mart_latest(spark, layout: DataLayout, table: str, end: date, max_age_days: int | None = None):
    """The latest partition of a mart table on or before ``end`` and its date."""
    return read_latest(spark, layout.mart / table, DATE_KEY, end, f"mart table {table}", max_age_days)


def raw_latest(spark, layout: DataLayout, source: str, table: str, end: date):
    """The latest raw partition of a source table on or before ``end`` and its date."""
    return read_latest(spark, layout.raw_table(source, table), RAW_KEY, end, f"raw {source}/{table}")


def raw_range(spark, layout: DataLayout, source: str, table: str, start: date, end: date, schema: str) -> DataFrame:
    """Raw partitions of a source table dated ``start..end``."""
    return read_range(spark, layout.raw_table(source, table), RAW_KEY, start, end, schema)


def contacts_before(spark, layout: DataLayout, business_date: date, days: int) -> DataFrame:
    """Assignments of the ``days`` days strictly before ``business_date``."""
    return read_range(
        spark,
        layout.mart / tables.CONTACTS,
        DATE_KEY,
        business_date - timedelta(days=days),
        business_date - timedelta(days=1),
        CONTACTS_SCHEMA,
    )


def results_until(spark, layout: DataLayout, business_date: date, days: int) -> DataFrame:
    """Reconciled channel results that arrived in the ``days`` days up to ``business_date``."""
    return read_range(
        spark,
        layout.mart / tables.CONTACT_RESULTS,
        DATE_KEY,
        business_date - timedelta(days=days),
        business_date,
        RESULTS_SCHEMA,
    )


def suppressions_in_force(spark, layout: DataLayout, business_date: date) -> DataFrame:
    """Suppression entries made on or before ``business_date`` that still hold on it."""
    entries = read_range(
        spark, layout.mart / tables.CONTACT_SUPPRESSIONS, DATE_KEY, None, business_date, SUPPRESSIONS_SCHEMA
    )
    return entries.where(F.col("until_date").isNull() | (F.col("until_date") >= F.lit(business_date)))


def restricted_subscribers(spark, layout: DataLayout, business_date: date) -> DataFrame:
    """Subscriber ids under do-not-disturb or blacklist in the latest CRM extract on or before the date."""
    frame, _ = raw_latest(spark, layout, "crm", "CRM_CONTACT_RESTRICTION", business_date)
    return frame.select("subscriber_id").distinct()


def policy_history(spark, layout: DataLayout, day: date, policy: ContactPolicy) -> PolicyHistory:
    """What the contact policy looks back at on ``day``: restrictions, suppressions, complaints, contacts."""
    longest = max(
        [policy.mutual_exclusion_days, policy.outcome_lookback_days, *(c.days for c in policy.frequency_caps)]
    )
    return PolicyHistory(
        restricted_ids=restricted_subscribers(spark, layout, day),
        suppressions=suppressions_in_force(spark, layout, day),
        complaints=raw_range(
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
