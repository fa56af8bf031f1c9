"""The daily HTML report: campaign effect, funnel and the day's run from a small data root (no Spark)."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import typer
from typer.testing import CliRunner

from telco_mart.campaigns.reporting.report import NO_DATA, write_report
from telco_mart.cli.report import report
from telco_mart.errors import TelcoMartError
from telco_mart.ingest.audit import AuditRow, write_audit_rows
from telco_mart.modelling.registry import ModelRegistry
from telco_mart.settings import DataLayout

DAY = date(2026, 11, 30)
EARLIER = date(2026, 11, 29)  # only an ingestion audit exists for it
EMPTY_DAY = date(2026, 12, 1)
FULL_NUMBER = re.compile(r"(?<!\d)1\d{10}(?!\d)")
PLOT = '<img src="data:image/png;base64,'
HOSTILE_NAME = "续约关怀 <script>alert(1)</script>"
SHA = "ab12cd34ef56" + "0" * 52

EFFECT_SCHEMA = pa.schema(
    [("campaign_id", pa.string()), ("campaign_name", pa.string()), ("channel", pa.string()),
     ("campaign_status", pa.string()), ("treatment_contacts", pa.int64()), ("control_subjects", pa.int64()),
     ("treatment_successes", pa.int64()), ("control_successes", pa.int64()), ("treatment_rate", pa.float64()),
     ("control_rate", pa.float64()), ("uplift", pa.float64()), ("uplift_ci_low", pa.float64()),
     ("uplift_ci_high", pa.float64()), ("p_value", pa.float64()), ("complaints", pa.int64()),
     ("complaint_rate", pa.float64()), ("pending_contacts", pa.int64()), ("min_detectable_uplift", pa.float64())]
)  # fmt: skip
EFFECT_ROWS = [
    # C001 beats its control; C002 has no matured control subject yet (rates and interval null).
    ("C001", HOSTILE_NAME, "all", "running", 2000, 400, 180, 27, 0.09, 0.0666, 0.0234, 0.0051, 0.0417, 0.012, 3, 0.0015, 120, 0.021),
    ("C001", HOSTILE_NAME, "sms", "running", 1200, 240, 96, 15, 0.08, 0.0625, 0.0175, -0.012, 0.047, 0.2, 2, 0.0017, 80, 0.03),
    ("C001", HOSTILE_NAME, "outbound_call", "running", 800, 160, 84, 12, 0.105, 0.075, 0.03, -0.02, 0.08, 0.25, 1, 0.0013, 40, 0.05),
    ("C002", "4G migration wave", "all", "test_wave", 150, 0, 9, 0, 0.06, None, None, None, None, None, 0, 0.0, 300, None),
    ("C002", "4G migration wave", "sms", "test_wave", 150, 0, 9, 0, 0.06, None, None, None, None, None, 0, 0.0, 300, None),
]  # fmt: skip
FUNNEL_STEPS = ["eligible", "do_not_disturb_or_blacklist", "frequency_cap_7d", "control_group", "exported"]


def _funnel_rows() -> list[dict]:
    rows = []
    for campaign_id, name, eligible, drops in (("C001", HOSTILE_NAME, 5000, [0, 300, 700, 400, 0]),
                                               ("C002", "4G migration wave", 900, [0, 50, 100, 0, 0])):  # fmt: skip
        remaining = eligible
        for order, (step, dropped) in enumerate(zip(FUNNEL_STEPS, drops, strict=True), start=1):
            remaining -= dropped
            rows.append({"campaign_id": campaign_id, "campaign_name": name, "step_order": order, "step": step,
                         "dropped": dropped, "remaining": remaining})  # fmt: skip
    return rows


def _write_partition(layout: DataLayout, table: str, rows: pa.Table) -> None:
    folder = layout.mart / table / f"business_date={DAY:%Y-%m-%d}"
    folder.mkdir(parents=True)
    pq.write_table(rows, folder / "part-00000.parquet")


def _write_json(path: Path, content: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")


def _campaign_run(churn_version: str) -> dict:
    return {
        "business_date": "2026-11-30",
        "campaigns": [
            {"campaign_id": "C001", "name": HOSTILE_NAME, "state": "running", "wave": "full"},
            {"campaign_id": "C002", "name": "4G migration wave", "state": "running", "wave": "test"},
        ],  # fmt: skip
        "exports": [
            {
                "channel": "sms",
                "file": "exports/sms/2026-11-30/SMS_20261130_001.csv",
                "rows": 1100,
                "sha256": SHA,
                "removed_at_publish": 12,
                "campaign_ids": ["C001", "C002"],
            }
        ],  # fmt: skip
        "capacity": [
            {"channel": "sms", "scope": "channel", "scope_id": "sms", "capacity": 5000, "used": 1100},
            {"channel": "retail", "scope": "store", "scope_id": "S001", "capacity": 20, "used": 20},
            {"channel": "retail", "scope": "store", "scope_id": "S002", "capacity": 20, "used": 5},
        ],
        "feedback": {
            "rows_read": 900,
            "rows_accepted": 880,
            "rows_quarantined": 20,
            "quarantined_by_reason": {"unknown_contact": 15, "bad_outcome_code": 5},
        },  # fmt: skip
        "config_hash": "cfg-1234abcd",
        "model_versions": {"churn": churn_version},
    }


def _task_run(churn_version: str) -> dict:
    return {
        "business_date": "2026-11-30",
        "churn_model": f"churn/{churn_version}",
        "scored_subscribers": 16092,
        "targets_by_sub_task": {"renewal_3m_before": 545, "churn_forwarding_over_half": 567},
        # A number that slipped into a note must come out masked.
        "notes": ["subscriber 13812345678 has a handset unknown to the terminal library"],
    }


def _audit_row(business_date: date, table: str, read: int, quarantined: int) -> AuditRow:
    return AuditRow("run-1", datetime(2026, 12, 1, 2, tzinfo=UTC), "crm", table, business_date,
                    f"{table}_{business_date:%Y%m%d}_001.dat.gz", 1, read, read, read - quarantined, quarantined,
                    1000, "md5", "loaded", None, None)  # fmt: skip


def _quality_result(layout: DataLayout) -> None:
    def result(label: str, severity: str, success: bool) -> dict:
        config = {"type": "expect_column_max_to_be_between", "meta": {"label": label, "severity": severity}}
        return {"expectation_config": config, "success": success, "result": {}}

    run_folder = layout.root / "quality" / "validations" / "raw" / "row_counts" / "raw-2026-11-30"
    _write_json(
        run_folder / "20261130T000000.000000Z" / "metric_frames-row_counts.json",
        {"results": [result("row_count_ratio", "critical", True), result("null_share(msisdn)", "warning", False)]},
    )


@pytest.fixture
def layout(tmp_path) -> DataLayout:
    """A data root with a complete campaign day (DAY) and a day that has only an audit (EARLIER)."""
    layout = DataLayout(tmp_path / "home")
    _write_partition(layout, "fct_campaign_effect", pa.Table.from_pylist(
        [dict(zip(EFFECT_SCHEMA.names, row, strict=True)) for row in EFFECT_ROWS], schema=EFFECT_SCHEMA))  # fmt: skip
    _write_partition(layout, "fct_campaign_funnel", pa.Table.from_pylist(_funnel_rows()))
    write_audit_rows(layout, [_audit_row(DAY, "CRM_SUBSCRIBER", 20000, 40), _audit_row(EARLIER, "CRM_STORE", 150, 0)])
    _quality_result(layout)
    metrics = {"model": {"rows": 16547, "roc_auc": 0.6648, "pr_auc": 0.0762, "lift_at_10pct": 2.72, "base_rate": 0.03}}
    metadata = {"trained_for_date": "2026-11-30", "code_version": "test", "metrics": metrics,
                "data_window": {"training_months": ["2026-08"], "validation_month": "2026-09"}}  # fmt: skip
    version = ModelRegistry(layout).register("churn", {"stub": "model"}, metadata, "v20261130").version
    _write_json(layout.campaign_state / "runs" / "2026-11-30.json", _campaign_run(version))
    _write_json(layout.artifacts / "task_runs" / "2026-11-30.json", _task_run(version))
    return layout


@pytest.fixture
def page(layout) -> str:
    return write_report(layout, DAY).read_text(encoding="utf-8")


def test_the_report_is_written_under_reports_of_the_date(layout):
    path = write_report(layout, DAY)
    assert path == layout.reports / "2026-11-30" / "report.html"
    write_report(layout, DAY)  # a rerun replaces the page and leaves no temporary file
    assert sorted(p.name for p in path.parent.iterdir()) == ["report.html"]


def test_every_campaign_is_shown_with_its_uplift_and_interval(page):
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    assert "C001" in page and "C002" in page
    assert "+2.34 pp" in page and "[+0.51, +4.17] pp" in page
    assert "9.0%" in page and "6.7%" in page  # success rates, contacted and control
    assert "2.10 pp" in page  # minimum detectable uplift
    assert "uplift +2.34 pp, 95% CI [+0.51, +4.17] pp; the interval excludes 0: the campaign raised" in page
    assert "not measurable yet" in page  # C002 has no control subject yet
    assert "[-1.20, +4.70] pp" in page  # by channel: C001 on sms


def test_sections_come_in_order_and_plots_are_embedded(page):
    assert page.index('id="campaigns"') < page.index('id="funnel"') < page.index('id="run"')
    # forest plot, success rates per channel, one funnel per campaign, channel capacity
    assert page.count(PLOT) >= 5
    assert "<script" not in page and "http://" not in page and "https://" not in page


def test_no_full_mobile_number_reaches_the_page(page):
    assert not FULL_NUMBER.search(page)
    assert "138****5678" in page


def test_a_campaign_name_is_escaped(page):
    assert "<script>" not in page
    assert "续约关怀 &lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_funnel_lists_each_step_with_its_drop(page):
    funnel = page[page.index('id="funnel"') : page.index('id="run"')]
    assert funnel.count("do_not_disturb_or_blacklist") == 2
    assert '<td class="n">700</td><td class="n">4,000</td>' in funnel  # C001: frequency cap drops 700


def test_the_days_run_shows_audit_quality_model_targets_exports_capacity_feedback(page):
    run = page[page.index('id="run"') :]
    assert "CRM_SUBSCRIBER" in run and "19,960" in run
    assert "raw/row_counts" in run and "warning: raw/row_counts: null_share(msisdn)" in run
    assert "0.665" in run and "v20261130-" in run
    assert "churn_forwarding_over_half" in run and "567" in run
    assert "SMS_20261130_001.csv" in run and SHA[:12] in run and SHA not in run
    assert "5,000" in run and "22.0%" in run and "2 stores" in run
    assert "unknown_contact" in run and "cfg-1234abcd" in run
    assert NO_DATA not in page


def test_a_date_before_any_campaign_says_no_data_per_section(layout):
    page = write_report(layout, EARLIER).read_text(encoding="utf-8")
    assert "CRM_STORE" in page
    for section in (
        "campaign effect (fct_campaign_effect)",
        "contact policy funnel (fct_campaign_funnel)",
        "quality results",
        "task targets",
        "export manifests",
        "channel capacity",
        "channel feedback",
    ):
        assert f'<p class="none">{section}: {NO_DATA}</p>' in page
    assert PLOT not in page


def test_a_date_with_nothing_is_an_error_naming_it(layout):
    with pytest.raises(TelcoMartError, match="2026-12-01"):
        write_report(layout, EMPTY_DAY)
    assert not (layout.reports / "2026-12-01").exists()


def test_the_command_prints_the_path(layout, monkeypatch):
    monkeypatch.setenv("TELCO_MART_HOME", str(layout.root))
    app = typer.Typer()
    app.callback()(lambda: None)
    app.command("report")(report)
    result = CliRunner().invoke(app, ["report", "--date", "2026-11-30"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(layout.reports / "2026-11-30" / "report.html")
    bad = CliRunner().invoke(app, ["report", "--date", "2026-13-01"])
    assert isinstance(bad.exception, TelcoMartError)
