"""App: JSON Lines for the self-service app's message centre."""

from __future__ import annotations

from telco_mart.campaigns.channels.base import BY_CAMPAIGN, CONTACT, Channel, ContactContext, ExportFormat, contact_base

EXPORT_FORMAT = ExportFormat(
    channel="app",
    file_pattern="APP_{yyyymmdd}.jsonl",
    columns=(*CONTACT, "offer_package_id", "offer_name", "message"),
    sort_keys=BY_CAMPAIGN,
    serialisation="jsonl",
    required=CONTACT,
)


def build_row(row: dict, context: ContactContext) -> dict:
    """One in-app message: the offer and the rendered script."""
    return {
        **contact_base(row),
        "offer_package_id": row["offer_package_id"],
        "offer_name": row["offer_name"],
        "message": context.script,
    }


CHANNEL = Channel("app", EXPORT_FORMAT, build_row)
