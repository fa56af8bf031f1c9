"""The mart commands: ``mart build|sources|docs|check-job-tables`` and ``sql``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from telco_mart.cli.console import DateOption, console, output
from telco_mart.pipeline.dates import parse_business_date

mart_app = typer.Typer(help="Build and document the dbt mart.", no_args_is_help=True)


@mart_app.command("build")
def mart_build(
    date: DateOption,
    select: Annotated[str | None, typer.Option(help="dbt selection, e.g. 'dim_subscriber+'.")] = None,
) -> None:
    """Build and test the mart (dbt build) for a business date; exit 1 naming failed models or tests."""
    import time

    from telco_mart.cli.progress import spinner
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
    """Regenerate the dbt source declarations from the interface contract and the declared job tables."""
    from telco_mart.mart.dbt_sources import write_job_tables_source, write_sources

    for path in [*write_sources(), write_job_tables_source()]:
        output.print(f"wrote {path}")


@mart_app.command("check-job-tables")
def mart_check_job_tables(date: DateOption) -> None:
    """Run the key tests of the tables the task models and campaigns wrote for the date (dbt test)."""
    from telco_mart.mart.build import check_job_tables
    from telco_mart.settings import DataLayout

    run = check_job_tables(parse_business_date(date), DataLayout.from_environment())
    passed = sum(1 for n in run.nodes if n.status == "pass")
    output.print(f"job tables {date}: {passed} tests passed")


@mart_app.command("docs")
def mart_docs(date: DateOption) -> None:
    """Generate the dbt docs site (under $TELCO_MART_HOME/dbt/target)."""
    from telco_mart.mart.build import generate_docs
    from telco_mart.mart.dbt_run import dbt_environment
    from telco_mart.settings import DataLayout

    generate_docs(parse_business_date(date))
    target = dbt_environment(DataLayout.from_environment())["DBT_TARGET_PATH"]
    output.print(f"dbt docs in {target}/index.html (serve with: dbt docs serve --target-path {target})")


def sql(
    query: Annotated[str, typer.Argument(help="One read-only query over the mart tables.")],
    date: Annotated[str | None, typer.Option(help="Show the mart as of this business date (default latest).")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Rows to print.")] = 50,
    csv: Annotated[
        Path | None, typer.Option(help="Write every row of the result to this CSV file (UTF-8, header) instead.")
    ] = None,
) -> None:
    """Query the mart (masked; latest business date; `<table>_history` for every date)."""
    from telco_mart.cli.progress import print_rows, spinner
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
