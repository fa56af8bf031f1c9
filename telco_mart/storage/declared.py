"""Declared tables: the mart tables the Python jobs write, each declared once.

dbt declares and documents the tables it builds; the task models and the campaigns write eleven
more from Python. Each is declared in ``job_tables.yaml`` beside this module: its grain, its key,
who writes it, and every column with its Spark type and meaning. From that one declaration:

* the writers check each frame against it before publishing (a column added, dropped, renamed
  or retyped in the code fails the job, naming the table and the column, instead of silently
  changing what analysts read);
* the readers find partitions by path with no engine (:meth:`DeclaredTable.dates`,
  :meth:`DeclaredTable.latest`, :meth:`DeclaredTable.read_arrow`), and with Spark
  (:meth:`DeclaredTable.read`, :meth:`DeclaredTable.read_latest`, :meth:`DeclaredTable.read_range`);
* the dbt ``sources:`` YAML that shows them in the dbt docs, with their key tests, is rendered
  (``telco_mart.mart.dbt_sources``) and a test fails when the committed file is stale.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import yaml

from telco_mart.errors import TelcoMartError
from telco_mart.settings import DataLayout
from telco_mart.storage.keys import DATE_KEY
from telco_mart.storage.partitions import (
    PartitionMissing,
    dated_partitions,
    latest_partition_date,
    parquet_files,
    partition_path,
)

DECLARATIONS = Path(__file__).with_name("job_tables.yaml")


class DeclarationMismatch(TelcoMartError):
    """A frame about to be written does not have its table's declared columns."""


@dataclass(frozen=True)
class Column:
    """One declared column: its name, Spark SQL type and meaning."""

    name: str
    type: str
    description: str


@dataclass(frozen=True)
class DeclaredTable:
    """One mart table written by a Python job, partitioned by ``business_date``."""

    name: str
    description: str
    grain: str
    unique_key: tuple[str, ...]
    written_by: str
    columns: tuple[Column, ...]
    key: str = DATE_KEY

    @property
    def column_names(self) -> tuple[str, ...]:
        """The data columns in the order they are written (the partition key not included)."""
        return tuple(c.name for c in self.columns)

    @property
    def data_ddl(self) -> str:
        """The Spark DDL schema of the written columns (the partition key not included)."""
        return ", ".join(f"{c.name} {c.type}" for c in self.columns)

    @property
    def ddl(self) -> str:
        """The Spark DDL schema of the table as read back, the partition key as a date at the end."""
        return f"{self.data_ddl}, {self.key} date"

    def empty_frame(self, spark):
        """A Spark frame with the declared columns and no rows (a day with nothing to write)."""
        return spark.createDataFrame([], self.data_ddl)

    def folder(self, layout: DataLayout) -> Path:
        """``mart/<table>``."""
        return layout.mart / self.name

    def partition(self, layout: DataLayout, business_date: date) -> Path:
        """``mart/<table>/business_date=<date>``."""
        return partition_path(self.folder(layout), self.key, business_date)

    def dates(self, layout: DataLayout) -> list[date]:
        """The business dates with data files, oldest first (file system only)."""
        return dated_partitions(self.folder(layout), self.key, None, date.max)

    def latest(self, layout: DataLayout, on_or_before: date | None = None) -> date | None:
        """The latest business date on or before ``on_or_before`` (None: of all) with data files."""
        return latest_partition_date(self.folder(layout), self.key, on_or_before)

    def check_frame(self, frame) -> None:
        """Refuse a Spark frame whose columns (the key aside) differ from the declaration."""
        written = [(f.name, f.dataType.simpleString()) for f in frame.schema.fields if f.name != self.key]
        declared = [(c.name, c.type) for c in self.columns]
        if written == declared:
            return
        missing = [f"{n} {t}" for n, t in declared if (n, t) not in written]
        extra = [f"{n} {t}" for n, t in written if (n, t) not in declared]
        detail = f"missing {missing}, not declared {extra}" if missing or extra else "columns out of the declared order"
        raise DeclarationMismatch(f"{self.name}: the frame does not match {DECLARATIONS.name}: {detail}")

    def write(self, frame, layout: DataLayout, business_date: date, sort_by: Sequence[str], files: int = 1) -> int:
        """Check ``frame`` against the declaration, then replace the date's partition; returns the rows written."""
        from telco_mart.storage.spark_writes import write_mart_partition

        self.check_frame(frame)
        return write_mart_partition(frame, layout, self.name, business_date, sort_by, files, self.key)

    def data_files(self, layout: DataLayout, on: date) -> list[Path]:
        """The Parquet files of the partition of ``on``; refuses a date that has none."""
        files = parquet_files(self.partition(layout, on))
        if not files:
            raise PartitionMissing(f"{self.name}: no partition for {on} under {self.folder(layout)}")
        return files

    def read(self, spark, layout: DataLayout, on: date):
        """The partition of ``on`` with Spark (without the key column); refuses a date that has none."""
        self.data_files(layout, on)
        return spark.read.parquet(str(self.partition(layout, on)))

    def read_latest(self, spark, layout: DataLayout, on_or_before: date, max_age_days: int | None = None):
        """The latest partition on or before ``on_or_before`` with Spark, and its date."""
        from telco_mart.storage.spark_reads import read_latest

        return read_latest(spark, self.folder(layout), self.key, on_or_before, f"mart table {self.name}", max_age_days)

    def read_range(self, spark, layout: DataLayout, start: date | None, end: date):
        """The partitions dated ``start..end`` with Spark, the key as a date column; no rows when none."""
        from telco_mart.storage.spark_reads import read_range

        return read_range(spark, self.folder(layout), self.key, start, end, self.ddl)

    def read_arrow(self, layout: DataLayout, on: date):
        """The partition of ``on`` as a pyarrow Table, with no engine at all; refuses a missing date."""
        import pyarrow.parquet as pq

        return pq.ParquetDataset([str(f) for f in self.data_files(layout, on)]).read()


def _parse(name: str, raw: dict) -> DeclaredTable:
    columns = tuple(Column(c["name"], c["type"], c["description"].strip()) for c in raw["columns"])
    table = DeclaredTable(
        name=name,
        description=raw["description"].strip(),
        grain=raw["grain"].strip(),
        unique_key=tuple(raw["unique_key"]),
        written_by=raw["written_by"],
        columns=columns,
    )
    unknown = [k for k in table.unique_key if k not in table.column_names and k != table.key]
    if unknown:
        raise TelcoMartError(f"{DECLARATIONS.name}: {name}: unique_key names undeclared columns {unknown}")
    return table


@cache
def declared_tables() -> dict[str, DeclaredTable]:
    """Every declared table, by name, in the order of the declaration file."""
    raw = yaml.safe_load(DECLARATIONS.read_text(encoding="utf-8"))
    return {name: _parse(name, body) for name, body in raw.items()}


def declared_table(name: str) -> DeclaredTable:
    """One declared table; a one-line error naming the known ones when ``name`` is not declared."""
    tables = declared_tables()
    if name not in tables:
        raise TelcoMartError(f"{name!r} is not a declared table; declared: {', '.join(tables)}")
    return tables[name]
