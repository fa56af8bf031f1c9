"""The tag library commands: ``tags list|count|generate``."""

from __future__ import annotations

from typing import Annotated

import typer

from telco_mart.cli.console import console, output
from telco_mart.pipeline.dates import parse_business_date

tags_app = typer.Typer(help="The customer tag library: list tags, count target groups.", no_args_is_help=True)


@tags_app.command("list")
def tags_list(
    category: Annotated[str | None, typer.Option(help="Only this category.")] = None,
) -> None:
    """List the tags with their names, category, definition and latest coverage."""
    from telco_mart.cli.progress import print_rows
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

    from telco_mart.cli.progress import print_rows, spinner
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
