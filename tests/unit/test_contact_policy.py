"""The contact policy on tiny frames: the order of the rules, each rule and cap alone, and no row lost.

Planning the policy's plan costs far more than running it on a few rows, so the scenarios that
share a policy run together in one module-wide call, each on its own subscribers (the rules
never look across subscribers), and each test asserts on its own scenario's rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
import yaml
from pyspark.sql import functions as F

from telco_mart.campaigns.policy import (
    ALREADY_IN_CAMPAIGN,
    ARBITRATION,
    COMPLAINT_COOL_OFF,
    DO_NOT_DISTURB,
    DROP,
    MUTUAL_EXCLUSION,
    OPTED_OUT,
    RECENT_REFUSAL,
    PolicyHistory,
    apply_contact_policy,
    policy_steps,
)
from telco_mart.campaigns.policy_config import (
    POLICY_FILE,
    ContactPolicy,
    FrequencyCap,
    PolicyConfigError,
    load_contact_policy,
)
from telco_mart.storage.declared import declared_table

DAY = date(2026, 12, 10)
CANDIDATES_SCHEMA = (
    "campaign_id string, subscriber_id string, exclusion_group string, arbitration_score double, "
    "is_dnd boolean, is_blacklisted boolean"
)
COMPLAINTS_SCHEMA = "subscriber_id string, complaint_category string"
CONTACTS_SCHEMA = declared_table("fct_contacts").ddl
SUPPRESSIONS_SCHEMA = declared_table("fct_contact_suppressions").ddl
CONTACT_COLUMNS = [c.split()[0] for c in CONTACTS_SCHEMA.split(", ")]
SUPPRESSION_COLUMNS = [c.split()[0] for c in SUPPRESSIONS_SCHEMA.split(", ")]
# The campaigns of these tests and their exclusion groups.
GROUP = {"fit": "migration", "upsell": "migration", "renew": "renewal", "care": "care", "promo": "promo"}
CAP_7D, CAP_30D = "frequency_cap_7d", "frequency_cap_30d"
ORDER = [DO_NOT_DISTURB, OPTED_OUT, COMPLAINT_COOL_OFF, RECENT_REFUSAL, ALREADY_IN_CAMPAIGN, CAP_7D, CAP_30D]


def make_policy(**changes) -> ContactPolicy:
    """The policy file's numbers (two complaint categories), with the given changes."""
    values = {
        "complaint_cool_off_days": 30,
        "complaint_categories": ("marketing_disturbance", "billing"),
        "refusal_suppression_days": 30,
        "frequency_caps": (FrequencyCap(7, 2), FrequencyCap(30, 4)),
        "mutual_exclusion_days": 60,
        "max_campaigns_per_subscriber_per_day": 1,
        "channel_capacity": {"outbound_call": 300, "sms": 3000, "retail_counter": 2000, "app": 20000},
        "retail_counter_store_share": 0.5,
        "targets_max_age_days": 7,
        "feedback_max_delay_days": 3,
        "outcome_lookback_days": 120,
        "fingerprint": "test",
    }
    return ContactPolicy(**{**values, **changes})


def candidate(subscriber_id: str, campaign_id: str = "fit", score: float | None = 1.0, dnd=False, blacklisted=False):
    return (subscriber_id, campaign_id, score, dnd, blacklisted)


@dataclass(frozen=True)
class Scenario:
    """Candidates, their history and the expected outcome; subscriber ids are local to the scenario."""

    name: str
    candidates: list[tuple]  # candidate(...)
    expected: dict[tuple[str, str], str | None]  # (campaign, subscriber) -> drop step, None for a survivor
    restricted: tuple[str, ...] = ()
    suppressions: tuple[tuple, ...] = ()  # (subscriber, kind, exclusion group)
    complaints: tuple[tuple, ...] = ()  # (subscriber, complaint category)
    contacts: tuple[tuple, ...] = ()  # (subscriber, campaign, days before DAY[, arm])

    def id_of(self, subscriber_id: str) -> str:
        return f"{self.name}:{subscriber_id}"


def _contact(subscriber_id: str, campaign_id: str, days_ago: int, arm: str = "treatment") -> tuple:
    values = {
        "campaign_id": campaign_id,
        "subscriber_id": subscriber_id,
        "arm": arm,
        "exclusion_group": GROUP[campaign_id],
        "business_date": DAY - timedelta(days=days_ago),
    }
    return tuple(values.get(c) for c in CONTACT_COLUMNS)


