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
from pathlib import Path

from telco_mart.pipeline.dates import is_month_end, previous_month_end
from telco_mart.settings import DataLayout
from telco_mart.storage.keys import DATE_KEY, MONTH_KEY, RAW_KEY
from telco_mart.storage.partitions import parquet_files, partition_path

# The daily facts that others roll up; the window covers the longest look-back that reads them.
DAILY_FACTS = ("fct_subscriber_app_usage_daily", "fct_subscriber_handset_daily", "fct_retention_results")
# A day's traffic can only be attributed with that day's subscriber snapshot.
DAILY_SOURCES = (("gn", "gn_traffic"), ("dm", "dm_subscriber_imei"), ("crm", "crm_subscriber"))
LOOKBACK_DAYS = 31
# The monthly facts and their raw inputs: the bills, and BI's churn status (the churn label).
MONTHLY_FACTS = {
    "fct_subscriber_monthly_usage": ("boss", "boss_bill_monthly"),
    "fct_subscriber_churn_status": ("bi", "bi_churn_status"),
}
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


def _is_current(raw_partitions: list[Path], mart_partitions: list[Path]) -> bool:
    """Every mart partition holds data written after the newest file of its raw inputs."""
    mart_files = [parquet_files(p) for p in mart_partitions]
    if not all(mart_files):
        return False
    newest_input = max(f.stat().st_mtime for p in raw_partitions for f in parquet_files(p))
    return min(f.stat().st_mtime for files in mart_files for f in files) >= newest_input


def _month_ends_before(day: date, months: int) -> list[date]:
    """``months`` month ends, newest first: ``day`` itself when it is one, then the earlier ones."""
    ends, cursor = ([day] if is_month_end(day) else []), previous_month_end(day)
    while len(ends) < months:
        ends.append(cursor)
        cursor = previous_month_end(cursor)
    return ends


def plan_mart_build(business_date: date, layout: DataLayout) -> MartPlan:
    """The plan for ``business_date``: D, the missing look-back days, and the bill months to build."""
    daily = {business_date}
    for offset in range(1, LOOKBACK_DAYS):
        day = business_date - timedelta(days=offset)
        raw_partitions = [partition_path(layout.raw_table(s, t), RAW_KEY, day) for s, t in DAILY_SOURCES]
        if not all(parquet_files(p) for p in raw_partitions):
            continue
        mart_partitions = [partition_path(layout.mart / fact, DATE_KEY, day) for fact in DAILY_FACTS]
        if not _is_current(raw_partitions, mart_partitions):
            daily.add(day)
    month_ends = []
    for month_end in _month_ends_before(business_date, BILL_LOOKBACK_MONTHS):
        pairs = [
            (
                partition_path(layout.raw_table(*source), RAW_KEY, month_end),
                partition_path(layout.mart / fact, MONTH_KEY, month_end),
            )
            for fact, source in MONTHLY_FACTS.items()
        ]
        delivered = [(raw, mart) for raw, mart in pairs if parquet_files(raw)]
        if not delivered:
            continue
        current = all(_is_current([raw], [mart]) for raw, mart in delivered)
        # The latest delivered bill is always rebuilt; older ones when missing or redelivered since.
        if not current or not month_ends:
            month_ends.append(month_end)
    return MartPlan(business_date, tuple(sorted(daily)), tuple(sorted(month_ends)))
