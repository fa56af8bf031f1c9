"""The contact policy configuration (``campaigns/policy/contact_policy.yaml``)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml

from telco_mart.campaigns.channels import CHANNELS
from telco_mart.campaigns.definition import CAMPAIGNS_DIR
from telco_mart.errors import TelcoMartError

POLICY_FILE = CAMPAIGNS_DIR / "policy" / "contact_policy.yaml"


class PolicyConfigError(TelcoMartError):
    """The contact policy file is not valid."""


@dataclass(frozen=True)
class FrequencyCap:
    """At most ``max_contacts`` contacts across all channels in any ``days`` days."""

    days: int
    max_contacts: int

    @property
    def step(self) -> str:
        """The funnel step name of this cap."""
        return f"frequency_cap_{self.days}d"


@dataclass(frozen=True)
class ContactPolicy:
    """Every rule of the contact policy, as configured."""

    complaint_cool_off_days: int
    complaint_categories: tuple[str, ...]
    refusal_suppression_days: int
    frequency_caps: tuple[FrequencyCap, ...]
    mutual_exclusion_days: int
    max_campaigns_per_subscriber_per_day: int
    channel_capacity: dict[str, int]
    retail_counter_store_share: float
    targets_max_age_days: int
    feedback_max_delay_days: int
    outcome_lookback_days: int
    fingerprint: str


def _positive_int(raw: dict, key: str, path: Path, minimum: int = 0) -> int:
    value = raw.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise PolicyConfigError(f"{path.name}: {key}: must be a whole number >= {minimum}, got {value!r}")
    return value


def load_contact_policy(path: Path = POLICY_FILE) -> ContactPolicy:
    """Read and check the contact policy."""
    text = path.read_text(encoding="utf-8")
    raw = yaml.safe_load(text) or {}
    caps = []
    for number, cap in enumerate(raw.get("frequency_caps") or [], start=1):
        if not isinstance(cap, dict):
            raise PolicyConfigError(f"{path.name}: frequency_caps[{number}]: must be {{days, max_contacts}}")
        caps.append(FrequencyCap(_positive_int(cap, "days", path, 1), _positive_int(cap, "max_contacts", path, 1)))
    capacity = raw.get("channel_capacity") or {}
    unknown = sorted(set(capacity) - set(CHANNELS))
    missing = sorted(set(CHANNELS) - set(capacity))
    if unknown or missing:
        raise PolicyConfigError(f"{path.name}: channel_capacity: unknown {unknown}, missing {missing}")
    share = raw.get("retail_counter_store_share")
    if not isinstance(share, int | float) or not 0 < share <= 1:
        raise PolicyConfigError(f"{path.name}: retail_counter_store_share: must be in (0, 1], got {share!r}")
    return ContactPolicy(
        complaint_cool_off_days=_positive_int(raw, "complaint_cool_off_days", path),
        complaint_categories=tuple(raw.get("complaint_categories") or ()),
        refusal_suppression_days=_positive_int(raw, "refusal_suppression_days", path),
        frequency_caps=tuple(sorted(caps, key=lambda c: c.days)),
        mutual_exclusion_days=_positive_int(raw, "mutual_exclusion_days", path),
        max_campaigns_per_subscriber_per_day=_positive_int(raw, "max_campaigns_per_subscriber_per_day", path, 1),
        channel_capacity={c: _positive_int(capacity, c, path) for c in CHANNELS},
        retail_counter_store_share=float(share),
        targets_max_age_days=_positive_int(raw, "targets_max_age_days", path),
        feedback_max_delay_days=_positive_int(raw, "feedback_max_delay_days", path, 1),
        outcome_lookback_days=_positive_int(raw, "outcome_lookback_days", path, 1),
        fingerprint=hashlib.sha256(text.encode()).hexdigest()[:16],
    )
