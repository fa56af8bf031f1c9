"""Retail counter: the front desk's assist-sale file, one row per subscriber of a store, with
every open task of the subscriber and the last retention contact, so the clerk sees the whole
case when the customer comes in. Its capacity is also shared out per home store."""

from __future__ import annotations

from telco_mart.campaigns.channels.base import Channel, ContactContext, ExportFormat, is_missing

_COLUMNS = """subscriber_id msisdn city store_id contact_ids campaign_ids open_tasks recommended_package_id
    recommended_package_name recommended_monthly_fee_yuan expected_monthly_change_yuan script last_retention_date
    last_retention_task_code last_retention_outcome"""
EXPORT_FORMAT = ExportFormat(
    channel="retail_counter",
    file_pattern="FRONT_DESK_{yyyymmdd}.csv",
    columns=tuple(_COLUMNS.split()),
    sort_keys=(("store_id", False), ("subscriber_id", False)),
    serialisation="csv",
    required=("subscriber_id", "msisdn", "contact_ids", "campaign_ids", "open_tasks"),
    kinds=(
        *((column, "json") for column in ("contact_ids", "campaign_ids", "open_tasks")),
        *((column, "money") for column in ("recommended_monthly_fee_yuan", "expected_monthly_change_yuan")),
    ),
    row_key="subscriber_id",
    campaign_column="campaign_ids",
)


def build_row(row: dict, context: ContactContext) -> dict:
    """The subscriber's case for the clerk: open tasks (at least this contact's), the offer as
    the recommended package, the script, and the last retention contact."""
    open_tasks = context.open_tasks or [
        {"task_code": row["task_code"], "task_name_zh": row["task_name_zh"], "reason_zh": row["reason_zh"]}
    ]
    retention = context.last_retention
    change = row["offer_fee_change_yuan"]
    return {
        "subscriber_id": row["subscriber_id"],
        "msisdn": row["msisdn"],
        "city": row["city"],
        "store_id": row["store_id"],
        "contact_ids": [row["contact_id"]],
        "campaign_ids": [row["campaign_id"]],
        "open_tasks": open_tasks,
        "recommended_package_id": row["offer_package_id"],
        "recommended_package_name": row["offer_name"],
        "recommended_monthly_fee_yuan": row["offer_fee_yuan"],
        "expected_monthly_change_yuan": None if is_missing(change) else change,
        "script": context.script,
        "last_retention_date": retention[0],
        "last_retention_task_code": retention[1],
        "last_retention_outcome": retention[2],
    }


CHANNEL = Channel("retail_counter", EXPORT_FORMAT, build_row, limited_per_store=True, shows_open_tasks=True)
