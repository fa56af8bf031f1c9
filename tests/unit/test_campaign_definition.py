"""Campaign files: a good file loads, and each kind of bad field is refused naming the file and the field."""

from __future__ import annotations

import copy
import json
from dataclasses import fields
from datetime import date, datetime

import pytest
import yaml

from telco_mart.campaigns.definition import (
    CAMPAIGNS_DIR,
    CampaignError,
    campaigns_fingerprint,
    load_campaign_file,
    load_campaigns,
    parse_campaign,
)

GOOD_FILE = CAMPAIGNS_DIR / "fit_3g_recommended.yaml"
TASK_CODES = ("migration_package_fit_3g", "migration_capable_handset", "renewal_expiry_month")


@pytest.fixture
def good() -> dict:
    """The good example file's mapping, to change one field at a time."""
    return yaml.safe_load(GOOD_FILE.read_text(encoding="utf-8"))


def write(tmp_path, raw: dict, name: str = "fit_3g_recommended"):
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_the_example_files_load_with_their_fields():
    campaigns = load_campaigns()

    assert sorted(campaigns) == ["fit_3g_recommended", "flagship_5g_upsell", "renewal_front_desk"]
    fit = campaigns["fit_3g_recommended"]
    assert fit.task_code == "migration_package_fit_3g"
    assert fit.offers_recommended_package
    assert fit.channels == ("outbound_call", "sms")
    assert (fit.start_date, fit.end_date) == (date(2026, 11, 30), date(2026, 12, 31))
    assert fit.control_share == 0.2
    assert (fit.test_send.size, fit.test_send.release_after_days, fit.test_send.max_complaint_rate) == (100, 1, 0.03)
    assert fit.prior_propensity == pytest.approx(0.09)
    assert fit.exclusion_group == "package_migration"
    assert fit.path == GOOD_FILE
    assert campaigns["renewal_front_desk"].test_send.size == 0
    assert not campaigns["flagship_5g_upsell"].offers_recommended_package


def test_a_good_file_written_elsewhere_loads_the_same(tmp_path, good):
    campaign = load_campaign_file(write(tmp_path, good), TASK_CODES)

    assert campaign.fingerprint() == load_campaign_file(GOOD_FILE).fingerprint()
    assert campaign.in_window(date(2026, 11, 30)) and campaign.in_window(date(2026, 12, 31))
    assert not campaign.in_window(date(2026, 11, 29)) and not campaign.in_window(date(2027, 1, 1))


def test_a_tags_only_target_with_a_named_package_loads(tmp_path, good):
    good["target"] = {"tags": "arpu_3m_yuan > 50 and terminal_5g_capable"}
    good["offer"]["package_id"] = "PK5N199"

    campaign = load_campaign_file(write(tmp_path, good), TASK_CODES)

    assert campaign.task_code is None
    assert campaign.tag_expression == "arpu_3m_yuan > 50 and terminal_5g_capable"


def test_the_fingerprint_changes_with_any_field_but_not_with_the_path(tmp_path, good):
    original = load_campaign_file(GOOD_FILE)
    moved = load_campaign_file(write(tmp_path, good), TASK_CODES)
    good["offer"]["value_yuan"] = 121
    changed = load_campaign_file(write(tmp_path, good), TASK_CODES)

    assert moved.fingerprint() == original.fingerprint()
    assert changed.fingerprint() != original.fingerprint()


def _set(field: str, value):
    """A change that sets a dotted field of the mapping (None deletes it)."""

    def change(raw: dict) -> None:
        *parents, last = field.split(".")
        node = raw
        for part in parents:
            node = node[part]
        if value is None:
            del node[last]
        else:
            node[last] = value

    return change


def _tags_only_recommended(raw: dict) -> None:
    raw["target"] = {"tags": "arpu_3m_yuan > 50"}
    raw["offer"]["package_id"] = "recommended"


