"""The rule tasks: who is a target of contract renewal, SIM change, capable handset, high value
and churn warning on a business date, with the figures and a one-sentence reason.

Every function takes the subscribers of the business date (``dim_subscriber``'s columns) and
returns rows of the same shape, ``RULE_TARGET_COLUMNS``: one per subscriber per sub-task that
holds. All are Spark column expressions: nothing is collected, no Python runs per row. Closed
lines are never targets. The thresholds and windows come from ``models/tasks.yaml``.
"""

from __future__ import annotations

from datetime import date

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from telco_mart.tasks.config import TaskConfig

RULE_TARGET_COLUMNS = ("subscriber_id", "task_code", "score", "score_kind", "reason_codes", "reason_zh", "reason_en")
CONTRACT_KIND_ZH = {
    "deposit_gets_handset": "存费送机",
    "handset_gets_credit": "购机送费",
    "deposit_gets_credit": "存费送费",
}
OPEN_STATUSES = ("active", "suspended")


def _open_lines(subscribers: DataFrame) -> DataFrame:
    return subscribers.where(F.col("status").isin(*OPEN_STATUSES))


def _money(column: Column) -> Column:
    """A money figure as text with two decimals, as the reasons print it."""
    return F.format_number(column.cast("double"), 2)


def months_between_calendar(later: Column, earlier: date) -> Column:
    """Calendar months from ``earlier``'s month to ``later``'s month (2024-02-29 -> 2024-05-01 is 3)."""
    return (F.year(later) * 12 + F.month(later)) - (earlier.year * 12 + earlier.month)


def _targets(frame: DataFrame, task_code: str, score: Column, score_kind: str, codes: Column, zh: Column, en: Column):
    return frame.select(
        "subscriber_id",
        F.lit(task_code).alias("task_code"),
        score.cast("double").alias("score"),
        F.lit(score_kind).alias("score_kind"),
        codes.alias("reason_codes"),
        zh.alias("reason_zh"),
        en.alias("reason_en"),
    )


def contract_renewal_targets(subscribers: DataFrame, business_date: date, config: TaskConfig) -> DataFrame:
    """The five renewal sub-tasks: a contract of a configured kind, not renewed, whose end month
    lies in the sub-task's window of calendar months from the business date's month; the card-only
    sub-task also needs the contract ended (the line now holds only the card). Ranked by ARPU."""
    months_to_end = months_between_calendar(F.col("contract_end_date"), business_date)
    candidates = (
        _open_lines(subscribers)
        .where(F.col("contract_kind").isin(*config.renewal_contract_kinds))
        .where(F.col("contract_status") != F.lit("renewed"))
        .withColumn("calendar_months_to_end", months_to_end)
    )
    kind_zh = F.create_map(*[F.lit(x) for pair in CONTRACT_KIND_ZH.items() for x in pair])[F.col("contract_kind")]
    end_text = F.date_format("contract_end_date", "yyyy-MM-dd")
    parts = []
    for code, window in config.renewal_windows.items():
        rows = candidates.where(
            F.col("calendar_months_to_end").between(window.min_months_to_end, window.max_months_to_end)
        )
        if code == "renewal_card_only":
            rows = rows.where(F.col("contract_status") == F.lit("ended"))
        months = F.col("calendar_months_to_end")
        ahead = months >= 0
        en = F.when(
            months == 0,
            F.format_string("The %s contract ends this month (%s) and is not renewed.", "contract_kind", end_text),
        ).when(
            ahead,
            F.format_string(
                "The %s contract ends on %s, in %d month(s), and is not renewed.", "contract_kind", end_text, months
            ),
        )
        en = en.otherwise(
            F.format_string(
                "The %s contract ended on %s, %d month(s) ago, and was not renewed%s.",
                "contract_kind",
                end_text,
                -months,
                F.when(F.col("contract_status") == "ended", F.lit("; the line now holds only the card")).otherwise(""),
            )
        )
        zh = F.when(months == 0, F.format_string("%s合约本月（%s）到期，尚未续约。", kind_zh, end_text)).when(
            ahead, F.format_string("%s合约将于%s到期（还有%d个月），尚未续约。", kind_zh, end_text, months)
        )
        zh = zh.otherwise(
            F.format_string("%s合约已于%s到期（%d个月前），未续约，现为单卡用户。", kind_zh, end_text, -months)
        )
        codes = F.array(
            F.format_string("contract_kind_%s", "contract_kind"),
            F.format_string("contract_months_to_end_%d", months),
            F.lit("contract_not_renewed"),
        )
        parts.append(_targets(rows, code, F.col("arpu_3m_yuan"), "arpu_3m_yuan", codes, zh, en))
    return _union(parts)


