"""The interface contract of the source extracts, loaded from ``interfaces.yaml``.

One contract serves the generator, the ingestion schemas, the dbt sources and the quality
suites, so that a column is named, typed and checked the same way everywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path

import yaml

from telco_mart.pipeline.dates import is_month_end

CONTRACT_RESOURCE = "interfaces.yaml"
# What the channel systems send back (campaign results); same rules, its own file.
FEEDBACK_CONTRACT_RESOURCE = "feedback.yaml"

_DECIMAL = re.compile(r"^decimal\((\d+),(\d+)\)$")
_SIMPLE_TYPES = {"string", "long", "int", "date", "timestamp", "month", "flag", "msisdn"}


class ContractError(ValueError):
    """The contract file is inconsistent, or a name asked for is not in it."""


@dataclass(frozen=True)
class Column:
    """One column of a source table."""

    name: str
    type: str
    description: str
    required: bool = False
    codes: str | None = None
    references: str | None = None

    @property
    def decimal_precision_scale(self) -> tuple[int, int] | None:
        """``(precision, scale)`` for a decimal column, otherwise ``None``."""
        match = _DECIMAL.match(self.type)
        return (int(match.group(1)), int(match.group(2))) if match else None


@dataclass(frozen=True)
class Table:
    """One extract table of a source: its columns, key, frequency and file layout."""

    name: str
    source: str
    frequency: str
    delivery: str
    required: bool
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    encoding: str
    part_rows: int = 5_000_000
    min_parts: int = 1

    @property
    def column_names(self) -> list[str]:
        """Column names in file order."""
        return [column.name for column in self.columns]

    def column(self, name: str) -> Column:
        """The column called ``name``."""
        for column in self.columns:
            if column.name == name:
                return column
        raise ContractError(f"table {self.name} has no column {name!r}")

    @property
    def is_daily(self) -> bool:
        """Daily tables arrive every business date; monthly ones on the last day of a month."""
        return self.frequency == "daily"

    def is_due(self, business_date: date) -> bool:
        """Whether an extract of this table is expected for ``business_date``."""
        return self.is_daily or is_month_end(business_date)

    def part_count(self, rows: int) -> int:
        """How many numbered parts an extract of ``rows`` rows is split into."""
        return max(self.min_parts, -(-rows // self.part_rows))


@dataclass(frozen=True)
class Source:
    """A source system (CRM, BOSS, BI, GN, DM) and its tables."""

    name: str
    system: str
    description: str
    encoding: str
    tables: tuple[Table, ...]

    def table(self, name: str) -> Table:
        """The table called ``name`` (case-insensitive)."""
        for table in self.tables:
            if table.name == name.upper():
                return table
        raise ContractError(f"source {self.name} has no table {name!r}")


@dataclass(frozen=True)
class Contract:
    """The whole interface contract."""

    version: int
    file_pattern: str
    control_pattern: str
    delimiter: str
    code_lists: dict[str, tuple[str, ...]]
    sources: tuple[Source, ...] = field(default_factory=tuple)

    def source(self, name: str) -> Source:
        """The source called ``name`` (case-insensitive)."""
        for source in self.sources:
            if source.name == name.lower():
                return source
        known = ", ".join(s.name for s in self.sources)
        raise ContractError(f"unknown source {name!r}; known sources: {known}")

    def table(self, name: str) -> Table:
        """The table called ``name`` in whichever source holds it."""
        for source in self.sources:
            for table in source.tables:
                if table.name == name.upper():
                    return table
        raise ContractError(f"unknown table {name!r}")

    @property
    def tables(self) -> list[Table]:
        """Every table of every source, in contract order."""
        return [table for source in self.sources for table in source.tables]

    def codes(self, code_list: str) -> tuple[str, ...]:
        """The values of a closed code list."""
        try:
            return self.code_lists[code_list]
        except KeyError:
            raise ContractError(f"unknown code list {code_list!r}") from None

    def part_file_name(self, table: str, business_date: date, part: int) -> str:
        """File name of one numbered part, e.g. ``GN_TRAFFIC_20261123_001.dat.gz``."""
        return self.file_pattern.format(table=table, yyyymmdd=f"{business_date:%Y%m%d}", part=part)

    def control_file_name(self, table: str, business_date: date) -> str:
        """File name of the control file of a table and date."""
        return self.control_pattern.format(table=table, yyyymmdd=f"{business_date:%Y%m%d}")


def _parse_column(raw: dict, table: str, code_lists: dict) -> Column:
    column = Column(
        name=raw["name"],
        type=raw["type"],
        description=raw.get("description", ""),
        required=bool(raw.get("required", False)),
        codes=raw.get("codes"),
        references=raw.get("references"),
    )
    if column.type not in _SIMPLE_TYPES and not _DECIMAL.match(column.type):
        raise ContractError(f"{table}.{column.name}: unknown type {column.type!r}")
    if column.codes and column.codes not in code_lists:
        raise ContractError(f"{table}.{column.name}: unknown code list {column.codes!r}")
    return column


def _parse_table(name: str, raw: dict, source: str, encoding: str, code_lists: dict) -> Table:
    columns = tuple(_parse_column(c, name, code_lists) for c in raw["columns"])
    key = tuple(raw.get("key", []))
    names = {c.name for c in columns}
    missing = [k for k in key if k not in names]
    if missing:
        raise ContractError(f"{name}: key columns {missing} are not columns")
    # Key columns are always required: a row without its key cannot be placed.
    columns = tuple(
        Column(c.name, c.type, c.description, True, c.codes, c.references) if c.name in key else c for c in columns
    )
    return Table(
        name=name,
        source=source,
        frequency=raw["frequency"],
        delivery=raw.get("delivery", ""),
        required=bool(raw.get("required", True)),
        key=key,
        columns=columns,
        encoding=encoding,
        part_rows=int(raw.get("part_rows", 5_000_000)),
        min_parts=int(raw.get("min_parts", 1)),
    )


@cache
def load_contract(path: Path | None = None, resource: str = CONTRACT_RESOURCE) -> Contract:
    """Load and check the interface contract (cached: read once per process).

    Read as a package resource by default, so it is found inside a shipped zip archive too.
    """
    text = (
        Path(path).read_text(encoding="utf-8")
        if path
        else resources.files("telco_mart.contract").joinpath(resource).read_text(encoding="utf-8")
    )
    raw = yaml.safe_load(text)
    code_lists = {name: tuple(str(v) for v in values) for name, values in raw["code_lists"].items()}
    sources = []
    for source_name, source_raw in raw["sources"].items():
        encoding = source_raw.get("encoding", "utf-8")
        tables = tuple(
            _parse_table(table_name, table_raw, source_name, encoding, code_lists)
            for table_name, table_raw in source_raw["tables"].items()
        )
        sources.append(Source(source_name, source_raw["system"], source_raw.get("description", ""), encoding, tables))
    return Contract(
        version=int(raw["contract_version"]),
        file_pattern=raw["file_pattern"],
        control_pattern=raw["control_pattern"],
        delimiter=raw["delimiter"],
        code_lists=code_lists,
        sources=tuple(sources),
    )


def load_feedback_contract() -> Contract:
    """The contract of the channel systems' result files (``feedback.yaml``)."""
    return load_contract(resource=FEEDBACK_CONTRACT_RESOURCE)
