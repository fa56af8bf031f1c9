"""A campaign's state and every change to it: ``draft -> approved -> active <-> paused -> ended``.

The log is one JSON Lines file under the data root (``campaigns/lifecycle.jsonl``), appended
to and never rewritten: who, when, why, the business date the change takes effect from, and
the hash of the definition it applied to. The state on a business date is replayed from the
entries effective on or before it, so a rerun of an old date sees the state of that date.
A campaign whose YAML changed after its approval does not send until it is approved again.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path

from telco_mart.campaigns.definition import Campaign
from telco_mart.errors import TelcoMartError
from telco_mart.settings import DataLayout

DRAFT, APPROVED, ACTIVE, PAUSED, ENDED = "draft", "approved", "active", "paused", "ended"
# action -> (states it may start from, state it leads to)
TRANSITIONS = {
    "approve": ((DRAFT,), APPROVED),
    "activate": ((APPROVED,), ACTIVE),
    "pause": ((ACTIVE,), PAUSED),
    "resume": ((PAUSED,), ACTIVE),
    "end": ((APPROVED, ACTIVE, PAUSED), ENDED),
}


class LifecycleError(TelcoMartError):
    """A state change that is not allowed from the campaign's current state."""


@dataclass(frozen=True)
class LogEntry:
    """One change of one campaign's state."""

    campaign_id: str
    action: str
    from_state: str
    to_state: str
    by: str
    reason: str
    effective_date: str
    definition_fingerprint: str
    # When the person acted (audit metadata, wall clock); the business logic reads effective_date.
    recorded_at: str
    details: dict


@dataclass(frozen=True)
class CampaignState:
    """Where a campaign stands on a business date."""

    state: str
    approved_fingerprint: str | None
    changes: int


def log_path(layout: DataLayout) -> Path:
    """The lifecycle log of the data root."""
    return layout.campaign_state / "lifecycle.jsonl"


def read_log(layout: DataLayout, campaign_id: str | None = None) -> list[LogEntry]:
    """Every log entry (of one campaign), in the order they were made."""
    path = log_path(layout)
    if not path.exists():
        return []
    entries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entry = LogEntry(**json.loads(line))
        except (ValueError, TypeError) as error:
            raise LifecycleError(f"{path}: line {number} is not a lifecycle entry: {error}") from None
        if campaign_id is None or entry.campaign_id == campaign_id:
            entries.append(entry)
    return entries


def state_on(
    layout: DataLayout, campaign_id: str, business_date: date, entries: list[LogEntry] | None = None
) -> CampaignState:
    """The campaign's state from the entries effective on or before ``business_date``."""
    entries = read_log(layout, campaign_id) if entries is None else entries
    state, fingerprint, changes = DRAFT, None, 0
    for entry in entries:
        if entry.campaign_id != campaign_id or date.fromisoformat(entry.effective_date) > business_date:
            continue
        state, changes = entry.to_state, changes + 1
        if entry.action == "approve":
            fingerprint = entry.definition_fingerprint
    return CampaignState(state, fingerprint, changes)


def current_state(layout: DataLayout, campaign_id: str) -> CampaignState:
    """The state after every entry, whatever its effective date."""
    return state_on(layout, campaign_id, date.max)


@dataclass(frozen=True)
class PowerCheck:
    """The power check an approval rests on (``telco_mart.campaigns.approval.check_power``): the
    trial count, the minimum detectable uplift it gives against the plan's expected uplift, and
    the reason an under-powered campaign is approved anyway."""

    trial_count: int
    min_detectable_uplift: float | None
    expected_uplift: float
    powered: bool
    override: str | None = None

    def details(self) -> dict:
        """What the approval's log entry keeps of the check."""
        return {
            "trial_count": self.trial_count,
            "min_detectable_uplift": self.min_detectable_uplift,
            "expected_uplift": self.expected_uplift,
            "override": self.override,
        }


def record_change(
    layout: DataLayout,
    campaign: Campaign,
    action: str,
    by: str,
    effective_date: date,
    reason: str = "",
    details: dict | None = None,
    *,
    recorded_at: datetime,
    power_check: PowerCheck | None = None,
) -> LogEntry:
    """Check the transition and append it to the log; returns the entry written.

    ``recorded_at`` is when the person acted (audit metadata), given by the caller: the CLI
    passes the wall clock, a replay or a test a fixed time; ``effective_date`` drives the logic.
    An approval needs its ``power_check``, passed or overridden with a reason, whatever the entry
    point; its details are kept in the entry."""
    if action not in TRANSITIONS:
        raise LifecycleError(f"unknown action {action!r}; known: {sorted(TRANSITIONS)}")
    if not by.strip():
        raise LifecycleError(f"{action} {campaign.campaign_id}: --by must name the person")
    entries = read_log(layout, campaign.campaign_id)
    current = state_on(layout, campaign.campaign_id, date.max, entries)
    allowed_from, to_state = TRANSITIONS[action]
    if current.state not in allowed_from:
        raise LifecycleError(
            f"cannot {action} {campaign.campaign_id}: it is {current.state}; {action} needs {' or '.join(allowed_from)}"
        )
    if entries and date.fromisoformat(entries[-1].effective_date) > effective_date:
        raise LifecycleError(
            f"cannot {action} {campaign.campaign_id} effective {effective_date}: its last change took effect "
            f"{entries[-1].effective_date}; changes take effect in order"
        )
    if action == "approve":
        if power_check is None:
            raise LifecycleError(f"cannot approve {campaign.campaign_id} without its power check (trial count)")
        if not power_check.powered and not (power_check.override or "").strip():
            uplift = power_check.min_detectable_uplift
            raise LifecycleError(
                f"{campaign.campaign_id} is under-powered: it can detect "
                f"{100 * (uplift if uplift is not None else float('inf')):.2f} pp, the plan expects "
                f"{100 * power_check.expected_uplift:.2f} pp; widen the target, raise the control share, "
                "or approve with --override '<why>'"
            )
        details = {**(details or {}), **power_check.details()}
    if action == "activate" and current.approved_fingerprint != campaign.fingerprint():
        raise LifecycleError(
            f"cannot activate {campaign.campaign_id}: {campaign.path.name} changed since it was approved; "
            "end it and approve the new definition as a new campaign, or restore the approved file"
        )
    entry = LogEntry(
        campaign_id=campaign.campaign_id,
        action=action,
        from_state=current.state,
        to_state=to_state,
        by=by.strip(),
        reason=reason,
        effective_date=effective_date.isoformat(),
        definition_fingerprint=campaign.fingerprint(),
        recorded_at=recorded_at.isoformat(timespec="seconds"),
        details=details or {},
    )
    path = log_path(layout)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as log:
        log.write(json.dumps(asdict(entry), ensure_ascii=False, sort_keys=True) + "\n")
        log.flush()
        os.fsync(log.fileno())
    return entry


def sends_on(
    layout: DataLayout, campaign: Campaign, business_date: date, entries: list[LogEntry] | None = None
) -> tuple[bool, str]:
    """Whether the campaign sends on the date, and why not when it does not."""
    state = state_on(layout, campaign.campaign_id, business_date, entries)
    if state.state != ACTIVE:
        return False, f"state is {state.state}"
    if not campaign.in_window(business_date):
        return False, f"outside its dates {campaign.start_date}..{campaign.end_date}"
    if state.approved_fingerprint != campaign.fingerprint():
        return False, f"{campaign.path.name} changed since it was approved"
    return True, "active"
