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


def _day_snapshot(layout, business_date: str) -> dict:
    """Every raw and mart table's rows of the date (sorted, in memory) and every export file's bytes."""
    import hashlib

    import pyarrow as pa
    import pyarrow.parquet as pq

    tables = {}
    folders = [*layout.raw.glob(f"*/*/dt={business_date}"), *layout.mart.glob(f"*/business_date={business_date}")]
    for folder in sorted(folders):
        if any(folder.glob("*.parquet")):
            table = pq.read_table(folder)
            # Nested columns (lists, maps) do not sort; the flat ones identify every row.
            flat = [f.name for f in table.schema if not pa.types.is_nested(f.type)]
            frame = table.select(flat).to_pandas()
            key = folder.parent.relative_to(layout.root).as_posix()
            tables[key] = frame.sort_values(flat).reset_index(drop=True)
    exports = {
        path.relative_to(layout.exports).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(layout.exports.glob(f"*/{business_date}/*"))
        if path.is_file()
    }
    return {"tables": tables, "exports": exports}


@pytest.fixture(scope="session")
def cli_day_run(daily_dag_run, tiny_dataset):
    """`telco-mart run --date <last tiny date>` after the DAG ran that date: the whole day again,
    from the landing files to the channel exports, through the command a backfill uses, with the
    Hive metastore deleted first (the catalogue is an index of the files, rebuilt by the build)."""
    import shutil

    from tests.support.cli import telco_mart

    assert daily_dag_run.returncode == 0, (daily_dag_run.stdout + daily_dag_run.stderr)[-5000:]
    before = _day_snapshot(tiny_dataset, TINY_END)
    shutil.rmtree(tiny_dataset.metastore, ignore_errors=True)
    completed = telco_mart("run", "--date", TINY_END, home=tiny_dataset.root, timeout=1500)
    return {"completed": completed, "before": before, "after": _day_snapshot(tiny_dataset, TINY_END)}
