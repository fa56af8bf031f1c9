"""
### telco_mart_daily

The daily batch of the telco-mart marketing mart, for one **business date**.

* **Business date**: the run's logical date (in Asia/Shanghai); a manual run may override it
  with the `business_date` parameter (`YYYY-MM-DD`). A run for date D is scheduled after D ends.
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
outside Airflow with `telco-mart run --start-date D1 --end-date D2`.
"""

from __future__ import annotations

import os

import pendulum
from airflow.sdk import DAG, task
from airflow.timetables.interval import CronDataIntervalTimetable

from telco_mart.orchestration.sensors import SourceDeliveredSensor

SOURCES = ["crm", "boss", "bi", "gn", "dm"]
SPARK_POOL = "telco_mart_spark"
BUSINESS_DATE = (
    "{{ params.business_date if params.business_date "
    "else logical_date.in_timezone('Asia/Shanghai').strftime('%Y-%m-%d') }}"
)
# How long a source may be late before its branch fails (seconds); tests shorten it.
DELIVERY_TIMEOUT_SECONDS = int(os.environ.get("TELCO_MART_DELIVERY_TIMEOUT_SECONDS", str(6 * 3600)))
POKE_INTERVAL_SECONDS = int(os.environ.get("TELCO_MART_DELIVERY_POKE_SECONDS", "300"))

with DAG(
    dag_id="telco_mart_daily",
    doc_md=__doc__,
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="Asia/Shanghai"),
    start_date=pendulum.datetime(2025, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    params={"business_date": ""},
    default_args={
        "owner": "data-engineering",
        "retries": 2,
        "retry_delay": pendulum.duration(minutes=5),
    },
    tags=["telco-mart", "impact/tier_1", "ingestion", "mart", "scoring", "campaigns"],
) as dag:

    @task(pool=SPARK_POOL)
    def ingest(source: str, business_date: str) -> dict:
        """Ingest one source for the business date."""
        from telco_mart.orchestration.tasks import ingest_source_task

        return ingest_source_task(source, business_date)

    @task(trigger_rule="all_done", retries=0)
    def reconcile(business_date: str) -> dict:
        """Summarise the day; fail when a required table is rejected or missing."""
        from telco_mart.orchestration.tasks import reconcile_task

        return reconcile_task(business_date)

    @task(pool=SPARK_POOL, retries=0)
    def quality_gate(checkpoint: str, business_date: str) -> dict:
        """Run a Great Expectations checkpoint; fail on a critical expectation."""
        from telco_mart.orchestration.tasks import quality_gate_task

        return quality_gate_task(checkpoint, business_date)

    @task(pool=SPARK_POOL)
    def build_mart(business_date: str) -> dict:
        """Build and test the mart for the date with dbt."""
        from telco_mart.orchestration.tasks import build_mart_task

        return build_mart_task(business_date)

    @task(pool=SPARK_POOL)
    def task_models(business_date: str) -> dict:
        """Score the churn model and write the day's task targets."""
        from telco_mart.orchestration.tasks import task_models_task

        return task_models_task(business_date)

    @task(pool=SPARK_POOL)
    def campaigns(business_date: str) -> dict:
        """Channel feedback, campaign effect, contact policy and channel exports for the date."""
        from telco_mart.orchestration.tasks import campaign_day_task

        return campaign_day_task(business_date)

    @task.short_circuit
    def is_month_end(business_date: str) -> bool:
        """Whether the date brings a new month's bills and churn statuses."""
        from telco_mart.pipeline.dates import is_month_end, parse_business_date

        return is_month_end(parse_business_date(business_date))

    @task(pool=SPARK_POOL, retries=0)
    def retrain_churn_challenger(business_date: str) -> dict:
        """Train a churn challenger (registered, not promoted)."""
        from telco_mart.orchestration.tasks import retrain_challenger_task

        return retrain_challenger_task(business_date)

    reconciliation = reconcile(BUSINESS_DATE)
    raw_gate = quality_gate.override(task_id="quality_raw")("raw", BUSINESS_DATE)
    mart = build_mart(BUSINESS_DATE)
    mart_gate = quality_gate.override(task_id="quality_mart")("mart", BUSINESS_DATE)
    targets = task_models(BUSINESS_DATE)
    reconciliation >> raw_gate >> mart >> mart_gate >> targets
    targets >> campaigns(BUSINESS_DATE)
    targets >> is_month_end(BUSINESS_DATE) >> retrain_churn_challenger(BUSINESS_DATE)
    for source_name in SOURCES:
        delivered = SourceDeliveredSensor(
            task_id=f"wait_for_{source_name}",
            source=source_name,
            business_date=BUSINESS_DATE,
            poke_interval=POKE_INTERVAL_SECONDS,
            timeout=DELIVERY_TIMEOUT_SECONDS,
            mode="reschedule",
            retries=0,
        )
        loaded = ingest.override(task_id=f"ingest_{source_name}")(source_name, BUSINESS_DATE)
        delivered >> loaded >> reconciliation
