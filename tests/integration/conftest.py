"""The one run of the real daily DAG on the tiny set, shared by the end-to-end and mart tests."""

from __future__ import annotations

import pytest

from tests.conftest import TINY_END, TINY_HISTORY_MONTH_ENDS
from tests.support.airflow import airflow_dags_test


@pytest.fixture(scope="session")
def daily_dag_run(tiny_dataset, airflow_db, spark):
    """The month-end history ingested, then `airflow dags test telco_mart_daily <last tiny date>`:
    ingestion, quality gates, mart build, task models (training the first churn champion)."""
    from datetime import date

    from telco_mart.pipeline.run import ingest_dates

    month_ends = [date.fromisoformat(d) for d in TINY_HISTORY_MONTH_ENDS]
    ingest_dates(spark, month_ends, layout=tiny_dataset, frequency="monthly")
    return airflow_dags_test(TINY_END, tiny_dataset.root, timeout=1500)
