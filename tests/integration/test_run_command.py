"""`telco-mart run` is the day the DAG runs: on the tiny set's last date, after the DAG, the
command runs every stage from the landing files to the channel exports, records each one, and
gives the same mart, targets and export bytes (a rerun replaces the date's outputs)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from telco_mart.pipeline.day import STAGE_NAMES
from telco_mart.pipeline.stage_records import read_stage_records
from tests.conftest import TINY_END
from tests.support.cli import telco_mart

pytestmark = pytest.mark.slow
LAST_DAY = date.fromisoformat(TINY_END)


def test_the_command_runs_every_stage_of_the_day(cli_day_run):
    completed = cli_day_run["completed"]
    assert completed.returncode == 0, (completed.stdout + completed.stderr)[-5000:]
    for stage in STAGE_NAMES:
        assert f"{TINY_END} {stage}" in completed.stderr, stage
    assert f"1 day(s) done, {TINY_END}..{TINY_END}" in completed.stdout


def test_every_stage_is_recorded_from_both_entry_points(cli_day_run, tiny_dataset):
    records = read_stage_records(tiny_dataset, LAST_DAY)
    by_entry = {entry: [r for r in records if r.entry_point == entry] for entry in ("airflow", "cli")}
    for entry, found in by_entry.items():
        assert {r.stage for r in found} == set(STAGE_NAMES), entry
        assert {r.label for r in found if r.stage == "ingest"} == {
            f"ingest[{s}]" for s in ("crm", "boss", "bi", "gn", "dm")
        }
    cli = {r.label: r for r in by_entry["cli"]}
    assert all(r.state == "succeeded" for label, r in cli.items() if label != "retrain_churn_challenger")
    # the DAG's first run trained the champion for this very date: no challenger is needed
    assert cli["retrain_churn_challenger"].state == "skipped"
    assert "no challenger needed" in cli["retrain_churn_challenger"].reason
    assert cli["reconcile"].rows_in == sum(cli[f"ingest[{s}]"].rows_in for s in ("crm", "boss", "bi", "gn", "dm"))
    assert cli["task_models"].rows_out > 0 and cli["ingest[gn]"].rows_out > 0


def test_the_rerun_gives_the_same_raw_mart_targets_and_export_bytes(cli_day_run):
    """Also: a lost metastore is rebuilt from the mart folders (the fixture deleted it)."""
    before, after = cli_day_run["before"], cli_day_run["after"]
    expected = {"mart/dim_subscriber", "mart/fct_subscriber_tags", "mart/fct_task_targets", "raw/gn/gn_traffic"}
    assert expected <= set(before["tables"])
    assert set(after["tables"]) == set(before["tables"])
    for table, rows in before["tables"].items():
        pd.testing.assert_frame_equal(after["tables"][table], rows, obj=table)
    assert before["exports"] and after["exports"] == before["exports"]


def test_the_runs_command_shows_the_records(cli_day_run, tiny_dataset):
    completed = telco_mart("runs", "--date", TINY_END, home=tiny_dataset.root, timeout=120)
    assert completed.returncode == 0, completed.stderr
    for stage in STAGE_NAMES:
        assert stage in completed.stdout
    assert "ingest[gn]" in completed.stdout and "succeeded" in completed.stdout and "airflow" in completed.stdout


def test_a_failed_stage_exits_1_naming_the_date_stage_and_reason(cli_day_run, tiny_dataset, tmp_path):
    """A date nothing was delivered for: the reconciliation fails, and the day stops there."""
    completed = telco_mart(
        "run", "--date", "2026-10-20", "--through", "quality_raw", home=tiny_dataset.root, timeout=600
    )
    assert completed.returncode == 1, completed.stderr[-3000:]
    (error,) = [line for line in completed.stderr.splitlines() if line.startswith("error:")]
    assert error.startswith("error: 2026-10-20 reconcile failed: 2026-10-20: crm/")
    stages = [(r.label, r.state) for r in read_stage_records(tiny_dataset, date(2026, 10, 20))]
    assert ("reconcile", "failed") in stages and not any(label == "quality_raw" for label, _ in stages)
