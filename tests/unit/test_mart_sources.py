"""The dbt sources are the interface contract: the committed declarations must be current."""

from telco_mart.mart.dbt_sources import render_source, stale_sources
from telco_mart.mart.plan import _month_ends_before


def test_committed_source_declarations_match_the_contract(contract):
    assert stale_sources(contract) == [], "run `telco-mart mart sources` and commit the result"


def test_sources_read_raw_partitions_by_path(contract):
    text = render_source(contract.source("gn"))
    assert "schema: parquet" in text
    assert "/raw/gn/gn_traffic`" in text


def test_month_ends_count_back_from_the_business_date():
    from datetime import date

    assert _month_ends_before(date(2026, 11, 30), 3) == [date(2026, 11, 30), date(2026, 10, 31), date(2026, 9, 30)]
    assert _month_ends_before(date(2026, 11, 29), 2) == [date(2026, 10, 31), date(2026, 9, 30)]
