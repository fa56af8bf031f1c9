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


def task_models_task(business_date: str) -> dict:
    """Score the churn model (training a first champion if there is none) and write the day's task targets."""
    from telco_mart.tasks.daily import format_summary, run_task_models

    summary = run_task_models(parse_business_date(business_date), progress=print)
    print(format_summary(summary))
    return {
        "targets_by_sub_task": summary.targets_by_sub_task,
        "churn_model": summary.churn_model,
        "scored_subscribers": summary.scored_subscribers,
        "notes": summary.notes,
    }


def retrain_challenger_task(business_date: str) -> dict:
    """Train a churn challenger on the new month's data; a person compares and promotes it."""
    from telco_mart.modelling.churn_model import format_metrics, load_churn_config, train_churn_model
    from telco_mart.modelling.registry import ModelRegistry
    from telco_mart.settings import DataLayout
    from telco_mart.spark_session import get_spark

    day = parse_business_date(business_date)
    layout = DataLayout.from_environment()
    task = load_churn_config().task
    registry = ModelRegistry(layout)
    champion = registry.champion(task)
    if champion and registry.get(task, champion).metadata.get("trained_for_date") == day.isoformat():
        print(f"the champion {task}/{champion} was trained for {day} today: no challenger needed")
        return {"challenger": None, "champion": champion}
    result = train_churn_model(get_spark("telco-mart-retrain"), layout, day)
    print(format_metrics(result.metrics, result.split.validation))
    print(
        f"challenger {task}/{result.version.version} registered; compare with "
        f"`telco-mart models compare {task} {result.version.version}` and promote with "
        f"`telco-mart models promote {task} {result.version.version} --by <name>`"
    )
    return {"challenger": result.version.version, "champion": champion, "roc_auc": result.metrics["model"]["roc_auc"]}


def campaign_day_task(business_date: str) -> dict:
    """Ingest the channel results, measure the effect, and send the active campaigns' contacts
    through the contact policy into the channel exports."""
    from telco_mart.campaigns.daily import format_day_summary, run_campaign_day
    from telco_mart.settings import DataLayout
    from telco_mart.spark_session import get_spark

    summary = run_campaign_day(
        get_spark("telco-mart-campaigns"),
        DataLayout.from_environment(),
        parse_business_date(business_date),
        progress=print,
    )
    print(format_day_summary(summary))
    return {
        "contacts": summary.contacts,
        "control_subjects": summary.control_subjects,
        "exports": {e["channel"]: e["rows"] for e in summary.exports},
        "feedback": {k: summary.feedback.get(k) for k in ("rows_read", "rows_accepted", "rows_quarantined")},
    }
