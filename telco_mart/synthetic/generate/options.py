"""What the generator is asked to make (GenerateOptions), what it made (GenerateSummary), and the
business-date window the options describe."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date

from telco_mart.synthetic.generate.dates import dates_between, is_month_end

# Above this the msisdn space of one prefix-free draw (10^8 suffixes) runs thin.
MAX_SUBSCRIBERS = 50_000_000


@dataclass(frozen=True)
class GenerateOptions:
    """Arguments of one generator run; the same options always give the same files."""

    start_date: date  # first business date of the window
    end_date: date  # last business date (inclusive)
    subscribers: int = 20_000
    sessions_per_day: int = 20  # mean GN traffic sessions per subscriber per day
    seed: int = 42
    defect_rate: float = 0.0  # share of rows given a row-level defect
    daily_days: int | None = None  # daily tables only for the last K days of the window (None: every day)
    file_defects: int | None = None  # table-dates given EACH file-level defect kind; None -> 1 if defects
    workers: int | None = None  # processes; default os.cpu_count()

    @property
    def file_defects_per_kind(self) -> int:
        """Table-dates per file-level defect kind, with the default resolved."""
        if self.file_defects is not None:
            return self.file_defects
        return 1 if self.defect_rate > 0 else 0

    @property
    def worker_count(self) -> int:
        """Worker processes, with the default resolved."""
        return self.workers or os.cpu_count() or 1


@dataclass(frozen=True)
class GenerateSummary:
    """What one run wrote."""

    files: int
    rows: int
    bytes_compressed: int
    bytes_text: int
    seconds: float
    tables: dict[str, int] = field(default_factory=dict)  # rows per table name


def check_options(options: GenerateOptions) -> None:
    """Raise ValueError, naming the option, when the options cannot describe a run."""
    if not isinstance(options.start_date, date) or not isinstance(options.end_date, date):
        raise ValueError("start_date and end_date must be datetime.date values")
    if options.end_date < options.start_date:
        start, end = options.start_date, options.end_date
        raise ValueError(f"end_date {end:%Y-%m-%d} is before start_date {start:%Y-%m-%d}")
    if not 1 <= options.subscribers <= MAX_SUBSCRIBERS:
        raise ValueError(f"subscribers must be between 1 and {MAX_SUBSCRIBERS:,}, got {options.subscribers}")
    if options.sessions_per_day < 0:
        raise ValueError(f"sessions_per_day must be 0 or more, got {options.sessions_per_day}")
    if options.seed < 0:
        raise ValueError(f"seed must be 0 or more, got {options.seed}")
    if not 0.0 <= options.defect_rate <= 0.5:
        raise ValueError(f"defect_rate must be between 0 and 0.5, got {options.defect_rate}")
    if options.daily_days is not None and options.daily_days < 1:
        raise ValueError(f"daily_days must be 1 or more, got {options.daily_days}")
    if options.file_defects is not None and options.file_defects < 0:
        raise ValueError(f"file_defects must be 0 or more, got {options.file_defects}")
    if options.workers is not None and options.workers < 1:
        raise ValueError(f"workers must be 1 or more, got {options.workers}")


@dataclass(frozen=True)
class Window:
    """The business dates of a run: all of them, those with daily tables, the month ends."""

    dates: tuple[date, ...]
    daily_dates: tuple[date, ...]
    month_end_dates: tuple[date, ...]

    @classmethod
    def of(cls, options: GenerateOptions) -> Window:
        """The window the options describe."""
        dates = tuple(dates_between(options.start_date, options.end_date))
        daily = dates if options.daily_days is None else dates[-options.daily_days :]
        return cls(dates, daily, tuple(day for day in dates if is_month_end(day)))

    @property
    def last_date(self) -> date:
        """The last business date: kept free of file-level defects so its daily run is clean."""
        return self.dates[-1]
