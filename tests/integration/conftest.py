"""The one run of the real daily DAG on the tiny set, shared by the end-to-end and mart tests."""

from __future__ import annotations

import pytest

from tests.conftest import TINY_END
from tests.support.airflow import airflow_dags_test


@pytest.fixture(scope="session")
def daily_dag_run(tiny_dataset, airflow_db):
    """`airflow dags test telco_mart_daily <last tiny date>`: ingestion, quality gates, mart build."""
    return airflow_dags_test(TINY_END, tiny_dataset.root, timeout=1500)
