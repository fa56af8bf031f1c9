"""The Airflow side of the day: each task of the daily DAG runs one stage of
:data:`telco_mart.pipeline.day.DAY` through these two functions.

A failure that cannot change on a retry (bad input, a failed data test or quality gate, a
rejected delivery: every :class:`~telco_mart.errors.TelcoMartError` and malformed value) fails
the task at once with ``AirflowFailException``, without spending the task's retries; only
other errors (a lost executor, a full disk, a network blip) are retried.
"""

from __future__ import annotations

from telco_mart.errors import EXPECTED_ERRORS
from telco_mart.pipeline.dates import parse_business_date
from telco_mart.pipeline.stage_records import stage_label


def _context(business_date: str):
    from telco_mart.pipeline.day import DayContext
    from telco_mart.settings import DataLayout

    return DayContext(parse_business_date(business_date), DataLayout.from_environment(), print)


def run_stage_task(stage: str, business_date: str, part: str | None = None) -> dict:
    """Run one stage (or one part of it) for the business date; returns its summary for XCom."""
    from airflow.sdk.exceptions import AirflowFailException

    from telco_mart.pipeline.day import run_stage, stage_named

    try:
        outcome = run_stage(_context(business_date), stage_named(stage), part, entry_point="airflow")
    except EXPECTED_ERRORS as error:
        raise AirflowFailException(f"{stage_label(stage, part)} {business_date}: {error}") from error
    return {
        "rows_in": outcome.rows_in,
        "rows_out": outcome.rows_out,
        "skipped_reason": outcome.skipped_reason,
        **outcome.summary,
    }


def stage_applies_task(stage: str, business_date: str) -> bool:
    """Whether the stage runs on the date; when it does not, its skip is recorded."""
    from telco_mart.pipeline.day import record_skip, stage_named

    context = _context(business_date)
    definition = stage_named(stage)
    if definition.applies(context.business_date):
        return True
    record_skip(context, definition, "airflow")
    return False
