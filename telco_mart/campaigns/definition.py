"""A planner's campaign: the YAML file in ``campaigns/`` and its checks.

The YAML stays the planner's definition; the campaign's state (draft, approved, active, paused,
ended) and who changed it live in the lifecycle log under the data root
(``telco_mart.campaigns.lifecycle``). ``load_campaigns`` reads every ``campaigns/*.yaml`` and
refuses a bad file with one message naming the file, the field and the reason.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import string
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import yaml

from telco_mart.campaigns.channels import CHANNELS
from telco_mart.errors import TelcoMartError
from telco_mart.settings import PROJECT_DIR

# The planners' folder: the repository's campaigns/ by default; a deployment that installs the
# package elsewhere points TELCO_MART_CAMPAIGNS_DIR at its own checkout of the campaign files.
CAMPAIGNS_DIR = Path(os.environ.get("TELCO_MART_CAMPAIGNS_DIR", str(PROJECT_DIR / "campaigns")))
SUCCESS_RULES = ("orders_offered_package",)
# The offer may name one package, or take each target's recommended package from its task.
RECOMMENDED_PACKAGE = "recommended"
SCRIPT_PLACEHOLDERS = (
    "reason_zh",
    "reason_en",
    "offer_name",
    "package_name",
    "monthly_fee_yuan",
    "task_name_zh",
    "task_name_en",
)
_ID = re.compile(r"^[a-z][a-z0-9_]{2,47}$")


class CampaignError(TelcoMartError):
    """A campaign file is not valid; the message names the file, the field and the reason."""


@dataclass(frozen=True)
class TestSend:
    """The small first wave and the rule that releases the full send."""

    size: int
    release_after_days: int
    max_complaint_rate: float


@dataclass(frozen=True)
class Campaign:
    """One campaign as its planner wrote it."""

    campaign_id: str
    name: str
    task_code: str | None
    tag_expression: str | None
    offer_package_id: str
    offer_name: str
    offer_value_yuan: float
    channels: tuple[str, ...]
    script: str
    sms_template_id: str
    start_date: date
    end_date: date
    control_share: float
    test_send: TestSend
    success_rule: str
    success_within_days: int
    expected_base_rate: float
    expected_uplift: float
    priority: int
    exclusion_group: str
    path: Path

    @property
    def offers_recommended_package(self) -> bool:
        """Whether each target is offered the package its task recommends."""
        return self.offer_package_id == RECOMMENDED_PACKAGE

    @property
    def prior_propensity(self) -> float:
        """The acceptance expected before any feedback exists: base rate plus uplift."""
        return self.expected_base_rate + self.expected_uplift

    def in_window(self, day: date) -> bool:
        """Whether ``day`` is between the start and end dates (both included)."""
        return self.start_date <= day <= self.end_date

    def canonical_form(self) -> dict:
        """The campaign's parsed content under the fingerprint's own fixed vocabulary.

        The keys are spelled out here, not taken from this class's field names, so renaming a
        field in the code keeps every approved campaign approved and every manifest's
        ``config_hash`` unchanged; only a change the planner makes to the file changes it.
        """
        return {
            "campaign_id": self.campaign_id,
            "name": self.name,
            "task_code": self.task_code,
            "tag_expression": self.tag_expression,
            "offer_package_id": self.offer_package_id,
            "offer_name": self.offer_name,
            "offer_value_yuan": self.offer_value_yuan,
            "channels": list(self.channels),
            "script": self.script,
            "sms_template_id": self.sms_template_id,
            "start_date": self.start_date.isoformat(),
            "end_date": self.end_date.isoformat(),
            "control_share": self.control_share,
            "test_send": {
                "size": self.test_send.size,
                "release_after_days": self.test_send.release_after_days,
                "max_complaint_rate": self.test_send.max_complaint_rate,
            },
            "success_rule": self.success_rule,
            "success_within_days": self.success_within_days,
            "expected_base_rate": self.expected_base_rate,
            "expected_uplift": self.expected_uplift,
            "priority": self.priority,
            "exclusion_group": self.exclusion_group,
        }

    def fingerprint(self) -> str:
        """A hash of the canonical form, for manifests and the lifecycle log (not of the path)."""
        canonical = json.dumps(self.canonical_form(), sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _fail(path: Path, field: str, reason: str) -> CampaignError:
    return CampaignError(f"{path.name}: {field}: {reason}")


def _get(raw: dict, path: Path, field: str, kind: type | tuple, required: bool = True, default=None):
    node = raw
    for part in field.split("."):
        if not isinstance(node, dict) or part not in node:
            if required:
                raise _fail(path, field, "is missing")
            return default
        node = node[part]
    if node is None and not required:
        return default
    if kind is float and isinstance(node, int) and not isinstance(node, bool):
        node = float(node)
    wrong_date = kind is date and isinstance(node, datetime)  # a datetime is a date too, but not a day
    if not isinstance(node, kind) or (kind is int and isinstance(node, bool)) or wrong_date:
        names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        raise _fail(path, field, f"must be {names}, got {node!r}")
    return node


def _share(raw: dict, path: Path, field: str, low: float = 0.0, high: float = 1.0) -> float:
    value = _get(raw, path, field, float)
    if not low < value < high:
        raise _fail(path, field, f"must be between {low} and {high} (exclusive), got {value}")
    return value


def _check_script(script: str, path: Path) -> None:
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(script) if name is not None}
    except ValueError as error:
        raise _fail(path, "script", f"is not a valid template: {error}") from None
    unknown = sorted(names - set(SCRIPT_PLACEHOLDERS))
    if unknown:
        raise _fail(path, "script", f"unknown placeholder(s) {unknown}; known: {list(SCRIPT_PLACEHOLDERS)}")


def parse_campaign(raw: dict, path: Path, task_codes: tuple[str, ...] = ()) -> Campaign:
    """Check one campaign's YAML mapping and build the ``Campaign``."""
    if not isinstance(raw, dict):
        raise _fail(path, "(file)", "must be a mapping of fields")
    campaign_id = _get(raw, path, "id", str)
    if not _ID.match(campaign_id):
        raise _fail(path, "id", "must be 3-48 lower-case letters, digits or _ starting with a letter")
    if path.stem != campaign_id:
        raise _fail(path, "id", f"must equal the file name {path.stem!r} so a campaign has one file")
    task_code = _get(raw, path, "target.task_code", str, required=False)
    tag_expression = _get(raw, path, "target.tags", str, required=False)
    if not task_code and not tag_expression:
        raise _fail(path, "target", "needs a task_code, a tags expression, or both")
    if task_code and task_codes and task_code not in task_codes:
        raise _fail(path, "target.task_code", f"unknown task {task_code!r}; known: {list(task_codes)}")
    if tag_expression:
        from telco_mart.tags.counting import checked_target_group

        try:
            checked_target_group(tag_expression)
        except TelcoMartError as error:
            raise _fail(path, "target.tags", str(error)) from None
    channels = _get(raw, path, "channels", list)
    if (
        not channels
        or not all(isinstance(c, str) for c in channels)
        or len(set(channels)) != len(channels)
        or any(c not in CHANNELS for c in channels)
    ):
        raise _fail(path, "channels", f"must list distinct channels from {list(CHANNELS)} in order of preference")
    script = _get(raw, path, "script", str)
    _check_script(script, path)
    start, end = _get(raw, path, "start_date", date), _get(raw, path, "end_date", date)
    if end < start:
        raise _fail(path, "end_date", f"{end} is before start_date {start}")
    offer_package = _get(raw, path, "offer.package_id", str)
    if offer_package == RECOMMENDED_PACKAGE and not task_code:
        raise _fail(path, "offer.package_id", "'recommended' needs a target.task_code that recommends packages")
    success_rule = _get(raw, path, "success.rule", str)
    if success_rule not in SUCCESS_RULES:
        raise _fail(path, "success.rule", f"must be one of {list(SUCCESS_RULES)}")
    within = _get(raw, path, "success.within_days", int)
    release_after = _get(raw, path, "test_send.release_after_days", int)
    test_size = _get(raw, path, "test_send.size", int)
    priority = _get(raw, path, "priority", int)
    for field, value, low in (("success.within_days", within, 1), ("test_send.release_after_days", release_after, 1)):
        if value < low:
            raise _fail(path, field, f"must be at least {low}")
    if test_size < 0:
        raise _fail(path, "test_send.size", "must not be negative")
    if not 1 <= priority <= 10:
        raise _fail(path, "priority", "must be between 1 and 10")
    return Campaign(
        campaign_id=campaign_id,
        name=_get(raw, path, "name", str),
        task_code=task_code,
        tag_expression=tag_expression,
        offer_package_id=offer_package,
        offer_name=_get(raw, path, "offer.name", str),
        offer_value_yuan=_get(raw, path, "offer.value_yuan", float),
        channels=tuple(channels),
        script=script,
        sms_template_id=_get(raw, path, "sms_template_id", str),
        start_date=start,
        end_date=end,
        control_share=_share(raw, path, "control_share"),
        test_send=TestSend(test_size, release_after, _share(raw, path, "test_send.max_complaint_rate")),
        success_rule=success_rule,
        success_within_days=within,
        expected_base_rate=_share(raw, path, "expected.base_rate"),
        expected_uplift=_share(raw, path, "expected.uplift", -1.0, 1.0),
        priority=priority,
        exclusion_group=_get(raw, path, "exclusion_group", str),
        path=path,
    )


def load_campaign_file(path: Path, task_codes: tuple[str, ...] = ()) -> Campaign:
    """Read and check one campaign file."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise CampaignError(f"{path.name}: not valid YAML: {error}") from None
    return parse_campaign(raw, path, task_codes)


def _known_task_codes() -> tuple[str, ...]:
    from telco_mart.contract import load_contract

    return load_contract().codes("task_code")


def load_campaigns(directory: Path | None = None) -> dict[str, Campaign]:
    """Every campaign in ``directory`` (default ``campaigns/``), by id; the first bad file raises."""
    directory = directory or CAMPAIGNS_DIR
    task_codes = _known_task_codes()
    campaigns = {}
    for path in sorted(directory.glob("*.yaml")):
        campaign = load_campaign_file(path, task_codes)
        campaigns[campaign.campaign_id] = campaign
    return campaigns


def campaigns_fingerprint(campaigns: dict[str, Campaign]) -> str:
    """One hash over the given campaigns' definitions (sorted by id)."""
    joined = ",".join(f"{cid}:{c.fingerprint()}" for cid, c in sorted(campaigns.items()))
    return hashlib.sha256(joined.encode()).hexdigest()[:16]
