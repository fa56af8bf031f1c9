"""Task functions of the daily DAG; each one is the whole body of one Airflow task."""

from __future__ import annotations

from telco_mart.pipeline.dates import parse_business_date


def ingest_source_task(source: str, business_date: str) -> dict:
    """Ingest one source for one business date; returns the table outcomes for XCom."""
    from telco_mart.ingest.runner import ingest_source
    from telco_mart.spark_session import get_spark

    day = parse_business_date(business_date)
    spark = get_spark(f"telco-mart-ingest-{source}")
    result = ingest_source(spark, source, [day], progress=print)
    return {
        "run_id": result.run_id,
        "tables": {
            t.table_name: {
                "status": t.status,
                "rows_accepted": t.rows_accepted,
                "rows_quarantined": t.rows_quarantined,
                "reason": t.reason,
            }
            for t in result.tables
        },
    }


def reconcile_task(business_date: str) -> dict:
    """Write the day's ingestion summary; fail when a required table was rejected or missing."""
    from telco_mart.pipeline.reconcile import reconcile_or_fail

    result = reconcile_or_fail(parse_business_date(business_date))
    return {t.table_name: t.status for t in result.tables}


def quality_gate_task(checkpoint: str, business_date: str) -> dict:
    """Run a Great Expectations checkpoint (``raw`` or ``mart``) for the date; fail on a critical expectation."""
    from telco_mart.quality.checkpoint import run_checkpoint
    from telco_mart.settings import DataLayout
    from telco_mart.spark_session import get_spark

    spark = get_spark(f"telco-mart-quality-{checkpoint}")
    result = run_checkpoint(
        checkpoint, parse_business_date(business_date), spark, DataLayout.from_environment(), enforce=True
    )
    return result.summary()


def build_mart_task(business_date: str) -> dict:
    """Build and test the mart for the date with dbt (the only task that uses the Derby catalogue)."""
    from telco_mart.mart.build import build_mart

    build = build_mart(parse_business_date(business_date), progress=print)
    return {
        "models_built": build.models_built,
        "tests_passed": build.tests_passed,
        "daily_dates": [d.isoformat() for d in build.plan.daily_dates],
        "billing_month_ends": [d.isoformat() for d in build.plan.billing_month_ends],
    }
