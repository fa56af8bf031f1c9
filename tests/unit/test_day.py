"""The definition of the day: stage order, part of a day, stage records, and failures that
fail without retries."""

from __future__ import annotations

import json
from datetime import date

import pytest

from telco_mart.errors import TelcoMartError
from telco_mart.pipeline.day import (
    DAY,
    STAGE_NAMES,
    DayContext,
    Stage,
    StageFailed,
    StageOutcome,
    UnknownStage,
    run_day,
    run_stage,
    stages_between,
)
from telco_mart.pipeline.stage_records import read_stage_records, records_dir
from telco_mart.settings import DataLayout

DAY_ONE = date(2026, 11, 30)


def test_the_day_runs_the_stages_in_the_dag_order():
    assert STAGE_NAMES == (
        "ingest",
        "reconcile",
        "quality_raw",
        "build_mart",
        "quality_mart",
        "task_models",
        "campaigns",
        "retrain_churn_challenger",
    )
    for position, stage in enumerate(DAY):
        assert all(STAGE_NAMES.index(name) < position for name in stage.after), stage.name


def test_part_of_the_day():
    assert [s.name for s in stages_between(last="reconcile")] == ["ingest", "reconcile"]
    assert [s.name for s in stages_between("task_models")] == ["task_models", "campaigns", "retrain_churn_challenger"]
    assert [s.name for s in stages_between("build_mart", "build_mart")] == ["build_mart"]
    with pytest.raises(UnknownStage, match="unknown stage 'mart'.*ingest, reconcile"):
        stages_between("mart")
    with pytest.raises(UnknownStage, match="comes after"):
        stages_between("campaigns", "ingest")


def test_the_challenger_runs_on_month_ends_only():
    (challenger,) = stages_between("retrain_churn_challenger")
    assert challenger.applies(date(2026, 11, 30)) and not challenger.applies(date(2026, 11, 29))


def _stage(name: str, behaviour) -> Stage:
    return Stage(name, "a test stage", behaviour)


def test_every_stage_run_is_recorded_with_rows_and_reason(tmp_path):
    layout = DataLayout(tmp_path)
    context = DayContext(DAY_ONE, layout, progress=lambda _: None)

    def fails(context, part):
        raise TelcoMartError("file X.ctl, row 3: bad count\n(second line)")

    run_stage(context, _stage("counts", lambda c, p: StageOutcome(10, 7)))
    with pytest.raises(StageFailed, match=r"^2026-11-30 broken failed: file X.ctl, row 3: bad count \(second line\)$"):
        run_day(context, [_stage("broken", fails), _stage("never", lambda c, p: StageOutcome())])
    records = read_stage_records(layout, DAY_ONE)
    assert [(r.stage, r.state, r.rows_in, r.rows_out, r.reason) for r in records] == [
        ("counts", "succeeded", 10, 7, None),
        ("broken", "failed", None, None, "file X.ctl, row 3: bad count (second line)"),
    ]
    assert all(r.ended_at >= r.started_at and r.entry_point == "cli" for r in records)
    stored = json.loads(next(records_dir(layout, DAY_ONE).glob("*broken*.json")).read_text())
    assert stored["business_date"] == "2026-11-30" and stored["state"] == "failed"


def test_a_stage_that_does_not_apply_is_recorded_as_skipped(tmp_path):
    layout = DataLayout(tmp_path)
    (challenger,) = stages_between("retrain_churn_challenger")
    outcome = run_stage(DayContext(date(2026, 11, 29), layout), challenger)
    assert outcome.skipped_reason == "does not run on 2026-11-29"
    (record,) = read_stage_records(layout, date(2026, 11, 29))
    assert (record.stage, record.state, record.reason) == (
        "retrain_churn_challenger",
        "skipped",
        outcome.skipped_reason,
    )


def test_an_unexpected_error_names_its_type(tmp_path):
    context = DayContext(DAY_ONE, DataLayout(tmp_path))

    def crashes(context, part):
        raise KeyError("column")

    with pytest.raises(StageFailed, match="crash failed: KeyError: 'column'"):
        run_day(context, [_stage("crash", crashes)])


def test_a_failed_reconciliation_fails_the_airflow_task_without_retries(tmp_path, monkeypatch):
    """Nothing landed: the reconciliation fails, and a retry could not change that."""
    from airflow.sdk.exceptions import AirflowFailException

    from telco_mart.orchestration.tasks import run_stage_task

    monkeypatch.setenv("TELCO_MART_HOME", str(tmp_path))
    with pytest.raises(AirflowFailException, match="reconcile 2026-11-30: 2026-11-30: crm/"):
        run_stage_task("reconcile", "2026-11-30")
    (record,) = read_stage_records(DataLayout(tmp_path), DAY_ONE)
    assert (record.stage, record.state, record.entry_point) == ("reconcile", "failed", "airflow")


@pytest.mark.parametrize(
    ("override", "logical", "run_after", "expected"),
    [
        ("2026-11-02", None, "2026-12-04T10:00:00+00:00", "2026-11-02"),
        (None, "2026-11-29T16:00:00+00:00", "2026-11-30T16:00:00+00:00", "2026-11-30"),
        (None, "2026-11-30T00:00:00+00:00", "2026-12-01T00:00:00+00:00", "2026-11-30"),
        # a manual run without a logical date, triggered at 10:00 in Shanghai on Dec 4: Dec 3
        (None, None, "2026-12-04T02:00:00+00:00", "2026-12-03"),
    ],
)
def test_the_business_date_of_a_dag_run(override, logical, run_after, expected):
    from datetime import datetime

    from telco_mart.orchestration.schedule import business_date_of

    parse = datetime.fromisoformat
    assert business_date_of(override, parse(logical) if logical else None, parse(run_after)) == expected
