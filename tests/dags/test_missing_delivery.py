"""A source that never delivers fails its branch, naming the files it waited for."""

from __future__ import annotations

import pytest

from tests.support.airflow import airflow_dags_test

pytestmark = pytest.mark.slow


def test_missing_source_fails_its_branch_naming_the_files(airflow_db, tmp_path):
    completed = airflow_dags_test(
        "2026-11-23",
        tmp_path / "empty_home",
        timeout=600,
        TELCO_MART_DELIVERY_TIMEOUT_SECONDS="3",
        TELCO_MART_DELIVERY_POKE_SECONDS="1",
        TELCO_MART_SPARK_MASTER="local[1]",
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode != 0, output[-3000:]
    assert "source gn not delivered for 2026-11-23; missing:" in output
    assert str(tmp_path / "empty_home" / "landing" / "gn" / "20261123" / "GN_TRAFFIC_20261123.ctl") in output
    assert "ReconciliationFailed" in output and "crm/CRM_SUBSCRIBER: not_ingested" in output
