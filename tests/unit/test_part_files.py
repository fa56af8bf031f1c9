"""Checking parts against their control entries and splitting them into lines (no Spark)."""

from __future__ import annotations

import hashlib

import pytest

from telco_mart.contract import reasons
from telco_mart.ingest.part_files import check_part, count_lines, line_batches, split_lines
from telco_mart.landing.control_file import (
    ControlFileError,
    PartEntry,
    format_control_file,
    read_control_file,
    write_control_file,
)
from telco_mart.landing.writer import compress_part

TEXT = "S1|张三|太原\nS2|李四|大同\n"


def _write(tmp_path, text: bytes, name="T_20261123_001.dat.gz"):
    path = tmp_path / name
    compressed = compress_part(text)
    path.write_bytes(compressed)
    return path, PartEntry(name, count_lines(text), len(compressed), hashlib.md5(compressed).hexdigest())


def test_sound_part_passes(tmp_path):
    path, entry = _write(tmp_path, TEXT.encode("gbk"))
    check = check_part(path, entry, "gbk")
    assert check.reason is None
    assert check.rows_read == 2


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"row_count": 3}, reasons.ROW_COUNT_MISMATCH),
        ({"byte_size": 1}, reasons.SIZE_MISMATCH),
        ({"md5": "0" * 32}, reasons.MD5_MISMATCH),
    ],
)
def test_control_mismatches_are_named(tmp_path, change, expected):
    path, entry = _write(tmp_path, TEXT.encode("utf-8"))
    declared = PartEntry(**{**entry.__dict__, **change})
    check = check_part(path, declared, "utf-8")
    assert check.reason == expected
    assert path.name in check.reason_detail
    assert check.rows_read == 2, "rows are counted from the file whatever the outcome"


def test_truncated_gzip_is_detected_before_size(tmp_path):
    path, entry = _write(tmp_path, ("x|y\n" * 5000).encode())
    path.write_bytes(path.read_bytes()[: entry.byte_size // 2])
    check = check_part(path, entry, "utf-8")
    assert check.reason == reasons.TRUNCATED
    assert check.rows_read < 5000


def test_gbk_read_as_utf8_is_a_bad_encoding_with_its_row(tmp_path):
    path, entry = _write(tmp_path, ("ok|fine\n" + TEXT).encode("gbk"))
    check = check_part(path, entry, "utf-8")
    assert check.reason == reasons.BAD_ENCODING
    assert "row 2" in check.reason_detail


def test_lines_keep_their_text_and_number(tmp_path):
    path, _ = _write(tmp_path, TEXT.encode("gbk"))
    batches = list(line_batches(7, path, "gbk"))
    rows = [row for batch in batches for row in batch.to_pylist()]
    assert rows == [
        {"part_id": 7, "row_number": 1, "line": "S1|张三|太原"},
        {"part_id": 7, "row_number": 2, "line": "S2|李四|大同"},
    ]


def test_last_line_without_newline_and_empty_lines_count():
    text = b"a\n\nb"
    assert count_lines(text) == 3
    assert split_lines(text, "utf-8").to_pylist() == ["a", "", "b"]
    assert split_lines(b"", "utf-8").to_pylist() == []


def test_control_file_round_trip(tmp_path):
    entries = [
        PartEntry("T_20261123_001.dat.gz", 10, 100, "a" * 32),
        PartEntry("T_20261123_002.dat.gz", 5, 50, "b" * 32),
    ]
    path = tmp_path / "T_20261123.ctl"
    write_control_file(path, entries)
    assert read_control_file(path) == entries
    assert format_control_file(entries).startswith("file_name|row_count|byte_size|md5\n")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "line 1"),
        ("file_name|row_count|byte_size|md5\nT.dat.gz|ten|100|" + "a" * 32 + "\n", "line 2"),
        ("file_name|row_count|byte_size|md5\nT.dat.gz|10|100\n", "line 2"),
        ("file_name|row_count|byte_size|md5\n", "lists no parts"),
    ],
)
def test_bad_control_files_name_file_and_line(tmp_path, text, message):
    path = tmp_path / "T_20261123.ctl"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ControlFileError, match=message) as error:
        read_control_file(path)
    assert str(path) in str(error.value)
