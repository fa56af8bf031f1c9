"""Package fit: which package of the target generation (4G by default) suits a legacy subscriber.

The stated rule, with the figures from ``models/tasks.yaml`` (section ``package_fit``):

* Usage: the subscriber's bills of the ``usage_months`` (3) bill months ending at the last bill
  month, inclusive. A subscriber without a bill in that window gets no recommendation.
* Candidates: the on-sale packages of the target generation whose scope (local/national) the
  subscriber's generation allows (``generations.legacy[].package_scopes``: 2G local or national,
  3G national only).
* Simulated bill of a package for a month = monthly fee
  + max(0, voice minutes - minutes included) x voice overage price
  + max(0, data MB - MB included) x data overage price
  + max(0, SMS - SMS included) x SMS overage price.
  The month is *covered* when the simulated overage is zero.
* A candidate is *eligible* when its covered months are at least ``min_covered_share`` (90%) of the
  subscriber's bill months in the window (with 3 months: all 3; with 2 months present: both), and
  its monthly fee is at least ``revenue_floor_share`` (80%) of the subscriber's average actual bill
  (``total_fee_yuan``) over those months, the floor rounded to the cent.
* Recommended: the eligible package with the lowest average simulated bill (ties: lower monthly
  fee, then package id) - reason code ``fits_usage``. When none is eligible: among the packages at
  or above the revenue floor, the one with the highest covered share, then the lowest average
  simulated bill - ``no_package_covers_usage``. When no package reaches the floor: the one with the
  lowest average simulated bill - ``below_revenue_floor``. Average simulated bills are compared in
  cents, so a difference a customer never sees does not decide between packages.

Everything is Spark column expressions: the small catalogue is broadcast and joined to the
subscriber-months, no Python runs per row and nothing about subscribers reaches the driver. The
same inputs always give the same rows (every choice ends on the package id).
"""

from __future__ import annotations

import logging
from datetime import date

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import DateType, StringType, TimestampNTZType, TimestampType

from telco_mart.tasks.config import TaskConfig
from telco_mart.tasks.rules import OPEN_STATUSES

logger = logging.getLogger(__name__)

FITS_USAGE = "fits_usage"
NO_PACKAGE_COVERS_USAGE = "no_package_covers_usage"
BELOW_REVENUE_FLOOR = "below_revenue_floor"
FIT_REASON_CODES = (FITS_USAGE, NO_PACKAGE_COVERS_USAGE, BELOW_REVENUE_FLOOR)

PACKAGE_FIT_COLUMNS = (
    "subscriber_id",
    "task_code",
    "current_generation",
    "recommended_package_id",
    "recommended_package_name",
    "recommended_monthly_fee_yuan",
    "months_used",
    "average_actual_bill_yuan",
    "average_package_bill_yuan",
    "covered_months",
    "expected_monthly_change_yuan",
    "fit_reason_code",
    "reason_zh",
    "reason_en",
)

# The package columns a bill is simulated from; a catalogue row missing any of them is no candidate.
_PACKAGE_FIGURES = (
    "monthly_fee_yuan",
    "voice_minutes_included",
    "data_mb_included",
    "sms_included",
    "voice_overage_yuan_per_minute",
    "data_overage_yuan_per_mb",
    "sms_overage_yuan_per_message",
)


def recommend_packages(
    subscribers: DataFrame,
    monthly_usage: DataFrame,
    packages: DataFrame,
    *,
    last_bill_month: date,
    config: TaskConfig,
) -> DataFrame:
    """The package-fit recommendations of the legacy subscribers, one row per subscriber.

    ``subscribers`` has ``dim_subscriber``'s columns (subscriber_id, network_generation, status);
    the targets are the open lines (not closed) of a generation in ``config.legacy_generations``,
    each under its generation's ``package_fit_task`` and with its allowed package scopes.
    ``monthly_usage`` has ``fct_subscriber_monthly_usage``'s columns and ``packages`` those of the
    business date's ``dim_package``. Returns ``PACKAGE_FIT_COLUMNS``; see the module docstring for
    the rule. Targets without a bill in the window get no row: ``count_targets_without_usage``
    counts them.
    """
    return _recommend(_legacy_targets(subscribers, config), monthly_usage, packages, last_bill_month, config)