def _suppression(subscriber_id: str, kind: str, group: str | None) -> tuple:
    values = {"subscriber_id": subscriber_id, "suppression_kind": kind, "exclusion_group": group}
    return tuple(values.get(c) for c in SUPPRESSION_COLUMNS)


def run(spark, policy: ContactPolicy, scenarios: list[Scenario]) -> dict[str, dict]:
    """Apply the policy once to all scenarios; per scenario {(campaign, subscriber): drop step or None}.

    Checks on the whole run: every candidate comes out exactly once, survivors without a drop step.
    """
    rows = [(c, s.id_of(sid), GROUP[c], score, dnd, bl) for s in scenarios for sid, c, score, dnd, bl in s.candidates]
    past = PolicyHistory(
        restricted_ids=spark.createDataFrame(
            [(s.id_of(sid),) for s in scenarios for sid in s.restricted], "subscriber_id string"
        ),
        suppressions=spark.createDataFrame(
            [_suppression(s.id_of(sid), *rest) for s in scenarios for sid, *rest in s.suppressions],
            SUPPRESSIONS_SCHEMA,
        ),
        complaints=spark.createDataFrame(
            [(s.id_of(sid), category) for s in scenarios for sid, category in s.complaints], COMPLAINTS_SCHEMA
        ),
        contacts=spark.createDataFrame(
            [_contact(s.id_of(sid), *rest) for s in scenarios for sid, *rest in s.contacts], CONTACTS_SCHEMA
        ),
    )
    candidates = spark.createDataFrame(rows, CANDIDATES_SCHEMA)
    survivors, dropped = apply_contact_policy(candidates, past, policy, DAY)
    assert set(survivors.columns) == set(dropped.columns) == {*candidates.columns, DROP}
    both = survivors.withColumn("survived", F.lit(True)).unionByName(dropped.withColumn("survived", F.lit(False)))
    collected = both.collect()  # one action: planning is the cost here
    assert all(r["survived"] == (r[DROP] is None) for r in collected), "a survivor has no drop step, a drop has one"
    keys = [(r["campaign_id"], r["subscriber_id"]) for r in collected]
    assert len(keys) == len(set(keys)) == len(rows), "every candidate comes out exactly once"
    assert set(keys) == {(r[0], r[1]) for r in rows}
    outcome: dict[str, dict] = {s.name: {} for s in scenarios}
    for r in collected:
        name, subscriber_id = r["subscriber_id"].split(":", 1)
        outcome[name][(r["campaign_id"], subscriber_id)] = r[DROP]
    return outcome


DEFAULT_POLICY: list[Scenario] = []
TWO_A_DAY_POLICY: list[Scenario] = []


def on(scenarios: list[Scenario], scenario: Scenario) -> Scenario:
    """Register ``scenario`` for the shared run of that policy."""
    scenarios.append(scenario)
    return scenario


@pytest.fixture(scope="module")
def default_run(spark) -> dict[str, dict]:
    """The scenarios of the file's numbers, in one call."""
    return run(spark, make_policy(), DEFAULT_POLICY)


@pytest.fixture(scope="module")
def two_a_day_run(spark) -> dict[str, dict]:
    """Two campaigns a subscriber a day, one contact in 3 days, no mutual exclusion over days."""
    policy = make_policy(
        frequency_caps=(FrequencyCap(3, 1),), max_campaigns_per_subscriber_per_day=2, mutual_exclusion_days=0
    )
    return run(spark, policy, TWO_A_DAY_POLICY)


def test_the_policy_file_loads_with_its_order_and_caps():
    policy = load_contact_policy()

    assert policy.frequency_caps == make_policy().frequency_caps == (FrequencyCap(7, 2), FrequencyCap(30, 4))
    assert policy.mutual_exclusion_days == 60
    assert policy.max_campaigns_per_subscriber_per_day == 1
    assert {"marketing_disturbance", "billing"} <= set(policy.complaint_categories)
    assert policy_steps(policy) == [*ORDER, MUTUAL_EXCLUSION, ARBITRATION]
    assert policy_steps(make_policy(frequency_caps=())) == [*ORDER[:5], MUTUAL_EXCLUSION, ARBITRATION]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param({"frequency_caps": [{"days": 0, "max_contacts": 2}]}, "days", id="cap-days-zero"),
        pytest.param({"frequency_caps": [7]}, r"frequency_caps\[1\]", id="cap-not-mapping"),
        pytest.param({"channel_capacity": {"sms": 1, "fax": 2}}, "channel_capacity", id="unknown-channel"),
        pytest.param({"retail_counter_store_share": 1.5}, "retail_counter_store_share", id="share-above-one"),
        pytest.param({"mutual_exclusion_days": -1}, "mutual_exclusion_days", id="negative-days"),
        pytest.param({"max_campaigns_per_subscriber_per_day": 0}, "max_campaigns", id="no-campaign-a-day"),
    ],
)
def test_a_bad_policy_file_is_refused_naming_the_field(tmp_path, change, field):
    raw = {**yaml.safe_load(POLICY_FILE.read_text(encoding="utf-8")), **change}
    path = tmp_path / "contact_policy.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")

    with pytest.raises(PolicyConfigError, match=rf"^contact_policy\.yaml: {field}"):
        load_contact_policy(path)


