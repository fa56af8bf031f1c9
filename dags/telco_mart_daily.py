"""
### telco_mart_daily

The daily batch of the telco-mart marketing mart, for one **business date**.

The tasks walk the one definition of the day, `telco_mart.pipeline.day.DAY` (the same stages
`telco-mart run` runs outside Airflow); each task runs one stage and records it under
`audit/runs/` (`telco-mart runs --date D`).

* **Business date**: the run's logical date (in Asia/Shanghai); a manual run may override it
  with the `business_date` parameter (a date, or empty). A run for date D is scheduled after D
  ends; a manual run triggered without a logical date runs for the day before it was triggered.
* **Retries**: a failure that cannot change (bad input, a failed data test or gate, a rejected
  delivery) fails its task at once; only other errors are retried.
* **wait_for_<source>**: waits until every control file due from the source for the date has
  landed under `landing/<source>/<YYYYMMDD>/`; on timeout it fails naming the missing files.
* **ingest_<source>**: verifies each part against its control file, parses with the contract's
  schema, quarantines bad rows with a reason, publishes `raw/<source>/<table>/dt=<date>`
  atomically and writes the audit rows. Sources run in parallel, bounded by the
  `telco_mart_spark` pool.
* **reconcile**: writes the day's ingestion summary and fails the run when a required table
  was rejected or missing.
* **quality_raw**: the Great Expectations `raw` checkpoint (row counts against the previous
  partition, unmatched TACs and app ids, bills unknown to CRM, value distributions). A failed
  critical expectation fails the task, and nothing downstream runs for the date; warnings
  are logged. Data Docs: `$TELCO_MART_HOME/quality/`.
* **build_mart**: `dbt build` for the date (models and their tests, tags included); a failed
  model or test fails the task and stops everything downstream.
* **quality_mart**: the `mart` checkpoint (shares in [0, 1], no negative money, masked
  numbers, tag coverage drift).
* **task_models**: the six task models: the champion churn model scores every subscriber
  (`fct_task_scores`; with no champion yet, one is trained on the mart and promoted, and the
  log says so), package fit (`fct_package_fit`), and `fct_task_targets`: one row per
  subscriber per sub-task that holds, ranked, with the reason and the package to recommend.
* **campaigns**: the campaign day: the channels' result files that arrived for the date are
  ingested and reconciled with what was exported (unknown, late and duplicate results
  quarantined), outcomes and each campaign's effect against its control group are measured
  (`fct_contact_outcomes`, `fct_campaign_effect`), and the active campaigns' targets go through
  the contact policy (`campaigns/policy/contact_policy.yaml`) into one file per channel under
  `exports/<channel>/<date>/`, each with its manifest and done flag.
* **is_month_end** / **retrain_churn_challenger**: on a month end (new bills and churn
  statuses), a challenger churn model is trained and registered; a person compares it with
  `telco-mart models compare churn <version>` and promotes it.

Backfill business dates D1..D2 with
`airflow backfill create --dag-id telco_mart_daily --from-date D1T00:00:00+08:00 --to-date D2T00:00:00+08:00`
(bare dates are read as UTC midnight and would start one day late; see docs/airflow.md), or
outside Airflow with `telco-mart run --start-date D1 --end-date D2` (every stage of a date before
the next date).
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from airflow.sdk import DAG, CronDataIntervalTimetable, Param, task

from telco_mart.orchestration.schedule import BUSINESS_TIMEZONE, business_date_of
from telco_mart.orchestration.sensors import SourceDeliveredSensor
from telco_mart.pipeline.day import DAY

SPARK_POOL = "telco_mart_spark"
BUSINESS_DATE = "{{ business_date_of(params.business_date, logical_date, dag_run.run_after) }}"
# How long a source may be late before its branch fails (seconds); tests shorten it.
DELIVERY_TIMEOUT_SECONDS = int(os.environ.get("TELCO_MART_DELIVERY_TIMEOUT_SECONDS", str(6 * 3600)))
POKE_INTERVAL_SECONDS = int(os.environ.get("TELCO_MART_DELIVERY_POKE_SECONDS", "300"))

with DAG(
    dag_id="telco_mart_daily",
    doc_md=__doc__,
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone=BUSINESS_TIMEZONE),
    start_date=datetime(2025, 1, 1, tzinfo=ZoneInfo(BUSINESS_TIMEZONE)),
    catchup=False,
    max_active_runs=1,
    params={
        "business_date": Param(
            None,
            type=["null", "string"],
            format="date",
            description="The business date to run (YYYY-MM-DD); empty for the run's own date.",
        )
    },
    user_defined_macros={"business_date_of": business_date_of},
    default_args={
        "owner": "data-engineering",
        "retries": 2,
        "retry_delay": timedelta(minutes=5),
    },
    tags=["telco-mart", "impact/tier_1", "ingestion", "mart", "scoring", "campaigns"],
) as dag:

    @task(pool=SPARK_POOL)
    def run_stage(stage: str, business_date: str, part: str | None = None) -> dict:
        """Run one stage of the day (one part of it: a source) for the business date."""
        from telco_mart.orchestration.tasks import run_stage_task

        return run_stage_task(stage, business_date, part)

    @task.short_circuit
    def stage_applies(stage: str, business_date: str) -> bool:
        """Whether the stage runs on the business date (the challenger: month ends only)."""
        from telco_mart.orchestration.tasks import stage_applies_task

        return stage_applies_task(stage, business_date)

    ends = {}  # stage name -> the tasks that finish it
    for stage in DAY:
        rule = "all_done" if stage.reports_failed_upstream else "all_success"
        upstream = [t for name in stage.after for t in ends[name]]
        guard = None
        if stage.applies_on is not None:
            guard = stage_applies.override(task_id=stage.applies_on.__name__)(stage.name, BUSINESS_DATE)
            upstream >> guard
        finished = []
        for part in stage.part_names():
            task_id = f"{stage.name}_{part}" if part else stage.name
            step = run_stage.override(task_id=task_id, trigger_rule=rule)(stage.name, BUSINESS_DATE, part)
            if stage.name == "ingest":
                (
                    SourceDeliveredSensor(
                        task_id=f"wait_for_{part}",
                        source=part,
                        business_date=BUSINESS_DATE,
                        poke_interval=POKE_INTERVAL_SECONDS,
                        timeout=DELIVERY_TIMEOUT_SECONDS,
                        mode="reschedule",
                        retries=0,
                    )
                    >> step
                )
            (guard or upstream) >> step
            finished.append(step)
        ends[stage.name] = finished