BAD_FIELDS = [
    pytest.param(_set("id", None), "id", "is missing", id="missing-id"),
    pytest.param(_set("id", "renewal_front_desk"), "id", "must equal the file name", id="id-not-file-name"),
    pytest.param(_set("id", "Fit-3G"), "id", "lower-case", id="id-bad-characters"),
    pytest.param(_set("channels", ["outbound_call", "fax"]), "channels", "distinct channels", id="unknown-channel"),
    pytest.param(_set("channels", ["sms", "sms"]), "channels", "distinct channels", id="repeated-channel"),
    pytest.param(_set("channels", []), "channels", "distinct channels", id="no-channel"),
    pytest.param(_set("script", "您好，{customer_name}。"), "script", "customer_name", id="unknown-placeholder"),
    pytest.param(_set("script", "您好，{}。"), "script", "unknown placeholder", id="positional-placeholder"),
    pytest.param(_set("script", "您好，{reason_zh"), "script", "not a valid template", id="broken-template"),
    pytest.param(_set("end_date", date(2026, 11, 29)), "end_date", "before start_date", id="end-before-start"),
    pytest.param(_set("start_date", "2026-11-30"), "start_date", "must be date", id="date-as-text"),
    pytest.param(_set("control_share", 0), "control_share", "between 0.0 and 1.0", id="control-share-zero"),
    pytest.param(_set("control_share", 1.0), "control_share", "between 0.0 and 1.0", id="control-share-one"),
    pytest.param(_set("control_share", -0.1), "control_share", "between", id="control-share-negative"),
    pytest.param(_set("control_share", "20%"), "control_share", "must be float", id="control-share-text"),
    pytest.param(_set("control_share", None), "control_share", "is missing", id="control-share-missing"),
    pytest.param(_tags_only_recommended, "offer.package_id", "needs a target.task_code", id="recommended-no-task"),
    pytest.param(_set("target", {}), "target", "needs a task_code", id="no-target"),
    pytest.param(
        _set("target.task_code", "migration_to_6g"), "target.task_code", "unknown task", id="unknown-task-code"
    ),
    pytest.param(_set("target.tags", "arpu_3m_yuan >"), "target.tags", "unexpected end", id="tags-syntax"),
    pytest.param(_set("target.tags", "no_such_tag"), "target.tags", "unknown tag", id="tags-unknown-tag"),
    pytest.param(_set("target.tags", "arpu_3m_yuan + 1"), "target.tags", "needs a boolean", id="tags-not-boolean"),
    pytest.param(_set("priority", 11), "priority", "between 1 and 10", id="priority-too-high"),
    pytest.param(_set("priority", True), "priority", "must be int", id="priority-boolean"),
    pytest.param(_set("test_send.size", -1), "test_send.size", "negative", id="test-size-negative"),
    pytest.param(
        _set("test_send.release_after_days", 0), "test_send.release_after_days", "at least 1", id="release-after-zero"
    ),
    pytest.param(
        _set("test_send.max_complaint_rate", 1.5), "test_send.max_complaint_rate", "between", id="complaint-rate"
    ),
    pytest.param(_set("success.rule", "clicked"), "success.rule", "must be one of", id="unknown-success-rule"),
    pytest.param(_set("success.within_days", 0), "success.within_days", "at least 1", id="within-days-zero"),
    pytest.param(_set("expected.uplift", 1.0), "expected.uplift", "between -1.0 and 1.0", id="uplift-out-of-range"),
    pytest.param(_set("offer.value_yuan", "120元"), "offer.value_yuan", "must be float", id="value-as-text"),
    pytest.param(_set("exclusion_group", None), "exclusion_group", "is missing", id="missing-exclusion-group"),
]


