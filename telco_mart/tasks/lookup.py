"""The front-desk lookup: one subscriber's open tasks, the package to recommend with the figures
behind it, and the last retention contact with its result.

Reads the task tables of the mart by path. A number typed at the counter is matched through
the channel's full number only to find the subscriber id; what is shown is masked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from pyspark.sql import functions as F

from telco_mart.errors import TelcoMartError
from telco_mart.settings import DataLayout
from telco_mart.storage.keys import DATE_KEY
from telco_mart.storage.partitions import latest_partition_date, partition_dates, partition_path
from telco_mart.storage.restricted import read_raw_latest
from telco_mart.storage.spark_reads import PartitionMissing
from telco_mart.tasks.inputs import RETENTION_RESULTS_SCHEMA, read_history

MSISDN = re.compile(r"^1\d{10}$")


class FrontDeskLookupError(TelcoMartError):
    """The subscriber or the task tables are not there."""


@dataclass
class FrontDeskView:
    """What the clerk sees."""

    subscriber: dict[str, Any]
    business_date: date
    tasks: list[dict[str, Any]]
    package_fit: dict[str, Any] | None
    churn_score: dict[str, Any] | None
    last_retention: dict[str, Any] | None


def _latest(layout: DataLayout, table: str, as_of: date | None) -> date:
    found = latest_partition_date(layout.mart / table, DATE_KEY, as_of)
    if found is None:
        raise FrontDeskLookupError(
            f"{table} has no partition{'' if as_of is None else f' on or before {as_of}'}: run the task models first"
        )
    return found


def _read(spark, layout: DataLayout, table: str, day: date):
    return spark.read.parquet(str(partition_path(layout.mart / table, "business_date", day)))


def _subscriber_id(spark, layout: DataLayout, key: str, day: date) -> str:
    """The subscriber id of an id or a full number (numbers are looked up in the raw CRM snapshot)."""
    if not MSISDN.match(key):
        return key
    try:
        crm, snapshot_date = read_raw_latest(spark, layout, "crm", "crm_subscriber", day)
    except PartitionMissing:
        raise FrontDeskLookupError(f"no CRM subscriber snapshot on or before {day} to look up a number") from None
    rows = crm.where(F.col("msisdn") == key).select("subscriber_id").limit(2).collect()
    if not rows:
        raise FrontDeskLookupError(
            f"no subscriber has the number {key[:3]}****{key[-4:]} in the CRM snapshot of {snapshot_date}"
        )
    return rows[0]["subscriber_id"]


def front_desk_view(spark, layout: DataLayout, key: str, as_of: date | None = None) -> FrontDeskView:
    """The view of a subscriber id or mobile number on the latest task date (or ``as_of``)."""
    day = _latest(layout, "fct_task_targets", as_of)
    subscriber_id = _subscriber_id(spark, layout, key.strip(), day)
    subscriber_rows = (
        _read(spark, layout, "dim_subscriber", day)
        .where(F.col("subscriber_id") == subscriber_id)
        .select(
            "subscriber_id",
            "msisdn_masked",
            "city",
            "status",
            "network_generation",
            "package_name",
            "package_monthly_fee_yuan",
            "arpu_3m_yuan",
            "value_segment",
            "contract_kind",
            "contract_end_date",
            "terminal_brand",
            "terminal_model",
            "is_dnd",
            "is_blacklisted",
        )
        .collect()
    )
    if not subscriber_rows:
        raise FrontDeskLookupError(f"subscriber {subscriber_id} is not in dim_subscriber of {day}")
    tasks = (
        _read(spark, layout, "fct_task_targets", day)
        .where(F.col("subscriber_id") == subscriber_id)
        .orderBy("task_class", "task_code")
        .collect()
    )
    fit = _read(spark, layout, "fct_package_fit", day).where(F.col("subscriber_id") == subscriber_id).collect()
    scores_dates = partition_dates(layout.mart / "fct_task_scores", "business_date")
    score = (
        _read(spark, layout, "fct_task_scores", day).where(F.col("subscriber_id") == subscriber_id).collect()
        if day in scores_dates
        else []
    )
    retention = (
        read_history(spark, layout, "fct_retention_results", "business_date", day, RETENTION_RESULTS_SCHEMA)
        .where((F.col("subscriber_id") == subscriber_id) & (F.col("contact_date") <= F.lit(day)))
        .orderBy(F.col("contact_date").desc(), F.col("contact_id").desc())
        .limit(1)
        .collect()
    )
    return FrontDeskView(
        subscriber=subscriber_rows[0].asDict(),
        business_date=day,
        tasks=[row.asDict() for row in tasks],
        package_fit=fit[0].asDict() if fit else None,
        churn_score=score[0].asDict() if score else None,
        last_retention=retention[0].asDict() if retention else None,
    )


def format_front_desk_view(view: FrontDeskView) -> str:
    """The view as the clerk reads it (Chinese first, English after)."""
    s = view.subscriber
    lines = [
        f"{s['msisdn_masked']}  ({s['subscriber_id']}, {s['city']}, {s['status']})  as of {view.business_date}",
        f"  {s['network_generation']} on {s['package_name']} ({s['package_monthly_fee_yuan']} yuan/month), "
        f"ARPU 3m {s['arpu_3m_yuan']} yuan, value {s['value_segment']}; handset {s['terminal_brand'] or '?'} "
        f"{s['terminal_model'] or ''}; contract {s['contract_kind'] or 'none'} ending {s['contract_end_date'] or '-'}",
    ]
    if s["is_dnd"] or s["is_blacklisted"]:
        lines.append("  Do not contact outbound (do-not-disturb or blacklist); serve only when the customer asks.")
    lines.append(f"Open tasks ({len(view.tasks)}):")
    if not view.tasks:
        lines.append("  none")
    for task in view.tasks:
        rank = f"rank {task['target_rank']:,}"
        lines.append(f"  - {task['task_name_zh']} / {task['task_name_en']} [{task['task_code']}, {rank}]")
        lines.append(f"    {task['reason_zh']}")
        lines.append(f"    {task['reason_en']}")
    fit = view.package_fit
    if fit:
        lines.append(
            f"Recommended package: {fit['recommended_package_name']} ({fit['recommended_package_id']}, "
            f"{fit['recommended_monthly_fee_yuan']:.2f} yuan/month)"
        )
        lines.append(
            f"  actual bill {fit['average_actual_bill_yuan']:.2f} yuan/month over {fit['months_used']} month(s); "
            f"with this package {fit['average_package_bill_yuan']:.2f} yuan/month "
            f"({fit['expected_monthly_change_yuan']:+.2f}); usage covered in {fit['covered_months']} of {fit['months_used']}"
        )
        lines.append(f"  {fit['reason_zh']}")
        lines.append(f"  {fit['reason_en']}")
    score = view.churn_score
    if score:
        lines.append(
            f"Churn risk: {score['score']:.1%} (decile {score['decile']} of 10; {score['model_version']}, "
            f"bills of {score['feature_month']:%Y-%m})"
        )
    retention = view.last_retention
    if retention:
        lines.append(
            f"Last retention contact: {retention['contact_date']} by {retention['channel_type']} for "
            f"{retention['task_code']}: {retention['retention_outcome']}"
        )
    else:
        lines.append("Last retention contact: none recorded")
    return "\n".join(lines)
