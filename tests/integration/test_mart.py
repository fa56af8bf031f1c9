"""The mart built by the daily DAG on the tiny set: masked, complete, tagged, queryable."""

from __future__ import annotations

import json
import os
import re
import subprocess
from datetime import date

import pyarrow.dataset as ds
import pytest
from pyspark.sql import functions as F

from telco_mart.mart.catalogue import mart_table_folders
from telco_mart.mart.query import MartQueryError, run_query
from telco_mart.tags.counting import count_target_group
from telco_mart.tags.expression import TagExpressionError
from telco_mart.tags.library import load_tag_library
from tests.conftest import TINY_END, VENV_BIN

pytestmark = pytest.mark.slow
LAST_DAY = date.fromisoformat(TINY_END)
FULL_MSISDN = r"(?<![0-9])1[0-9]{10}(?![0-9])"


@pytest.fixture(scope="module")
def mart(daily_dag_run, tiny_dataset):
    output = daily_dag_run.stdout + daily_dag_run.stderr
    assert daily_dag_run.returncode == 0, output[-5000:]
    return tiny_dataset


def test_every_subscriber_of_the_day_is_in_dim_subscriber_with_a_masked_number(mart, spark):
    raw = spark.read.parquet(str(mart.raw_table("crm", "CRM_SUBSCRIBER"))).where(F.col("dt") == F.lit(LAST_DAY))
    dim = spark.read.parquet(str(mart.mart / "dim_subscriber")).where(F.col("business_date") == F.lit(LAST_DAY))
    assert dim.count() == raw.count() > 400
    masked = {r["msisdn_masked"] for r in dim.select("msisdn_masked").collect()}
    assert all(re.fullmatch(r"1[0-9]{2}\*{4}[0-9]{4}", m) for m in masked)
    expected = {f"{m[:3]}****{m[7:]}" for m in (r["msisdn"] for r in raw.select("msisdn").collect())}
    assert masked == expected


def test_no_mart_table_holds_a_full_mobile_number(mart, spark):
    folders = mart_table_folders(mart)
    assert len(folders) >= 12
    for folder in folders:
        table_df = spark.read.parquet(str(folder))
        text_columns = [f.name for f in table_df.schema.fields if f.dataType.simpleString() == "string"]
        for column in text_columns:
            leaked = table_df.where(F.col(column).rlike(FULL_MSISDN)).count()
            assert leaked == 0, f"{folder.name}.{column} holds full numbers"


def test_the_tag_library_is_built_with_its_catalogue(mart):
    tags = load_tag_library()
    assert len(tags) >= 100
    assert {t.category for t in tags} >= {
        "basic",
        "value",
        "terminal",
        "interest",
        "channel",
        "product",
        "business_action",
    }
    subscriber_tags = ds.dataset(mart.mart / "fct_subscriber_tags" / f"business_date={LAST_DAY}", format="parquet")
    assert {t.id for t in tags} <= set(subscriber_tags.schema.names)
    catalogue = ds.dataset(mart.mart / "tag_catalogue" / f"business_date={LAST_DAY}", format="parquet").to_table()
    rows = {r["tag_id"]: r for r in catalogue.to_pylist()}
    assert set(rows) == {t.id for t in tags}
    assert all(0.0 <= r["coverage_share"] <= 1.0 for r in rows.values())
    # a tag that is true for every contactable line cannot cover more than the active lines
    assert rows["contactable"]["coverage_count"] <= rows["status_active"]["coverage_count"]