@pytest.mark.parametrize(("change", "field", "reason"), BAD_FIELDS)
def test_a_bad_field_is_refused_naming_the_file_and_the_field(tmp_path, good, change, field, reason):
    bad = copy.deepcopy(good)
    change(bad)
    path = write(tmp_path, bad)

    with pytest.raises(CampaignError) as refused:
        load_campaign_file(path, TASK_CODES)

    message = str(refused.value)
    assert message.startswith(f"fit_3g_recommended.yaml: {field}: "), message
    assert reason in message


def test_an_unknown_task_code_is_refused_by_load_campaigns_against_the_contract(tmp_path, good):
    good["target"]["task_code"] = "migration_to_6g"
    write(tmp_path, good)

    with pytest.raises(CampaignError, match=r"^fit_3g_recommended\.yaml: target\.task_code: unknown task"):
        load_campaigns(tmp_path)


def test_load_campaigns_stops_at_the_bad_file_and_names_it(tmp_path, good):
    write(tmp_path, good)
    renewal = yaml.safe_load((CAMPAIGNS_DIR / "renewal_front_desk.yaml").read_text(encoding="utf-8"))
    renewal["channels"] = ["retail_counter", "pigeon"]
    write(tmp_path, renewal, "renewal_front_desk")

    with pytest.raises(CampaignError, match=r"^renewal_front_desk\.yaml: channels: "):
        load_campaigns(tmp_path)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        pytest.param("id: [unclosed\n", "not valid YAML", id="not-yaml"),
        pytest.param("", "(file): must be a mapping", id="empty-file"),
        pytest.param("- just\n- a list\n", "(file): must be a mapping", id="a-list"),
    ],
)
def test_a_file_that_is_not_a_mapping_is_refused(tmp_path, text, reason):
    path = tmp_path / "fit_3g_recommended.yaml"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(CampaignError) as refused:
        load_campaign_file(path)

    assert str(refused.value).startswith("fit_3g_recommended.yaml: ")
    assert reason in str(refused.value)


def test_parse_campaign_without_task_codes_does_not_check_the_code(good):
    good["target"]["task_code"] = "a_task_from_a_newer_contract"

    campaign = parse_campaign(good, GOOD_FILE)

    assert campaign.task_code == "a_task_from_a_newer_contract"


def test_a_timestamp_in_a_date_field_is_refused_naming_the_field(tmp_path, good):
    good["start_date"] = datetime(2026, 11, 30, 9, 0)

    with pytest.raises(CampaignError, match=r"^fit_3g_recommended\.yaml: start_date: "):
        load_campaign_file(write(tmp_path, good), TASK_CODES)


def test_a_mapping_in_the_channel_list_is_refused_naming_the_field(tmp_path, good):
    good["channels"] = [{"sms": 1}]

    with pytest.raises(CampaignError, match=r"^fit_3g_recommended\.yaml: channels: "):
        load_campaign_file(write(tmp_path, good), TASK_CODES)


# The fingerprints of the example campaigns as approved: a code change (a renamed field, a new
# module) must not change them, or every approved campaign reads "changed since approved" and
# every manifest's config_hash moves. Only a planner's edit of the file may.
PINNED_FINGERPRINTS = {
    "fit_3g_recommended": "ca1422291988aa0b",
    "flagship_5g_upsell": "80613cfb07d0640c",
    "renewal_front_desk": "72a871aa721f98e1",
}


def test_the_example_campaigns_keep_their_pinned_fingerprints():
    campaigns = load_campaigns()
    assert {cid: c.fingerprint() for cid, c in campaigns.items()} == PINNED_FINGERPRINTS
    assert campaigns_fingerprint(campaigns) == "c84a897ef3f3569e"


def test_the_canonical_form_carries_every_field_but_the_path():
    campaign = load_campaign_file(GOOD_FILE)
    canonical = campaign.canonical_form()
    flattened = len(canonical) - 1 + len(canonical["test_send"])
    assert flattened == len(fields(campaign)) - 1 + len(fields(campaign.test_send)) - 1
    assert str(campaign.path) not in json.dumps(canonical)
