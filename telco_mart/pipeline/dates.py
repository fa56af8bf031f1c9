"""Business dates: parsing and ranges (never the wall clock)."""

from __future__ import annotations

from datetime import date, timedelta

from telco_mart.errors import TelcoMartError


def parse_business_date(text: str) -> date:
    """``YYYY-MM-DD`` or ``YYYYMMDD`` to a date, with a clear error otherwise."""
    cleaned = text.strip()
    try:
        if len(cleaned) == 8 and cleaned.isdigit():
            return date(int(cleaned[:4]), int(cleaned[4:6]), int(cleaned[6:]))
        return date.fromisoformat(cleaned[:10])
    except ValueError:
        raise TelcoMartError(f"not a business date: {text!r} (expected YYYY-MM-DD)") from None


def date_range(start: date, end: date) -> list[date]:
    """Every date from ``start`` to ``end`` inclusive."""
    if end < start:
        raise TelcoMartError(f"end date {end} is before start date {start}")
    return [start + timedelta(days=offset) for offset in range((end - start).days + 1)]


def is_month_end(day: date) -> bool:
    """Whether ``day`` is the last day of its month (monthly extracts arrive on it)."""
    return (day + timedelta(days=1)).month != day.month


def previous_month_end(day: date) -> date:
    """The last day of the month before ``day``'s month."""
    return day.replace(day=1) - timedelta(days=1)


def latest_complete_month(day: date) -> date:
    """First day of the latest month whose last day is on or before ``day``."""
    return day.replace(day=1) if is_month_end(day) else previous_month_end(day).replace(day=1)
