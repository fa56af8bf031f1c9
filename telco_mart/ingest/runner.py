"""Ingest one source for one or more business dates: the same code path for CLI, DAG and tests.

1. Read the control files and list the parts (driver, cheap).
2. Check every part on the executors: size, MD5, gzip integrity, encoding, rows read.
3. A table-date whose parts all pass is parsed; any failing part rejects the whole table-date,
   whose files are kept whole under ``quarantine/_rejected_files`` with the reason.
4. Parsed rows are written to staging (accepted and quarantined), then each date's partitions
   are swapped into ``raw/`` and ``quarantine/`` atomically; other dates stay untouched.
5. One audit row per file records what happened.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from telco_mart.contract import Contract, Table, load_contract, reasons
from telco_mart.ingest.audit import AuditRow, write_audit_rows
from telco_mart.ingest.deliveries import Delivery, PartToCheck, find_deliveries
from telco_mart.ingest.part_files import PartCheck
from telco_mart.ingest.spark_parts import NumberedPart, check_parts
from telco_mart.ingest.table_load import PartCounts, load_table
from telco_mart.operational_clock import operational_timestamp
from telco_mart.settings import DataLayout
from telco_mart.storage.publish import PartitionPublisher

Progress = Callable[[str], None]


@dataclass
class TableDateResult:
    """The outcome of one table and business date."""

    source: str
    table_name: str
    business_date: date
    status: str
    required: bool
    files: int = 0
    rows_read: int = 0
    rows_accepted: int = 0
    rows_quarantined: int = 0
    reason: str | None = None
    reason_detail: str | None = None


@dataclass
class IngestResult:
    """Everything one ingestion run of one source did."""

    run_id: str
    source: str
    business_dates: list[date]
    # When the run started (audit metadata): its audit rows carry it.
    started_at: datetime
    tables: list[TableDateResult] = field(default_factory=list)

    @property
    def rejected(self) -> list[TableDateResult]:
        """Table-dates rejected whole (a part failed its control check)."""
        return [t for t in self.tables if t.status == "rejected"]

    @property
    def missing(self) -> list[TableDateResult]:
        """Table-dates that were due but not delivered."""
        return [t for t in self.tables if t.status == "missing"]


def _keep_rejected_files(layout: DataLayout, delivery: Delivery) -> None:
    target = layout.rejected_files_dir(delivery.table.source, delivery.table.name, delivery.business_date)
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for path in [delivery.control_path, *(p.path for p in delivery.parts)]:
        if path.exists():
            shutil.copy2(path, target / path.name)
    reason = {"status": delivery.status, "reason": delivery.reason, "detail": delivery.reason_detail}
    (target / "REJECTED.json").write_text(json.dumps(reason, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _judge(delivery: Delivery, checks: dict[int, PartCheck], ids: dict[PartToCheck, int]) -> None:
    """Reject the table-date when any of its parts failed; the first failing part names why."""
    for part in delivery.parts:
        check = checks.get(ids[part]) if part in ids else None
        if check and check.reason:
            delivery.reject(check.reason, check.reason_detail or check.reason)
    if delivery.status == "pending":
        delivery.status = "loaded"


def _file_reason(delivery: Delivery, part, check: PartCheck | None) -> tuple[str, str]:
    """Why one file of a rejected table-date was rejected: its own fault, or a sibling's."""
    if check and check.reason:
        return check.reason, check.reason_detail or check.reason
    if not part.path.exists():
        return reasons.PART_MISSING, f"{part.path}: listed in the control file but not landed"
    if part.declared is None and delivery.reason in (reasons.CONTROL_MISSING, reasons.CONTROL_UNREADABLE):
        return delivery.reason, delivery.reason_detail or delivery.reason
    if part.declared is None:
        return reasons.PART_UNLISTED, f"{part.path}: landed but not listed in the control file"
    return reasons.SIBLING_PART_REJECTED, f"{delivery.reason}: {delivery.reason_detail}"


