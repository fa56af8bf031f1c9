"""Console rendering for the CLI: progress while working, tables when done (Rich)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text


@contextmanager
def progress_bar(console: Console) -> Iterator[Callable[[str, int, int], None]]:
    """A progress bar fed by ``callback(description, done, total)``."""
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    ) as progress:
        task = progress.add_task("starting", total=None)

        def update(description: str, done: int, total: int) -> None:
            progress.update(task, description=description, completed=done, total=total)

        yield update


@contextmanager
def spinner(console: Console, first_message: str) -> Iterator[Callable[[str], None]]:
    """A spinner showing the latest step; each step is also printed as a log line."""
    with console.status(first_message) as status:

        def say(message: str) -> None:
            console.log(message, markup=False)
            status.update(Text(message))

        yield say


def print_ingestion(console: Console, results, by_table: bool = False) -> None:
    """One line per table-date, or with ``by_table`` one line per table over all dates."""
    if by_table:
        table = Table("source", "table", "dates loaded", "rejected", "missing", "read", "accepted", "quarantined")
        for result in results:
            names = list(dict.fromkeys(t.table_name for t in result.tables))
            for name in names:
                rows = [t for t in result.tables if t.table_name == name]
                table.add_row(
                    result.source,
                    name,
                    *(str(sum(t.status == s for t in rows)) for s in ("loaded", "rejected", "missing")),
                    *(
                        f"{sum(getattr(t, f) for t in rows):,}"
                        for f in ("rows_read", "rows_accepted", "rows_quarantined")
                    ),
                )
        console.print(table)
        for result in results:
            for t in result.rejected:
                console.print(
                    f"rejected {t.source}/{t.table_name} {t.business_date}: {t.reason_detail}", soft_wrap=True
                )
        return
    table = Table("source", "table", "date", "status", "files", "read", "accepted", "quarantined", "reason")
    for result in results:
        for t in result.tables:
            table.add_row(
                t.source,
                t.table_name,
                str(t.business_date),
                t.status,
                str(t.files),
                f"{t.rows_read:,}",
                f"{t.rows_accepted:,}",
                f"{t.rows_quarantined:,}",
                t.reason_detail or "",
            )
    console.print(table)


def print_reconciliation(console: Console, reconciliation, verbose: bool) -> None:
    """The day's verdict, and with ``verbose`` the per-table summary."""
    if verbose:
        table = Table("source", "table", "status", "files", "read", "accepted", "quarantined", "reason")
        for t in reconciliation.tables:
            table.add_row(
                t.source,
                t.table_name,
                t.status,
                str(t.files),
                f"{t.rows_read:,}",
                f"{t.rows_accepted:,}",
                f"{t.rows_quarantined:,}",
                t.reason or "",
            )
        console.print(table)
    verdict = "[green]passed[/]" if reconciliation.passed else "[red]FAILED[/]: " + "; ".join(reconciliation.problems)
    console.print(f"{reconciliation.business_date}: reconciliation {verdict}", soft_wrap=True)


def print_audit(console: Console, rows: list[dict]) -> None:
    """Audit rows as a table."""
    table = Table("source", "table", "file", "control", "read", "accepted", "quarantined", "bytes", "status", "reason")
    for r in rows:
        table.add_row(
            r["source"],
            r["table_name"],
            r["file_name"],
            _number(r["rows_in_control"]),
            _number(r["rows_read"]),
            _number(r["rows_accepted"]),
            _number(r["rows_quarantined"]),
            _number(r["bytes"]),
            r["status"],
            r["reason"] or "",
        )
    console.print(table)
    if not rows:
        console.print("no audit rows for that date")


def print_summary(console: Console, layout, rows: list[dict]) -> None:
    """Per-table totals over the audit rows given, and where the outputs live."""
    totals: dict[tuple[str, str], dict] = {}
    for r in rows:
        entry = totals.setdefault(
            (r["source"], r["table_name"]), {"files": 0, "accepted": 0, "quarantined": 0, "rejected": 0, "missing": 0}
        )
        entry["files"] += r["status"] != "missing"
        entry["accepted"] += r["rows_accepted"]
        entry["quarantined"] += r["rows_quarantined"]
        entry["rejected"] += r["status"] == "rejected"
        entry["missing"] += r["status"] == "missing"
    table = Table(
        "source",
        "table",
        "files landed",
        "rows accepted",
        "rows quarantined",
        "files rejected",
        "table-dates missing",
        title="ingestion summary",
    )
    for (source, name), e in sorted(totals.items()):
        table.add_row(
            source,
            name,
            str(e["files"]),
            f"{e['accepted']:,}",
            f"{e['quarantined']:,}",
            str(e["rejected"]),
            str(e["missing"]),
        )
    console.print(table)
    for label, path in [
        ("landing", layout.landing),
        ("raw (Parquet)", layout.raw),
        ("quarantine", layout.quarantine),
        ("audit", layout.audit),
        ("airflow home", layout.airflow_home),
    ]:
        console.print(f"{label:>14}: {path}")


def _number(value) -> str:
    return "" if value is None else f"{value:,}"


def print_rows(console: Console, columns: list[str], rows: list[tuple]) -> None:
    """Any result set as a table (query results, tag lists, breakdowns)."""
    table = Table(*columns)
    for row in rows:
        # Values are data, not Rich markup: a `[gn]` in a stage label or a query result stays.
        table.add_row(*(Text("" if v is None else str(v)) for v in row))
    console.print(table)
