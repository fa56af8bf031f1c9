"""The day's commands: generate, ingest, run, quality, runs, audit, summary, deliver-late, contract-docs."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from telco_mart.cli.console import DateOption, business_dates, console, output
from telco_mart.pipeline.dates import date_range, parse_business_date


def generate(
    end_date: DateOption,
    start_date: Annotated[
        str | None, typer.Option(help="First business date (default: first day of the month 11 months before end).")
    ] = None,
    subscribers: Annotated[int, typer.Option(min=1)] = 20_000,
    sessions_per_day: Annotated[int, typer.Option(min=0, help="Mean traffic sessions per subscriber a day.")] = 20,
    seed: int = 42,
    defect_rate: Annotated[float, typer.Option(min=0.0, max=0.5, help="Share of rows given a labelled defect.")] = 0.0,
    daily_days: Annotated[int | None, typer.Option(min=1, help="Write daily tables only for the last K days.")] = None,
    file_defects: Annotated[
        int | None, typer.Option(min=0, help="Table-dates given each file-level defect kind.")
    ] = None,
    workers: Annotated[int | None, typer.Option(min=1)] = None,
) -> None:
    """Write synthetic source extracts in the interface contract under landing/."""
    from telco_mart.cli.progress import progress_bar
    from telco_mart.settings import DataLayout
    from telco_mart.synthetic.generate import GenerateOptions
    from telco_mart.synthetic.generate import generate as run_generator

    end = parse_business_date(end_date)
    start = parse_business_date(start_date) if start_date else _months_before(end, 11)
    options = GenerateOptions(
        start, end, subscribers, sessions_per_day, seed, defect_rate, daily_days, file_defects, workers
    )
    layout = DataLayout.from_environment()
    with progress_bar(console) as progress:
        summary = run_generator(layout, options, progress)
    output.print(
        f"generated {summary.files} files, {summary.rows:,} rows in {summary.seconds:.1f} s "
        f"({summary.rows / max(summary.seconds, 1e-9):,.0f} rows/s) under {layout.landing}"
    )


def _months_before(day, months: int):
    month_index = day.year * 12 + day.month - 1 - months
    return day.replace(year=month_index // 12, month=month_index % 12 + 1, day=1)


def ingest(
    date: Annotated[str | None, typer.Option(help="One business date.")] = None,
    start_date: Annotated[str | None, typer.Option(help="First date of a range (history load).")] = None,
    end_date: Annotated[str | None, typer.Option(help="Last date of a range.")] = None,
    source: Annotated[list[str] | None, typer.Option(help="Only these sources (repeatable).")] = None,
    frequency: Annotated[
        str | None, typer.Option(help="Only daily or only monthly tables (e.g. a history of month ends).")
    ] = None,
) -> None:
    """Ingest a business date (or a range) outside Airflow: the same code path as the DAG's tasks.

    Rejected and missing table-dates are reported, not treated as a command failure; the
    day's verdict is the reconciliation of `telco-mart run`.
    """
    from telco_mart.cli.progress import print_ingestion, spinner
    from telco_mart.errors import TelcoMartError
    from telco_mart.pipeline.run import ingest_dates
    from telco_mart.spark_session import get_spark

    days = business_dates(date, start_date, end_date)
    if frequency not in (None, "daily", "monthly"):
        raise TelcoMartError(f"--frequency must be daily or monthly, not {frequency!r}")
    with spinner(console, "starting Spark") as say:
        spark = get_spark("telco-mart-ingest")
        results = ingest_dates(spark, days, sources=source, progress=say, frequency=frequency)
    print_ingestion(output, results, by_table=len(days) > 1)


def run(
    date: Annotated[str | None, typer.Option(help="One business date.")] = None,
    start_date: Annotated[str | None, typer.Option(help="First date of a range.")] = None,
    end_date: Annotated[str | None, typer.Option(help="Last date of a range.")] = None,
    from_stage: Annotated[str | None, typer.Option("--from", help="Start at this stage.")] = None,
    through: Annotated[str | None, typer.Option(help="Stop after this stage.")] = None,
) -> None:
    """Run the day the DAG runs, stage by stage: ingest, reconcile, quality_raw, build_mart,
    quality_mart, task_models, campaigns, and on month ends retrain_churn_challenger.

    It ingests what has landed without waiting (the DAG's sensors wait) and the reconciliation
    reports what is missing. A range runs every stage of a date before the next date; the first
    failure stops it with exit 1, naming the date, stage and reason. Each stage is recorded
    under audit/runs/ (`telco-mart runs --date D`).
    """
    from telco_mart.cli.progress import spinner
    from telco_mart.pipeline.day import run_days, stages_between
    from telco_mart.pipeline.stage_records import stage_label
    from telco_mart.settings import DataLayout

    stages = stages_between(from_stage, through)  # an unknown stage fails before anything runs
    days = business_dates(date, start_date, end_date)
    with spinner(console, f"{days[0]}: {stages[0].name}") as say:

        def started(business_date, stage, part) -> None:
            say(f"{business_date}: {stage_label(stage.name, part)}")
            console.print(f"{business_date} {stage_label(stage.name, part)}: {stage.description}", markup=False)

        run_days(days, DataLayout.from_environment(), stages, progress=say, on_stage=started)
    output.print(
        f"{len(days)} day(s) done, {days[0]}..{days[-1]}: {', '.join(s.name for s in stages)}"
        f" (telco-mart runs --date {days[-1]})",
        highlight=False,
    )


class QualityGate(StrEnum):
    """The two quality gates of the day."""

    raw = "raw"
    mart = "mart"


def quality(
    checkpoint: Annotated[QualityGate, typer.Argument(help="The gate: raw or mart.")],
    date: DateOption,
) -> None:
    """Run one quality gate (the Great Expectations raw or mart checkpoint) for a date; exit 1 when
    a critical expectation fails."""
    from telco_mart.cli.progress import spinner
    from telco_mart.pipeline.day import DayContext, run_day, stage_named
    from telco_mart.settings import DataLayout

    checkpoint = checkpoint.value
    with spinner(console, f"quality gate {checkpoint} {date}") as say:
        context = DayContext(parse_business_date(date), DataLayout.from_environment(), say)
        outcome = run_day(context, [stage_named(f"quality_{checkpoint}")])[f"quality_{checkpoint}"]
    summary = outcome.summary
    output.print(
        f"quality gate {checkpoint} {date}: passed, {summary['expectations']} expectations, "
        f"{len(summary['warnings'])} warning(s)",
        highlight=False,
    )
    for warning in summary["warnings"]:
        output.print(f"  warning: {warning}", highlight=False)
    if summary["data_docs_index"]:
        output.print(f"Data Docs: {summary['data_docs_index']}", highlight=False)


def runs(date: DateOption) -> None:
    """The stage records of a business date: stage, state, start, duration, rows in and out, reason."""
    from telco_mart.cli.progress import print_rows
    from telco_mart.pipeline.stage_records import read_stage_records
    from telco_mart.settings import DataLayout

    records = read_stage_records(DataLayout.from_environment(), parse_business_date(date))
    if not records:
        output.print(f"no stage records for {date}")
        return
    print_rows(
        output,
        ["stage", "state", "started (UTC)", "seconds", "rows in", "rows out", "from", "reason"],
        [
            (
                r.label,
                r.state,
                f"{r.started_at:%Y-%m-%d %H:%M:%S}",
                f"{r.seconds:.1f}",
                "" if r.rows_in is None else f"{r.rows_in:,}",
                "" if r.rows_out is None else f"{r.rows_out:,}",
                r.entry_point,
                r.reason or "",
            )
            for r in records
        ],
    )


def audit(
    date: DateOption,
    all_runs: Annotated[bool, typer.Option("--all-runs", help="Every run, not only the latest per table.")] = False,
) -> None:
    """Show the ingestion audit rows of a business date as a table."""
    from telco_mart.cli.progress import print_audit
    from telco_mart.ingest.audit import read_audit
    from telco_mart.settings import DataLayout

    rows = read_audit(DataLayout.from_environment(), parse_business_date(date), latest_only=not all_runs)
    print_audit(output, rows.to_pylist())


def summary(
    start_date: DateOption,
    end_date: DateOption,
) -> None:
    """Where the outputs are, and files landed, rows accepted and quarantined per table."""
    from telco_mart.cli.progress import print_summary
    from telco_mart.ingest.audit import read_audit
    from telco_mart.settings import DataLayout

    layout = DataLayout.from_environment()
    days = set(date_range(parse_business_date(start_date), parse_business_date(end_date)))
    rows = [r for r in read_audit(layout).to_pylist() if r["business_date"] in days]
    print_summary(output, layout, rows)


def deliver_late(date: DateOption) -> None:
    """Move extracts held back as late (landing_late/) into landing/, as if they just arrived."""
    from telco_mart.landing.late import deliver_late_files
    from telco_mart.settings import DataLayout

    moved = deliver_late_files(DataLayout.from_environment(), parse_business_date(date))
    output.print(f"delivered {len(moved)} late files for {date}")


def contract_docs(
    out: Annotated[Path, typer.Option(help="Markdown file to write.")] = Path("docs/interfaces.md"),
) -> None:
    """Render the interface contract to Markdown (docs/interfaces.md)."""
    from telco_mart.contract.render import render_markdown

    out.write_text(render_markdown(), encoding="utf-8")
    output.print(f"wrote {out}")