def recommend_packages_for(
    subscriber_ids: DataFrame,
    monthly_usage: DataFrame,
    packages: DataFrame,
    *,
    last_bill_month: date,
    config: TaskConfig,
    task_code: str | None = None,
) -> DataFrame:
    """The best-fitting target-generation package for any given subscribers, whatever their generation.

    For tasks other than package fit (the high-value reminder names a package to offer): every
    on-sale package of the target generation is a candidate, local or national, and the status is
    not checked (the caller chose the subscribers). ``subscriber_ids`` needs ``subscriber_id``; its
    ``network_generation``, when present, becomes ``current_generation``. Rows carry ``task_code``
    (default: ``config.high_value_task``). Same rule, same code path and same columns as
    ``recommend_packages``.
    """
    generation = (
        F.col("network_generation") if "network_generation" in subscriber_ids.columns else F.lit(None).cast("string")
    )
    # One row per subscriber whatever the caller passed; min() keeps the choice deterministic.
    targets = (
        subscriber_ids.groupBy("subscriber_id")
        .agg(F.min(generation).alias("current_generation"))
        .select(
            "subscriber_id",
            F.lit(task_code or config.high_value_task).alias("task_code"),
            "current_generation",
            # No scope list: every scope is allowed.
            F.lit(None).cast("array<string>").alias("allowed_scopes"),
        )
    )
    return _recommend(targets, monthly_usage, packages, last_bill_month, config)


def targets_without_usage(
    subscribers: DataFrame, monthly_usage: DataFrame, *, last_bill_month: date, config: TaskConfig
) -> DataFrame:
    """The package-fit targets that get no recommendation because they have no bill in the window
    (subscriber_id, task_code, current_generation)."""
    window = _usage_window(monthly_usage, last_bill_month, config).select("subscriber_id").distinct()
    return _legacy_targets(subscribers, config).join(window, "subscriber_id", "left_anti").drop("allowed_scopes")


def count_targets_without_usage(
    subscribers: DataFrame, monthly_usage: DataFrame, *, last_bill_month: date, config: TaskConfig
) -> int:
    """How many package-fit targets have no bill in the window (runs a Spark job), logged at INFO."""
    count = targets_without_usage(subscribers, monthly_usage, last_bill_month=last_bill_month, config=config).count()
    logger.info(
        "package fit: %d target(s) without a bill in the %d month(s) ending %s get no recommendation",
        count,
        config.package_fit.usage_months,
        _first_of_month(last_bill_month).isoformat(),
    )
    return count


def _legacy_targets(subscribers: DataFrame, config: TaskConfig) -> DataFrame:
    """Open lines of a legacy generation: subscriber_id, task_code, current_generation, allowed_scopes."""
    # The legacy generations are a handful of config entries: literal maps, not a join.
    tasks = F.create_map(
        *[F.lit(x) for legacy in config.legacy_generations for x in (legacy.generation, legacy.package_fit_task)]
    )
    scopes = F.create_map(
        *[
            item
            for legacy in config.legacy_generations
            for item in (F.lit(legacy.generation), F.array(*[F.lit(scope) for scope in legacy.package_scopes]))
        ]
    )
    generation = F.col("network_generation")
    return (
        subscribers.where(F.col("status").isin(*OPEN_STATUSES))
        .where(generation.isin(*[legacy.generation for legacy in config.legacy_generations]))
        .select(
            "subscriber_id",
            tasks[generation].alias("task_code"),
            generation.alias("current_generation"),
            scopes[generation].alias("allowed_scopes"),
        )
    )


def _first_of_month(day: date) -> date:
    return day.replace(day=1)


