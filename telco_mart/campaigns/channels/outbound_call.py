"""Outbound call: a pipe-delimited call list for the call centre, highest priority first."""

from __future__ import annotations

from telco_mart.campaigns.channels.base import (
    BY_CAMPAIGN,
    CONTACT,
    Channel,
    ContactContext,
    ExportFormat,
    contact_base,
    text,
)

EXPORT_FORMAT = ExportFormat(
    channel="outbound_call",
    file_pattern="OUTBOUND_CALL_{yyyymmdd}.txt",
    columns=(*CONTACT, "city", "priority", "offer_package_id", "script", "reason"),
    sort_keys=(("priority", True), *BY_CAMPAIGN),
    serialisation="pipe",
    required=(*CONTACT, "priority"),
    kinds=(("priority", "int"),),
)


def build_row(row: dict, context: ContactContext) -> dict:
    """One call: who, the campaign's priority and offer, the script and the reason to give."""
    return {
        **contact_base(row),
        "city": row["city"],
        "priority": int(row["priority"]),
        "offer_package_id": row["offer_package_id"],
        "script": context.script,
        "reason": text(row["reason_zh"]),
    }


CHANNEL = Channel("outbound_call", EXPORT_FORMAT, build_row)
