"""The rows of each channel's file: full numbers, the script with its reason, and for the
channels that show them (the front desk) every open task of the subscriber. Each channel's own
module (``telco_mart.campaigns.channels``) builds its rows; this module gathers what they need.

The contacts are collected to the driver here: a channel file is bounded by the channel's
daily capacity, and the file itself is written by one process. The full MSISDN comes from the
latest CRM subscriber extract (the mart holds masked numbers only).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from telco_mart.campaigns.channels import CHANNELS, EXPORT_FORMATS, REGISTRY
from telco_mart.campaigns.channels.base import ContactContext, text, whole_yuan
from telco_mart.campaigns.definition import Campaign
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


def render_script(campaign: Campaign, row: dict) -> str:
    """The campaign's script with the row's reason and offer filled in (missing values empty)."""
    return campaign.script.format(
        reason_zh=text(row.get("reason_zh")),
        reason_en=text(row.get("reason_en")),
        offer_name=text(row.get("offer_name")),
        package_name=text(row.get("offer_name")),
        monthly_fee_yuan=whole_yuan(row.get("offer_fee_yuan")),
        task_name_zh=text(row.get("task_name_zh")),
        task_name_en=text(row.get("task_name_en")),
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
    showing_tasks = [c for c in CHANNELS if REGISTRY[c].shows_open_tasks]
    tasks = _open_tasks(spark, inputs, sorted(contacts.loc[contacts["channel"].isin(showing_tasks), "subscriber_id"]))
    for row in contacts.to_dict("records"):
        campaign = campaigns[row["campaign_id"]]
        channel = REGISTRY[row["channel"]]
        known = (tasks.get(row["subscriber_id"]) if channel.shows_open_tasks else None) or {
            "tasks": [],
            "retention": None,
        }
        context = ContactContext(
            campaign=campaign,
            script=render_script(campaign, row),
            open_tasks=known["tasks"],
            last_retention=known["retention"] or (None, None, None),
        )
        records[channel.name].append(channel.build_row(row, context))
    for name in CHANNELS:
        rows = REGISTRY[name].merge(records[name])
        if rows:
            frames[name] = pd.DataFrame(rows, columns=list(EXPORT_FORMATS[name].columns))
    return frames


__all__ = ["build_channel_frames", "render_script"]
