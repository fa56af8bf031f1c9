"""Shared fixtures: one data root and one SparkSession for the whole test run."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent

# Airflow reads its configuration when first imported: point it at a private home first.
AIRFLOW_TEST_HOME = Path(tempfile.mkdtemp(prefix="telco_mart_airflow_"))
os.environ["AIRFLOW_HOME"] = str(AIRFLOW_TEST_HOME)
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(REPOSITORY_ROOT / "dags")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")


@pytest.fixture(scope="session")
def data_root(tmp_path_factory) -> Path:
    """A data root private to this test run; set before Spark starts so all state lands there."""
    root = tmp_path_factory.mktemp("telco_mart_home")
    os.environ["TELCO_MART_HOME"] = str(root)
    return root


@pytest.fixture(scope="session")
def layout(data_root):
    """The DataLayout of the test data root."""
    from telco_mart.settings import DataLayout

    return DataLayout(data_root)


@pytest.fixture(scope="session")
def spark(data_root):
    """A real local SparkSession, built exactly as the pipeline builds it."""
    os.environ.setdefault("TELCO_MART_SPARK_MASTER", "local[2]")
    from telco_mart.spark_session import get_spark

    session = get_spark("telco-mart-tests")
    yield session
    # py4j logs its shutdown after pytest has closed the captured streams: keep it quiet.
    logging.getLogger("py4j").setLevel(logging.ERROR)
    session.stop()


@pytest.fixture(scope="session")
def contract():
    """The interface contract."""
    from telco_mart.contract import load_contract

    return load_contract()


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """A migrated SQLite Airflow metadata DB with the Spark pool, as `make airflow-init` makes."""
    airflow = str(VENV_BIN / "airflow")
    subprocess.run([airflow, "db", "migrate"], check=True, capture_output=True)
    subprocess.run([airflow, "pools", "set", "telco_mart_spark", "2", "Spark tasks"], check=True, capture_output=True)
    return AIRFLOW_TEST_HOME


TINY_START, TINY_END = "2026-10-29", "2026-10-31"
# Month ends before the daily window: enough bills and churn statuses to train the churn model.
TINY_HISTORY_START = "2026-05-01"
TINY_HISTORY_MONTH_ENDS = ("2026-05-31", "2026-06-30", "2026-07-31", "2026-08-31", "2026-09-30")


@pytest.fixture(scope="session")
def tiny_dataset(layout):
    """The one tiny generated set of the test run: 500 subscribers, 3 days ending on a month end
    (so monthly tables are due on the last day) after five earlier month ends of monthly tables,
    with row and file defects labelled in the truth."""
    from datetime import date

    from telco_mart.synthetic.generate import GenerateOptions, generate

    options = GenerateOptions(
        start_date=date.fromisoformat(TINY_HISTORY_START),
        end_date=date.fromisoformat(TINY_END),
        daily_days=3,
        subscribers=500,
        sessions_per_day=8,
        seed=11,
        defect_rate=0.02,
        file_defects=1,
        workers=2,
    )
    generate(layout, options)
    return layout
