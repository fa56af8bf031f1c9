"""The mart checkpoint on tiny hand-made mart partitions: good ones pass (drift is a warning);
out-of-range shares, negative money, an unmasked number and a missing partition fail critically,
and no mobile number reaches the message, the results or Data Docs."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from telco_mart.quality import QualityGateFailed, run_checkpoint
from telco_mart.settings import DataLayout
from tests.quality.mart_tables import good_rows, write_good_mart, write_partition

DAY = date(2026, 10, 31)
PARTITION = f"business_date={DAY:%Y-%m-%d}"
ELEVEN_DIGITS = re.compile(r"(?<![0-9])[0-9]{11}(?![0-9])")


@pytest.fixture
def mart_layout(tmp_path) -> DataLayout:
    layout = DataLayout(tmp_path / "home")
    write_good_mart(layout.mart, DAY)
    return layout


def test_good_partitions_pass_and_tag_drift_is_only_a_warning(mart_layout, spark):
    drifting = good_rows("tag_catalogue")
    drifting[0].update(previous_coverage_share=0.04, coverage_share_change=0.2)
    write_partition(mart_layout.mart, "tag_catalogue", PARTITION, drifting)

    result = run_checkpoint("mart", DAY, spark, mart_layout, enforce=True)

    assert result.passed
    assert {o.suite for o in result.outcomes} == {
        "mart/fct_subscriber_app_usage",
        "mart/fct_subscriber_monthly_usage",
        "mart/dim_subscriber",
        "mart/tag_catalogue",
    }
    [drift] = result.warnings
    assert (drift.suite, drift.expectation) == (
        "mart/tag_catalogue",
        "expect_column_values_to_be_between(column=coverage_share_change, min_value=-0.1, max_value=0.1)",
    )
    assert drift.observed == "1 of 1 non-null rows unexpected, e.g. 0.2; 1 null rows"
    [row_count] = [o for o in result.outcomes if o.expectation.startswith("expect_table_row_count")]
    assert row_count.success and "3 rows vs 3 in business_date=2026-10-30" in row_count.observed
    assert result.data_docs_index == mart_layout.root / "quality" / "data_docs" / "index.html"
    assert result.data_docs_index.exists()


def test_bad_partitions_fail_critically_each_named_with_its_observed_value(mart_layout, spark):
    usage = good_rows("fct_subscriber_app_usage")
    usage[0]["share_of_bytes_7d"] = 1.3
    write_partition(mart_layout.mart, "fct_subscriber_app_usage", PARTITION, usage)
    monthly = good_rows("fct_subscriber_monthly_usage")
    monthly[0]["overage_fee_yuan"] = Decimal("-5.00")
    write_partition(mart_layout.mart, "fct_subscriber_monthly_usage", "billing_month=2026-10", monthly)
    subscribers = good_rows("dim_subscriber")
    subscribers[1]["msisdn_masked"] = "15912340001"  # masking skipped: a full number
    write_partition(mart_layout.mart, "dim_subscriber", PARTITION, subscribers)
    for path in (mart_layout.mart / "tag_catalogue" / PARTITION).iterdir():
        path.unlink()

    with pytest.raises(QualityGateFailed) as raised:
        run_checkpoint("mart", DAY, spark, mart_layout, enforce=True)

    message = str(raised.value)
    assert "mart/fct_subscriber_app_usage: expect_column_values_to_be_between(column=share_of_bytes_7d" in message
    assert "observed 1 of 2 non-null rows unexpected, e.g. 1.3; 1 null rows" in message
    assert "mart/fct_subscriber_monthly_usage: expect_column_values_to_be_between(column=overage_fee_yuan" in message
    assert "e.g. -5.00" in message
    assert "mart/dim_subscriber: expect_column_values_to_match_regex(column=msisdn_masked" in message
    assert (
        "mart/tag_catalogue: partition_present: observed no partition tag_catalogue/business_date=2026-10-31" in message
    )
    assert (
        "msisdn_masked, regex=^1[0-9]{2}\\*{4}[0-9]{4}$): observed 1 of 2 non-null rows unexpected; 1 null" in message
    )  # the unmasked number is counted, never listed
    assert not ELEVEN_DIGITS.search(message)
    stored = [
        p.read_text(encoding="utf-8")
        for p in (mart_layout.root / "quality").rglob("*")
        if p.suffix in {".json", ".html"}
    ]
    assert stored and not any("15912340001" in text for text in stored)