# s0 fails every rule, s1 every rule but the first, ... s7 only mutual exclusion over days.
_IN_CAMPAIGN_AND_BOTH_CAPS = (("fit", 1), ("promo", 2), ("care", 10), ("renew", 20), ("upsell", 40, "control"))
_CONTACTS_OF = {
    **{f"s{k}": _IN_CAMPAIGN_AND_BOTH_CAPS for k in range(5)},
    "s5": (("care", 1), ("promo", 2), ("renew", 10), ("upsell", 20)),
    "s6": (("care", 3), ("promo", 12), ("renew", 20), ("upsell", 25)),
    "s7": (("upsell", 40, "control"),),
}
FIRST_RULE = on(
    DEFAULT_POLICY,
    Scenario(
        "first_rule",
        candidates=[candidate("s0", dnd=True), *(candidate(f"s{k}") for k in range(1, 8)), candidate("clean")],
        restricted=("s0",),
        suppressions=(
            *((s, "opted_out", None) for s in ("s0", "s1")),
            *((s, "refused", "migration") for s in ("s0", "s1", "s2", "s3")),
        ),
        complaints=tuple((s, "billing") for s in ("s0", "s1", "s2")),
        contacts=tuple((s, *past) for s, pasts in _CONTACTS_OF.items() for past in pasts),
        expected={
            **{("fit", f"s{k}"): step for k, step in enumerate([*ORDER, MUTUAL_EXCLUSION])},
            ("fit", "clean"): None,
        },
    ),
)


def test_a_subscriber_failing_several_rules_is_dropped_by_the_first(default_run):
    assert default_run[FIRST_RULE.name] == FIRST_RULE.expected


RESTRICTED = on(
    DEFAULT_POLICY,
    Scenario(
        "restricted",
        candidates=[
            candidate("in_extract"),
            candidate("in_extract", "renew", 9.0),
            candidate("dnd_flag", dnd=True),
            candidate("blacklisted_flag", blacklisted=True),
            candidate("dnd_unknown_blacklisted", dnd=None, blacklisted=True),
            candidate("flags_unknown", dnd=None, blacklisted=None),
            candidate("clean"),
        ],
        restricted=("in_extract", "in_extract"),
        expected={
            ("fit", "in_extract"): DO_NOT_DISTURB,
            ("renew", "in_extract"): DO_NOT_DISTURB,
            ("fit", "dnd_flag"): DO_NOT_DISTURB,
            ("fit", "blacklisted_flag"): DO_NOT_DISTURB,
            ("fit", "dnd_unknown_blacklisted"): DO_NOT_DISTURB,
            ("fit", "flags_unknown"): None,
            ("fit", "clean"): None,
        },
    ),
)


def test_do_not_disturb_and_blacklist_are_never_contacted(default_run):
    assert default_run[RESTRICTED.name] == RESTRICTED.expected


SUPPRESSED = on(
    DEFAULT_POLICY,
    Scenario(
        "suppressed",
        candidates=[
            candidate("opted_out"),
            candidate("complained_billing"),
            candidate("complained_other_category"),
            candidate("complained_on_a_channel"),
            candidate("refused_same_group"),
            candidate("refused_other_group", "renew"),
            candidate("suppressed_otherwise"),
        ],
        suppressions=(
            ("opted_out", "opted_out", None),
            ("complained_on_a_channel", "complained", None),
            ("refused_same_group", "refused", "migration"),
            ("refused_other_group", "refused", "migration"),
            ("suppressed_otherwise", "something_new", "migration"),
        ),
        complaints=(("complained_billing", "billing"), ("complained_other_category", "network_quality")),
        expected={
            ("fit", "opted_out"): OPTED_OUT,
            ("fit", "complained_billing"): COMPLAINT_COOL_OFF,
            ("fit", "complained_other_category"): None,
            ("fit", "complained_on_a_channel"): COMPLAINT_COOL_OFF,
            ("fit", "refused_same_group"): RECENT_REFUSAL,
            ("renew", "refused_other_group"): None,
            ("fit", "suppressed_otherwise"): None,
        },
    ),
)


