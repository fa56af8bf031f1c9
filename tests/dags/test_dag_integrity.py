"""Every DAG imports cleanly and follows the house rules (owner, retries, doc, tags, file name)."""

from __future__ import annotations

from pathlib import Path

import pytest
from airflow.models.dagbag import DagBag

from tests.conftest import REPOSITORY_ROOT

ALLOWED_TAGS = {
    "telco-mart",
    "ingestion",
    "mart",
    "scoring",
    "campaigns",
    "impact/tier_1",
    "impact/tier_2",
    "impact/tier_3",
}


@pytest.fixture(scope="module")
def dag_bag() -> DagBag:
    return DagBag(dag_folder=str(REPOSITORY_ROOT / "dags"))


def test_no_import_errors(dag_bag):
    assert dag_bag.import_errors == {}
    assert dag_bag.dags, "no DAG found"


def test_house_rules(dag_bag):
    for dag_id, dag in dag_bag.dags.items():
        assert Path(dag.fileloc).stem == dag_id, "one DAG per file, dag_id = file name"
        assert dag.doc_md and dag_id in dag.doc_md
        assert dag.default_args["owner"] and dag.default_args["retries"] >= 1
        assert dag.catchup is False
        assert set(dag.tags) <= ALLOWED_TAGS, (
            f"tags outside the vocabulary in docs/airflow.md: {set(dag.tags) - ALLOWED_TAGS}"
        )
        assert any(tag.startswith("impact/") for tag in dag.tags)


def test_daily_dag_shape(dag_bag):
    dag = dag_bag.dags["telco_mart_daily"]
    sources = ["crm", "boss", "bi", "gn", "dm"]
    for source in sources:
        ingest = dag.get_task(f"ingest_{source}")
        assert ingest.upstream_task_ids == {f"wait_for_{source}"}
        assert ingest.pool == "telco_mart_spark"
    reconcile = dag.get_task("reconcile")
    assert reconcile.upstream_task_ids == {f"ingest_{s}" for s in sources}
    assert reconcile.trigger_rule == "all_done"
    assert "business_date" in dag.params
    # the mart stage: a raw gate after reconciliation, dbt, then the mart gate, each waiting on success
    assert dag.get_task("quality_raw").upstream_task_ids == {"reconcile"}
    assert dag.get_task("build_mart").upstream_task_ids == {"quality_raw"}
    assert dag.get_task("quality_mart").upstream_task_ids == {"build_mart"}
    for task_id in ("quality_raw", "build_mart", "quality_mart"):
        assert dag.get_task(task_id).trigger_rule == "all_success"
    # the task models after the mart gate; the monthly challenger only after a month-end check
    assert dag.get_task("task_models").upstream_task_ids == {"quality_mart"}
    assert dag.get_task("task_models").pool == "telco_mart_spark"
    assert dag.get_task("is_month_end").upstream_task_ids == {"task_models"}
    assert dag.get_task("retrain_churn_challenger").upstream_task_ids == {"is_month_end"}
    # the campaign day reads the day's targets: after the task models, every day
    assert dag.get_task("campaigns").upstream_task_ids == {"task_models"}
    assert dag.get_task("campaigns").pool == "telco_mart_spark"


def _stage_task_ids(stage) -> list[str]:
    return [f"{stage.name}_{part}" if part else stage.name for part in stage.part_names()]


def test_the_dag_walks_the_definition_of_the_day(dag_bag):
    """Every task of the DAG is a stage of telco_mart.pipeline.day.DAY (or the sensor before an
    ingestion, or a stage's date guard), with the stage's dependencies: they cannot drift apart."""
    from telco_mart.pipeline.day import DAY

    dag = dag_bag.dags["telco_mart_daily"]
    expected: dict[str, tuple[str, str | None]] = {}
    guards = {}
    for stage in DAY:
        for part, task_id in zip(stage.part_names(), _stage_task_ids(stage), strict=True):
            expected[task_id] = (stage.name, part)
        if stage.applies_on is not None:
            guards[stage.applies_on.__name__] = stage
    sensors = {t.task_id for t in dag.tasks if t.task_id.startswith("wait_for_")}
    assert {t.task_id for t in dag.tasks} == set(expected) | set(guards) | sensors
    assert sensors == {f"wait_for_{part}" for part in next(s for s in DAY if s.name == "ingest").part_names()}

    by_name = {stage.name: stage for stage in DAY}
    for task_id, (stage_name, part) in expected.items():
        task = dag.get_task(task_id)
        stage = by_name[stage_name]
        assert (task.op_args[0], *task.op_args[2:]) == (stage_name, part), task_id
        upstream = {t for name in stage.after for t in _stage_task_ids(by_name[name])}
        if stage.applies_on is not None:
            guard = stage.applies_on.__name__
            assert dag.get_task(guard).upstream_task_ids == upstream
            upstream = {guard}
        if stage.name == "ingest":
            upstream = {f"wait_for_{part}"}
        assert task.upstream_task_ids == upstream, task_id
        assert task.trigger_rule == ("all_done" if stage.reports_failed_upstream else "all_success"), task_id
