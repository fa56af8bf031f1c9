"""The one run of the real daily DAG on the tiny set, shared by the end-to-end and mart tests."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.conftest import REPOSITORY_ROOT, TINY_END, VENV_BIN


@pytest.fixture(scope="session")
def daily_dag_run(tiny_dataset, airflow_db):
    """`airflow dags test telco_mart_daily <last tiny date>`: ingestion, quality gates, mart build."""
    env = {
        **os.environ,
        "TELCO_MART_HOME": str(tiny_dataset.root),
        "TELCO_MART_SPARK_MASTER": "local[2]",
        "PYSPARK_PYTHON": str(VENV_BIN / "python"),
    }
    return subprocess.run(
        [str(VENV_BIN / "airflow"), "dags", "test", "telco_mart_daily", TINY_END],
        env=env,
        capture_output=True,
        text=True,
        timeout=1500,
        cwd=REPOSITORY_ROOT,
    )
