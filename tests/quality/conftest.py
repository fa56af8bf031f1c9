"""Fixtures of the quality tests: the tiny set ingested once, and copies of it to plant defects in.

The tiny data root is shared by the whole test session: defects are planted only in copies
under a test's own ``tmp_path``.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import TINY_END, TINY_HISTORY_MONTH_ENDS, TINY_START

LAST_DAY = date.fromisoformat(TINY_END)


@pytest.fixture(scope="session")
def ingested(spark, tiny_dataset):
    """The tiny set ingested with the pipeline (dates another test already reconciled are kept),
    with the month-end history before it, as the daily DAG's tests ingest it."""
    from telco_mart.pipeline.dates import date_range
    from telco_mart.pipeline.run import ingest_dates
    from tests.support.extracts import ingest_and_reconcile

    history = [date.fromisoformat(d) for d in TINY_HISTORY_MONTH_ENDS]
    bills = tiny_dataset.raw_table("boss", "BOSS_BILL_MONTHLY")
    missing_months = [d for d in history if not (bills / f"dt={d:%Y-%m-%d}").exists()]
    if missing_months:
        ingest_dates(spark, missing_months, layout=tiny_dataset, frequency="monthly")
    days = date_range(date.fromisoformat(TINY_START), LAST_DAY)
    missing = [d for d in days if not (tiny_dataset.audit / "reconciliation" / f"dt={d:%Y-%m-%d}").exists()]
    if missing:
        ingest_and_reconcile(spark, missing, tiny_dataset)
    return tiny_dataset


@pytest.fixture
def raw_copy(ingested, tmp_path):
    """A private data root holding a copy of the ingested raw and quarantine folders."""
    from telco_mart.settings import DataLayout

    copy = DataLayout(tmp_path / "home")
    shutil.copytree(ingested.raw, copy.raw)
    shutil.copytree(ingested.quarantine, copy.quarantine)
    return copy


def replace_partition(folder: Path, table) -> None:
    """Swap the Parquet files of a raw partition for one file holding ``table``."""
    import pyarrow.parquet as pq

    shutil.rmtree(folder)
    folder.mkdir(parents=True)
    pq.write_table(table, folder / "part-00000.parquet")