def _months_before(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def _bill_month(usage: DataFrame) -> Column:
    """``billing_month`` as the first day of the month: the mart stores it as 'yyyy-MM' text (the
    partition folder), hand-made frames often as a date."""
    data_type = usage.schema["billing_month"].dataType
    if isinstance(data_type, StringType):
        return F.to_date(F.concat(F.substring("billing_month", 1, 7), F.lit("-01")))
    if isinstance(data_type, DateType | TimestampType | TimestampNTZType):
        return F.trunc(F.to_date("billing_month"), "month")
    raise TypeError(f"billing_month must be a date or 'yyyy-MM' text, not {data_type.simpleString()}")


def _usage_window(monthly_usage: DataFrame, last_bill_month: date, config: TaskConfig) -> DataFrame:
    """One row per subscriber per bill month of the window: usage and the actual bill as doubles."""
    last = _first_of_month(last_bill_month)
    first = _months_before(last, config.package_fit.usage_months - 1)
    month = _bill_month(monthly_usage)

    def amount(name: str) -> Column:
        # A missing figure is no usage (or no fee): the month still counts as a bill month.
        return F.sum(F.coalesce(F.col(name).cast("double"), F.lit(0.0)))

    # Summed per month so a repeated bill row can neither count twice as a month nor be dropped.
    return (
        monthly_usage.withColumn("bill_month", month)
        .where(F.col("bill_month").between(F.lit(first), F.lit(last)))
        .groupBy("subscriber_id", "bill_month")
        .agg(
            amount("voice_minutes").alias("voice_minutes"),
            amount("data_mb").alias("data_mb"),
            amount("sms_count").alias("sms_count"),
            amount("total_fee_yuan").alias("actual_bill_yuan"),
        )
    )


def _candidates(packages: DataFrame, config: TaskConfig) -> DataFrame:
    """On-sale packages of the target generation, figures as doubles."""
    complete = F.lit(True)
    for name in _PACKAGE_FIGURES:
        complete = complete & F.col(name).isNotNull()
    return (
        packages.where(F.col("is_on_sale") & (F.col("network_generation") == config.target_generation))
        .where(complete)
        .select(
            "package_id",
            "package_name",
            "package_scope",
            *[F.col(name).cast("double").alias(name) for name in _PACKAGE_FIGURES],
        )
    )


def _overage(used: str, included: str, price: str) -> Column:
    return F.greatest(F.col(used) - F.col(included), F.lit(0.0)) * F.col(price)


def _recommend(
    targets: DataFrame, monthly_usage: DataFrame, packages: DataFrame, last_bill_month: date, config: TaskConfig
) -> DataFrame:
    """The one code path: targets (subscriber_id, task_code, current_generation, allowed_scopes,
    null meaning every scope) to ``PACKAGE_FIT_COLUMNS``."""
    rule = config.package_fit
    months = _usage_window(monthly_usage, last_bill_month, config).join(targets, "subscriber_id")
    # The catalogue is a few dozen rows: broadcast it so the subscriber-months never shuffle for it.
    allowed = F.col("allowed_scopes").isNull() | F.array_contains(F.col("allowed_scopes"), F.col("package_scope"))
    simulated = months.join(F.broadcast(_candidates(packages, config)), allowed, "inner")
    overage = (
        _overage("voice_minutes", "voice_minutes_included", "voice_overage_yuan_per_minute")
        + _overage("data_mb", "data_mb_included", "data_overage_yuan_per_mb")
        + _overage("sms_count", "sms_included", "sms_overage_yuan_per_message")
    )
    simulated = simulated.withColumn("overage_yuan", overage)

    per_package = simulated.groupBy(
        "subscriber_id",
        "task_code",
        "current_generation",
        "package_id",
        "package_name",
        "monthly_fee_yuan",
    ).agg(
        F.count(F.lit(1)).alias("months_used"),
        F.sum(F.when(F.col("overage_yuan") == 0, 1).otherwise(0)).alias("covered_months"),
        F.avg(F.col("monthly_fee_yuan") + F.col("overage_yuan")).alias("average_package_bill"),
        F.avg("actual_bill_yuan").alias("average_actual_bill"),
    )
    covered_share = F.col("covered_months") / F.col("months_used")
    floor = F.round(F.col("average_actual_bill") * F.lit(rule.revenue_floor_share), 2)
    above_floor = F.col("monthly_fee_yuan") >= floor
    eligible = above_floor & (covered_share >= F.lit(rule.min_covered_share))
    # Branch 0 = fits_usage, 1 = no_package_covers_usage, 2 = below_revenue_floor. The smallest
    # branch present is the subscriber's; within it the sort keys below pick the package.
    branch = F.when(eligible, 0).when(above_floor, 1).otherwise(2)
    per_package = per_package.withColumn("branch", branch).withColumn("revenue_floor_yuan", floor)

    # The fallback among packages above the floor puts the covered share first; the other
    # branches go by the bill alone (their share key is a constant 0).
    share_key = F.when(F.col("branch") == 1, -covered_share).otherwise(F.lit(0.0))
    choice = F.struct(
        F.col("branch"),
        share_key.alias("share_key"),
        F.round("average_package_bill", 2).alias("bill_key"),
        F.col("monthly_fee_yuan"),
        F.col("package_id"),
        F.col("package_name"),
        F.col("months_used"),
        F.col("covered_months"),
        F.col("average_package_bill"),
        F.col("average_actual_bill"),
        F.col("revenue_floor_yuan"),
    )
    # min() of a struct compares field by field: an aggregate, no sort of all candidate rows.
    best = (
        per_package.groupBy("subscriber_id", "task_code", "current_generation")
        .agg(F.min(choice).alias("best"))
        .select("subscriber_id", "task_code", "current_generation", "best.*")
    )

    actual = F.round("average_actual_bill", 2)
    package_bill = F.round("average_package_bill", 2)
    result = best.select(
        "subscriber_id",
        "task_code",
        "current_generation",
        F.col("package_id").alias("recommended_package_id"),
        F.col("package_name").alias("recommended_package_name"),
        F.round("monthly_fee_yuan", 2).alias("recommended_monthly_fee_yuan"),
        F.col("months_used").cast("int").alias("months_used"),
        actual.alias("average_actual_bill_yuan"),
        package_bill.alias("average_package_bill_yuan"),
        F.col("covered_months").cast("int").alias("covered_months"),
        # From the rounded figures, so the change is exactly the difference the reason prints.
        F.round(package_bill - actual, 2).alias("expected_monthly_change_yuan"),
        F.element_at(F.array(*[F.lit(code) for code in FIT_REASON_CODES]), F.col("branch") + 1).alias(
            "fit_reason_code"
        ),
        F.col("revenue_floor_yuan"),
    )
    return result.select(
        *PACKAGE_FIT_COLUMNS[:-2],
        _reason_zh(config).alias("reason_zh"),
        _reason_en(config).alias("reason_en"),
    )


def _share_text(share: float) -> str:
    """A share as a percentage for a format_string pattern (the percent sign escaped)."""
    return f"{share * 100:g}%%"


def _reason_en(config: TaskConfig) -> Column:
    """One English sentence with the figures, in terms of the recommendation's branch."""
    window = config.package_fit.usage_months
    target = config.target_generation
    period = F.when(F.col("months_used") == window, F.lit(f"Over the last {window} months")).otherwise(
        F.format_string(f"Over the last {window} months (%d with a bill)", "months_used")
    )
    paid = F.format_string("%s you paid %.2f yuan a month on average", period, "average_actual_bill_yuan")
    outcome = F.format_string(
        "would have cost %.2f yuan a month and covered your use in %d of %d months",
        "average_package_bill_yuan",
        "covered_months",
        "months_used",
    )
    code = F.col("fit_reason_code")
    floor_share = _share_text(config.package_fit.revenue_floor_share)
    return (
        F.when(code == FITS_USAGE, F.format_string("%s; %s %s.", paid, "recommended_package_name", outcome))
        .when(
            code == NO_PACKAGE_COVERS_USAGE,
            F.format_string(
                f"%s; no {target} package open to you covered your use often enough, and %s comes closest: it %s.",
                paid,
                "recommended_package_name",
                outcome,
            ),
        )
        .otherwise(
            F.format_string(
                f"%s; every {target} package open to you costs less than %.2f yuan ({floor_share} of that average), "
                "and %s is the cheapest for your use: it %s.",
                paid,
                "revenue_floor_yuan",
                "recommended_package_name",
                outcome,
            )
        )
    )


def _reason_zh(config: TaskConfig) -> Column:
    """The same sentence in Chinese."""
    window = config.package_fit.usage_months
    target = config.target_generation
    period = F.when(F.col("months_used") == window, F.lit(f"近{window}个月")).otherwise(
        F.format_string(f"近{window}个月（有账单的%d个月）", "months_used")
    )
    paid = F.format_string("%s您月均消费%.2f元", period, "average_actual_bill_yuan")
    outcome = F.format_string(
        "月均费用为%.2f元，%d个月中有%d个月用量未超出套餐",
        "average_package_bill_yuan",
        "months_used",
        "covered_months",
    )
    code = F.col("fit_reason_code")
    floor_share = _share_text(config.package_fit.revenue_floor_share)
    return (
        F.when(code == FITS_USAGE, F.format_string("%s；若使用%s，%s。", paid, "recommended_package_name", outcome))
        .when(
            code == NO_PACKAGE_COVERS_USAGE,
            F.format_string(
                f"%s；没有可选的{target}套餐能在足够多的月份覆盖您的用量，最接近的是%s，%s。",
                paid,
                "recommended_package_name",
                outcome,
            ),
        )
        .otherwise(
            F.format_string(
                f"%s；所有可选的{target}套餐月费均低于%.2f元（月均消费的{floor_share}），其中%s按您的用量最便宜，%s。",
                paid,
                "revenue_floor_yuan",
                "recommended_package_name",
                outcome,
            )
        )
    )
