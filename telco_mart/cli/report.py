"""The ``telco-mart report`` command: the HTML report of one business date.

A thin shell over ``telco_mart.campaigns.reporting.report.write_report``; it reads Parquet and JSON with
pyarrow only, so it needs no Spark and answers in seconds.
"""

from __future__ import annotations

from typing import Annotated

import typer

from telco_mart.pipeline.dates import parse_business_date


def report(date: Annotated[str, typer.Option(help="Business date, YYYY-MM-DD.")]) -> None:
    """Write the HTML report of a business date (campaigns, funnel, the day's run) and print its path."""
    from telco_mart.campaigns.reporting.report import write_report
    from telco_mart.settings import DataLayout

    path = write_report(DataLayout.from_environment(), parse_business_date(date))
    typer.echo(str(path))
