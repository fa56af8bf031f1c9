"""The raw checkpoint on the ingested tiny set: clean data passes; planted defects that row checks
let through (a halved partition, a truncated terminal library) fail it critically."""

from __future__ import annotations

import re
from collections import Counter

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pytest

from telco_mart.quality import QualityGateFailed, enforce, run_checkpoint
from tests.conftest import REPOSITORY_ROOT
from tests.quality.conftest import LAST_DAY, replace_partition

ELEVEN_DIGITS = re.compile(r"(?<![0-9])[0-9]{11}(?![0-9])")
PARTITION = f"dt={LAST_DAY:%Y-%m-%d}"


def _partition(layout, source: str, table: str, day: str = PARTITION):
    return layout.raw_table(source, table) / day


def _failed(outcomes) -> set[tuple[str, str]]:
    return {(o.suite, o.expectation.split(", ")[0]) for o in outcomes}


def test_clean_tiny_data_passes_and_writes_data_docs_under_the_data_root(ingested, spark):
    result = run_checkpoint("raw", LAST_DAY, spark, ingested)

    assert result.passed, [o.describe() for o in result.critical_failures]
    assert enforce(result) is result
    assert {o.suite for o in result.outcomes} == {
        "raw/row_counts",
        "raw/dm_subscriber_imei",
        "raw/gn_traffic",
        "raw/boss_bill_monthly",  # 2026-10-31 is a month end: the monthly tables are there
        "raw/bi_value_segment",
    }
    [mean_fee] = [o for o in result.outcomes if "mean_fee_ratio" in o.expectation and o.severity == "critical"]
    # The month-end history holds September's bills: the mean fee is compared with them.
    assert mean_fee.success and "yuan on 2026-09-30" in mean_fee.observed
    assert result.data_docs_index == ingested.root / "quality" / "data_docs" / "index.html"
    assert result.data_docs_index.exists()
    assert list((ingested.root / "quality" / "validations").rglob("*.json"))
    assert not (REPOSITORY_ROOT / "gx").exists() and not (REPOSITORY_ROOT / "uncommitted").exists()


def test_a_partition_whose_row_count_halves_fails_critically(raw_copy, spark):
    traffic = _partition(raw_copy, "gn", "GN_TRAFFIC")
    # The previous partition: the latest earlier one (a late or rejected day-1 is passed over).
    previous = max(p.name for p in traffic.parent.iterdir() if p.name < PARTITION)
    previous_rows = ds.dataset(str(traffic.parent / previous)).count_rows()
    table = ds.dataset(str(traffic)).to_table()
    replace_partition(traffic, table.slice(0, previous_rows // 2))

    with pytest.raises(QualityGateFailed) as raised:
        run_checkpoint("raw", LAST_DAY, spark, raw_copy, enforce=True)

    message = str(raised.value)
    ratio = (previous_rows // 2) / previous_rows
    assert "raw/row_counts: expect_column_values_to_be_between(column=row_count_ratio" in message
    assert f"gn/gn_traffic {ratio:.4g} ({previous_rows // 2} rows vs {previous_rows} on {previous[3:]})" in message
    assert not ELEVEN_DIGITS.search(message)
    result = run_checkpoint("raw", LAST_DAY, spark, raw_copy)
    assert _failed(result.critical_failures) == {
        ("raw/row_counts", "expect_column_values_to_be_between(column=row_count_ratio")
    }
    assert ("raw/row_counts", "expect_column_values_to_be_between(column=row_count_ratio") in _failed(result.warnings)


def _drop_terminals_until(layout, target_share: float) -> None:
    """Remove TACs from DM_TERMINAL of the last day until ``target_share`` of its IMEIs are unmatched."""
    imeis = ds.dataset(str(_partition(layout, "dm", "DM_SUBSCRIBER_IMEI"))).to_table(columns=["imei"])
    imeis_per_tac = Counter(pc.utf8_slice_codeunits(pc.unique(pc.drop_null(imeis.column("imei"))), 0, 8).to_pylist())
    terminal_folder = _partition(layout, "dm", "DM_TERMINAL")
    terminals = ds.dataset(str(terminal_folder)).to_table()
    known = set(terminals.column("tac").to_pylist())
    unmatched = sum(count for tac, count in imeis_per_tac.items() if tac not in known)
    dropped = []
    for tac in sorted(tac for tac in imeis_per_tac if tac in known):
        if unmatched >= target_share * imeis_per_tac.total():
            break
        unmatched += imeis_per_tac[tac]
        dropped.append(tac)
    kept = pc.invert(pc.is_in(terminals.column("tac"), pa.array(dropped, pa.string())))
    replace_partition(terminal_folder, terminals.filter(kept))


def test_a_jump_in_unmatched_tacs_fails_critically(raw_copy, spark):
    # From about 5% to 12%: under the 15% level, but a jump of more than 5 points in a day.
    _drop_terminals_until(raw_copy, 0.12)

    result = run_checkpoint("raw", LAST_DAY, spark, raw_copy)

    increase = "expect_column_values_to_be_between(column=unmatched_tac_share_increase"
    assert _failed(result.critical_failures) == {("raw/dm_subscriber_imei", increase)}
    assert ("raw/dm_subscriber_imei", "expect_column_values_to_be_between(column=unmatched_tac_share") in _failed(
        result.warnings
    )
    with pytest.raises(QualityGateFailed) as raised:
        enforce(result)
    message = str(raised.value)
    [failure] = result.critical_failures
    assert f"raw/dm_subscriber_imei: {failure.expectation}: observed dm/dm_subscriber_imei" in message
    observed_increase = float(re.search(r"observed dm/dm_subscriber_imei ([0-9.]+)", message).group(1))
    assert 0.05 < observed_increase < 0.1
    assert not ELEVEN_DIGITS.search(message)
    pages = [p.read_text(encoding="utf-8") for p in (raw_copy.root / "quality" / "data_docs").rglob("*.html")]
    assert pages and not any(ELEVEN_DIGITS.search(page) for page in pages)
