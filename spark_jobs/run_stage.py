"""spark-submit entry point: run stages of the day for a business date (or range) on a cluster.

    spark-submit --master spark://master:7077 --py-files telco_mart_code.zip \\
        spark_jobs/run_stage.py --date 2026-11-30 [--stage ingest --part gn | --from X --through Y]

It walks the same definition of the day as the DAG and `telco-mart run`
(`telco_mart.pipeline.day.DAY`) and records each stage under audit/runs/; this file only parses
arguments. Exit 0 when every stage succeeded, 1 when one failed (the first failure stops a
range), 2 on bad arguments. See docs/cluster.md.
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and run the chosen stages; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--date", help="business date YYYY-MM-DD")
    parser.add_argument("--start-date")
    parser.add_argument("--end-date")
    parser.add_argument("--stage", help="run only this stage")
    parser.add_argument("--part", help="only this part of the stage (a source of the ingestion)")
    parser.add_argument("--from", dest="first", help="start at this stage")
    parser.add_argument("--through", help="stop after this stage")
    parser.add_argument("--show-code-origin", action="store_true", help="print where executors import the code from")
    args = parser.parse_args(argv)
    if bool(args.date) == bool(args.start_date and args.end_date):
        parser.error("give --date D, or --start-date D1 and --end-date D2")
    if args.stage and (args.first or args.through):
        parser.error("give --stage, or --from/--through, not both")

    from telco_mart.errors import TelcoMartError
    from telco_mart.pipeline.dates import date_range, parse_business_date
    from telco_mart.pipeline.day import DayContext, run_days, run_stage, stage_named, stages_between
    from telco_mart.settings import DataLayout

    layout = DataLayout.from_environment()
    try:
        if args.date:
            days = [parse_business_date(args.date)]
        else:
            days = date_range(parse_business_date(args.start_date), parse_business_date(args.end_date))
        if args.show_code_origin:
            from telco_mart.diagnostics import executor_code_origins

            context = DayContext(days[0], layout)
            for origin in sorted(executor_code_origins(context.spark)):
                print(f"executor code origin: {origin}")
        if args.part:
            if not args.stage:
                parser.error("--part needs --stage")
            stage = stage_named(args.stage)
            for day in days:
                run_stage(DayContext(day, layout), stage, args.part, entry_point="spark-submit")
        else:
            stages = [stage_named(args.stage)] if args.stage else stages_between(args.first, args.through)
            run_days(days, layout, stages, entry_point="spark-submit")
    except (TelcoMartError, ValueError) as error:
        print(f"error: {' '.join(str(error).split())}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
