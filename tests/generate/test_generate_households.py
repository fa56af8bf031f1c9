"""CRM_HOUSEHOLD_PRODUCT: the shares the business-action tags rely on (landline without
broadband, inactive IPTV), and a snapshot that holds still from one date to the next."""

from __future__ import annotations

import gzip
from collections import defaultdict
from datetime import date, timedelta

import pytest

from telco_mart.contract import load_contract
from telco_mart.settings import DataLayout
from telco_mart.synthetic.generate import GenerateOptions, generate

FIRST, DAY = date(2026, 6, 28), date(2026, 6, 29)  # no month end: only the daily tables
OPTIONS = GenerateOptions(FIRST, DAY, subscribers=20_000, sessions_per_day=0, seed=11, workers=2)


@pytest.fixture(scope="module")
def rows(tmp_path_factory):
    layout = DataLayout(tmp_path_factory.mktemp("households"))
    generate(layout, OPTIONS)
    contract = load_contract()

    def read(table_name: str, day: date) -> list[list[str]]:
        table = contract.table(table_name)
        folder = layout.landing / table.source / f"{day:%Y%m%d}"
        text = "".join(
            gzip.decompress(path.read_bytes()).decode(table.encoding)
            for path in sorted(folder.glob(f"{table_name}_*.dat.gz"))
        )
        return [line.split("|") for line in text.splitlines()]

    return read


def test_shares_of_landline_broadband_and_iptv(rows):
    customers = {r[0] for r in rows("CRM_CUSTOMER", DAY)}
    products = rows("CRM_HOUSEHOLD_PRODUCT", DAY)
    held = defaultdict(set)
    for product in products:
        held[product[1]].add(product[2])
    assert set(held) <= customers
    landline = [c for c, types in held.items() if "landline" in types]
    broadband = [c for c, types in held.items() if "broadband" in types]
    assert 0.32 < len(landline) / len(customers) < 0.38
    assert 0.55 < sum("broadband" in held[c] for c in landline) / len(landline) < 0.65
    assert 0.06 < sum("landline" not in held[c] for c in broadband) / len(customers) < 0.10
    assert 0.16 < sum("iptv" in held[c] for c in broadband) / len(broadband) < 0.24
    assert all("broadband" in types for types in held.values() if "iptv" in types)
    assert 0.02 < sum(p[4] == "suspended" for p in products) / len(products) < 0.04


def test_a_share_of_iptv_is_unwatched_for_30_days_and_use_never_follows_the_date(rows):
    products = rows("CRM_HOUSEHOLD_PRODUCT", DAY)
    day, cutoff = f"{DAY:%Y%m%d}", f"{DAY - timedelta(days=30):%Y%m%d}"
    iptv = [p for p in products if p[2] == "iptv"]
    inactive = sum(p[5] == "" or p[5] < cutoff for p in iptv) / len(iptv)
    assert 0.24 < inactive < 0.36
    assert any(p[5] == "" for p in iptv)  # never watched
    assert all(p[3] <= day and (p[5] == "" or p[3] <= p[5] <= day) for p in products)
    # Nearly all active broadband is in use: the inactive share is IPTV's, not everyone's.
    broadband = [p for p in products if p[2] == "broadband" and p[4] == "active"]
    assert sum(p[5] >= cutoff for p in broadband) / len(broadband) > 0.9


def test_the_snapshot_keeps_its_products_from_one_date_to_the_next(rows):
    before = {p[0]: p for p in rows("CRM_HOUSEHOLD_PRODUCT", FIRST)}
    after = {p[0]: p for p in rows("CRM_HOUSEHOLD_PRODUCT", DAY)}
    assert set(before) <= set(after)
    assert all(after[k][3] == f"{DAY:%Y%m%d}" for k in set(after) - set(before))  # opened that day
    for key, product in before.items():
        assert after[key][:4] == product[:4]
        assert (product[4], after[key][4]) != ("suspended", "active")
        assert product[5] <= after[key][5]  # never moves back; "" (not used yet) sorts first
    assert sum(after[k][5] > before[k][5] for k in before) > 0.3 * len(before)  # use goes on
