"""The CLI's consoles, shared option types and argument helpers (a leaf: imports no command)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console

from telco_mart.pipeline.dates import date_range, parse_business_date

console = Console(stderr=True)
# Tables go to stdout; when piped, give them room rather than Rich's 80-column default.
output = Console() if sys.stdout.isatty() else Console(width=220)

DateOption = Annotated[str, typer.Option(help="Business date, YYYY-MM-DD.")]


def business_dates(date: str | None, start_date: str | None, end_date: str | None) -> list:
    """The dates of ``--date D`` or ``--start-date D1 --end-date D2``; refuses both or neither."""
    from telco_mart.errors import TelcoMartError

    if date and (start_date or end_date):
        raise TelcoMartError("give either --date or --start-date/--end-date, not both")
    if date:
        return [parse_business_date(date)]
    if start_date and end_date:
        return date_range(parse_business_date(start_date), parse_business_date(end_date))
    raise TelcoMartError("give --date D, or --start-date D1 and --end-date D2")
