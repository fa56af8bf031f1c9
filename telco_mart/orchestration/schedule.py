"""The business date of a DAG run, from its parameter, its logical date or when it was triggered."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from telco_mart.pipeline.dates import parse_business_date

# The operator's day: a business date runs from midnight to midnight in this zone.
BUSINESS_TIMEZONE = "Asia/Shanghai"


def business_date_of(override: str | None, logical_date: datetime | None, run_after: datetime) -> str:
    """The run's business date, ``YYYY-MM-DD``: the ``business_date`` parameter when given,
    else the logical date in the business time zone, else (a manual run triggered without a
    logical date) the day before the run was triggered, the last complete day."""
    if override:
        return parse_business_date(str(override)).isoformat()
    moment = logical_date if logical_date is not None else run_after - timedelta(days=1)
    return moment.astimezone(ZoneInfo(BUSINESS_TIMEZONE)).date().isoformat()