def test_opt_outs_complaints_and_refusals_each_drop_only_their_rows(default_run):
    assert default_run[SUPPRESSED.name] == SUPPRESSED.expected


ASSIGNED_BEFORE = on(
    DEFAULT_POLICY,
    Scenario(
        "assigned_before",
        candidates=[candidate("was_treated"), candidate("was_control"), candidate("was_in_other_campaign", "renew")],
        contacts=(
            ("was_treated", "fit", 50),
            ("was_control", "fit", 3, "control"),
            ("was_in_other_campaign", "care", 3),
        ),
        expected={
            ("fit", "was_treated"): ALREADY_IN_CAMPAIGN,
            ("fit", "was_control"): ALREADY_IN_CAMPAIGN,
            ("renew", "was_in_other_campaign"): None,
        },
    ),
)


def test_one_assignment_per_subscriber_per_campaign_control_included(default_run):
    assert default_run[ASSIGNED_BEFORE.name] == ASSIGNED_BEFORE.expected


# The candidates are of "renew", the contacts of other groups: no other rule applies.
_CAPPED_CONTACTS = {
    "two_in_7_days": (("care", 1), ("promo", 6)),
    "one_in_7_days": (("care", 1),),
    "second_one_7_days_ago": (("care", 1), ("promo", 7)),
    "four_in_30_days": (("care", 1), ("promo", 10), ("fit", 20), ("upsell", 29)),
    "three_in_30_days": (("care", 1), ("promo", 10), ("fit", 20)),
    "fourth_one_30_days_ago": (("care", 1), ("promo", 10), ("fit", 20), ("upsell", 30)),
    # Control subjects were never contacted: they do not count for the caps.
    "control_only": (("care", 1, "control"), ("promo", 2, "control"), ("fit", 3, "control")),
}
CAPPED = on(
    DEFAULT_POLICY,
    Scenario(
        "capped",
        candidates=[candidate(s, "renew") for s in _CAPPED_CONTACTS],
        contacts=tuple((s, *past) for s, pasts in _CAPPED_CONTACTS.items() for past in pasts),
        expected={
            ("renew", "two_in_7_days"): CAP_7D,
            ("renew", "one_in_7_days"): None,
            ("renew", "second_one_7_days_ago"): None,
            ("renew", "four_in_30_days"): CAP_30D,
            ("renew", "three_in_30_days"): None,
            ("renew", "fourth_one_30_days_ago"): None,
            ("renew", "control_only"): None,
        },
    ),
)


def test_frequency_caps_count_treatment_contacts_in_the_window_ending_today(default_run):
    assert default_run[CAPPED.name] == CAPPED.expected


EXCLUDED_BEFORE = on(
    DEFAULT_POLICY,
    Scenario(
        "excluded_before",
        candidates=[
            candidate("upsell_10_days_ago"),
            candidate("upsell_59_days_ago"),
            candidate("upsell_61_days_ago"),
            candidate("renew_10_days_ago"),
        ],
        contacts=(
            ("upsell_10_days_ago", "upsell", 10),
            ("upsell_59_days_ago", "upsell", 59, "control"),
            ("upsell_61_days_ago", "upsell", 61),
            ("renew_10_days_ago", "renew", 10),
        ),
        expected={
            ("fit", "upsell_10_days_ago"): MUTUAL_EXCLUSION,
            ("fit", "upsell_59_days_ago"): MUTUAL_EXCLUSION,
            ("fit", "upsell_61_days_ago"): None,
            ("fit", "renew_10_days_ago"): None,
        },
    ),
)


def test_mutual_exclusion_over_days_drops_another_campaign_of_the_group(default_run):
    assert default_run[EXCLUDED_BEFORE.name] == EXCLUDED_BEFORE.expected


