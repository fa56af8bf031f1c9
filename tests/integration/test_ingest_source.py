"""Ingestion of hand-made extracts through a real SparkSession: publish, reject, audit, rerun."""

from __future__ import annotations

import json
from datetime import date

import pytest
from pyspark.testing import assertDataFrameEqual

from telco_mart.contract import reasons
from telco_mart.ingest.audit import read_audit
from telco_mart.ingest.runner import ingest_source
from telco_mart.landing.control_file import read_control_file, write_control_file
from telco_mart.settings import DataLayout
from tests.support.extracts import STORE_LINES as STORES
from tests.support.extracts import land_lines

DAY_1, DAY_2 = date(2026, 11, 22), date(2026, 11, 23)


@pytest.fixture
def own_layout(tmp_path) -> DataLayout:
    return DataLayout(tmp_path / "home")


def _land(contract, layout, day, lines, parts=1):
    land_lines(contract, layout, "CRM_STORE", day, lines, parts)


def _stores(spark, layout, day):
    return spark.read.parquet(str(layout.raw_table("crm", "CRM_STORE") / f"dt={day:%Y-%m-%d}"))


def test_loads_quarantines_and_audits(spark, contract, own_layout):
    _land(contract, own_layout, DAY_1, STORES, parts=2)
    result = ingest_source(spark, "crm", [DAY_1], own_layout, contract, tables=["CRM_STORE"])
    [outcome] = result.tables
    assert (outcome.status, outcome.rows_read, outcome.rows_accepted, outcome.rows_quarantined) == ("loaded", 4, 2, 2)
    assert sorted(r["store_id"] for r in _stores(spark, own_layout, DAY_1).collect()) == ["ST001", "ST003"]
    quarantined = spark.read.parquet(str(own_layout.quarantine_table("crm", "CRM_STORE")))
    assert {(r["reason_code"], r["line"]) for r in quarantined.collect()} == {
        (reasons.BAD_NUMBER, STORES[1]),
        (reasons.DUPLICATE_KEY, STORES[3]),
    }
    audit = read_audit(own_layout, DAY_1).to_pylist()
    assert [r["file_name"] for r in audit] == ["CRM_STORE_20261122_001.dat.gz", "CRM_STORE_20261122_002.dat.gz"]
    for row in audit:
        assert row["rows_read"] == row["rows_in_control"] == row["rows_accepted"] + row["rows_quarantined"]


def test_rerun_gives_the_same_partition(spark, contract, own_layout):
    _land(contract, own_layout, DAY_1, STORES)
    ingest_source(spark, "crm", [DAY_1], own_layout, contract, tables=["CRM_STORE"])
    first = _stores(spark, own_layout, DAY_1).localCheckpoint()
    ingest_source(spark, "crm", [DAY_1], own_layout, contract, tables=["CRM_STORE"])
    assertDataFrameEqual(_stores(spark, own_layout, DAY_1), first)
    assert len(read_audit(own_layout, DAY_1, latest_only=False)) == 2, "each run adds its audit rows"
    assert len(read_audit(own_layout, DAY_1)) == 1


def test_a_failing_part_rejects_the_whole_table_date_and_keeps_the_files(spark, contract, own_layout):
    _land(contract, own_layout, DAY_1, STORES)
    ingest_source(spark, "crm", [DAY_1], own_layout, contract, tables=["CRM_STORE"])
    before = _stores(spark, own_layout, DAY_1).localCheckpoint()

    _land(contract, own_layout, DAY_2, STORES, parts=2)
    control = own_layout.landing_dir("crm", DAY_2) / "CRM_STORE_20261123.ctl"
    entries = read_control_file(control)
    entries[1] = entries[1].__class__(
        entries[1].file_name, entries[1].row_count + 1, entries[1].byte_size, entries[1].md5
    )
    write_control_file(control, entries)

    result = ingest_source(spark, "crm", [DAY_1, DAY_2], own_layout, contract, tables=["CRM_STORE"])
    by_date = {t.business_date: t for t in result.tables}
    assert by_date[DAY_2].status == "rejected"
    assert by_date[DAY_2].reason == reasons.ROW_COUNT_MISMATCH
    assert "CRM_STORE_20261123_002.dat.gz" in by_date[DAY_2].reason_detail
    assert not (own_layout.raw_table("crm", "CRM_STORE") / "dt=2026-11-23").exists(), "never half-loaded"
    assertDataFrameEqual(_stores(spark, own_layout, DAY_1), before)

    kept = own_layout.rejected_files_dir("crm", "CRM_STORE", DAY_2)
    assert sorted(p.name for p in kept.iterdir()) == [
        "CRM_STORE_20261123.ctl",
        "CRM_STORE_20261123_001.dat.gz",
        "CRM_STORE_20261123_002.dat.gz",
        "REJECTED.json",
    ]
    assert json.loads((kept / "REJECTED.json").read_text(encoding="utf-8"))["reason"] == reasons.ROW_COUNT_MISMATCH
    audit = {r["file_name"]: r for r in read_audit(own_layout, DAY_2).to_pylist()}
    assert audit["CRM_STORE_20261123_002.dat.gz"]["reason"] == reasons.ROW_COUNT_MISMATCH
    assert audit["CRM_STORE_20261123_001.dat.gz"]["reason"] == reasons.SIBLING_PART_REJECTED
    for row in audit.values():
        assert row["rows_accepted"] == 0 and row["rows_quarantined"] == row["rows_read"]


def test_parts_without_control_file_and_unlisted_parts_are_rejected(spark, contract, own_layout):
    _land(contract, own_layout, DAY_1, STORES)
    (own_layout.landing_dir("crm", DAY_1) / "CRM_STORE_20261122.ctl").unlink()
    [outcome] = ingest_source(spark, "crm", [DAY_1], own_layout, contract, tables=["CRM_STORE"]).tables
    assert (outcome.status, outcome.reason) == ("rejected", reasons.CONTROL_MISSING)

    _land(contract, own_layout, DAY_2, STORES)
    stray = own_layout.landing_dir("crm", DAY_2) / "CRM_STORE_20261123_009.dat.gz"
    stray.write_bytes((own_layout.landing_dir("crm", DAY_2) / "CRM_STORE_20261123_001.dat.gz").read_bytes())
    [outcome] = ingest_source(spark, "crm", [DAY_2], own_layout, contract, tables=["CRM_STORE"]).tables
    assert (outcome.status, outcome.reason) == ("rejected", reasons.PART_UNLISTED)


def test_a_table_not_delivered_is_missing(spark, contract, own_layout):
    [outcome] = ingest_source(spark, "crm", [DAY_1], own_layout, contract, tables=["CRM_STORE"]).tables
    assert (outcome.status, outcome.reason) == ("missing", reasons.CONTROL_MISSING)
    [row] = read_audit(own_layout, DAY_1).to_pylist()
    assert row["file_name"] == "CRM_STORE_20261122.ctl" and row["status"] == "missing"
