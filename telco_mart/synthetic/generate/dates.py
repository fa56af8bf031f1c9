"""Calendar arithmetic for the generator: whole days and month indexes, scalar and vectorised.

Dates inside numpy arrays are whole days since 1970-01-01 (``int32``), the unit numpy's
``datetime64[D]`` uses, so conversions to text need no per-row Python.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

_EPOCH = date(1970, 1, 1)


def to_days(day: date) -> int:
    """Days since 1970-01-01."""
    return (day - _EPOCH).days


def from_days(days: int) -> date:
    """The date ``days`` after 1970-01-01."""
    return _EPOCH + timedelta(days=int(days))


def month_index(day: date) -> int:
    """A month as one integer (year * 12 + month - 1), so months subtract like numbers."""
    return day.year * 12 + day.month - 1


def month_start(month: int) -> date:
    """First day of a month index."""
    return date(month // 12, month % 12 + 1, 1)


def month_end(month: int) -> date:
    """Last day of a month index."""
    return month_start(month + 1) - timedelta(days=1)


def days_in_month(month: int) -> int:
    """Number of days in a month index."""
    return month_end(month).day


def is_month_end(day: date) -> bool:
    """Whether ``day`` is the last day of its month."""
    return (day + timedelta(days=1)).month != day.month


def dates_between(start: date, end: date) -> list[date]:
    """Every date from ``start`` to ``end`` inclusive."""
    return [start + timedelta(days=offset) for offset in range((end - start).days + 1)]


def yyyymmdd(days: np.ndarray) -> np.ndarray:
    """``int64`` yyyyMMdd of day numbers: written as plain digits, it is the contract's date text."""
    as_dates = np.asarray(days).astype("datetime64[D]")
    months = as_dates.astype("datetime64[M]")
    years = months.astype("datetime64[Y]").astype(np.int64) + 1970
    month_numbers = months.astype(np.int64) % 12 + 1
    day_numbers = (as_dates - months.astype("datetime64[D]")).astype(np.int64) + 1
    return years * 10_000 + month_numbers * 100 + day_numbers


# First day of every month from 1970 to 2199: a table lookup is many times faster than
# converting through datetime64 for the millions of contract dates computed each month.
_FIRST_TABLE_MONTH = 1970 * 12
_MONTH_STARTS = np.arange(0, 230 * 12, dtype="datetime64[M]").astype("datetime64[D]").astype(np.int64)


def month_starts_days(months: np.ndarray) -> np.ndarray:
    """Day numbers of the first day of each month index (years 1970 to 2199)."""
    return _MONTH_STARTS[np.asarray(months, dtype=np.int64) - _FIRST_TABLE_MONTH]


def month_ends_days(months: np.ndarray) -> np.ndarray:
    """Day numbers of the last day of each month index."""
    return month_starts_days(np.asarray(months, dtype=np.int64) + 1) - 1


def months_of_days(days: np.ndarray) -> np.ndarray:
    """Month index of each day number."""
    return np.asarray(days).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) + 1970 * 12
