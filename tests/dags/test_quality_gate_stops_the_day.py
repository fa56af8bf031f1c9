"""A defect the row checks let through (half the terminal library missing, so unmatched TACs
jump) fails the raw quality gate, and the mart is not built for that date."""

from __future__ import annotations

import gzip
from datetime import date

import pytest

from telco_mart.settings import DataLayout
from telco_mart.synthetic.generate import GenerateOptions, generate
from tests.support.airflow import airflow_dags_test
from tests.support.extracts import land_lines

pytestmark = pytest.mark.slow
DAY = date(2026, 10, 31)


def _halve_terminal_library(contract, layout: DataLayout) -> int:
    landing = layout.landing_dir("dm", DAY)
    parts = sorted(landing.glob("DM_TERMINAL_*.dat.gz"))
    lines = [line for part in parts for line in gzip.decompress(part.read_bytes()).decode("utf-8").splitlines()]
    for part in parts:
        part.unlink()
    kept = lines[::2]
    land_lines(contract, layout, "DM_TERMINAL", DAY, kept)
    return len(lines) - len(kept)


def test_a_critical_expectation_stops_the_mart_for_the_date(airflow_db, contract, tmp_path):
    layout = DataLayout(tmp_path / "home")
    options = GenerateOptions(
        start_date=DAY, end_date=DAY, subscribers=400, sessions_per_day=4, seed=5, defect_rate=0.0, file_defects=0
    )
    generate(layout, options)
    assert _halve_terminal_library(contract, layout) > 10
    completed = airflow_dags_test(DAY.isoformat(), layout.root)
    output = completed.stdout + completed.stderr
    assert completed.returncode != 0, output[-3000:]
    assert "QualityGateFailed" in output and "quality gate raw failed on 2026-10-31" in output
    assert "dm_subscriber_imei" in output
    # ingestion itself was clean: the row checks could not see the defect
    assert (layout.raw_table("dm", "DM_TERMINAL") / "dt=2026-10-31").is_dir()
    # nothing downstream ran: no mart partition for the date
    assert not (layout.mart / "dim_subscriber" / "business_date=2026-10-31").exists()
