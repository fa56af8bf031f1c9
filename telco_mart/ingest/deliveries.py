"""Find what has landed for a source and business dates, from the control files (driver side).

Only the control files and directory listings are read here; the parts themselves are
verified on the executors (see :mod:`telco_mart.ingest.verify`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from telco_mart.contract import Contract, Source, Table, reasons
from telco_mart.landing.control_file import ControlFileError, PartEntry, read_control_file
from telco_mart.settings import DataLayout


@dataclass(frozen=True)
class PartToCheck:
    """One part listed by a control file (or found unlisted beside it)."""

    table_name: str
    business_date: date
    part_number: int
    path: Path
    declared: PartEntry | None


@dataclass
class Delivery:
    """What landed for one table and business date, before any part is opened."""

    table: Table
    business_date: date
    control_path: Path
    parts: list[PartToCheck] = field(default_factory=list)
    status: str = "pending"  # pending -> loaded | rejected | missing
    reason: str | None = None
    reason_detail: str | None = None

    def reject(self, reason: str, detail: str) -> None:
        """Reject the whole table-date, keeping the first reason found."""
        if self.status != "rejected":
            self.status, self.reason, self.reason_detail = "rejected", reason, detail


def _is_part_of(file_name: str, table: str, business_date: date) -> bool:
    prefix = f"{table}_{business_date:%Y%m%d}_"
    return file_name.startswith(prefix) and file_name.endswith(".dat.gz")


def find_delivery(contract: Contract, layout: DataLayout, table: Table, business_date: date) -> Delivery:
    """Read the control file of one table-date and list its parts, flagging what is wrong."""
    directory = layout.landing_dir(table.source, business_date)
    control_path = directory / contract.control_file_name(table.name, business_date)
    delivery = Delivery(table, business_date, control_path)
    present = (
        sorted(p.name for p in directory.iterdir() if _is_part_of(p.name, table.name, business_date))
        if directory.is_dir()
        else []
    )
    if not control_path.exists():
        if present:
            delivery.reject(reasons.CONTROL_MISSING, f"{control_path}: parts landed without their control file")
            delivery.parts = [
                PartToCheck(table.name, business_date, n, directory / name, None)
                for n, name in enumerate(present, start=1)
            ]
        else:
            delivery.status, delivery.reason = "missing", reasons.CONTROL_MISSING
            delivery.reason_detail = f"{control_path}: not delivered"
        return delivery
    try:
        entries = read_control_file(control_path)
    except ControlFileError as error:
        delivery.reject(reasons.CONTROL_UNREADABLE, str(error))
        entries = []
    listed = {entry.file_name for entry in entries}
    for number, entry in enumerate(entries, start=1):
        path = directory / entry.file_name
        delivery.parts.append(PartToCheck(table.name, business_date, number, path, entry))
        if not path.exists():
            delivery.reject(reasons.PART_MISSING, f"{path}: listed in {control_path.name} but not landed")
    for extra in (name for name in present if name not in listed):
        delivery.parts.append(PartToCheck(table.name, business_date, len(delivery.parts) + 1, directory / extra, None))
        delivery.reject(reasons.PART_UNLISTED, f"{directory / extra}: landed but not in {control_path.name}")
    return delivery


def find_deliveries(
    contract: Contract,
    layout: DataLayout,
    source: Source,
    business_dates: list[date],
    tables: list[str] | None = None,
    frequency: str | None = None,
) -> list[Delivery]:
    """Every table-date of ``source`` due on ``business_dates``, optionally only ``tables`` or
    only tables of one ``frequency`` (``daily`` or ``monthly``)."""
    wanted = {name.upper() for name in tables} if tables else None
    return [
        find_delivery(contract, layout, table, day)
        for table in source.tables
        if (wanted is None or table.name in wanted) and (frequency is None or table.frequency == frequency)
        for day in business_dates
        if table.is_due(day)
    ]
