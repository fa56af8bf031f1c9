"""The ``telco-mart`` command line: generate, ingest, run, audit, and friends.

Each command is a thin shell over a package function, so the CLI, the Airflow DAG and the
tests exercise the same code. Errors print one line naming the file, row and reason; the
full traceback only with ``--debug``.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from telco_mart.pipeline.dates import date_range, parse_business_date

app = typer.Typer(
    help="telco-mart: batch data mart for a mobile operator's precision marketing.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console(stderr=True)
# Tables go to stdout; when piped, give them room rather than Rich's 80-column default.
output = Console() if sys.stdout.isatty() else Console(width=220)

DateOption = Annotated[str, typer.Option(help="Business date, YYYY-MM-DD.")]


@app.callback()
def _main(debug: Annotated[bool, typer.Option("--debug", help="Show full tracebacks on errors.")] = False) -> None:
    """telco-mart: batch data mart for a mobile operator's precision marketing."""


@app.command()
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
    from telco_mart.cli_progress import progress_bar
    from telco_mart.generate import GenerateOptions
    from telco_mart.generate import generate as run_generator
    from telco_mart.settings import DataLayout

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


@app.command()
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
    from telco_mart.cli_progress import print_ingestion, spinner
    from telco_mart.errors import TelcoMartError
    from telco_mart.pipeline.run import ingest_dates
    from telco_mart.spark_session import get_spark

    days = _business_dates(date, start_date, end_date)
    if frequency not in (None, "daily", "monthly"):
        raise TelcoMartError(f"--frequency must be daily or monthly, not {frequency!r}")
    with spinner(console, "starting Spark") as say:
        spark = get_spark("telco-mart-ingest")
        results = ingest_dates(spark, days, sources=source, progress=say, frequency=frequency)
    print_ingestion(output, results, by_table=len(days) > 1)


def _business_dates(date: str | None, start_date: str | None, end_date: str | None) -> list:
    from telco_mart.errors import TelcoMartError

    if date and (start_date or end_date):
        raise TelcoMartError("give either --date or --start-date/--end-date, not both")
    if date:
        return [parse_business_date(date)]
    if start_date and end_date:
        return date_range(parse_business_date(start_date), parse_business_date(end_date))
    raise TelcoMartError("give --date D, or --start-date D1 and --end-date D2")


@app.command()
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
    from telco_mart.cli_progress import spinner
    from telco_mart.pipeline.day import run_days, stages_between
    from telco_mart.settings import DataLayout

    stages = stages_between(from_stage, through)  # an unknown stage fails before anything runs
    days = _business_dates(date, start_date, end_date)
    with spinner(console, f"{days[0]}: {stages[0].name}") as say:

        def started(business_date, stage, part) -> None:
            say(f"{business_date}: {stage.name}{f'[{part}]' if part else ''}")
            console.print(f"{business_date} {stage.name}{f'[{part}]' if part else ''}: {stage.description}")

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


@app.command()
def quality(
    checkpoint: Annotated[QualityGate, typer.Argument(help="The gate: raw or mart.")],
    date: DateOption,
) -> None:
    """Run one quality gate (the Great Expectations raw or mart checkpoint) for a date; exit 1 when
    a critical expectation fails."""
    from telco_mart.cli_progress import spinner
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


@app.command()
def runs(date: DateOption) -> None:
    """The stage records of a business date: stage, state, start, duration, rows in and out, reason."""
    from telco_mart.cli_progress import print_rows
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


@app.command()
def audit(
    date: DateOption,
    all_runs: Annotated[bool, typer.Option("--all-runs", help="Every run, not only the latest per table.")] = False,
) -> None:
    """Show the ingestion audit rows of a business date as a table."""
    from telco_mart.cli_progress import print_audit
    from telco_mart.ingest.audit import read_audit
    from telco_mart.settings import DataLayout

    rows = read_audit(DataLayout.from_environment(), parse_business_date(date), latest_only=not all_runs)
    print_audit(output, rows.to_pylist())


@app.command()
def summary(
    start_date: DateOption,
    end_date: DateOption,
) -> None:
    """Where the outputs are, and files landed, rows accepted and quarantined per table."""
    from telco_mart.cli_progress import print_summary
    from telco_mart.ingest.audit import read_audit
    from telco_mart.settings import DataLayout

    layout = DataLayout.from_environment()
    days = set(date_range(parse_business_date(start_date), parse_business_date(end_date)))
    rows = [r for r in read_audit(layout).to_pylist() if r["business_date"] in days]
    print_summary(output, layout, rows)


