"""The extracts look like an operator's: numbers, lines per customer, cards, handsets, bills,
contracts and traffic shaped by each subscriber's interests."""

from __future__ import annotations

import gzip
from collections import Counter
from datetime import date

import numpy as np
import pyarrow.parquet as pq
import pytest

from telco_mart.contract import load_contract
from telco_mart.settings import DataLayout
from telco_mart.synthetic.generate import GenerateOptions, generate

DAY = date(2026, 6, 30)  # a month end: every table is due


@pytest.fixture(scope="module")
def extracts(tmp_path_factory):
    layout = DataLayout(tmp_path_factory.mktemp("realism"))
    generate(layout, GenerateOptions(date(2026, 6, 29), DAY, subscribers=3000, sessions_per_day=20, seed=8))
    contract = load_contract()

    def rows(table_name: str) -> list[list[str]]:
        table = contract.table(table_name)
        folder = layout.landing / table.source / f"{DAY:%Y%m%d}"
        text = "".join(
            gzip.decompress(path.read_bytes()).decode(table.encoding)
            for path in sorted(folder.glob(f"{table_name}_*.dat.gz"))
        )
        return [line.split("|") for line in text.splitlines()]

    return layout, rows


def _luhn_ok(imei: str) -> bool:
    total = 0
    for position, digit in enumerate(int(c) for c in imei):
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def test_numbers_customers_cities_and_cards(extracts):
    _, rows = extracts
    subscribers = rows("CRM_SUBSCRIBER")
    msisdns = [r[1] for r in subscribers]
    assert len(set(msisdns)) == len(msisdns) > 2800  # a few join after the date
    assert all(len(m) == 11 and "13" <= m[:2] <= "19" for m in msisdns)
    lines_per_customer = Counter(Counter(r[2] for r in subscribers).values())
    assert set(lines_per_customer) == {1, 2, 3} and lines_per_customer[1] > lines_per_customer[2]
    assert len({r[3] for r in subscribers}) == 11
    sim = [r[6] for r in subscribers if r[8] == "SIM"]
    assert 0.05 < len(sim) / len(subscribers) < 0.15
    assert sum(g in ("2G", "3G") for g in sim) > 0.7 * len(sim)
    assert Counter(r[5] for r in subscribers).most_common(1)[0][0] == "active"


def test_handsets_have_valid_imeis_and_most_tacs_are_in_the_library(extracts):
    _, rows = extracts
    library = {r[0] for r in rows("DM_TERMINAL")}
    assert 300 <= len(library) <= 500
    imeis = [r[2] for r in rows("DM_SUBSCRIBER_IMEI")]
    assert all(len(i) == 15 and _luhn_ok(i) for i in imeis)
    matched = np.mean([i[:8] in library for i in imeis])
    assert 0.9 < matched < 0.99


def test_bills_add_up_and_some_overflow_their_package(extracts):
    _, rows = extracts
    bills = rows("BOSS_BILL_MONTHLY")
    for bill in bills:
        total, package, overage, value_added = (round(float(v) * 100) for v in bill[4:8])
        assert total == package + overage + value_added
    with_overage = np.mean([float(b[6]) > 0 for b in bills])
    assert 0.1 < with_overage < 0.6
    high_value = rows("BI_HIGH_VALUE_LIST")
    assert high_value and all(float(r[4]) > 50 for r in high_value if r[3] == "2G")


def test_contract_statuses_agree_with_their_dates(extracts):
    _, rows = extracts
    contracts = rows("CRM_CONTRACT")
    churned = {r[0] for r in rows("CRM_SUBSCRIBER") if r[5] == "closed"}
    day = f"{DAY:%Y%m%d}"
    by_subscriber = Counter(r[1] for r in contracts)
    statuses = Counter(r[7] for r in contracts)
    assert set(statuses) == {"active", "renewed", "ended"}
    for contract in contracts:
        start, end, status = contract[3], contract[4], contract[7]
        if status == "active":
            assert start <= day <= end
        if status == "ended":
            assert end < day or contract[1] in churned
        if status == "renewed":  # the next contract shows once it starts
            assert by_subscriber[contract[1]] >= 2 or end >= day
    share = len(by_subscriber) / 3000
    assert 0.25 < share < 0.45


def test_traffic_follows_interests_and_radio_follows_generation(extracts):
    layout, rows = extracts
    truth = pq.read_table(layout.truth / "subscribers.parquet", columns=["msisdn", "interests"]).to_pylist()
    interests = {str(r["msisdn"]): set(r["interests"].split(",")) for r in truth}
    category = {r[0]: r[2] for r in rows("GN_APP_RULE")}
    generation = {r[1]: r[6] for r in rows("CRM_SUBSCRIBER")}
    traffic = rows("GN_TRAFFIC")
    identified = [(r[0], category[r[4]]) for r in traffic if r[4] in category]
    assert np.mean([c in interests[m] for m, c in identified]) > 0.6
    radio = Counter((generation[r[0]], r[8]) for r in traffic)
    assert radio[("2G", "UTRAN")] == radio[("2G", "EUTRAN")] == radio[("2G", "NR")] == 0
    assert radio[("4G", "EUTRAN")] > 0.9 * sum(n for (g, _), n in radio.items() if g == "4G")
    suffixes = [r[0] for r in rows("GN_CONTENT_RULE")]
    hosts = {r[3] for r in traffic if r[3]}
    known_host = {h: any(h == s or h.endswith("." + s) for s in suffixes) for h in hosts}
    # A few percent of sessions match no rule at all: neither their app id nor their host.
    unmatched = np.mean([r[4] not in category and not known_host.get(r[3], False) for r in traffic])
    assert 0.005 < unmatched < 0.06
