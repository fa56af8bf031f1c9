"""The interface contract: loads, is consistent, and refuses what it does not know."""

from __future__ import annotations

from datetime import date

import pytest

from telco_mart.contract import ContractError, load_contract
from telco_mart.contract.render import render_markdown
from tests.conftest import REPOSITORY_ROOT


def test_every_source_of_the_domain_is_there(contract):
    assert [s.name for s in contract.sources] == ["crm", "boss", "bi", "gn", "dm"]
    assert len(contract.tables) >= 19


def test_keys_are_required_and_references_name_real_columns(contract):
    for table in contract.tables:
        for key in table.key:
            assert table.column(key).required, f"{table.name}.{key}"
        for column in table.columns:
            if column.references:
                target_table, target_column = column.references.split(".")
                contract.table(target_table).column(target_column)


def test_monthly_tables_are_due_only_at_month_end(contract):
    bill = contract.table("BOSS_BILL_MONTHLY")
    assert bill.is_due(date(2026, 2, 28)) and not bill.is_due(date(2026, 2, 27))
    assert contract.table("GN_TRAFFIC").is_due(date(2026, 2, 27))


def test_file_names_follow_the_pattern(contract):
    assert contract.part_file_name("GN_TRAFFIC", date(2026, 11, 23), 2) == "GN_TRAFFIC_20261123_002.dat.gz"
    assert contract.control_file_name("GN_TRAFFIC", date(2026, 11, 23)) == "GN_TRAFFIC_20261123.ctl"


def test_unknown_names_raise(contract):
    with pytest.raises(ContractError, match="unknown source"):
        contract.source("oss")
    with pytest.raises(ContractError, match="no column"):
        contract.table("CRM_STORE").column("capacity")


def test_a_bad_contract_is_refused(tmp_path):
    bad = tmp_path / "contract.yaml"
    bad.write_text(
        "contract_version: 1\nfile_pattern: x\ncontrol_pattern: y\ndelimiter: '|'\ncode_lists: {}\n"
        "sources:\n  s:\n    system: S\n    tables:\n      T:\n        frequency: daily\n"
        "        columns: [{name: a, type: money}]\n",
        encoding="utf-8",
    )
    with pytest.raises(ContractError, match="unknown type"):
        load_contract(bad)


def test_rendered_docs_are_current():
    """docs/interfaces.md is generated from the contract: regenerate it with `make docs`."""
    assert (REPOSITORY_ROOT / "docs" / "interfaces.md").read_text(encoding="utf-8") == render_markdown()