@app.command("deliver-late")
def deliver_late(date: DateOption) -> None:
    """Move extracts held back as late (landing_late/) into landing/, as if they just arrived."""
    from telco_mart.landing.late import deliver_late_files
    from telco_mart.settings import DataLayout

    moved = deliver_late_files(DataLayout.from_environment(), parse_business_date(date))
    output.print(f"delivered {len(moved)} late files for {date}")


@app.command("contract-docs")
def contract_docs(
    out: Annotated[Path, typer.Option(help="Markdown file to write.")] = Path("docs/interfaces.md"),
) -> None:
    """Render the interface contract to Markdown (docs/interfaces.md)."""
    from telco_mart.contract.render import render_markdown

    out.write_text(render_markdown(), encoding="utf-8")
    output.print(f"wrote {out}")


mart_app = typer.Typer(help="Build and document the dbt mart.", no_args_is_help=True)
tags_app = typer.Typer(help="The customer tag library: list tags, count target groups.", no_args_is_help=True)
app.add_typer(mart_app, name="mart")
app.add_typer(tags_app, name="tags")


def _register_task_model_commands() -> None:
    from telco_mart.cli_models import lookup, models_app, tasks_app

    app.add_typer(models_app, name="models")
    app.add_typer(tasks_app, name="tasks")
    app.command("lookup")(lookup)


@mart_app.command("build")
def mart_build(
    date: DateOption,
    select: Annotated[str | None, typer.Option(help="dbt selection, e.g. 'dim_subscriber+'.")] = None,
) -> None:
    """Build and test the mart (dbt build) for a business date; exit 1 naming failed models or tests."""
    import time

    from telco_mart.cli_progress import spinner
    from telco_mart.mart.build import build_mart

    started = time.perf_counter()
    with spinner(console, "starting Spark and dbt") as say:
        build = build_mart(parse_business_date(date), select=select, progress=say)
    output.print(
        f"mart {date}: {build.models_built} models built, {build.tests_passed} tests passed "
        f"in {time.perf_counter() - started:.0f} s"
    )


@mart_app.command("sources")
def mart_sources() -> None:
    """Regenerate the dbt source declarations from the interface contract."""
    from telco_mart.mart.dbt_sources import write_sources

    for path in write_sources():
        output.print(f"wrote {path}")


@mart_app.command("docs")
def mart_docs(date: DateOption) -> None:
    """Generate the dbt docs site (under $TELCO_MART_HOME/dbt/target)."""
    from telco_mart.mart.build import generate_docs
    from telco_mart.mart.dbt_run import dbt_environment
    from telco_mart.settings import DataLayout

    generate_docs(parse_business_date(date))
    target = dbt_environment(DataLayout.from_environment())["DBT_TARGET_PATH"]
    output.print(f"dbt docs in {target}/index.html (serve with: dbt docs serve --target-path {target})")


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="One read-only query over the mart tables.")],
    date: Annotated[str | None, typer.Option(help="Show the mart as of this business date (default latest).")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Rows to print.")] = 50,
    csv: Annotated[
        Path | None, typer.Option(help="Write every row of the result to this CSV file (UTF-8, header) instead.")
    ] = None,
) -> None:
    """Query the mart (masked; latest business date; `<table>_history` for every date)."""
    from telco_mart.cli_progress import print_rows, spinner
    from telco_mart.mart.query import run_query
    from telco_mart.settings import DataLayout
    from telco_mart.spark_session import get_spark

    as_of = parse_business_date(date) if date else None  # a bad date fails before Spark starts
    with spinner(console, "starting Spark"):
        spark = get_spark("telco-mart-sql")
    result_df = run_query(spark, DataLayout.from_environment(), query, as_of)
    if csv is not None:
        # An analyst's extract is small (an aggregate or one campaign's subjects): one file via pandas.
        frame = result_df.toPandas()
        csv.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(csv, index=False, encoding="utf-8")
        output.print(f"wrote {len(frame):,} rows to {csv}", highlight=False)
        return
    print_rows(output, result_df.columns, [tuple(r) for r in result_df.limit(limit).collect()])


@tags_app.command("list")
def tags_list(
    category: Annotated[str | None, typer.Option(help="Only this category.")] = None,
) -> None:
    """List the tags with their names, category, definition and latest coverage."""
    from telco_mart.cli_progress import print_rows
    from telco_mart.settings import DataLayout
    from telco_mart.tags.counting import tag_list

    rows = tag_list(DataLayout.from_environment(), category)
    coverage_date = rows[0]["coverage_date"] if rows else None
    print_rows(
        output,
        ["id", "name_zh", "name_en", "category", "type", "definition", f"coverage {coverage_date or '(not built)'}"],
        [
            (
                r["id"],
                r["name_zh"],
                r["name_en"],
                r["category"],
                r["value_type"],
                r["definition"],
                "" if r["coverage_share"] is None else f"{r['coverage_share']:.1%} ({r['coverage_count']:,})",
            )
            for r in rows
        ],
    )
    output.print(f"{len(rows)} tags")


