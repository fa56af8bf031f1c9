"""The cluster path for real: a standalone Spark master and worker on localhost, spark-submit
with the package shipped as --py-files, and proof that executors ran the shipped code."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pyspark
import pytest

from telco_mart.pipeline.stage_records import read_stage_records
from telco_mart.settings import DataLayout
from telco_mart.spark_session import PACKAGE_ARCHIVE_NAME, build_package_archive
from tests.conftest import REPOSITORY_ROOT
from tests.support.extracts import STORE_LINES, land_lines

pytestmark = pytest.mark.slow
SPARK_HOME = Path(pyspark.__file__).parent
DAY = date(2026, 11, 23)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_port(port: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    raise TimeoutError(f"nothing listens on port {port} after {seconds} s")


@pytest.fixture(scope="module")
def standalone_master(tmp_path_factory):
    """A master and one worker (1 core, 1 GiB) from the pyspark distribution; yields the URL."""
    work = tmp_path_factory.mktemp("spark_standalone")
    env = {
        **os.environ,
        "SPARK_HOME": str(SPARK_HOME),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "PYSPARK_PYTHON": sys.executable,
        "SPARK_WORKER_DIR": str(work / "worker"),
    }
    spark_class = str(SPARK_HOME / "bin" / "spark-class")
    port, master_ui, worker_ui = _free_port(), _free_port(), _free_port()
    url = f"spark://127.0.0.1:{port}"
    logs = [open(work / name, "w") for name in ("master.log", "worker.log")]  # noqa: SIM115
    master = subprocess.Popen(
        [
            spark_class,
            "org.apache.spark.deploy.master.Master",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--webui-port",
            str(master_ui),
        ],
        env=env,
        stdout=logs[0],
        stderr=subprocess.STDOUT,
    )
    worker = None
    try:
        _wait_for_port(port, 60)
        worker = subprocess.Popen(
            [
                spark_class,
                "org.apache.spark.deploy.worker.Worker",
                url,
                "--cores",
                "1",
                "--memory",
                "1g",
                "--host",
                "127.0.0.1",
                "--webui-port",
                str(worker_ui),
            ],
            env=env,
            stdout=logs[1],
            stderr=subprocess.STDOUT,
        )
        _wait_for_port(worker_ui, 60)
        yield url
    finally:
        for process in (worker, master):
            if process is not None:
                process.terminate()
                process.wait(timeout=30)
        for log in logs:
            log.close()


def test_ingestion_runs_on_a_standalone_cluster_with_shipped_code(standalone_master, contract, tmp_path):
    layout = DataLayout(tmp_path / "home")
    land_lines(contract, layout, "CRM_STORE", DAY, STORE_LINES, parts=2)
    archive = build_package_archive(layout)
    env = {
        **os.environ,
        "TELCO_MART_HOME": str(layout.root),
        "PYSPARK_PYTHON": sys.executable,
        "SPARK_HOME": str(SPARK_HOME),
        "SPARK_LOCAL_IP": "127.0.0.1",
    }
    env.pop("TELCO_MART_SPARK_MASTER", None)
    completed = subprocess.run(
        [
            str(SPARK_HOME / "bin" / "spark-submit"),
            "--master",
            standalone_master,
            "--conf",
            "spark.executor.memory=768m",
            "--conf",
            "spark.executor.cores=1",
            "--conf",
            "spark.cores.max=1",
            "--driver-memory",
            "1g",
            "--py-files",
            str(archive),
            str(REPOSITORY_ROOT / "spark_jobs" / "run_stage.py"),
            "--date",
            f"{DAY}",
            "--stage",
            "ingest",
            "--part",
            "crm",
            "--show-code-origin",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    origins = [line for line in completed.stdout.splitlines() if line.startswith("executor code origin:")]
    assert origins, completed.stdout
    for origin in origins:
        assert PACKAGE_ARCHIVE_NAME in origin and str(REPOSITORY_ROOT / "telco_mart") not in origin, origin
    (record,) = read_stage_records(layout, DAY)
    assert (record.label, record.state, record.rows_in, record.rows_out, record.entry_point) == (
        "ingest[crm]",
        "succeeded",
        4,
        2,
        "spark-submit",
    )
    stores = pq.read_table(layout.raw_table("crm", "CRM_STORE") / "dt=2026-11-23")
    assert sorted(stores.column("store_id").to_pylist()) == ["ST001", "ST003"]
    assert not (tmp_path / "metastore_db").exists() and not (tmp_path / "spark-warehouse").exists()
