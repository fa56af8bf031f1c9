"""The campaign loop on the tiny set: four campaign days after the daily DAG, the channel
simulator answering each day's exports, then a rerun of a day. Real Spark, real files."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest
import yaml

from tests.conftest import REPOSITORY_ROOT, TINY_END

pytestmark = pytest.mark.slow
FIRST = date.fromisoformat(TINY_END)
ACTED_AT = datetime(2026, 10, 30, 17, 0, tzinfo=UTC)
DAYS = [FIRST + timedelta(days=n) for n in range(4)]
RERUN = DAYS[1]
CAPACITY = {"outbound_call": 4, "sms": 10, "app": 15, "retail_counter": 12}
STORE_SHARE = 0.5

FIT_CAMPAIGN = {
    "id": "tiny_fit",
    "name": "适配套餐",
    "target": {"task_code": "migration_package_fit_3g"},
    "offer": {"package_id": "recommended", "name": "推荐套餐", "value_yuan": 120},
    "channels": ["outbound_call", "sms"],
    "script": "{reason_zh}，推荐{offer_name}，月费{monthly_fee_yuan}元",
    "sms_template_id": "T_FIT",
    "start_date": FIRST,
    "end_date": FIRST + timedelta(days=30),
    "control_share": 0.3,
    "test_send": {"size": 5, "release_after_days": 1, "max_complaint_rate": 0.5},
    "success": {"rule": "orders_offered_package", "within_days": 2},
    "expected": {"base_rate": 0.03, "uplift": 0.06},
    "priority": 5,
    "exclusion_group": "migration",
}
TAG_CAMPAIGN = {
    **FIT_CAMPAIGN,
    "id": "tiny_counter",
    "name": "柜台续约",
    "target": {"tags": "status_active"},
    "offer": {"package_id": "PK4N078", "name": "4G全国套餐78元", "value_yuan": 100},
    "channels": ["retail_counter", "app"],
    "script": "{reason_zh}：{offer_name}",
    "test_send": {"size": 0, "release_after_days": 1, "max_complaint_rate": 0.5},
    "priority": 4,
    "exclusion_group": "counter",
}


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _export_hashes(layout, day: date) -> dict[str, str]:
    return {
        path.relative_to(layout.exports).as_posix(): _sha(path)
        for path in sorted(layout.exports.glob(f"*/{day}/*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def campaign_loop(daily_dag_run, cli_day_run, tiny_dataset, spark, tmp_path_factory):
    """The DAG's own campaign day (no campaign active yet; `telco-mart run` reran that day first),
    then four days with two active campaigns."""
    from telco_mart.campaigns import lifecycle
    from telco_mart.campaigns.daily import run_campaign_day
    from telco_mart.campaigns.definition import load_campaigns
    from telco_mart.ingest.runner import ingest_source
    from telco_mart.synthetic.channel_simulator import simulate_day

    output = daily_dag_run.stdout + daily_dag_run.stderr
    assert daily_dag_run.returncode == 0, output[-5000:]
    layout = tiny_dataset
    dag_exports = {c: (layout.exports / c / str(FIRST) / "_DONE").is_file() for c in CAPACITY}

    folder = tmp_path_factory.mktemp("campaigns")
    for raw in (FIT_CAMPAIGN, TAG_CAMPAIGN):
        (folder / f"{raw['id']}.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    policy = yaml.safe_load((REPOSITORY_ROOT / "campaigns/policy/contact_policy.yaml").read_text(encoding="utf-8"))
    policy["channel_capacity"] = CAPACITY
    policy["retail_counter_store_share"] = STORE_SHARE
    policy_path = folder / "policy" / "contact_policy.yaml"
    policy_path.parent.mkdir()
    policy_path.write_text(yaml.safe_dump(policy), encoding="utf-8")
    campaigns = load_campaigns(folder)
    for campaign in campaigns.values():
        # The tiny set is too small for a powered test: approved as a pilot, with the reason.
        pilot = lifecycle.PowerCheck(0, None, campaign.expected_uplift, powered=False, override="integration test")
        lifecycle.record_change(
            layout, campaign, "approve", "tester", FIRST, "integration test", recorded_at=ACTED_AT, power_check=pilot
        )
        lifecycle.record_change(layout, campaign, "activate", "tester", FIRST, "integration test", recorded_at=ACTED_AT)

    summaries, hashes = {}, {}
    for day in DAYS:
        summaries[day] = run_campaign_day(spark, layout, day, folder, policy_path)
        hashes[day] = _export_hashes(layout, day)
        simulate_day(layout, day)
        ingest_source(spark, "crm", [day + timedelta(days=1)], layout, tables=["CRM_PRODUCT_ORDER", "CRM_COMPLAINT"])
    rerun = run_campaign_day(spark, layout, RERUN, folder, policy_path)
    return {
        "layout": layout,
        "summaries": summaries,
        "hashes": hashes,
        "rerun": rerun,
        "rerun_hashes": _export_hashes(layout, RERUN),
        "dag_exports": dag_exports,
        "folder": folder,
        "policy_path": policy_path,
    }


def _exported(layout) -> pd.DataFrame:
    """Every exported row of every channel and day, one row per subscriber and campaign."""
    from telco_mart.campaigns.channels.exports import read_channel_export

    rows = []
    for day in DAYS:
        for channel in CAPACITY:
            frame = read_channel_export(layout, channel, day)
            if channel == "retail_counter":
                for record in frame.to_dict("records"):
                    for campaign_id in record["campaign_ids"]:
                        rows.append((day, channel, record["subscriber_id"], campaign_id, record["store_id"]))
            else:
                rows += [
                    (day, channel, s, c, None)
                    for s, c in zip(frame["subscriber_id"], frame["campaign_id"], strict=True)
                ]
    return pd.DataFrame(rows, columns=["day", "channel", "subscriber_id", "campaign_id", "store_id"])


def _mart(layout, table: str) -> pd.DataFrame:
    frames = []
    for day in DAYS:
        folder = layout.mart / table / f"business_date={day}"
        if folder.is_dir() and any(folder.glob("*.parquet")):
            frames.append(pd.read_parquet(folder).assign(business_date=day))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def test_the_daily_dag_published_every_channel_file_with_no_campaign_active(campaign_loop):
    assert campaign_loop["dag_exports"] == dict.fromkeys(CAPACITY, True)


def test_contacts_go_out_on_every_channel_and_the_funnel_adds_up(campaign_loop):
    layout = campaign_loop["layout"]
    exported = _exported(layout)
    assert set(exported["channel"]) >= {"outbound_call", "sms", "retail_counter"}
    funnel = _mart(layout, "fct_campaign_funnel")
    contacts = _mart(layout, "fct_contacts")
    for (day, campaign_id), steps in funnel.groupby(["business_date", "campaign_id"]):
        steps = steps.sort_values("step_order")
        eligible = steps.iloc[0]["remaining"]
        assert steps.iloc[0]["step"] == "eligible"
        assert eligible - steps["dropped"].sum() == steps.iloc[-1]["remaining"]
        treated = contacts[
            (contacts.business_date == day) & (contacts.campaign_id == campaign_id) & (contacts.arm == "treatment")
        ]
        assert steps.iloc[-1]["step"] == "exported"
        assert steps.iloc[-1]["remaining"] == len(treated)
        assert len(exported[(exported.day == day) & (exported.campaign_id == campaign_id)]) == len(treated)
    for day in DAYS:  # the same funnel beside the exports, for the channel managers
        beside = pd.read_csv(layout.exports / "funnel" / str(day) / f"FUNNEL_{day:%Y%m%d}.csv")
        mine = funnel[funnel.business_date == day].sort_values(["campaign_id", "step_order"])
        assert beside["remaining"].tolist() == mine["remaining"].tolist()


def test_do_not_disturb_and_blacklisted_subscribers_are_never_in_any_file(campaign_loop, spark):
    from telco_mart.campaigns.inputs import restricted_subscribers

    layout = campaign_loop["layout"]
    restricted = {r["subscriber_id"] for r in restricted_subscribers(spark, layout, DAYS[-1]).collect()}
    flagged = pd.read_parquet(layout.mart / "dim_subscriber" / f"business_date={FIRST}")
    restricted |= set(flagged.loc[flagged.is_dnd | flagged.is_blacklisted, "subscriber_id"])
    funnel = _mart(layout, "fct_campaign_funnel")
    assert funnel.loc[funnel.step == "do_not_disturb_or_blacklist", "dropped"].sum() > 0  # they were targeted
    exported = _exported(layout)
    assert not set(exported["subscriber_id"]) & restricted
    assert not set(_mart(layout, "fct_contacts")["subscriber_id"]) & restricted


def test_no_channel_or_store_takes_more_than_its_capacity_and_overflow_moves_on(campaign_loop):
    layout = campaign_loop["layout"]
    exported = _exported(layout)
    per_day = exported.groupby(["day", "channel"]).size()
    for (_, channel), rows in per_day.items():
        assert rows <= CAPACITY[channel]
    stores = pd.read_parquet(layout.mart / "dim_store" / f"business_date={FIRST}")
    store_capacity = {s: int(c * STORE_SHARE) for s, c in zip(stores.store_id, stores.daily_capacity, strict=True)}
    counter = exported[exported.channel == "retail_counter"].groupby(["day", "store_id"]).size()
    for (_, store), rows in counter.items():
        assert rows <= store_capacity[store]
    contacts = _mart(layout, "fct_contacts")
    # The outbound centre filled up, so the fit campaign's next channel (SMS) took the rest.
    fit = contacts[(contacts.campaign_id == "tiny_fit") & (contacts.arm == "treatment")]
    assert (fit.channel_preference_rank == 2).any()
    funnel = _mart(layout, "fct_campaign_funnel")
    assert funnel.loc[funnel.step == "channel_capacity_next_day", "dropped"].sum() > 0


def test_control_subjects_are_never_contacted_and_get_no_channel_result(campaign_loop):
    layout = campaign_loop["layout"]
    contacts = _mart(layout, "fct_contacts")
    control = contacts[contacts.arm == "control"]
    assert len(control) > 0
    exported = _exported(layout)
    for campaign_id, group in control.groupby("campaign_id"):
        assert not set(group.subscriber_id) & set(exported.loc[exported.campaign_id == campaign_id, "subscriber_id"])
    results = _mart(layout, "fct_contact_results")
    assert len(results) > 0
    assert not set(results.contact_id) & set(control.contact_id)
    # The same subscriber is in the same arm of a campaign whatever day it is assigned (stable hash).
    assert contacts.groupby(["campaign_id", "subscriber_id"])["arm"].nunique().max() == 1


def test_the_test_wave_goes_first_then_the_full_send(campaign_loop):
    contacts = _mart(campaign_loop["layout"], "fct_contacts")
    fit = contacts[(contacts.campaign_id == "tiny_fit") & (contacts.arm == "treatment")]
    first_day = fit[fit.business_date == FIRST]
    assert set(first_day.wave) == {"test"} and 0 < len(first_day) <= 5
    assert set(fit[fit.business_date == DAYS[1]].wave) <= {"full"}
    counter = contacts[contacts.campaign_id == "tiny_counter"]
    assert set(counter.wave) == {"full"}  # no test send configured


def test_a_rerun_of_a_day_writes_byte_identical_exports(campaign_loop):
    before, after = campaign_loop["hashes"][RERUN], campaign_loop["rerun_hashes"]
    assert any(name.endswith((".txt", ".csv", ".jsonl")) for name in before)
    assert before == after


def test_channel_results_are_reconciled_quarantined_with_reasons_and_counted(campaign_loop):
    from telco_mart.ingest.audit import read_audit

    layout = campaign_loop["layout"]
    audit = read_audit(layout).to_pandas()
    reconciliation = audit[audit.table_name == "CHANNEL_RESULT_RECONCILIATION"]
    assert len(reconciliation) >= len(DAYS) - 1
    assert (reconciliation.rows_read == reconciliation.rows_accepted + reconciliation.rows_quarantined).all()
    ingested = audit[(audit.table_name == "CHANNEL_RESULT") & (audit.status == "loaded")]
    assert len(ingested) >= len(DAYS) - 1  # the result files of the days after the first
    assert (ingested.rows_read == ingested.rows_accepted + ingested.rows_quarantined).all()
    summaries = campaign_loop["summaries"]
    reasons = {r for s in summaries.values() for r in s.feedback.get("quarantined_by_reason", {})}
    assert reasons & {"rejected_at_ingestion", "unknown_contact", "late_result", "duplicate_result"}


def test_refusals_complaints_and_opt_outs_suppress_later_contacts(campaign_loop):
    layout = campaign_loop["layout"]
    suppressions = _mart(layout, "fct_contact_suppressions")
    assert len(suppressions) > 0
    exported = _exported(layout)
    for row in suppressions.itertuples():
        later = exported[(exported.day > row.business_date) & (exported.subscriber_id == row.subscriber_id)]
        if row.suppression_kind in ("opted_out", "complained"):
            assert later.empty, row
        else:  # a refusal holds for offers of the same exclusion group
            campaigns = {"tiny_fit": "migration", "tiny_counter": "counter"}
            assert not any(campaigns[c] == row.exclusion_group for c in later.campaign_id), row


def test_outcomes_effect_and_report_are_written(campaign_loop):
    from telco_mart.campaigns.reporting.report import write_report

    layout = campaign_loop["layout"]
    last = DAYS[-1]
    effect = pd.read_parquet(layout.mart / "fct_campaign_effect" / f"business_date={last}")
    assert set(effect.campaign_id) == {"tiny_fit", "tiny_counter"}
    overall = effect[effect.channel == "all"].set_index("campaign_id")
    assert (overall.treatment_contacts > 0).all() and (overall.control_subjects > 0).all()
    assert ((overall.uplift_ci_low <= overall.uplift) & (overall.uplift <= overall.uplift_ci_high)).all()
    outcomes = pd.read_parquet(layout.mart / "fct_contact_outcomes" / f"business_date={last}")
    assert outcomes.is_matured.any() and not outcomes.msisdn_masked.str.fullmatch(r"1\d{10}").any()
    report = write_report(layout, last).read_text(encoding="utf-8")
    assert "tiny_fit" in report and "data:image/png;base64," in report


def test_a_preview_counts_the_trial_and_the_minimum_detectable_uplift(campaign_loop, spark):
    from telco_mart.campaigns.definition import load_campaigns
    from telco_mart.campaigns.policy_config import load_contact_policy
    from telco_mart.campaigns.preview import preview_campaign

    campaigns = load_campaigns(campaign_loop["folder"])
    policy = load_contact_policy(campaign_loop["policy_path"])
    preview = preview_campaign(spark, campaign_loop["layout"], campaigns["tiny_counter"], FIRST, policy)
    assert preview.eligible > preview.after_policy > 0
    assert preview.dropped_by_step.get("do_not_disturb_or_blacklist", 0) > 0
    assert preview.min_detectable_uplift is not None and preview.min_detectable_uplift > 0


def test_an_analyst_measures_a_campaign_from_a_mart_extract(campaign_loop, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from telco_mart.cli.app import app

    monkeypatch.setenv("TELCO_MART_HOME", str(campaign_loop["layout"].root))
    extract = tmp_path / "outcomes.csv"
    query = (
        "select arm, cast(is_success as int) as ordered, case when is_success then offer_fee_yuan else 0 end as fee_yuan "
        "from fct_contact_outcomes where is_reconciled"
    )
    written = CliRunner().invoke(app, ["sql", "--date", str(DAYS[-1]), "--csv", str(extract), query])
    assert written.exit_code == 0, written.output
    rows = pd.read_csv(extract)
    assert set(rows.arm) == {"treatment", "control"}
    measured = CliRunner().invoke(
        app,
        [
            "effect",
            "--table",
            str(extract),
            "--arm",
            "arm",
            "--control",
            "control",
            "--outcome",
            "ordered",
            "--outcome",
            "fee_yuan",
        ],
    )
    assert measured.exit_code == 0, measured.output
    assert "treatment" in measured.output and "proportion" in measured.output and "mean" in measured.output
    assert f"{(rows.arm == 'control').sum():,}" in measured.output


def test_the_job_tables_pass_their_declared_key_tests(campaign_loop):
    """The dbt tests generated from the declaration (keys unique and not null), on the day the task
    models scored and the campaigns assigned, funnelled and measured: `telco-mart mart check-job-tables`."""
    from tests.support.cli import telco_mart

    layout = campaign_loop["layout"]
    completed = telco_mart("mart", "check-job-tables", "--date", str(FIRST), home=layout.root, timeout=900)
    assert completed.returncode == 0, (completed.stdout + completed.stderr)[-3000:]
    assert "job tables" in completed.stdout and "tests passed" in completed.stdout
    passed = int(completed.stdout.split("job tables")[1].split(":")[1].split()[0])
    assert passed >= 11 + 11  # a key test per table, a not-null test per key column
