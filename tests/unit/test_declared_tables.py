"""Declared tables: the mart tables the Python jobs write are declared once, their dbt source file
is rendered from the declaration, the writers refuse a frame that differs from it, and the
partitions are found and read with no engine."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from telco_mart.mart.dbt_sources import JOB_TABLES_FILE, render_job_tables, stale_job_tables_source
from telco_mart.settings import DataLayout
from telco_mart.storage.declared import DeclarationMismatch, declared_table, declared_tables
from telco_mart.storage.spark_reads import PartitionMissing

PACKAGE = Path(__file__).resolve().parents[2] / "telco_mart"
PYTHON_WRITTEN = {
    "fct_task_scores",
    "fct_task_targets",
    "fct_package_fit",
    "fct_unmatched_handsets",
    "fct_contacts",
    "fct_contact_results",
    "fct_contact_suppressions",
    "fct_contact_outcomes",
    "fct_campaign_effect",
    "fct_campaign_funnel",
    "fct_marketing_cases",
}


def test_every_python_written_table_is_declared_with_every_column_described():
    tables = declared_tables()
    assert set(tables) == PYTHON_WRITTEN
    for table in tables.values():
        assert table.description and table.grain and table.unique_key and table.written_by, table.name
        assert all(c.description and c.type for c in table.columns), table.name
        assert len(set(table.column_names)) == len(table.columns), table.name


def test_the_committed_dbt_source_file_is_rendered_from_the_declaration():
    assert not stale_job_tables_source(), "run `telco-mart mart sources` and commit the result"
    source = yaml.safe_load(render_job_tables())["sources"][0]
    by_name = {t["name"]: t for t in source["tables"]}
    assert set(by_name) == PYTHON_WRITTEN
    contacts = by_name["fct_contacts"]
    assert contacts["identifier"].endswith("/mart/fct_contacts`")
    (key_test,) = contacts["data_tests"]
    assert key_test["unique_combination_of_columns"]["arguments"]["combination_of_columns"] == [
        "campaign_id",
        "subscriber_id",
    ]
    assert key_test["unique_combination_of_columns"]["config"]["tags"] == ["job_tables"]
    assert all(c["description"] for c in contacts["columns"])
    assert JOB_TABLES_FILE.is_file()


def test_the_python_jobs_write_mart_tables_only_through_their_declaration():
    callers = [
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if "write_mart_partition(" in path.read_text(encoding="utf-8")
    ]
    assert sorted(callers) == ["storage/declared.py", "storage/spark_writes.py"]


def test_a_frame_that_differs_from_the_declaration_is_refused_naming_the_column(spark, tmp_path):
    table = declared_table("fct_campaign_funnel")
    layout = DataLayout(tmp_path)
    rows = [("c1", "Campaign", 1, "do_not_disturb", 3, 7)]
    good = spark.createDataFrame(rows, table.data_ddl)
    assert table.write(good, layout, date(2026, 11, 30), ["campaign_id", "step_order"]) == 1

    renamed = good.withColumnRenamed("dropped", "removed")
    with pytest.raises(DeclarationMismatch, match=r"fct_campaign_funnel: .*missing \['dropped bigint'\]"):
        table.write(renamed, layout, date(2026, 11, 30), ["campaign_id"])
    retyped = good.withColumn("step_order", good["step_order"].cast("string"))
    with pytest.raises(DeclarationMismatch, match=r"not declared \['step_order string'\]"):
        table.check_frame(retyped)
    with pytest.raises(DeclarationMismatch, match="out of the declared order"):
        table.check_frame(good.select(*reversed(good.columns)))
    # the refused writes left the published partition as it was
    assert table.read(spark, layout, on=date(2026, 11, 30)).count() == 1


def test_spark_reads_of_one_date_the_latest_and_a_range(spark, tmp_path):
    table = declared_table("fct_campaign_funnel")
    layout = DataLayout(tmp_path)
    for day, steps in ((date(2026, 11, 28), 1), (date(2026, 11, 30), 2)):
        frame = spark.createDataFrame([("c1", "C", s, f"step{s}", 0, 5) for s in range(steps)], table.data_ddl)
        table.write(frame, layout, day, ["campaign_id", "step_order"])
    frame, found = table.read_latest(spark, layout, on_or_before=date(2026, 11, 29))
    assert found == date(2026, 11, 28) and frame.count() == 1
    both = table.read_range(spark, layout, date(2026, 11, 1), date(2026, 11, 30))
    assert both.count() == 3 and dict(both.dtypes)["business_date"] == "date"
    empty = table.read_range(spark, layout, date(2026, 1, 1), date(2026, 1, 31))
    assert empty.count() == 0 and empty.columns == [*table.column_names, "business_date"]
    with pytest.raises(PartitionMissing, match="fct_campaign_funnel: no partition for 2026-11-29"):
        table.read(spark, layout, on=date(2026, 11, 29))


def test_partitions_are_found_and_read_with_no_engine(tmp_path):
    table = declared_table("fct_unmatched_handsets")
    layout = DataLayout(tmp_path)
    for day, rows in ((date(2026, 11, 29), 2), (date(2026, 11, 30), 3)):
        folder = table.partition(layout, day)
        folder.mkdir(parents=True)
        data = pa.table({"tac": [f"3569{i:04d}" for i in range(rows)], "subscribers": list(range(rows))})
        pq.write_table(data, folder / "part-00000.parquet")
    table.partition(layout, date(2026, 12, 1)).mkdir(parents=True)  # a folder with no file is no partition
    assert table.dates(layout) == [date(2026, 11, 29), date(2026, 11, 30)]
    assert table.latest(layout) == date(2026, 11, 30)
    assert table.latest(layout, on_or_before=date(2026, 11, 29)) == date(2026, 11, 29)
    assert table.latest(layout, on_or_before=date(2026, 11, 28)) is None
    assert table.read_arrow(layout, on=date(2026, 11, 30)).num_rows == 3
    with pytest.raises(PartitionMissing, match="no partition for 2026-12-01"):
        table.read_arrow(layout, on=date(2026, 12, 1))
