"""The campaign lifecycle log: allowed changes, refusals, replay by effective date, and when a campaign sends."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime

import pytest

from telco_mart.campaigns.definition import CAMPAIGNS_DIR, load_campaign_file
from telco_mart.campaigns.lifecycle import (
    ACTIVE,
    APPROVED,
    DRAFT,
    ENDED,
    PAUSED,
    LifecycleError,
    PowerCheck,
    current_state,
    log_path,
    read_log,
    record_change,
    sends_on,
    state_on,
)
from telco_mart.settings import DataLayout

# When the person acted (audit metadata; the logic reads the effective date).
ACTED_AT = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
# The campaign runs 2026-11-30..2026-12-31.
CAMPAIGN = load_campaign_file(CAMPAIGNS_DIR / "fit_3g_recommended.yaml")
OTHER = load_campaign_file(CAMPAIGNS_DIR / "renewal_front_desk.yaml")


@pytest.fixture
def layout(tmp_path) -> DataLayout:
    """A data root of its own, so each test starts with an empty log."""
    return DataLayout(tmp_path)


# A powered trial count, as telco_mart.campaigns.approval.check_power would find it.
POWERED = PowerCheck(trial_count=5000, min_detectable_uplift=0.02, expected_uplift=0.06, powered=True)


def change(layout, action: str, day: date, campaign=CAMPAIGN, by: str = "planner_li", reason: str = ""):
    check = POWERED if action == "approve" else None
    return record_change(layout, campaign, action, by, day, reason=reason, recorded_at=ACTED_AT, power_check=check)


def test_the_whole_life_is_logged_with_who_and_why(layout):
    steps = [
        ("approve", date(2026, 11, 25), "compliance_wang", "script and offer checked", DRAFT, APPROVED),
        ("activate", date(2026, 11, 30), "planner_li", "start", APPROVED, ACTIVE),
        ("pause", date(2026, 12, 5), "planner_li", "call centre short of staff", ACTIVE, PAUSED),
        ("resume", date(2026, 12, 7), "planner_li", "staff back", PAUSED, ACTIVE),
        ("end", date(2026, 12, 20), "manager_zhao", "budget spent", ACTIVE, ENDED),
    ]
    for action, day, by, reason, from_state, to_state in steps:
        entry = record_change(
            layout,
            CAMPAIGN,
            action,
            f"  {by} ",
            day,
            reason=reason,
            details={"ticket": action},
            recorded_at=ACTED_AT,
            power_check=POWERED if action == "approve" else None,
        )
        assert (entry.from_state, entry.to_state) == (from_state, to_state)

    logged = read_log(layout, CAMPAIGN.campaign_id)
    assert [(e.action, e.by, e.reason, e.effective_date) for e in logged] == [
        (action, by, reason, day.isoformat()) for action, day, by, reason, _, _ in steps
    ]
    assert {e.definition_fingerprint for e in logged} == {CAMPAIGN.fingerprint()}
    assert [e.details for e in logged] == [
        {"ticket": action, **(POWERED.details() if action == "approve" else {})} for action, *_ in steps
    ]
    assert all(e.recorded_at == ACTED_AT.isoformat(timespec="seconds") for e in logged)
    # Appended one JSON line per change, readable without the package.
    lines = log_path(layout).read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["by"] for line in lines] == [by for _, _, by, *_ in steps]
    assert current_state(layout, CAMPAIGN.campaign_id) == state_on(layout, CAMPAIGN.campaign_id, date.max)
    assert current_state(layout, CAMPAIGN.campaign_id).state == ENDED


def test_the_state_of_an_earlier_date_is_replayed_from_the_entries_effective_by_then(layout):
    change(layout, "approve", date(2026, 11, 25))
    change(layout, "activate", date(2026, 11, 30))
    change(layout, "pause", date(2026, 12, 5))
    change(layout, "resume", date(2026, 12, 7))
    change(layout, "end", date(2026, 12, 20))

    states = {
        day: state_on(layout, CAMPAIGN.campaign_id, day).state
        for day in (
            date(2026, 11, 24),
            date(2026, 11, 25),
            date(2026, 11, 29),
            date(2026, 11, 30),
            date(2026, 12, 4),
            date(2026, 12, 5),
            date(2026, 12, 6),
            date(2026, 12, 7),
            date(2026, 12, 19),
            date(2026, 12, 20),
            date(2027, 1, 5),
        )
    }
    assert list(states.values()) == [
        DRAFT,
        APPROVED,
        APPROVED,
        ACTIVE,
        ACTIVE,
        PAUSED,
        PAUSED,
        ACTIVE,
        ACTIVE,
        ENDED,
        ENDED,
    ]
    before = state_on(layout, CAMPAIGN.campaign_id, date(2026, 11, 24))
    assert (before.approved_fingerprint, before.changes) == (None, 0)
    assert state_on(layout, CAMPAIGN.campaign_id, date(2026, 12, 6)).changes == 3
    # Another campaign's entries do not touch this one.
    assert state_on(layout, OTHER.campaign_id, date(2026, 12, 6)).state == DRAFT


def test_sends_only_while_active_and_in_its_dates(layout):
    change(layout, "approve", date(2026, 11, 20))
    change(layout, "activate", date(2026, 11, 25))  # active before its start date
    change(layout, "pause", date(2026, 12, 5))
    change(layout, "resume", date(2026, 12, 7))

    assert sends_on(layout, CAMPAIGN, date(2026, 11, 21)) == (False, "state is approved")
    assert sends_on(layout, CAMPAIGN, date(2026, 11, 29)) == (False, "outside its dates 2026-11-30..2026-12-31")
    assert sends_on(layout, CAMPAIGN, date(2026, 11, 30)) == (True, "active")
    assert sends_on(layout, CAMPAIGN, date(2026, 12, 5)) == (False, "state is paused")
    assert sends_on(layout, CAMPAIGN, date(2026, 12, 7)) == (True, "active")
    assert sends_on(layout, CAMPAIGN, date(2026, 12, 31)) == (True, "active")
    assert sends_on(layout, CAMPAIGN, date(2027, 1, 1)) == (False, "outside its dates 2026-11-30..2026-12-31")
    assert sends_on(layout, OTHER, date(2026, 12, 1)) == (False, "state is draft")


def test_a_yaml_change_after_approval_refuses_activate(layout):
    change(layout, "approve", date(2026, 11, 25))
    edited = dataclasses.replace(CAMPAIGN, offer_value_yuan=CAMPAIGN.offer_value_yuan + 1)

    with pytest.raises(LifecycleError, match=r"cannot activate fit_3g_recommended: fit_3g_recommended\.yaml changed"):
        change(layout, "activate", date(2026, 11, 30), campaign=edited)

    assert current_state(layout, CAMPAIGN.campaign_id).state == APPROVED
    # Restoring the approved file makes it activatable again.
    assert change(layout, "activate", date(2026, 11, 30)).to_state == ACTIVE


def test_a_yaml_change_after_activation_stops_sending_until_restored(layout):
    change(layout, "approve", date(2026, 11, 25))
    change(layout, "activate", date(2026, 11, 30))
    edited = dataclasses.replace(CAMPAIGN, script=CAMPAIGN.script + "回复TD退订。")

    assert sends_on(layout, edited, date(2026, 12, 1)) == (
        False,
        "fit_3g_recommended.yaml changed since it was approved",
    )
    assert sends_on(layout, CAMPAIGN, date(2026, 12, 1)) == (True, "active")


# The changes that lead to each state, from draft.
TO_STATE = {
    DRAFT: [],
    APPROVED: ["approve"],
    ACTIVE: ["approve", "activate"],
    PAUSED: ["approve", "activate", "pause"],
    ENDED: ["approve", "end"],
}
REFUSED = [
    (DRAFT, "activate", "approved"),
    (DRAFT, "pause", "active"),
    (DRAFT, "resume", "paused"),
    (DRAFT, "end", "approved or active or paused"),
    (APPROVED, "approve", "draft"),
    (APPROVED, "pause", "active"),
    (APPROVED, "resume", "paused"),
    (ACTIVE, "approve", "draft"),
    (ACTIVE, "activate", "approved"),
    (ACTIVE, "resume", "paused"),
    (PAUSED, "approve", "draft"),
    (PAUSED, "activate", "approved"),
    (PAUSED, "pause", "active"),
    (ENDED, "approve", "draft"),
    (ENDED, "activate", "approved"),
    (ENDED, "pause", "active"),
    (ENDED, "resume", "paused"),
    (ENDED, "end", "approved or active or paused"),
]


@pytest.mark.parametrize(("state", "action", "needs"), REFUSED, ids=[f"{s}-{a}" for s, a, _ in REFUSED])
def test_a_change_not_allowed_from_the_state_is_refused_and_not_logged(layout, state, action, needs):
    for step in TO_STATE[state]:
        change(layout, step, date(2026, 11, 30))

    with pytest.raises(LifecycleError) as refused:
        change(layout, action, date(2026, 12, 1))

    assert str(refused.value) == f"cannot {action} fit_3g_recommended: it is {state}; {action} needs {needs}"
    assert len(read_log(layout)) == len(TO_STATE[state])
    assert current_state(layout, CAMPAIGN.campaign_id).state == state


def test_an_unknown_action_or_an_anonymous_change_is_refused(layout):
    with pytest.raises(LifecycleError, match=r"unknown action 'launch'"):
        change(layout, "launch", date(2026, 11, 25))
    with pytest.raises(LifecycleError, match=r"--by must name the person"):
        change(layout, "approve", date(2026, 11, 25), by="   ")

    assert read_log(layout) == []


def test_changes_take_effect_in_order(layout):
    change(layout, "approve", date(2026, 11, 25))
    change(layout, "activate", date(2026, 11, 30))

    with pytest.raises(LifecycleError, match=r"its last change took effect 2026-11-30"):
        change(layout, "pause", date(2026, 11, 29))
    # The same effective date as the last change is allowed.
    assert change(layout, "pause", date(2026, 11, 30)).to_state == PAUSED


def test_a_damaged_log_line_is_refused_with_its_number(layout):
    change(layout, "approve", date(2026, 11, 25))
    with log_path(layout).open("a", encoding="utf-8") as log:
        log.write('{"campaign_id": "fit_3g_recommended"}\n')

    with pytest.raises(LifecycleError, match=r"line 2 is not a lifecycle entry"):
        read_log(layout)


def test_an_empty_log_means_every_campaign_is_a_draft(layout):
    assert read_log(layout) == []
    assert state_on(layout, CAMPAIGN.campaign_id, date(2026, 12, 1)).state == DRAFT
    assert sends_on(layout, CAMPAIGN, date(2026, 12, 1)) == (False, "state is draft")


def test_an_approval_needs_a_passed_or_overridden_power_check(layout):
    """Whatever the entry point: the lifecycle itself refuses an unchecked or under-powered approval."""
    with pytest.raises(LifecycleError, match="without its power check"):
        record_change(layout, CAMPAIGN, "approve", "planner_li", date(2026, 11, 25), recorded_at=ACTED_AT)
    weak = PowerCheck(trial_count=80, min_detectable_uplift=0.2, expected_uplift=0.06, powered=False)
    with pytest.raises(LifecycleError, match=r"under-powered: it can detect 20.00 pp, the plan expects 6.00 pp"):
        record_change(
            layout, CAMPAIGN, "approve", "planner_li", date(2026, 11, 25), recorded_at=ACTED_AT, power_check=weak
        )
    assert read_log(layout) == []
    pilot = PowerCheck(80, 0.2, 0.06, powered=False, override="pilot read over the quarter")
    entry = record_change(
        layout, CAMPAIGN, "approve", "planner_li", date(2026, 11, 25), recorded_at=ACTED_AT, power_check=pilot
    )
    assert entry.to_state == APPROVED and entry.details["override"] == "pilot read over the quarter"