@tags_app.command("count")
def tags_count(
    expressions: Annotated[
        list[str],
        typer.Argument(
            help="One or more target groups, e.g. \"interest_video and not is_dnd and city in ('taiyuan')\""
        ),
    ],
    date: Annotated[str | None, typer.Option(help="Count on this business date (default latest).")] = None,
) -> None:
    """Trial-count target groups: subscribers matching each, with the breakdown by city and value segment."""
    import time

    from telco_mart.cli_progress import print_rows, spinner
    from telco_mart.settings import DataLayout
    from telco_mart.spark_session import get_spark
    from telco_mart.tags.counting import TargetGroupCounter, checked_target_group

    for expression in expressions:
        checked_target_group(expression)  # a malformed expression fails before Spark starts
    started = time.perf_counter()
    with spinner(console, "starting Spark and opening the tags"):
        counter = TargetGroupCounter(
            get_spark("telco-mart-tags"), DataLayout.from_environment(), parse_business_date(date) if date else None
        )
    startup = time.perf_counter() - started
    output.print(f"Spark start-up and opening fct_subscriber_tags of {counter.business_date}: {startup:.1f} s")
    for expression in expressions:
        result = counter.count(expression)
        share = result.matched / result.subscribers if result.subscribers else 0.0
        output.print(f"\n{expression}\n{result.matched:,} of {result.subscribers:,} subscribers ({share:.1%})")
        print_rows(output, ["city", "subscribers"], [(k or "(none)", f"{v:,}") for k, v in result.by_city])
        print_rows(
            output, ["value_segment", "subscribers"], [(k or "(none)", f"{v:,}") for k, v in result.by_value_segment]
        )
        output.print(f"counted in {result.seconds:.2f} s")


@tags_app.command("generate")
def tags_generate() -> None:
    """Check the tag library and regenerate its dbt models (commit them; a mart build refuses stale ones)."""
    from telco_mart.tags.dbt_models import generate_tag_models

    for path in generate_tag_models():
        output.print(f"wrote {path}")


_register_task_model_commands()


def _register_campaign_commands() -> None:
    from telco_mart.cli_campaigns import campaigns_app
    from telco_mart.cli_effect import effect
    from telco_mart.cli_report import report

    app.add_typer(campaigns_app, name="campaigns")
    app.command("effect")(effect)
    app.command("report")(report)


_register_campaign_commands()


# Exit codes of every command: 0 success, 1 an expected error (bad input, a failed stage),
# 2 a usage error (Typer's own message), 130 interrupted (Ctrl-C).
EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())


def run_cli(arguments: list[str]) -> int:
    """Run the app on ``arguments``; returns the exit code, having printed any error on one line."""
    from typer.exceptions import TyperException

    from telco_mart.contract import ContractError
    from telco_mart.errors import TelcoMartError
    from telco_mart.landing.control_file import ControlFileError

    debug = "--debug" in arguments
    try:
        result = app(args=arguments, prog_name="telco-mart", standalone_mode=False)
    except TyperException as error:  # a usage error: Typer's own message and exit code
        error.show()
        return error.exit_code
    except typer.Exit as exit_:
        return exit_.exit_code
    except (typer.Abort, KeyboardInterrupt):
        console.print("interrupted")
        return EXIT_INTERRUPTED
    except (TelcoMartError, ContractError, ControlFileError, FileNotFoundError, ValueError) as error:
        if debug:
            raise
        console.print(f"[bold red]error:[/] {_one_line(error)}", highlight=False, soft_wrap=True)
        return EXIT_ERROR
    except Exception as error:  # an unexpected failure: one line, the traceback with --debug
        if debug:
            raise
        console.print(
            f"[bold red]error:[/] {type(error).__name__}: {_one_line(error)} (run with --debug for the traceback)",
            highlight=False,
            soft_wrap=True,
        )
        return EXIT_ERROR
    # Without standalone mode, Typer returns an Exit's code instead of raising it.
    return result if isinstance(result, int) else EXIT_OK


def main() -> None:
    """Entry point of the ``telco-mart`` command."""
    sys.exit(run_cli(sys.argv[1:]))
