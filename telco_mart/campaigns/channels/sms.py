"""SMS: the SMS gateway's CSV, one message per contact, as a template id and its parameters."""

from __future__ import annotations

from telco_mart.campaigns.channels.base import (
    BY_CAMPAIGN,
    CONTACT,
    Channel,
    ContactContext,
    ExportFormat,
    contact_base,
    text,
    whole_yuan,
)

EXPORT_FORMAT = ExportFormat(
    channel="sms",
    file_pattern="SMS_{yyyymmdd}.csv",
    columns=(*CONTACT, "template_id", "parameters"),
    sort_keys=BY_CAMPAIGN,
    serialisation="csv",
    required=(*CONTACT, "template_id"),
    kinds=(("parameters", "json"),),
)


def build_row(row: dict, context: ContactContext) -> dict:
    """The campaign's approved template and the values the gateway fills into it."""
    parameters = {
        "offer_name": text(row["offer_name"]),
        "reason": text(row["reason_zh"]),
        "monthly_fee_yuan": whole_yuan(row["offer_fee_yuan"]),
    }
    return {**contact_base(row), "template_id": context.campaign.sms_template_id, "parameters": parameters}


CHANNEL = Channel("sms", EXPORT_FORMAT, build_row)
