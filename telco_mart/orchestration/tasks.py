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
