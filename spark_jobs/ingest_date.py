"""spark-submit entry point: ingest sources for a business date (or range) on a cluster.

    spark-submit --master spark://master:7077 --py-files telco_mart_code.zip \\
        spark_jobs/ingest_date.py --date 2026-11-23 [--source gn] [--reconcile]

The job is the package's own code path (the same as `telco-mart ingest` and the DAG task);
this file only parses arguments. See docs/cluster.md.
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, ingest, and optionally reconcile; exit 1 when reconciliation fails."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--date", help="business date YYYY-MM-DD")
    parser.add_argument("--start-date")
    parser.add_argument("--end-date")
    parser.add_argument("--source", action="append", help="only this source (repeatable)")
    parser.add_argument("--reconcile", action="store_true", help="fail when a required table is not loaded")
    parser.add_argument("--show-code-origin", action="store_true", help="print where executors import the code from")
    args = parser.parse_args(argv)

    from telco_mart.pipeline.dates import date_range, parse_business_date
    from telco_mart.pipeline.reconcile import reconcile, write_reconciliation
    from telco_mart.pipeline.run import ingest_dates
    from telco_mart.spark_session import get_spark

    if args.date:
        days = [parse_business_date(args.date)]
    else:
        days = date_range(parse_business_date(args.start_date), parse_business_date(args.end_date))
    spark = get_spark("telco-mart-ingest")
    if args.show_code_origin:
        from telco_mart.diagnostics import executor_code_origins

        for origin in sorted(executor_code_origins(spark)):
            print(f"executor code origin: {origin}")
    for result in ingest_dates(spark, days, sources=args.source, progress=print):
        for table in result.tables:
            print(
                f"{table.source}/{table.table_name} {table.business_date}: {table.status} "
                f"read={table.rows_read} accepted={table.rows_accepted} quarantined={table.rows_quarantined}"
            )
    failed = False
    if args.reconcile:
        for day in days:
            summary = reconcile(day, sources=args.source)
            write_reconciliation(summary)
            failed |= not summary.passed
            print(f"{day}: reconciliation {'passed' if summary.passed else 'FAILED: ' + '; '.join(summary.problems)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
