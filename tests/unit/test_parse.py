"""The pure parsing transforms, on tiny frames built here."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from pyspark.testing import assertDataFrameEqual

from telco_mart.contract import reasons
from telco_mart.ingest.parse import select_accepted, select_quarantined, validate_lines

BUSINESS_DATE = dt.date(2026, 11, 23)


def _lines(spark, lines: list[str | None]):
    rows = [(BUSINESS_DATE, "T_20261123_001.dat.gz", 1, number, line) for number, line in enumerate(lines, start=1)]
    return spark.createDataFrame(rows, "dt date, file_name string, part_number int, row_number long, line string")


def _reasons(df) -> dict[int, str | None]:
    return {row["row_number"]: row["reason_code"] for row in df.select("row_number", "reason_code").collect()}


def test_clean_bill_row_is_typed(spark, contract):
    table = contract.table("BOSS_BILL_MONTHLY")
    line = "202610|S0000000001|13812345678|P001|58.50|58.00|0.50|0|300|12|2048|20|0|10.00|0.00"
    validated = _lines(spark, [line]).transform(validate_lines(table, contract))
    row = validated.transform(select_accepted(table)).collect()[0]
    assert row["billing_month"] == dt.date(2026, 10, 1)
    assert row["total_fee_yuan"] == Decimal("58.50")
    assert row["voice_minutes"] == 300
    assert row["source_row_number"] == 1


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("202610|S1|13812345678|P001|abc|58.00|0.50|0|300|12|2048|20|0|10.00|0.00", reasons.BAD_NUMBER),
        ("202610|S1|13812345678|P001|58.123|58.00|0.50|0|300|12|2048|20|0|10.00|0.00", reasons.BAD_NUMBER),
        ("202613|S1|13812345678|P001|58.50|58.00|0.50|0|300|12|2048|20|0|10.00|0.00", reasons.BAD_DATE),
        ("202610||13812345678|P001|58.50|58.00|0.50|0|300|12|2048|20|0|10.00|0.00", reasons.MISSING_REQUIRED),
        ("202610|S1|1381234567|P001|58.50|58.00|0.50|0|300|12|2048|20|0|10.00|0.00", reasons.INVALID_MSISDN),
        ("202610|S1|13812345678|P001|58.50|58.00|0.50|0|300|12|2048|20|0|10.00", reasons.WRONG_FIELD_COUNT),
        ("", reasons.WRONG_FIELD_COUNT),
        (None, reasons.WRONG_FIELD_COUNT),
    ],
)
def test_bad_bill_rows_get_their_reason(spark, contract, line, expected):
    table = contract.table("BOSS_BILL_MONTHLY")
    validated = _lines(spark, [line]).transform(validate_lines(table, contract))
    assert _reasons(validated) == {1: expected}
    quarantined = validated.transform(select_quarantined(table, contract)).collect()[0]
    assert quarantined["line"] == line
    assert quarantined["reason_detail"]


def test_first_failing_check_wins(spark, contract):
    """A row with a missing key and a bad number is reported for the missing key."""
    table = contract.table("BOSS_BILL_MONTHLY")
    line = "202610||13812345678|P001|abc|58.00|0.50|0|300|12|2048|20|0|10.00|0.00"
    validated = _lines(spark, [line]).transform(validate_lines(table, contract))
    assert _reasons(validated) == {1: reasons.MISSING_REQUIRED}


def test_unknown_code_and_bad_timestamp(spark, contract):
    table = contract.table("CRM_COMPLAINT")
    lines = [
        "K1|S1|20261123101500|billing|hotline",
        "K2|S1|20261123101500|weather|hotline",
        "K3|S1|20261123256000|billing|hotline",
        "K4|S1|20261123101500|billing|",
    ]
    validated = _lines(spark, lines).transform(validate_lines(table, contract))
    assert _reasons(validated) == {
        1: None,
        2: reasons.UNKNOWN_CODE,
        3: reasons.BAD_TIMESTAMP,
        4: reasons.MISSING_REQUIRED,
    }
    accepted = validated.transform(select_accepted(table)).collect()[0]
    assert accepted["complained_at"] == dt.datetime(2026, 11, 23, 10, 15, 0)


def test_duplicate_key_keeps_the_first_clean_row_in_file_order(spark, contract):
    table = contract.table("CRM_STORE")
    lines = [
        "ST1|甲|taiyuan|小店区|retail_counter|abc",  # bad number: does not claim the key
        "ST1|乙|taiyuan|小店区|retail_counter|10",  # first clean row: kept
        "ST1|丙|taiyuan|小店区|retail_counter|20",  # later repeat: quarantined
        "ST2|丁|datong|平城区|retail_counter|30",
    ]
    validated = _lines(spark, lines).transform(validate_lines(table, contract))
    assert _reasons(validated) == {1: reasons.BAD_NUMBER, 2: None, 3: reasons.DUPLICATE_KEY, 4: None}
    expected = spark.createDataFrame(
        [
            ("ST1", "乙", "taiyuan", "小店区", "retail_counter", 10, "T_20261123_001.dat.gz", 2, BUSINESS_DATE),
            ("ST2", "丁", "datong", "平城区", "retail_counter", 30, "T_20261123_001.dat.gz", 4, BUSINESS_DATE),
        ],
        validated.transform(select_accepted(table)).schema,
    )
    assertDataFrameEqual(validated.transform(select_accepted(table)), expected)


def test_flags_and_missing_optional_values(spark, contract):
    table = contract.table("DM_TERMINAL")
    lines = ["35123456|华为|Mate 60|5G|1|harmonyos|flagship", "35123457|小米|红米|4G|2|android|entry"]
    validated = _lines(spark, lines).transform(validate_lines(table, contract))
    assert _reasons(validated) == {1: None, 2: reasons.BAD_FLAG}
    assert validated.transform(select_accepted(table)).collect()[0]["supports_volte"] is True