def _audit_rows(
    run_id: str,
    at: datetime,
    delivery: Delivery,
    checks: dict[int, PartCheck],
    ids: dict[PartToCheck, int],
    counts: dict[int, PartCounts],
) -> list[AuditRow]:
    table, day = delivery.table, delivery.business_date
    if delivery.status == "missing":
        return [
            AuditRow(
                run_id,
                at,
                table.source,
                table.name,
                day,
                delivery.control_path.name,
                None,
                None,
                None,
                0,
                0,
                None,
                None,
                "missing",
                delivery.reason,
                delivery.reason_detail,
            )
        ]
    rows = []
    for part in delivery.parts:
        part_id = ids.get(part)
        check = checks.get(part_id) if part_id is not None else None
        declared = part.declared
        rows_read = check.rows_read if check else None
        if delivery.status == "loaded":
            accepted, quarantined = counts[part_id].accepted, counts[part_id].quarantined
            reason, detail = None, None
        else:
            # A rejected file is kept whole in quarantine: all of its rows are quarantined.
            accepted, quarantined = 0, rows_read or 0
            reason, detail = _file_reason(delivery, part, check)
        rows.append(
            AuditRow(
                run_id,
                at,
                table.source,
                table.name,
                day,
                part.path.name,
                part.part_number,
                declared.row_count if declared else None,
                rows_read,
                accepted,
                quarantined,
                check.byte_size if check else None,
                check.md5 if check else None,
                delivery.status,
                reason,
                detail,
            )
        )
    return rows


def ingest_source(
    spark,
    source_name: str,
    business_dates: list[date],
    layout: DataLayout | None = None,
    contract: Contract | None = None,
    tables: list[str] | None = None,
    progress: Progress | None = None,
    frequency: str | None = None,
) -> IngestResult:
    """Ingest every table of ``source_name`` due on ``business_dates``; see the module doc."""
    layout = layout or DataLayout.from_environment()
    contract = contract or load_contract()
    source = contract.source(source_name)
    say = progress or (lambda message: None)
    run_id = uuid.uuid4().hex[:12]
    started_at = operational_timestamp()
    result = IngestResult(run_id, source.name, sorted(business_dates), started_at)

    deliveries = find_deliveries(contract, layout, source, sorted(business_dates), tables, frequency)
    numbered: list[NumberedPart] = []
    ids: dict[PartToCheck, int] = {}
    for delivery in deliveries:
        for part in delivery.parts:
            if part.path.exists():
                ids[part] = len(numbered)
                numbered.append(NumberedPart(len(numbered), part, source.encoding))
    say(f"{source.name}: checking {len(numbered)} files against their control files")
    checks = check_parts(spark, numbered)
    for delivery in deliveries:
        if delivery.status in ("pending", "rejected"):
            _judge(delivery, checks, ids)

    publisher = PartitionPublisher(spark)
    counts: dict[int, PartCounts] = {}
    by_table: dict[str, list[Delivery]] = {}
    for delivery in deliveries:
        if delivery.status == "loaded":
            by_table.setdefault(delivery.table.name, []).append(delivery)
    for table_name, loaded in by_table.items():
        table: Table = source.table(table_name)
        parts = [numbered[ids[p]] for d in loaded for p in d.parts]
        say(f"{source.name}: parsing {table_name} ({len(loaded)} dates, {len(parts)} files)")
        counts.update(load_table(spark, contract, layout, publisher, table, loaded, parts, run_id))

    audit: list[AuditRow] = []
    for delivery in deliveries:
        if delivery.status == "rejected":
            _keep_rejected_files(layout, delivery)
        rows = _audit_rows(run_id, started_at, delivery, checks, ids, counts)
        audit += rows
        result.tables.append(
            TableDateResult(
                source.name,
                delivery.table.name,
                delivery.business_date,
                delivery.status,
                delivery.table.required,
                files=len(delivery.parts) if delivery.status != "missing" else 0,
                rows_read=sum(r.rows_read or 0 for r in rows),
                rows_accepted=sum(r.rows_accepted for r in rows),
                rows_quarantined=sum(r.rows_quarantined for r in rows),
                reason=delivery.reason if delivery.status != "loaded" else None,
                reason_detail=delivery.reason_detail if delivery.status != "loaded" else None,
            )
        )
    write_audit_rows(layout, audit)
    shutil.rmtree(layout.staging / run_id, ignore_errors=True)
    return result
