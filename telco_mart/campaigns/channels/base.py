"""What a channel is: its export format, how a contact becomes a row of its file, and how its
capacity is counted. Each channel module builds one :class:`Channel`; the registry in
``telco_mart.campaigns.channels`` lists them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol


class CampaignFields(Protocol):
    """The campaign fields a row builder may read (a ``telco_mart.campaigns.definition.Campaign``;
    named by protocol so the channels need not import the definition, which imports them)."""

    campaign_id: str
    sms_template_id: str


@dataclass(frozen=True)
class ExportFormat:
    """How one channel's file is laid out. ``sort_keys`` are ``(column, descending)`` pairs;
    ``kinds`` names the columns that are not plain text: ``int``, ``money`` or ``json``.
    ``row_key`` is the column no two rows share; ``campaign_column`` holds the row's campaign id
    (or, as a JSON list, its campaign ids)."""

    channel: str
    file_pattern: str
    columns: tuple[str, ...]
    sort_keys: tuple[tuple[str, bool], ...]
    serialisation: str  # "pipe", "csv" or "jsonl"
    required: tuple[str, ...]
    kinds: tuple[tuple[str, str], ...] = ()
    row_key: str = "contact_id"
    campaign_column: str = "campaign_id"

    def file_name(self, business_date: date) -> str:
        """The data file's name for a business date."""
        return self.file_pattern.format(yyyymmdd=f"{business_date:%Y%m%d}")

    def kind(self, column: str) -> str:
        """``text``, ``int``, ``money`` or ``json``."""
        return dict(self.kinds).get(column, "text")

    @property
    def sort_order(self) -> list[str]:
        """The sort keys as the manifest states them."""
        return [f"{column} desc" if descending else column for column, descending in self.sort_keys]

    def campaign_ids(self, record: dict[str, Any]) -> list[str]:
        """The campaign ids a checked row stands for."""
        value = record[self.campaign_column]
        return [str(c) for c in value] if self.kind(self.campaign_column) == "json" else [value]


@dataclass(frozen=True)
class ContactContext:
    """What a row builder may use besides the contact: the campaign, its rendered script, and
    (for channels that show them) the subscriber's open tasks and last retention contact."""

    campaign: CampaignFields
    script: str
    open_tasks: list[dict]
    last_retention: tuple[str | None, str | None, str | None]


@dataclass(frozen=True)
class Channel:
    """One marketing channel.

    ``build_row`` turns a contact (the fields of ``CONTACT_FIELDS`` plus the full ``msisdn``) into
    a row of the channel's file. A channel whose rows are one per subscriber (``row_key`` of the
    format is ``subscriber_id``) merges a subscriber's contacts into the best one's row.
    ``limited_per_store`` marks a channel whose capacity is also shared out per home store.
    ``shows_open_tasks`` asks for the subscriber's open tasks in the context. The channel's name
    is also its capacity key in the contact policy and its ``channel_type`` code in feedback.
    """

    name: str
    export_format: ExportFormat
    build_row: Callable[[dict, ContactContext], dict]
    limited_per_store: bool = False
    shows_open_tasks: bool = False

    def merge(self, rows: list[dict]) -> list[dict]:
        """The file's rows: as built, or one per subscriber (ids best contact first) when the
        format's row key is the subscriber; the offer and script shown are the best contact's."""
        if self.export_format.row_key != "subscriber_id":
            return rows
        merged: dict[str, dict] = {}
        for row in rows:
            seen = merged.get(row["subscriber_id"])
            if seen is None:
                merged[row["subscriber_id"]] = dict(row)
            else:
                seen["contact_ids"] = seen["contact_ids"] + row["contact_ids"]
                seen["campaign_ids"] = seen["campaign_ids"] + row["campaign_ids"]
        return list(merged.values())


def is_missing(value) -> bool:
    """None, or a NaN from pandas."""
    return value is None or (isinstance(value, float) and value != value)


def text(value) -> str:
    """A value as text in a file or script: empty when missing."""
    return "" if is_missing(value) else str(value)


def whole_yuan(fee) -> str:
    """A monthly fee as the scripts and SMS parameters show it: whole yuan, empty when unknown."""
    return "" if is_missing(fee) else f"{fee:.0f}"


CONTACT = ("contact_id", "campaign_id", "subscriber_id", "msisdn")
BY_CAMPAIGN = (("campaign_id", False), ("subscriber_id", False), ("contact_id", False))


def contact_base(row: dict) -> dict:
    """The four columns every per-contact file starts with."""
    return {k: row[k] for k in CONTACT}