def sim_change_targets(subscribers: DataFrame, config: TaskConfig) -> DataFrame:
    """Lines on a legacy SIM card (not USIM): remind them to change the card. Ranked by ARPU."""
    rows = _open_lines(subscribers).where(F.col("sim_type").isin(*config.legacy_sim_types))
    target = config.target_generation
    en = F.format_string(f"The line uses a %s card, which cannot use {target}: change it for a USIM card.", "sim_type")
    zh = F.format_string(f"该号码使用%s卡，无法使用{target}网络，请更换USIM卡。", "sim_type")
    codes = F.array(F.lit("sim_type_not_usim"))
    return _targets(rows, config.sim_change_task, F.col("arpu_3m_yuan"), "arpu_3m_yuan", codes, zh, en)


def capable_handset_targets(subscribers: DataFrame, config: TaskConfig) -> DataFrame:
    """Lines of an older generation whose handset (matched by TAC) supports the target generation.
    A handset whose TAC is not in the terminal library is never guessed: see ``unmatched_handsets``."""
    target, rank = config.target_generation, config.target_rank
    rows = (
        _open_lines(subscribers)
        .where(F.col("generation_rank") < rank)
        .where(F.col("is_terminal_matched"))
        .where(F.col("terminal_max_generation_rank") >= rank)
    )
    handset = F.concat_ws(" ", "terminal_brand", "terminal_model")
    en = F.format_string(f"The handset %s supports {target}, but the line is on %s.", handset, "network_generation")
    zh = F.format_string(f"手机%s支持{target}，但号码仍在使用%s网络。", handset, "network_generation")
    codes = F.array(
        F.format_string("handset_supports_%s", "terminal_max_generation"),
        F.format_string("line_on_%s", "network_generation"),
    )
    return _targets(rows, config.capable_handset_task, F.col("arpu_3m_yuan"), "arpu_3m_yuan", codes, zh, en)


def unmatched_handsets(subscribers: DataFrame, config: TaskConfig) -> DataFrame:
    """Open lines of an older generation whose handset is unknown (no IMEI seen or TAC not in the
    terminal library): reported by TAC so the terminal library can be completed, never targeted."""
    return (
        _open_lines(subscribers)
        .where(F.col("generation_rank") < config.target_rank)
        .where(~F.coalesce(F.col("is_terminal_matched"), F.lit(False)))
        .groupBy(F.coalesce(F.col("tac"), F.lit("(no handset seen)")).alias("tac"))
        .agg(F.count(F.lit(1)).alias("subscribers"))
    )


def last_retention_results(retention_results: DataFrame, business_date: date) -> DataFrame:
    """Each subscriber's latest retention contact on or before the business date (ties: contact id)."""
    recent = retention_results.where(F.col("contact_date") <= F.lit(business_date))
    latest = F.max_by(
        F.struct("contact_date", "contact_id", "task_code", "channel_type", "retention_outcome"),
        F.struct("contact_date", "contact_id"),
    )
    return (
        recent.groupBy("subscriber_id")
        .agg(latest.alias("last"))
        .select(
            "subscriber_id",
            F.col("last.contact_date").alias("last_retention_date"),
            F.col("last.task_code").alias("last_retention_task_code"),
            F.col("last.channel_type").alias("last_retention_channel"),
            F.col("last.retention_outcome").alias("last_retention_outcome"),
        )
    )


