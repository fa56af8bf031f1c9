"""The work of a run: which table-dates are due, where each lands, which carry file-level
defects, and the units (one per GN part, one per other table-date) the workers build."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from telco_mart.contract import Contract, Table
from telco_mart.settings import DataLayout
from telco_mart.synthetic.generate.builders import EVENT_TABLES, TRAFFIC_TABLE
from telco_mart.synthetic.generate.options import GenerateOptions, Window
from telco_mart.synthetic.generate.seeding import rng_for

FILE_DEFECT_KINDS = ("truncated_file", "control_mismatch", "late_file")


@dataclass(frozen=True)
class TableDate:
    """One extract to write: a table on a business date, where it lands, its file defect."""

    table: Table
    day: date
    directory: Path
    file_defect: str | None = None

    @property
    def key(self) -> tuple[str, date]:
        """Identifies the table-date."""
        return (self.table.name, self.day)


@dataclass(frozen=True)
class Unit:
    """One piece of work for a worker: a GN part (``part`` >= 1) or a whole table-date (0)."""

    table_date: TableDate
    part: int = 0
    parts: int = 1
    first_subscriber: int = 0
    last_subscriber: int = 0
    weight: int = 0  # expected rows, to start the big pieces first


def due_table_dates(contract: Contract, window: Window) -> list[tuple[Table, date]]:
    """Every (table, date) the window delivers: daily tables on the daily dates, monthly tables
    on the month ends."""
    daily = set(window.daily_dates)
    return [
        (table, day)
        for day in window.dates
        for table in contract.tables
        if (table.is_daily and day in daily) or (not table.is_daily and table.is_due(day))
    ]


def choose_file_defects(due: list[tuple[Table, date]], window: Window, options: GenerateOptions) -> dict:
    """``file_defects`` table-dates per kind, never on the last business date (whose daily run
    stays clean) nor on event tables that may be empty; daily tables first."""
    per_kind = options.file_defects_per_kind
    if per_kind == 0:
        return {}
    rng = rng_for(options.seed, "file_defects")

    def eligible(table: Table, day: date) -> bool:
        if day == window.last_date or table.name in EVENT_TABLES:
            return False
        return table.name != TRAFFIC_TABLE or options.sessions_per_day > 0

    daily = [(t.name, d) for t, d in due if t.is_daily and eligible(t, d)]
    monthly = [(t.name, d) for t, d in due if not t.is_daily and eligible(t, d)]
    ordered = [daily[i] for i in rng.permutation(len(daily))]
    ordered += [monthly[i] for i in rng.permutation(len(monthly))]
    chosen = ordered[: per_kind * len(FILE_DEFECT_KINDS)]
    return {key: FILE_DEFECT_KINDS[number % len(FILE_DEFECT_KINDS)] for number, key in enumerate(chosen)}


def table_dates(
    contract: Contract,
    layout: DataLayout,
    window: Window,
    options: GenerateOptions,
) -> list[TableDate]:
    """Every table-date of the run with its landing folder (late ones under landing_late)."""
    due = due_table_dates(contract, window)
    defects = choose_file_defects(due, window, options)
    planned = []
    for table, day in due:
        defect = defects.get((table.name, day))
        root = layout.late_landing if defect == "late_file" else layout.landing
        planned.append(TableDate(table, day, root / table.source / f"{day:%Y%m%d}", defect))
    return planned


def clear_previous(contract: Contract, layout: DataLayout, planned: list[TableDate]) -> None:
    """Remove what an earlier run left for these table-dates, on time or late, so a rerun
    replaces it whole (a table-date late last time may be on time now)."""
    for table_date in planned:
        table, day = table_date.table, table_date.day
        for root in (layout.landing, layout.late_landing):
            folder = root / table.source / f"{day:%Y%m%d}"
            if not folder.is_dir():
                continue
            for path in folder.glob(f"{table.name}_{day:%Y%m%d}_*.dat.gz"):
                path.unlink()
            (folder / contract.control_file_name(table.name, day)).unlink(missing_ok=True)