ARBITRATED = on(
    DEFAULT_POLICY,
    Scenario(
        "arbitrated",
        candidates=[
            candidate("one_a_day", "fit", 2.0),
            candidate("one_a_day", "renew", 5.0),
            candidate("one_a_day", "care", 1.0),
            candidate("tie", "renew", 3.0),
            candidate("tie", "care", 3.0),
            candidate("same_group", "fit", 1.0),
            candidate("same_group", "upsell", 2.0),
            candidate("single", "promo", None),
            candidate("dropped_earlier_frees_the_place", "renew", 9.0),
            candidate("dropped_earlier_frees_the_place", "care", 1.0),
        ],
        suppressions=(("dropped_earlier_frees_the_place", "refused", "renewal"),),
        expected={
            ("renew", "one_a_day"): None,
            ("fit", "one_a_day"): ARBITRATION,
            ("care", "one_a_day"): ARBITRATION,
            ("care", "tie"): None,
            ("renew", "tie"): ARBITRATION,
            ("upsell", "same_group"): None,
            ("fit", "same_group"): MUTUAL_EXCLUSION,
            ("promo", "single"): None,
            ("renew", "dropped_earlier_frees_the_place"): RECENT_REFUSAL,
            ("care", "dropped_earlier_frees_the_place"): None,
        },
    ),
)


def test_arbitration_keeps_the_best_campaign_per_subscriber_per_day(default_run):
    assert default_run[ARBITRATED.name] == ARBITRATED.expected


def test_every_run_returns_exactly_its_candidates(default_run):
    # `run` checked the whole call; here each scenario got back exactly its own rows.
    assert {name: set(outcome) for name, outcome in default_run.items()} == {
        s.name: set(s.expected) for s in DEFAULT_POLICY
    }


WITHIN_THE_DAY = on(
    TWO_A_DAY_POLICY,
    Scenario(
        "within_the_day",
        candidates=[
            candidate("a", "fit", 2.0),
            candidate("a", "upsell", 5.0),
            candidate("a", "renew", 1.0),
            candidate("tie", "upsell", 3.0),
            candidate("tie", "fit", 3.0),
            candidate("unknown_score", "upsell", None),
            candidate("unknown_score", "fit", 0.5),
            *(candidate("four_groups", c, s) for c, s in (("fit", 4.0), ("renew", 3.0), ("care", 2.0), ("promo", 1.0))),
        ],
        expected={
            ("upsell", "a"): None,
            ("fit", "a"): MUTUAL_EXCLUSION,
            # The second campaign of the day would be a second contact in 3 days: the cap drops it.
            ("renew", "a"): "frequency_cap_3d",
            ("fit", "tie"): None,
            ("upsell", "tie"): MUTUAL_EXCLUSION,
            ("fit", "unknown_score"): None,
            ("upsell", "unknown_score"): MUTUAL_EXCLUSION,
            ("fit", "four_groups"): None,
            ("renew", "four_groups"): "frequency_cap_3d",
            ("care", "four_groups"): ARBITRATION,
            ("promo", "four_groups"): ARBITRATION,
        },
    ),
)


def test_within_the_day_the_best_score_per_group_then_the_best_campaigns_per_subscriber(two_a_day_run):
    assert two_a_day_run[WITHIN_THE_DAY.name] == WITHIN_THE_DAY.expected


OTHER_NUMBERS = on(
    TWO_A_DAY_POLICY,
    Scenario(
        "other_numbers",
        candidates=[candidate("two_days_ago"), candidate("three_days_ago"), candidate("upsell_yesterday")],
        contacts=(
            ("two_days_ago", "care", 2),
            ("three_days_ago", "care", 3),
            ("upsell_yesterday", "upsell", 1, "control"),
        ),
        expected={
            ("fit", "two_days_ago"): "frequency_cap_3d",
            ("fit", "three_days_ago"): None,
            ("fit", "upsell_yesterday"): None,
        },
    ),
)


def test_the_caps_and_windows_follow_the_policy_numbers(two_a_day_run):
    # A 3-day cap of one contact; mutual exclusion over 0 days looks at no earlier day.
    assert two_a_day_run[OTHER_NUMBERS.name] == OTHER_NUMBERS.expected


TWO_TODAY = on(
    TWO_A_DAY_POLICY,
    Scenario("two_today", candidates=[candidate("s", "fit", 2.0), candidate("s", "renew", 1.0)], expected={}),
)


def test_the_frequency_cap_holds_when_several_campaigns_a_day_are_allowed(two_a_day_run):
    survivors = [key for key, step in two_a_day_run[TWO_TODAY.name].items() if step is None]

    assert len(survivors) <= 1


def test_no_candidates_give_no_rows(spark):
    assert run(spark, make_policy(), [Scenario("empty", candidates=[], expected={})]) == {"empty": {}}
