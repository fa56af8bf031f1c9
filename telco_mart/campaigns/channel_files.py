"""The rows of each channel's file: full numbers, the script with its reason, and for the
front desk every open task of the subscriber.

The contacts are collected to the driver here: a channel file is bounded by the channel's
daily capacity, and the file itself is written by one process. The full MSISDN comes from the
latest CRM subscriber extract (the mart holds masked numbers only).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from telco_mart.campaigns.definition import Campaign
from telco_mart.campaigns.exports import CHANNELS, EXPORT_FORMATS
from telco_mart.settings import DataLayout
from telco_mart.storage.restricted import read_raw_latest

CONTACT_FIELDS = (
    "contact_id",
    "campaign_id",
    "subscriber_id",
    "channel",
    "city",
    "store_id",
    "priority",
    "task_code",
    "task_name_zh",
    "task_name_en",
    "reason_zh",
    "reason_en",
    "offer_package_id",
    "offer_name",
    "offer_fee_yuan",
    "offer_fee_change_yuan",
    "arbitration_score",
)


def _missing(value) -> bool:
    """None, or a NaN from pandas."""
    return value is None or (isinstance(value, float) and value != value)


def _text(value) -> str:
    return "" if _missing(value) else str(value)


def _whole_yuan(fee) -> str:
    """A monthly fee as the scripts and SMS parameters show it: whole yuan, empty when unknown."""
    return "" if _missing(fee) else f"{fee:.0f}"


def render_script(campaign: Campaign, row: dict) -> str:
    """The campaign's script with the row's reason and offer filled in (missing values empty)."""
    return campaign.script.format(
        reason_zh=_text(row.get("reason_zh")),
        reason_en=_text(row.get("reason_en")),
        offer_name=_text(row.get("offer_name")),
        package_name=_text(row.get("offer_name")),
        monthly_fee_yuan=_whole_yuan(row.get("offer_fee_yuan")),
        task_name_zh=_text(row.get("task_name_zh")),
        task_name_en=_text(row.get("task_name_en")),
    )


def _open_tasks(spark, inputs, subscriber_ids: list[str]) -> dict[str, dict]:
    """Every open task and the last retention result of the given subscribers, from the targets."""
    if not subscriber_ids:
        return {}
    wanted = spark.createDataFrame([(s,) for s in subscriber_ids], "subscriber_id string")
    rows = (
        inputs.targets.join(wanted, "subscriber_id", "left_semi")
        .select(
            "subscriber_id",
            "task_code",
            "task_name_zh",
            "reason_zh",
            "last_retention_date",
            "last_retention_task_code",
            "last_retention_outcome",
        )
        .collect()
    )
    found: dict[str, dict] = {}
    for row in sorted(rows, key=lambda r: (r["subscriber_id"], r["task_code"])):
        entry = found.setdefault(row["subscriber_id"], {"tasks": [], "retention": None})
        entry["tasks"].append(
            {"task_code": row["task_code"], "task_name_zh": row["task_name_zh"], "reason_zh": row["reason_zh"]}
        )
        if row["last_retention_date"] is not None:
            entry["retention"] = (
                row["last_retention_date"].isoformat(),
                row["last_retention_task_code"],
                row["last_retention_outcome"],
            )
    return found


def _one_row_per_subscriber(rows: list[dict]) -> list[dict]:
    """The front desk sees a subscriber once: several campaigns' contacts of one subscriber share
    the row (ids best campaign first); the offer and script shown are the best-scoring campaign's.
    (With the shipped policy of one campaign per subscriber a day this never happens.)"""
    merged: dict[str, dict] = {}
    for row in rows:
        seen = merged.get(row["subscriber_id"])
        if seen is None:
            merged[row["subscriber_id"]] = dict(row)
        else:
            seen["contact_ids"] = seen["contact_ids"] + row["contact_ids"]
            seen["campaign_ids"] = seen["campaign_ids"] + row["campaign_ids"]
    return list(merged.values())


def build_channel_frames(
    spark, layout: DataLayout, day: date, treatment: DataFrame | None, inputs, campaigns: dict[str, Campaign]
) -> dict[str, pd.DataFrame]:
    """One DataFrame per channel with exactly the export format's columns (empty ones too)."""
    frames = {c: pd.DataFrame(columns=list(EXPORT_FORMATS[c].columns)) for c in CHANNELS}
    if treatment is None:
        return frames
    numbers, _ = read_raw_latest(spark, layout, "crm", "CRM_SUBSCRIBER", day)
    contacts = (
        treatment.select(*CONTACT_FIELDS)
        .join(numbers.select("subscriber_id", "msisdn"), "subscriber_id", "left")
        # Best first: a subscriber the front desk sees for several campaigns gets the best one's offer.
        .orderBy(F.desc("arbitration_score"), "campaign_id", "subscriber_id")
        .toPandas()
    )
    records: dict[str, list[dict]] = {c: [] for c in CHANNELS}
    tasks = _open_tasks(spark, inputs, sorted(contacts.loc[contacts["channel"] == "retail_counter", "subscriber_id"]))
    for row in contacts.to_dict("records"):
        campaign = campaigns[row["campaign_id"]]
        script = render_script(campaign, row)
        channel = row["channel"]
        base = {k: row[k] for k in ("contact_id", "campaign_id", "subscriber_id", "msisdn")}
        if channel == "outbound_call":
            records[channel].append(
                {
                    **base,
                    "city": row["city"],
                    "priority": int(row["priority"]),
                    "offer_package_id": row["offer_package_id"],
                    "script": script,
                    "reason": _text(row["reason_zh"]),
                }
            )
        elif channel == "sms":
            parameters = {
                "offer_name": _text(row["offer_name"]),
                "reason": _text(row["reason_zh"]),
                "monthly_fee_yuan": _whole_yuan(row["offer_fee_yuan"]),
            }
            records[channel].append({**base, "template_id": campaign.sms_template_id, "parameters": parameters})
        elif channel == "app":
            records[channel].append(
                {
                    **base,
                    "offer_package_id": row["offer_package_id"],
                    "offer_name": row["offer_name"],
                    "message": script,
                }
            )
        else:
            known = tasks.get(row["subscriber_id"], {"tasks": [], "retention": None})
            open_tasks = known["tasks"] or [
                {"task_code": row["task_code"], "task_name_zh": row["task_name_zh"], "reason_zh": row["reason_zh"]}
            ]
            retention = known["retention"] or (None, None, None)
            change = row["offer_fee_change_yuan"]
            records[channel].append(
                {
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
                    "expected_monthly_change_yuan": None if _missing(change) else change,
                    "script": script,
                    "last_retention_date": retention[0],
                    "last_retention_task_code": retention[1],
                    "last_retention_outcome": retention[2],
                }
            )
    records["retail_counter"] = _one_row_per_subscriber(records["retail_counter"])
    for channel in CHANNELS:
        if records[channel]:
            frames[channel] = pd.DataFrame(records[channel], columns=list(EXPORT_FORMATS[channel].columns))
    return frames


__all__ = ["build_channel_frames", "render_script"]
