"""Assemble ``fct_task_targets``: every sub-task's targets in one shape, ranked, with the package
to recommend, the previous retention result and the model version.

One row per subscriber per sub-task that holds on the business date. The rank is within the
sub-task: highest score first, ties broken by subscriber id, so a rerun ranks identically.
"""

from __future__ import annotations

from datetime import date

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from telco_mart.tasks import rules
from telco_mart.tasks.config import TaskConfig
from telco_mart.tasks.package_fit import recommend_packages, recommend_packages_for

TARGET_COLUMNS = (
    "subscriber_id",
    "msisdn_masked",
    "task_class",
    "task_code",
    "task_name_zh",
    "task_name_en",
    "score",
    "score_kind",
    "target_rank",
    "recommended_package_id",
    "recommended_package_name",
    "recommended_monthly_fee_yuan",
    "reason_codes",
    "reason_zh",
    "reason_en",
    "last_retention_date",
    "last_retention_task_code",
    "last_retention_outcome",
    "model_version",
    "business_date",
)


def package_recommendations(
    subscribers: DataFrame, monthly_usage: DataFrame, packages: DataFrame, last_bill_month: date, config: TaskConfig
) -> DataFrame:
    """Package fit of the legacy lines (under their package-fit sub-task) and of the other open
    high-value lines (under the high-value task): one row per subscriber."""
    legacy = recommend_packages(subscribers, monthly_usage, packages, last_bill_month=last_bill_month, config=config)
    legacy_ids = legacy.select("subscriber_id")
    high_value = (
        subscribers.where(F.col("is_high_value_listed") & F.col("status").isin(*rules.OPEN_STATUSES))
        .select("subscriber_id", "network_generation")
        .join(legacy_ids, "subscriber_id", "left_anti")
    )
    others = recommend_packages_for(high_value, monthly_usage, packages, last_bill_month=last_bill_month, config=config)
    return legacy.unionByName(others)


def _package_fit_targets(fit: DataFrame, config: TaskConfig) -> DataFrame:
    legacy_codes = [g.package_fit_task for g in config.legacy_generations]
    return fit.where(F.col("task_code").isin(*legacy_codes)).select(
        "subscriber_id",
        "task_code",
        F.col("average_package_bill_yuan").cast("double").alias("score"),
        F.lit("expected_monthly_bill_yuan").alias("score_kind"),
        F.array(F.col("fit_reason_code"), F.concat(F.lit("recommend_"), F.col("recommended_package_id"))).alias(
            "reason_codes"
        ),
        "reason_zh",
        "reason_en",
    )


def _with_churn_scores(churn_targets: DataFrame, churn_scores: DataFrame | None) -> DataFrame:
    """The churn warning ranked by the champion model's probability where it scored the subscriber."""
    if churn_scores is None:
        return churn_targets
    scored = churn_targets.join(
        churn_scores.select("subscriber_id", F.col("score").alias("_probability"), F.col("decile").alias("_decile")),
        "subscriber_id",
        "left",
    )
    has_score = F.col("_probability").isNotNull()
    percent = F.format_number(F.col("_probability") * 100, 1)
    return scored.select(
        "subscriber_id",
        "task_code",
        F.when(has_score, F.col("_probability")).otherwise(F.col("score")).alias("score"),
        F.when(has_score, F.lit("churn_probability")).otherwise(F.col("score_kind")).alias("score_kind"),
        F.when(has_score, F.concat("reason_codes", F.array(F.format_string("churn_decile_%d", "_decile"))))
        .otherwise(F.col("reason_codes"))
        .alias("reason_codes"),
        F.when(
            has_score,
            F.format_string("%s流失模型概率%s%%（第%d十分位）。", "reason_zh", percent, "_decile"),
        )
        .otherwise(F.col("reason_zh"))
        .alias("reason_zh"),
        F.when(
            has_score,
            F.format_string("%s The churn model gives %s%% (decile %d).", "reason_en", percent, "_decile"),
        )
        .otherwise(F.col("reason_en"))
        .alias("reason_en"),
    )


def assemble_targets(
    *,
    subscribers: DataFrame,
    latest_usage: DataFrame,
    last_results: DataFrame,
    package_fit: DataFrame,
    churn_scores: DataFrame | None,
    model_version: str | None,
    business_date: date,
    config: TaskConfig,
) -> DataFrame:
    """All targets of the date in ``TARGET_COLUMNS``."""
    parts = [
        rules.contract_renewal_targets(subscribers, business_date, config),
        rules.sim_change_targets(subscribers, config),
        rules.capable_handset_targets(subscribers, config),
        _package_fit_targets(package_fit, config),
        rules.high_value_targets(subscribers, last_results, business_date, config),
        _with_churn_scores(rules.churn_warning_targets(subscribers, latest_usage, config), churn_scores),
    ]
    targets = parts[0]
    for part in parts[1:]:
        targets = targets.unionByName(part)
    names = config.sub_tasks
    lookup = F.broadcast(
        subscribers.sparkSession.createDataFrame(
            [(code, s.task_class, s.name_zh, s.name_en) for code, s in names.items()],
            "task_code string, task_class string, task_name_zh string, task_name_en string",
        )
    )
    packages = package_fit.select(
        "subscriber_id",
        "recommended_package_id",
        "recommended_package_name",
        F.col("recommended_monthly_fee_yuan").cast("double").alias("recommended_monthly_fee_yuan"),
    )
    ranking = Window.partitionBy("task_code").orderBy(F.col("score").desc_nulls_last(), F.col("subscriber_id"))
    churn_model = F.when(F.col("score_kind") == "churn_probability", F.lit(model_version).cast("string"))
    return (
        targets.join(lookup, "task_code")
        .join(subscribers.select("subscriber_id", "msisdn_masked"), "subscriber_id")
        .join(packages, "subscriber_id", "left")
        .join(last_results.drop("last_retention_channel"), "subscriber_id", "left")
        .withColumn("target_rank", F.row_number().over(ranking))
        .withColumn("model_version", churn_model)
        .withColumn("business_date", F.lit(business_date))
        .select(*TARGET_COLUMNS)
    )
