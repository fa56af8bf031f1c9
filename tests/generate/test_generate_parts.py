"""The generator's small pieces: options, IMEIs, part splitting, text forms, code lists."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from telco_mart.contract import load_contract
from telco_mart.settings import DataLayout
from telco_mart.synthetic.generate import (
    GenerateOptions,
    catalogue,
    columns,
    contracts,
    generate,
    households,
    tables_bill,
    tables_crm,
    tables_gn,
    terminals,
    world,
)
from telco_mart.synthetic.generate.gn_rules import CATEGORIES, PROTOCOLS, build_gn_rules
from telco_mart.synthetic.generate.options import check_options
from telco_mart.synthetic.generate.vocabulary import GIVEN_NAME_CHARACTERS, RESTRICTION_REASONS, SURNAMES


def test_an_end_date_before_the_start_date_is_refused_with_a_clear_message(tmp_path):
    options = GenerateOptions(date(2026, 11, 23), date(2026, 11, 1))
    with pytest.raises(ValueError, match="end_date 2026-11-01 is before start_date 2026-11-23"):
        generate(DataLayout(tmp_path), options)
    assert not (tmp_path / "landing").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"subscribers": 0}, "subscribers must be between"),
        ({"defect_rate": 0.9}, "defect_rate must be between 0 and 0.5"),
        ({"daily_days": 0}, "daily_days must be 1 or more"),
        ({"workers": 0}, "workers must be 1 or more"),
        ({"seed": -1}, "seed must be 0 or more"),
    ],
)
def test_impossible_options_are_refused(change, message):
    options = GenerateOptions(date(2026, 11, 1), date(2026, 11, 2), **change)
    with pytest.raises(ValueError, match=message):
        check_options(options)


def test_file_defects_default_to_one_per_kind_only_with_row_defects():
    assert GenerateOptions(date(2026, 1, 1), date(2026, 1, 2)).file_defects_per_kind == 0
    assert GenerateOptions(date(2026, 1, 1), date(2026, 1, 2), defect_rate=0.01).file_defects_per_kind == 1


def test_imei_check_digit_is_luhn():
    assert terminals.imei_numbers(np.array([49015420]), np.array([323751])).tolist() == [490154203237518]


def test_part_ranges_split_sessions_evenly_and_cover_everyone():
    counts = np.random.default_rng(0).poisson(50, 10_000)
    ranges = tables_gn.part_ranges(counts, 4)
    assert ranges[0][0] == 0 and ranges[-1][1] == len(counts)
    assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:], strict=False))
    sizes = [counts[first:last].sum() for first, last in ranges]
    assert max(sizes) - min(sizes) < 200


def test_text_forms_follow_the_contract():
    assert columns.decimals(np.array([0, 5, 123456]), 2).to_pylist()[2].as_tuple().exponent == -2
    assert columns.dates(np.array([0]), np.array([False])).to_pylist() == [None]
    assert columns.timestamps(np.array([20_000]), np.array([3661])).to_pylist() == [20241004010101]
    assert columns.months(np.array([2026 * 12 + 10])).to_pylist() == [202611]
    assert columns.identifiers("S", np.array([7]), 10).to_pylist() == ["S0000000007"]


def test_vocabularies_are_the_contract_code_lists():
    contract = load_contract()
    expected = {
        "city_code": catalogue.CITIES,
        "network_generation": catalogue.GENERATIONS,
        "channel_type": catalogue.CHANNEL_TYPES,
        "subscriber_status": world.STATUSES,
        "sim_type": world.SIM_TYPES,
        "contract_kind": contracts.CONTRACT_KINDS,
        "contract_status": contracts.CONTRACT_STATUSES,
        "complaint_category": tables_crm.COMPLAINT_CATEGORIES,
        "value_segment": tables_bill.VALUE_SEGMENTS,
        "task_code": tables_bill.TASK_CODES,
        "retention_outcome": tables_bill.OUTCOMES,
        "app_category": CATEGORIES,
        "radio_type": tables_gn.RADIO_TYPES,
        "os_family": terminals.OS_FAMILIES,
        "price_band": terminals.PRICE_BANDS,
        "household_product_type": households.PRODUCT_TYPES,
        "household_product_status": households.PRODUCT_STATUSES,
    }
    for code_list, values in expected.items():
        assert tuple(values) == contract.codes(code_list), code_list
    assert {family for _, _, family in PROTOCOLS} <= set(contract.codes("protocol_family"))


def test_every_chinese_name_encodes_as_gbk():
    rules = build_gn_rules()
    stores = catalogue.build_stores()
    text = "".join(
        [
            *rules.app_names,
            *stores.names,
            *stores.districts,
            *catalogue.build_catalogue().package_names,
            SURNAMES,
            GIVEN_NAME_CHARACTERS,
            *sum(RESTRICTION_REASONS.values(), ()),
        ]
    )
    text.encode("gbk")