def test_a_trial_count_matches_the_tags_counted_by_hand(mart, spark):
    expression = "interest_video AND terminal_4g_capable and not is_dnd and city in ('taiyuan','datong')"
    result = count_target_group(spark, mart, expression)
    tags = ds.dataset(mart.mart / "fct_subscriber_tags" / f"business_date={LAST_DAY}", format="parquet")
    frame = tags.to_table(
        columns=["interest_video", "terminal_4g_capable", "is_dnd", "city", "value_segment"]
    ).to_pandas()
    expected = frame[
        frame.interest_video & frame.terminal_4g_capable & ~frame.is_dnd & frame.city.isin(["taiyuan", "datong"])
    ]
    assert result.business_date == LAST_DAY
    assert result.matched == len(expected) > 0
    assert dict(result.by_city) == expected.city.value_counts().to_dict()
    assert sum(v for _, v in result.by_value_segment) == result.matched


@pytest.mark.parametrize(
    "expression",
    ["interest_video; drop table dim_subscriber", "upper(city) = 'TAIYUAN'", 'city = "taiyuan"', "interest_vido"],
)
def test_a_malformed_or_unknown_count_expression_is_refused(mart, spark, expression):
    with pytest.raises(TagExpressionError, match="position"):
        count_target_group(spark, mart, expression)


def test_sql_answers_from_the_latest_date_of_the_mart_only(mart, spark):
    rows = run_query(spark, mart, "select city, count(*) as n from dim_subscriber group by city").collect()
    assert (
        sum(r["n"] for r in rows)
        == spark.read.parquet(str(mart.mart / "dim_subscriber"))
        .where(F.col("business_date") == F.lit(LAST_DAY))
        .count()
    )
    with pytest.raises(MartQueryError, match="read-only"):
        run_query(spark, mart, "drop table dim_subscriber")
    with pytest.raises(MartQueryError, match="one statement"):
        run_query(spark, mart, "select 1; select 2")
    with pytest.raises(Exception, match="(?i)parquet|table or view"):
        run_query(spark, mart, f"select * from parquet.`{mart.raw_table('crm', 'CRM_SUBSCRIBER')}`").collect()


def test_traffic_is_classified_and_the_unmatched_share_is_counted(mart):
    daily = ds.dataset(mart.mart / "fct_traffic_classification_daily", format="parquet", partitioning="hive")
    row = daily.to_table().to_pylist()[-1]
    assert row["sessions_total"] == (
        row["sessions_matched_by_app_id"] + row["sessions_matched_by_host_suffix"] + row["sessions_unmatched"]
    )
    assert row["sessions_matched_by_host_suffix"] > 0 and 0 <= row["unmatched_share"] < 0.2
    match = ds.dataset(mart.mart / "fct_tac_match_rate_daily", format="parquet").to_table().to_pylist()[0]
    assert 0.85 < match["tac_match_rate"] < 1.0


def test_dbt_docs_are_generated_with_the_mart_columns(mart):
    completed = subprocess.run(
        [str(VENV_BIN / "telco-mart"), "mart", "docs", "--date", TINY_END],
        env={**os.environ, "TELCO_MART_HOME": str(mart.root), "TELCO_MART_SPARK_MASTER": "local[2]"},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert completed.returncode == 0, (completed.stdout + completed.stderr)[-3000:]
    target = mart.root / "dbt" / "target"
    assert (target / "index.html").exists()
    catalog = json.loads((target / "catalog.json").read_text())
    dim = next(node for key, node in catalog["nodes"].items() if key.endswith(".dim_subscriber"))
    assert {"subscriber_id", "msisdn_masked", "is_dnd", "business_date"} <= {c.lower() for c in dim["columns"]}
    manifest = json.loads((target / "manifest.json").read_text())
    described = manifest["nodes"]["model.telco_mart.dim_subscriber"]["columns"]
    assert described["msisdn_masked"]["description"]
    # The tables the Python jobs write are in the docs too, every column described.
    job_tables = {k: v for k, v in manifest["sources"].items() if k.startswith("source.telco_mart.job_tables.")}
    assert len(job_tables) == 11
    contacts = job_tables["source.telco_mart.job_tables.fct_contacts"]
    assert contacts["columns"]["msisdn_masked"]["description"] and contacts["meta"]["grain"]
