"""Run the real daily DAG with `airflow dags test`, as a data engineer would, on a given data root."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.conftest import REPOSITORY_ROOT, VENV_BIN


def airflow_dags_test(business_date: str, data_root: Path, timeout: int = 900, **env_overrides: str):
    """`airflow dags test telco_mart_daily <date>` with TELCO_MART_HOME=data_root; returns the CompletedProcess."""
    env = {
        **os.environ,
        "TELCO_MART_HOME": str(data_root),
        "TELCO_MART_SPARK_MASTER": "local[2]",
        "PYSPARK_PYTHON": str(VENV_BIN / "python"),
        **env_overrides,
    }
    return subprocess.run(
        [str(VENV_BIN / "airflow"), "dags", "test", "telco_mart_daily", business_date],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPOSITORY_ROOT,
    )
