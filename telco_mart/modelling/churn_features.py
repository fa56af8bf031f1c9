"""Point-in-time churn features and labels, in Spark, shared by training and daily scoring.

The features of a subscriber at feature month M are computed from the bills of months M-5..M
only: the usage is filtered to those months before anything is aggregated, so a bill (or a
churn status) from after the cut-off cannot enter, whatever the caller passes in. Static
attributes (city, gender, join date) come from the subscriber snapshot; tenure is measured at
the end of M, not at the business date.

The label of month M: the subscriber was active in BI's churn status at M and is churned in
the status of M + horizon (a churned subscriber stays churned in later snapshots).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

HISTORY_MONTHS = 6
KEY_COLUMNS = ("subscriber_id", "feature_month")


def _month_offset(later: Column, earlier: Column) -> Column:
    return (F.year(later) * 12 + F.month(later)) - (F.year(earlier) * 12 + F.month(earlier))


def _at(offset_range: tuple[int, int], value: Column) -> Column:
    """``value`` on the bills whose offset from M lies in the range (inclusive), else null."""
    low, high = offset_range
    return F.when(F.col("offset").between(low, high), value)


def _ratio(numerator: Column, denominator: Column) -> Column:
    return F.when(denominator > 0, numerator / denominator)


def contract_at_month(keys: DataFrame, contracts: DataFrame) -> DataFrame:
    """``KEY_COLUMNS`` plus the contract held at the end of each feature month: the latest one
    started by then. Its kind and end date were fixed at signing, so they were known at M; a
    status (renewed, ended) is a fact of the snapshot date and is never read."""
    month_end = F.last_day(F.col("feature_month"))
    held = (
        keys.join(contracts.select("subscriber_id", "contract_kind", "start_date", "end_date"), "subscriber_id")
        .where(F.col("start_date") <= month_end)
        .groupBy(*KEY_COLUMNS)
        .agg(F.max_by(F.struct("contract_kind", "end_date"), F.struct("start_date", "end_date")).alias("held"))
    )
    return held.select(
        *KEY_COLUMNS,
        F.col("held.contract_kind").alias("contract_kind_m0"),
        _month_offset(F.col("held.end_date"), F.col("feature_month")).cast("double").alias("contract_months_to_end"),
    )


def churn_features(
    monthly_usage: DataFrame,
    subscribers: DataFrame,
    packages: DataFrame,
    feature_months: Sequence[date],
    contracts: DataFrame | None = None,
) -> DataFrame:
    """One row per subscriber billed in each feature month: ``KEY_COLUMNS`` plus the features.

    ``monthly_usage`` has ``billing_month`` as a date (first of month); ``subscribers`` supplies
    subscriber_id, city, gender, join_date; ``packages`` package_id, network_generation,
    package_scope (the catalogue: a package id keeps its terms); ``contracts`` (``dim_contract``)
    subscriber_id, contract_kind, start_date, end_date. Without contracts the contract features
    are null."""
    months = [m.replace(day=1) for m in feature_months]
    earliest = min(months)
    month_frame = monthly_usage.sparkSession.createDataFrame([(m,) for m in months], "feature_month date")
    # The cut-off: only bills of M-5..M reach the aggregation below.
    windowed = (
        monthly_usage.where(F.col("billing_month") >= F.add_months(F.lit(earliest), -(HISTORY_MONTHS - 1)))
        .join(F.broadcast(month_frame), F.col("billing_month") <= F.col("feature_month"))
        .withColumn("offset", _month_offset(F.col("feature_month"), F.col("billing_month")))
        .where(F.col("offset") < HISTORY_MONTHS)
    )
    fee = F.col("total_fee_yuan").cast("double")
    aggregated = windowed.groupBy(*KEY_COLUMNS).agg(
        F.max(_at((0, 0), F.lit(1))).alias("billed_m0"),
        F.max(_at((0, 0), fee)).alias("fee_m0"),
        F.avg(_at((0, 2), fee)).alias("fee_avg_3m"),
        F.avg(_at((3, 5), fee)).alias("fee_avg_prior_3m"),
        F.avg(_at((0, 1), fee)).alias("_fee_recent_2m"),
        F.avg(_at((2, 4), fee)).alias("_fee_earlier_3m"),
        F.max(_at((0, 0), F.col("package_fee_yuan").cast("double"))).alias("package_fee_m0"),
        F.max(_at((0, 0), _ratio(F.col("overage_fee_yuan").cast("double"), fee))).alias("overage_share_m0"),
        F.max(_at((0, 0), F.col("value_added_fee_yuan").cast("double"))).alias("value_added_fee_m0"),
        F.max(_at((0, 0), F.col("arrears_yuan").cast("double"))).alias("arrears_m0"),
        F.max(_at((0, 0), F.col("balance_yuan").cast("double"))).alias("balance_m0"),
        F.max(_at((0, 0), F.col("forwarded_minutes_share").cast("double"))).alias("forwarded_share_m0"),
        F.avg(_at((0, 2), F.col("forwarded_minutes_share").cast("double"))).alias("forwarded_share_avg_3m"),
        F.max(_at((0, 2), F.col("forwarded_minutes_share").cast("double"))).alias("forwarded_share_max_3m"),
        F.max(_at((0, 0), F.col("voice_minutes").cast("double"))).alias("voice_minutes_m0"),
        F.avg(_at((1, 3), F.col("voice_minutes").cast("double"))).alias("_voice_minutes_before"),
        F.max(_at((0, 0), F.col("data_mb").cast("double"))).alias("data_mb_m0"),
        F.avg(_at((1, 3), F.col("data_mb").cast("double"))).alias("_data_mb_before"),
        F.max(_at((0, 0), F.col("sms_count").cast("double"))).alias("sms_count_m0"),
        F.max(_at((0, 0), F.col("data_allowance_used_share").cast("double"))).alias("data_allowance_used_share_m0"),
        F.max(_at((0, 0), F.col("voice_allowance_used_share").cast("double"))).alias("voice_allowance_used_share_m0"),
        F.count(F.lit(1)).cast("double").alias("months_billed_6m"),
        F.countDistinct("package_id").cast("double").alias("_packages_6m"),
        F.max(_at((0, 0), F.col("package_id"))).alias("package_id_m0"),
    )
    catalogue = packages.select(
        F.col("package_id").alias("package_id_m0"),
        F.col("network_generation").alias("package_generation"),
        "package_scope",
    ).dropDuplicates(["package_id_m0"])
    static = subscribers.select("subscriber_id", "city", "gender", "join_date").dropDuplicates(["subscriber_id"])
    month_end = F.last_day(F.col("feature_month"))
    billed = aggregated.where(F.col("billed_m0") == 1)
    if contracts is None:
        held = billed.select(
            *KEY_COLUMNS,
            F.lit(None).cast("string").alias("contract_kind_m0"),
            F.lit(None).cast("double").alias("contract_months_to_end"),
        ).limit(0)
    else:
        held = contract_at_month(billed.select(*KEY_COLUMNS), contracts)
    return (
        billed.join(held, list(KEY_COLUMNS), "left")
        .withColumn("fee_drop", F.greatest(F.lit(0.0), 1.0 - _ratio(F.col("_fee_recent_2m"), F.col("_fee_earlier_3m"))))
        .withColumn("voice_minutes_change", _ratio(F.col("voice_minutes_m0"), F.col("_voice_minutes_before")))
        .withColumn("data_mb_change", _ratio(F.col("data_mb_m0"), F.col("_data_mb_before")))
        .withColumn("package_changes_6m", F.col("_packages_6m") - 1)
        .join(F.broadcast(catalogue), "package_id_m0", "left")
        .join(static, "subscriber_id", "left")
        .withColumn(
            "tenure_months",
            F.when(F.col("join_date") <= month_end, F.floor(F.months_between(month_end, F.col("join_date")))).cast(
                "double"
            ),
        )
        .drop("billed_m0", "join_date", "package_id_m0", *[c for c in aggregated.columns if c.startswith("_")])
    )


def churn_labels(churn_status: DataFrame, feature_months: Sequence[date], horizon_months: int) -> DataFrame:
    """``KEY_COLUMNS`` plus ``churned`` (0/1) for subscribers active at M whose status at
    M + horizon is known; months whose later snapshot is missing have no labels."""
    status = churn_status.select("subscriber_id", "billing_month", "is_churned")
    months = [m.replace(day=1) for m in feature_months]
    month_frame = churn_status.sparkSession.createDataFrame([(m,) for m in months], "feature_month date")
    at_m = status.join(F.broadcast(month_frame), F.col("billing_month") == F.col("feature_month")).where(
        ~F.col("is_churned")
    )
    later = status.select(
        "subscriber_id",
        F.add_months(F.col("billing_month"), -horizon_months).alias("feature_month"),
        F.col("is_churned").cast("int").alias("churned"),
    )
    return at_m.select(*KEY_COLUMNS).join(later, list(KEY_COLUMNS))


def labelled_months(available_months: Sequence[date], horizon_months: int) -> list[date]:
    """The months whose label snapshot (M + horizon) is among ``available_months``, oldest first."""
    available = {m.replace(day=1) for m in available_months}

    def plus(month: date, count: int) -> date:
        index = month.year * 12 + month.month - 1 + count
        return date(index // 12, index % 12 + 1, 1)

    return sorted(m for m in available if plus(m, horizon_months) in available)
