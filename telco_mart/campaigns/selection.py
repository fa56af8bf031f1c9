"""The day's candidates: for each sending campaign, the subscribers its target names, with
the offer, the reason, the features of the day and the expected value that arbitration reads.

A campaign targets a task (``fct_task_targets``: the reason and the recommended package come
from the task), a tag expression (``fct_subscriber_tags``), or both (both must hold). Only
active lines are candidates. Before any feedback exists the propensity is the campaign's
expected base rate plus uplift; once the acceptance propensity model has a champion, it
scores each candidate (``telco_mart.campaigns.measurement.knowledge``).
"""

from __future__ import annotations

from datetime import date

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from telco_mart.campaigns.definition import Campaign
from telco_mart.campaigns.inputs import mart_latest
from telco_mart.campaigns.policy_config import ContactPolicy
from telco_mart.campaigns.tables import CONTACT_FEATURES
from telco_mart.settings import DataLayout
from telco_mart.tags.compile import to_spark_column
from telco_mart.tags.counting import checked_target_group

TARGET_FIELDS = (
    "subscriber_id",
    "task_code",
    "task_name_zh",
    "task_name_en",
    "reason_zh",
    "reason_en",
    "recommended_package_id",
    "recommended_package_name",
    "recommended_monthly_fee_yuan",
)


class DayInputs:
    """The mart partitions one campaign day reads, opened once."""

    def __init__(self, spark, layout: DataLayout, day: date, policy: ContactPolicy) -> None:
        self.spark = spark
        self.targets, self.targets_date = mart_latest(
            spark, layout, "fct_task_targets", day, policy.targets_max_age_days
        )
        self.subscribers, _ = mart_latest(spark, layout, "dim_subscriber", day)
        self.packages, _ = mart_latest(spark, layout, "dim_package", day)
        self.stores, _ = mart_latest(spark, layout, "dim_store", day)
        self._layout, self._day = layout, day
        self._tags = None

    @property
    def tags(self) -> DataFrame:
        """The tag partition (opened on first use: only tag campaigns need it)."""
        if self._tags is None:
            self._tags, _ = mart_latest(self.spark, self._layout, "fct_subscriber_tags", self._day)
        return self._tags


def _targets_of(campaign: Campaign, inputs: DayInputs) -> DataFrame:
    if campaign.task_code:
        chosen = inputs.targets.where(F.col("task_code") == campaign.task_code).select(*TARGET_FIELDS)
    else:
        chosen = None
    if campaign.tag_expression:
        expression = checked_target_group(campaign.tag_expression)
        matched = inputs.tags.where(to_spark_column(expression)).select("subscriber_id")
        if chosen is None:
            reason = f"标签组合: {campaign.tag_expression}"
            chosen = matched.select(
                "subscriber_id",
                F.lit(None).cast("string").alias("task_code"),
                F.lit(campaign.name).alias("task_name_zh"),
                F.lit(campaign.name).alias("task_name_en"),
                F.lit(reason).alias("reason_zh"),
                F.lit(f"tag group: {campaign.tag_expression}").alias("reason_en"),
                *(
                    F.lit(None).cast(t).alias(c)
                    for c, t in (
                        ("recommended_package_id", "string"),
                        ("recommended_package_name", "string"),
                        ("recommended_monthly_fee_yuan", "double"),
                    )
                ),
            )
        else:
            chosen = chosen.join(matched, "subscriber_id", "left_semi")
    return chosen


def _with_offer(campaign: Campaign, chosen: DataFrame, inputs: DayInputs) -> DataFrame:
    if campaign.offers_recommended_package:
        return chosen.where(F.col("recommended_package_id").isNotNull()).select(
            "*",
            F.col("recommended_package_id").alias("offer_package_id"),
            F.col("recommended_package_name").alias("offer_name"),
            F.col("recommended_monthly_fee_yuan").cast("double").alias("offer_fee_yuan"),
        )
    package = inputs.packages.where(F.col("package_id") == campaign.offer_package_id).select(
        F.col("monthly_fee_yuan").cast("double").alias("offer_fee_yuan")
    )
    return chosen.crossJoin(F.broadcast(package)).select(
        "*", F.lit(campaign.offer_package_id).alias("offer_package_id"), F.lit(campaign.offer_name).alias("offer_name")
    )


def campaign_candidates(campaigns: list[Campaign], inputs: DayInputs) -> DataFrame | None:
    """One row per sending campaign and eligible subscriber (None when no campaign sends)."""
    frames = []
    for campaign in campaigns:
        chosen = _with_offer(campaign, _targets_of(campaign, inputs), inputs)
        frames.append(
            chosen.select(
                "*",
                F.lit(campaign.campaign_id).alias("campaign_id"),
                F.lit(campaign.priority).alias("priority"),
                F.lit(campaign.exclusion_group).alias("exclusion_group"),
                F.lit(float(campaign.offer_value_yuan)).alias("offer_value_yuan"),
                F.lit(campaign.success_within_days).alias("success_within_days"),
                F.array(*[F.lit(c) for c in campaign.channels]).alias("channels"),
                F.lit(float(campaign.prior_propensity)).alias("prior_propensity"),
            )
        )
    if not frames:
        return None
    union = frames[0]
    for frame in frames[1:]:
        union = union.unionByName(frame)
    subscribers = inputs.subscribers.where(F.col("status") == "active").select(
        "subscriber_id",
        "msisdn_masked",
        "city",
        F.col("home_store_id").alias("store_id"),
        "is_dnd",
        "is_blacklisted",
        *[F.col(c).cast("double").alias(c) if c.endswith("_yuan") else F.col(c) for c in CONTACT_FEATURES],
    )
    candidates = union.join(subscribers, "subscriber_id")
    return candidates.withColumn(
        "offer_fee_change_yuan", F.col("offer_fee_yuan") - F.coalesce(F.col("arpu_3m_yuan"), F.lit(0.0))
    )


def with_expected_value(candidates: DataFrame, propensity: DataFrame | None, source: str) -> DataFrame:
    """Adds propensity (the model's where given, else the campaign's prior), expected value
    (propensity x offer value) and the arbitration score (priority x expected value)."""
    if propensity is not None:
        candidates = candidates.join(propensity, ["campaign_id", "subscriber_id"], "left")
        chosen = F.coalesce(F.col("model_propensity"), F.col("prior_propensity"))
        origin = F.when(F.col("model_propensity").isNotNull(), F.lit(source)).otherwise(F.lit("prior"))
        candidates = (
            candidates.withColumn("propensity", chosen).withColumn("propensity_source", origin).drop("model_propensity")
        )
    else:
        candidates = candidates.withColumn("propensity", F.col("prior_propensity")).withColumn(
            "propensity_source", F.lit("prior")
        )
    expected = F.col("propensity") * F.col("offer_value_yuan")
    return candidates.withColumn("expected_value_yuan", expected).withColumn(
        "arbitration_score", F.col("priority").cast("double") * expected
    )