def high_value_targets(
    subscribers: DataFrame, last_results: DataFrame, business_date: date, config: TaskConfig
) -> DataFrame:
    """Subscribers of the year-end high-value list, refreshed with the date's data: the line is
    open, a generation with an ARPU floor (2G: above 50 yuan) is above it today, and no successful
    retention within ``recent_success_days``. The previous result is named in the reason."""
    arpu = F.coalesce(F.col("arpu_3m_yuan").cast("double"), F.lit(0.0))
    floors = config.high_value_min_arpu_by_generation
    above_floor = F.lit(True)
    for generation, floor in floors.items():
        above_floor = above_floor & ((F.col("network_generation") != generation) | (arpu > floor))
    since = F.date_sub(F.lit(business_date), config.high_value_recent_success_days)
    recently_successful = F.col("last_retention_outcome").isin(*config.high_value_success_outcomes) & (
        F.col("last_retention_date") > since
    )
    rows = (
        _open_lines(subscribers)
        .where(F.col("is_high_value_listed"))
        .where(above_floor)
        .join(last_results, "subscriber_id", "left")
        .where(~F.coalesce(recently_successful, F.lit(False)))
    )
    previous_en = F.when(
        F.col("last_retention_outcome").isNotNull(),
        F.format_string(
            "; last retention contact on %s: %s",
            F.date_format("last_retention_date", "yyyy-MM-dd"),
            "last_retention_outcome",
        ),
    ).otherwise("; no earlier retention contact")
    previous_zh = F.when(
        F.col("last_retention_outcome").isNotNull(),
        F.format_string(
            "；上次维系%s：%s", F.date_format("last_retention_date", "yyyy-MM-dd"), "last_retention_outcome"
        ),
    ).otherwise("；此前未做维系")
    en = F.format_string(
        "On the year-end high-value list, %s line with %s yuan ARPU over 3 months%s.",
        "network_generation",
        _money(arpu),
        previous_en,
    )
    zh = F.format_string(
        "年末高价值客户，%s用户，近3个月ARPU %s元%s。", "network_generation", _money(arpu), previous_zh
    )
    codes = F.array_compact(
        F.array(
            F.lit("high_value_listed"),
            F.when(
                F.col("last_retention_outcome").isNotNull(),
                F.format_string("previous_retention_%s", "last_retention_outcome"),
            ),
        )
    )
    return _targets(rows, config.high_value_task, arpu, "arpu_3m_yuan", codes, zh, en)


def churn_warning_targets(subscribers: DataFrame, latest_usage: DataFrame, config: TaskConfig) -> DataFrame:
    """Open lines whose share of voice minutes forwarded to other networks, in the latest bill
    month, is above the threshold (half). The score here is that share; the churn model's
    probability replaces it as the ranking score where a champion model scored the subscriber."""
    share = F.col("forwarded_minutes_share").cast("double")
    usage = latest_usage.select(
        "subscriber_id",
        "forwarded_minutes_share",
        "forwarded_to_other_network_minutes",
        "voice_minutes",
        "billing_month",
    )
    rows = _open_lines(subscribers).join(usage, "subscriber_id").where(share > config.churn_min_forwarded_share)
    percent = F.format_number(share * 100, 1)
    month = F.date_format(F.col("billing_month").cast("date"), "yyyy-MM")
    en = F.format_string(
        "In %s, %s%% of voice minutes (%d of %d) were forwarded to other networks.",
        month,
        percent,
        F.col("forwarded_to_other_network_minutes").cast("long"),
        F.col("voice_minutes").cast("long"),
    )
    zh = F.format_string(
        "%s月呼转异网占比%s%%（%d/%d分钟）。",
        month,
        percent,
        F.col("forwarded_to_other_network_minutes").cast("long"),
        F.col("voice_minutes").cast("long"),
    )
    threshold = int(round(config.churn_min_forwarded_share * 100))
    codes = F.array(F.lit(f"forwarded_share_above_{threshold}pct"))
    return _targets(rows, config.churn_warning_task, share, "forwarded_minutes_share", codes, zh, en)


def _union(parts: list[DataFrame]) -> DataFrame:
    result = parts[0]
    for part in parts[1:]:
        result = result.unionByName(part)
    return result
