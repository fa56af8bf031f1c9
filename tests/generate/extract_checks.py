"""Read generated extracts back and judge every line as ingestion would, in plain Python.

Small data only: the tests use it on a few thousand lines per table-date.
"""

from __future__ import annotations

import gzip
import re
from datetime import datetime
from pathlib import Path

from telco_mart.contract import Contract, Table, reasons
from telco_mart.landing.control_file import read_control_file

_MSISDN = re.compile(r"^1[0-9]{10}$")
_FORMATS = {"date": "%Y%m%d", "timestamp": "%Y%m%d%H%M%S", "month": "%Y%m"}
_DIGITS = {"date": 8, "timestamp": 14, "month": 6}


def _is_bad_value(column, value: str) -> bool:
    kind = column.type
    if kind in ("long", "int"):
        return not re.fullmatch(rf"-?[0-9]{{1,{18 if kind == 'long' else 9}}}", value)
    if column.decimal_precision_scale:
        precision, scale = column.decimal_precision_scale
        return not re.fullmatch(rf"-?[0-9]{{1,{precision - scale}}}(\.[0-9]{{1,{scale}}})?", value)
    if kind in _FORMATS:
        if not re.fullmatch(rf"[0-9]{{{_DIGITS[kind]}}}", value):
            return True
        try:
            datetime.strptime(value, _FORMATS[kind])
        except ValueError:
            return True
    if kind == "flag":
        return value not in ("0", "1")
    return False


def _reason_of(column) -> str:
    return {
        "msisdn": reasons.INVALID_MSISDN,
        "date": reasons.BAD_DATE,
        "month": reasons.BAD_DATE,
        "timestamp": reasons.BAD_TIMESTAMP,
        "flag": reasons.BAD_FLAG,
    }.get(column.type, reasons.BAD_NUMBER)


def line_reason(contract: Contract, table: Table, line: str) -> str | None:
    """The first reason ingestion gives a line (duplicates aside), or None when it is clean."""
    fields = line.split("|")
    if len(fields) != len(table.columns):
        return reasons.WRONG_FIELD_COUNT
    found = []
    for column, value in zip(table.columns, fields, strict=True):
        if not value:
            if column.required:
                found.append(reasons.MISSING_REQUIRED)
            continue
        if column.type == "msisdn" and not _MSISDN.match(value):
            found.append(reasons.INVALID_MSISDN)
        if column.codes and value not in contract.codes(column.codes):
            found.append(reasons.UNKNOWN_CODE)
        if _is_bad_value(column, value):
            found.append(_reason_of(column))
    return min(found, key=reasons.ROW_REASONS.index) if found else None


def read_lines(path: Path, encoding: str) -> list[str]:
    """The lines of a part file (without the final newline)."""
    text = gzip.decompress(path.read_bytes()).decode(encoding)
    return text.split("\n")[:-1] if text else []


def judge_table_date(contract: Contract, table: Table, folder: Path, day) -> dict[tuple[str, int], str]:
    """{(file name, line number): reason} for every line of a table-date that is not clean."""
    entries = read_control_file(folder / contract.control_file_name(table.name, day))
    verdicts: dict[tuple[str, int], str] = {}
    seen_keys: set[tuple] = set()
    positions = [table.column_names.index(k) for k in table.key]
    for entry in entries:
        for number, line in enumerate(read_lines(folder / entry.file_name, table.encoding), start=1):
            reason = line_reason(contract, table, line)
            if reason is None and positions:
                fields = line.split("|")
                key = tuple(fields[p] for p in positions)
                if key in seen_keys:
                    reason = reasons.DUPLICATE_KEY
                seen_keys.add(key)
            if reason:
                verdicts[(entry.file_name, number)] = reason
    return verdicts


def defect_shown(
    contract: Contract, table: Table, kind: str, column: str | None, line: str, earlier: list[str]
) -> bool:
    """Whether ``line`` shows the defect ``kind`` in ``column`` (``earlier``: the lines before it)."""
    fields = line.split("|")
    if kind == "wrong_field_count":
        return len(fields) != len(table.columns)
    if len(fields) != len(table.columns):
        return False
    if kind == "duplicate_key":
        positions = [table.column_names.index(k) for k in table.key]
        key = [fields[p] for p in positions]
        return any([e.split("|")[p] for p in positions] == key for e in earlier)
    value = fields[table.column_names.index(column)]
    column_def = table.column(column)
    if kind == "missing_key":
        return value == "" and column_def.required
    if kind == "invalid_msisdn":
        return value.isdigit() and len(value) in (10, 12)
    if kind == "unknown_code":
        return value not in contract.codes(column_def.codes)
    if kind in ("unparseable_number", "unparseable_date", "unparseable_timestamp"):
        return _is_bad_value(column_def, value)
    raise AssertionError(f"unknown defect kind {kind}")
