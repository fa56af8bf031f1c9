"""Benchmark the synthetic generator: rows/s, MB/s of text, MB written and peak memory.

Default: 1,000,000 subscribers with one day of 50 GN sessions each (about 50 M traffic rows),
which must take under two minutes on 2 cores (at least 500,000 rows/s overall).

    .venv/bin/python benchmarks/bench_generate.py [--subscribers N] [--sessions-per-day S]
        [--days D] [--data-root DIR] [--seed SEED] [--workers W] [--defect-rate R]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

# A mid-month date: only the daily tables are due, as on most business dates.
LAST_DATE = date(2026, 11, 23)


def _peak_megabytes(who: int) -> float:
    # ru_maxrss is in KiB on Linux (bytes on macOS).
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(who).ru_maxrss * scale / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=1_000_000)
    parser.add_argument("--sessions-per-day", type=int, default=50)
    parser.add_argument("--days", type=int, default=1)
    parser.add_argument("--data-root", type=Path, help="default: a temporary folder, removed after")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--defect-rate", type=float, default=0.0)
    args = parser.parse_args()

    from telco_mart.settings import DataLayout
    from telco_mart.synthetic.generate import GenerateOptions, generate

    root = args.data_root or Path(tempfile.mkdtemp(prefix="bench_generate_"))
    options = GenerateOptions(
        start_date=LAST_DATE - timedelta(days=args.days - 1),
        end_date=LAST_DATE,
        subscribers=args.subscribers,
        sessions_per_day=args.sessions_per_day,
        seed=args.seed,
        workers=args.workers,
        defect_rate=args.defect_rate,
    )
    print(
        f"generating {args.subscribers:,} subscribers x {args.sessions_per_day} sessions x {args.days} day(s)"
        f" under {root} ...",
        flush=True,
    )
    try:
        summary = generate(DataLayout(root), options)
    finally:
        if args.data_root is None:
            shutil.rmtree(root, ignore_errors=True)
    seconds = summary.seconds
    print(f"rows            {summary.rows:,}")
    print(f"files           {summary.files:,}")
    print(f"seconds         {seconds:.1f}")
    print(f"rows/s          {summary.rows / seconds:,.0f}")
    text_mb = summary.bytes_text / 1e6
    print(f"text MB/s       {text_mb / seconds:,.1f}  ({text_mb:,.0f} MB of text)")
    print(f"MB written      {summary.bytes_compressed / 1e6:,.0f}  (gzip)")
    print(
        f"peak RSS MB     parent {_peak_megabytes(resource.RUSAGE_SELF):,.0f}, "
        f"largest worker {_peak_megabytes(resource.RUSAGE_CHILDREN):,.0f}"
    )
    for table, rows in sorted(summary.tables.items(), key=lambda item: -item[1]):
        print(f"  {table:26s} {rows:>12,}")


if __name__ == "__main__":
    main()
