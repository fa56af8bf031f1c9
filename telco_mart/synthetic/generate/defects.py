"""Row-level defects: a few lines of a clean part made wrong in one labelled way each.

The part is rendered clean first; then chosen lines are rewritten as text, each with exactly
one defect, so every other line stays clean and ingestion's verdict on each line is known in
advance (the expected reason in the truth file).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from telco_mart.contract import Table

ROW_DEFECT_KINDS = (
    "unparseable_number",
    "unparseable_date",
    "unparseable_timestamp",
    "missing_key",
    "duplicate_key",
    "invalid_msisdn",
    "unknown_code",
    "wrong_field_count",
)
_BAD_NUMBERS = ("abc", "12,5", "1.2.3", "--", "N/A")
_BAD_CODES = ("unknown", "other_value", "6G", "beijing")


@dataclass(frozen=True)
class RowDefect:
    """One injected defect: where (1-based line of the part), which column, which kind."""

    row_number: int
    column_name: str | None
    defect_kind: str


def defect_columns(table: Table) -> dict[str, list[int]]:
    """The column positions each defect kind can hit in ``table`` (kinds that cannot: left out)."""
    kinds: dict[str, list[int]] = {kind: [] for kind in ROW_DEFECT_KINDS}
    for position, column in enumerate(table.columns):
        if column.type in ("long", "int") or column.decimal_precision_scale:
            kinds["unparseable_number"].append(position)
        if column.type in ("date", "month"):
            kinds["unparseable_date"].append(position)
        if column.type == "timestamp":
            kinds["unparseable_timestamp"].append(position)
        if column.name in table.key or (not table.key and column.required):
            kinds["missing_key"].append(position)
        if column.type == "msisdn":
            kinds["invalid_msisdn"].append(position)
        if column.codes:
            kinds["unknown_code"].append(position)
    if table.key:
        kinds["duplicate_key"] = [table.column_names.index(k) for k in table.key]
    kinds["wrong_field_count"] = [-1]
    return {kind: positions for kind, positions in kinds.items() if positions}


def _bad_date(value: str, kind: str, rng) -> str:
    """A date, month or timestamp that cannot parse: month 13, or a dashed form."""
    if not value:
        return {"month": "202613", "date": "20261341"}.get(kind, "20261341101010")
    if rng.random() < 0.5:
        return value[:4] + "13" + value[6:]
    if kind == "month":
        return f"{value[:4]}-{value[4:6]}"
    dashed = f"{value[:4]}-{value[4:6]}-{value[6:8]}"
    return dashed if kind == "date" else f"{dashed} {value[8:10]}:{value[10:12]}:{value[12:14]}"


def _rewrite(fields: list[str], kind: str, position: int, table: Table, rng) -> str:
    """The defective line for one clean line's fields (duplicate_key is handled by the caller)."""
    value = fields[position] if position >= 0 else ""
    if kind == "unparseable_number":
        fields[position] = _BAD_NUMBERS[rng.integers(len(_BAD_NUMBERS))]
    elif kind in ("unparseable_date", "unparseable_timestamp"):
        fields[position] = _bad_date(value, table.columns[position].type, rng)
    elif kind == "missing_key":
        fields[position] = ""
    elif kind == "invalid_msisdn":
        fields[position] = value[:10] if rng.random() < 0.5 else value + str(rng.integers(10))
    elif kind == "unknown_code":
        fields[position] = _BAD_CODES[rng.integers(len(_BAD_CODES))]
    elif kind == "wrong_field_count":
        return "|".join(fields + ["extra"]) if rng.random() < 0.5 else "|".join(fields[:-1])
    return "|".join(fields)


def inject_row_defects(text: bytes, table: Table, rate: float, rng) -> tuple[bytes, list[RowDefect]]:
    """Give about ``rate`` of the lines of ``text`` (UTF-8, one part) one defect each."""
    ends = np.flatnonzero(np.frombuffer(text, dtype=np.uint8) == 10)
    count = int(rng.binomial(len(ends), rate)) if len(ends) else 0
    if count == 0:
        return text, []
    starts = np.concatenate([[0], ends[:-1] + 1])
    targets = defect_columns(table)
    kinds = list(targets)
    rows = np.sort(rng.choice(len(ends), count, replace=False))
    chosen = set(rows.tolist())

    def line(row: int) -> str:
        return text[starts[row] : ends[row]].decode("utf-8")

    pieces, defects, copied_to = [], [], 0
    for row in rows.tolist():
        kind = kinds[rng.integers(len(kinds))]
        fields = line(row).split("|")
        column_name = None
        if kind == "duplicate_key":
            # Repeat the key of an earlier clean line: the later line is the duplicate.
            earlier = [r for r in rng.integers(0, max(row, 1), 20).tolist() if r < row and r not in chosen]
            if earlier:
                source = line(earlier[0]).split("|")
                for position in targets[kind]:
                    fields[position] = source[position]
                new_line = "|".join(fields)
                column_name = ",".join(table.key)
            else:
                kind, new_line = "wrong_field_count", "|".join(fields + ["extra"])
        else:
            positions = targets[kind]
            position = positions[rng.integers(len(positions))]
            new_line = _rewrite(fields, kind, position, table, rng)
            column_name = table.columns[position].name if position >= 0 else None
        pieces += [text[copied_to : starts[row]], new_line.encode("utf-8")]
        copied_to = int(ends[row])
        defects.append(RowDefect(row + 1, column_name, kind))
    pieces.append(text[copied_to:])
    return b"".join(pieces), defects
