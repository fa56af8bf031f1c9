"""Which partitions a mart build for business date D writes.

Rolling facts (7/30-day app usage, handset changes) read the daily facts of earlier days.
Rather than reading 30 days of raw traffic every day, each day's aggregate is built once;
a build of D also builds any day of the look-back window whose daily partition is missing
but whose raw data exists (a first run, a gap after an outage), or is older than its raw
data (a late delivery re-ingested since). A run of D always rebuilds D itself, so running a
date twice gives the same result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from telco_mart.settings import DataLayout, partition_name

# The daily facts that others roll up; the window covers the longest look-back that reads them.
DAILY_FACTS = ("fct_subscriber_app_usage_daily", "fct_subscriber_handset_daily")
# A day's traffic can only be attributed with that day's subscriber snapshot.
DAILY_SOURCES = (("gn", "gn_traffic"), ("dm", "dm_subscriber_imei"), ("crm", "crm_subscriber"))
LOOKBACK_DAYS = 31
MONTHLY_FACT = "fct_subscriber_monthly_usage"
BILL_SOURCE = ("boss", "boss_bill_monthly")
BILL_LOOKBACK_MONTHS = 13


@dataclass(frozen=True)
class MartPlan:
    """The dbt vars of one mart build."""

    business_date: date
    daily_dates: tuple[date, ...]
    billing_month_ends: tuple[date, ...]

    def dbt_vars(self) -> dict:
        """The plan as dbt vars (ISO dates)."""
        return {
            "business_date": self.business_date.isoformat(),
            "daily_dates": [d.isoformat() for d in self.daily_dates],
            "billing_month_ends": [d.isoformat() for d in self.billing_month_ends],
        }


def _has_partition(folder, name: str) -> bool:
    path = folder / name
    return path.is_dir() and any(p.suffix == ".parquet" for p in path.iterdir())


def _file_times(partition) -> list[float]:
    return [p.stat().st_mtime for p in partition.iterdir() if p.suffix == ".parquet"]


def _is_current(raw_partitions: list, mart_partitions: list) -> bool:
    """Every mart partition exists and was written after the newest of its raw inputs."""
    if not all(_has_partition(p.parent, p.name) for p in mart_partitions):
        return False
    newest_input = max(t for p in raw_partitions for t in _file_times(p))
    return min(t for p in mart_partitions for t in _file_times(p)) >= newest_input


def _month_ends_before(day: date, months: int) -> list[date]:
    ends, cursor = [], day.replace(day=1) - timedelta(days=1)
    if (day + timedelta(days=1)).day == 1:
        ends.append(day)
    while len(ends) < months:
        ends.append(cursor)
        cursor = cursor.replace(day=1) - timedelta(days=1)
    return ends


def plan_mart_build(business_date: date, layout: DataLayout) -> MartPlan:
    """The plan for ``business_date``: D, the missing look-back days, and the bill months to build."""
    daily = {business_date}
    for offset in range(1, LOOKBACK_DAYS):
        day = business_date - timedelta(days=offset)
        raw_partitions = [layout.raw_table(s, t) / partition_name(day) for s, t in DAILY_SOURCES]
        if not all(_has_partition(p.parent, p.name) for p in raw_partitions):
            continue
        mart_partitions = [layout.mart / fact / f"business_date={day}" for fact in DAILY_FACTS]
        if not _is_current(raw_partitions, mart_partitions):
            daily.add(day)
    bills = layout.raw_table(*BILL_SOURCE)
    month_ends = []
    for month_end in _month_ends_before(business_date, BILL_LOOKBACK_MONTHS):
        if not _has_partition(bills, partition_name(month_end)):
            continue
        current = _is_current(
            [bills / partition_name(month_end)], [layout.mart / MONTHLY_FACT / f"billing_month={month_end:%Y-%m}"]
        )
        # The latest delivered bill is always rebuilt; older ones when missing or redelivered since.
        if not current or not month_ends:
            month_ends.append(month_end)
    return MartPlan(business_date, tuple(sorted(daily)), tuple(sorted(month_ends)))
