"""A tiny generated window read back: every file against the contract and the truth."""

from __future__ import annotations

import hashlib
from datetime import date, datetime

import pyarrow.parquet as pq
import pytest
from extract_checks import defect_shown, judge_table_date, read_lines

from telco_mart.contract import load_contract
from telco_mart.landing.control_file import read_control_file
from telco_mart.settings import DataLayout
from telco_mart.synthetic.generate import GenerateOptions, generate

START, END = date(2026, 9, 28), date(2026, 10, 3)  # crosses the September month end
OPTIONS = GenerateOptions(
    START, END, subscribers=400, sessions_per_day=6, seed=5, defect_rate=0.03, daily_days=4, workers=2
)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    layout = DataLayout(tmp_path_factory.mktemp("generated"))
    summary = generate(layout, OPTIONS)
    return layout, summary


@pytest.fixture(scope="module")
def contract():
    return load_contract()


def _file_defects(layout) -> list[dict]:
    return pq.read_table(layout.truth / "file_defects.parquet").to_pylist()


def _row_truth(layout) -> dict[tuple[str, str, int], dict]:
    rows = {}
    for path in (layout.truth / "row_defects").glob("dt=*/*.parquet"):
        for row in pq.read_table(path).to_pylist():
            rows[(row["table_name"], row["file_name"], row["row_number"])] = row
    return rows


def _delivered(layout, contract):
    """(table, date, folder) of every control file written, on time or late."""
    for root in (layout.landing, layout.late_landing):
        for control in sorted(root.glob("*/*/*.ctl")):
            table = contract.table(control.name.rsplit("_", 1)[0])
            day = datetime.strptime(control.parent.name, "%Y%m%d").date()
            yield table, day, control.parent


def test_monthly_tables_only_at_month_ends_and_daily_tables_only_for_the_last_days(generated, contract):
    layout, _ = generated
    delivered = {(table.name, day) for table, day, _ in _delivered(layout, contract)}
    daily_dates = {date(2026, 9, 30), date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 3)}
    for table in contract.tables:
        days = {day for name, day in delivered if name == table.name}
        assert days == (daily_dates if table.is_daily else {date(2026, 9, 30)}), table.name


def test_every_line_is_clean_or_labelled_with_the_reason_ingestion_will_give(generated, contract):
    layout, _ = generated
    truth = _row_truth(layout)
    rejected = [d for d in _file_defects(layout) if d["defect_kind"] != "late_file"]
    rejected_whole = {(d["table_name"], d["business_date"]) for d in rejected}
    judged = {}
    for table, day, folder in _delivered(layout, contract):
        if (table.name, day) in rejected_whole:
            continue
        for (file_name, row), reason in judge_table_date(contract, table, folder, day).items():
            judged[(table.name, file_name, row)] = reason
    assert len(judged) > 50, "the defect rate should give dozens of defects"
    assert {key: row["expected_reason"] for key, row in truth.items()} == judged


def test_each_labelled_line_shows_its_defect_kind(generated, contract):
    layout, _ = generated
    truth = _row_truth(layout)
    folders = {}
    for table, day, folder in _delivered(layout, contract):
        folders[(table.name, day)] = folder
    kinds = set()
    for (table_name, file_name, row), label in truth.items():
        table = contract.table(table_name)
        lines = read_lines(folders[(table_name, label["business_date"])] / file_name, table.encoding)
        kinds.add(label["defect_kind"])
        assert defect_shown(
            contract, table, label["defect_kind"], label["column_name"], lines[row - 1], lines[: row - 1]
        ), label
    assert kinds == {
        "unparseable_number",
        "unparseable_date",
        "unparseable_timestamp",
        "missing_key",
        "duplicate_key",
        "invalid_msisdn",
        "unknown_code",
        "wrong_field_count",
    }


def test_control_files_match_their_parts_except_the_labelled_file_defects(generated, contract):
    layout, _ = generated
    labelled = {(d["table_name"], d["business_date"]): d for d in _file_defects(layout)}
    mismatched = 0
    for table, day, folder in _delivered(layout, contract):
        defect = labelled.get((table.name, day), {}).get("defect_kind")
        for entry in read_control_file(folder / contract.control_file_name(table.name, day)):
            data = (folder / entry.file_name).read_bytes()
            figures = (len(data), hashlib.md5(data).hexdigest())
            if defect == "truncated_file" and entry.file_name == labelled[(table.name, day)]["file_name"]:
                assert figures != (entry.byte_size, entry.md5)
                mismatched += 1
                continue
            assert figures == (entry.byte_size, entry.md5), entry
            rows = len(read_lines(folder / entry.file_name, table.encoding))
            if defect == "control_mismatch" and entry.file_name == labelled[(table.name, day)]["file_name"]:
                assert rows != entry.row_count
                mismatched += 1
            else:
                assert rows == entry.row_count, entry
    assert mismatched == 2


def test_file_defects_one_of_each_kind_never_on_the_last_date_and_late_files_held_back(generated, contract):
    layout, _ = generated
    defects = _file_defects(layout)
    assert sorted(d["defect_kind"] for d in defects) == ["control_mismatch", "late_file", "truncated_file"]
    assert all(d["business_date"] < END for d in defects)
    late = next(d for d in defects if d["defect_kind"] == "late_file")
    table = contract.table(late["table_name"])
    folder = f"{table.source}/{late['business_date']:%Y%m%d}"
    control = late["file_name"]
    assert (layout.late_landing / folder / control).exists()
    assert not (layout.landing / folder / control).exists()
    assert not list((layout.landing / folder).glob(f"{table.name}_*"))


def test_crm_files_are_gbk_with_chinese_names(generated, contract):
    layout, _ = generated
    part = next((layout.landing / "crm" / f"{END:%Y%m%d}").glob("CRM_CUSTOMER_*.dat.gz"))
    import gzip

    raw = gzip.decompress(part.read_bytes())
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    names = [line.split("|")[1] for line in raw.decode("gbk").splitlines()]
    assert all("\u4e00" <= name[0] <= "\u9fff" for name in names if name)


def test_summary_counts_what_was_written(generated, contract):
    layout, summary = generated
    parts = list(layout.landing.glob("*/*/*.dat.gz")) + list(layout.late_landing.glob("*/*/*.dat.gz"))
    controls = list(layout.landing.glob("*/*/*.ctl")) + list(layout.late_landing.glob("*/*/*.ctl"))
    assert summary.files == len(parts) + len(controls)
    assert summary.bytes_compressed == sum(p.stat().st_size for p in parts)
    assert summary.rows == sum(summary.tables.values())
    assert set(summary.tables) == {t.name for t in contract.tables}
