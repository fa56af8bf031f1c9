"""The day: the one definition of what runs for a business date, in which order.

The daily DAG (``dags/telco_mart_daily.py``), ``telco-mart run`` and the cluster's stage runner
(``spark_jobs/run_stage.py``) all walk :data:`DAY`. Each stage is a function of a small
:class:`DayContext` (the business date, the data layout, a Spark session built on first use)
and returns a :class:`StageOutcome`; :func:`run_stage` times it and appends its
:class:`~telco_mart.pipeline.stage_records.StageRecord` whatever happens.

Waiting for deliveries is not a stage: the DAG's sensors wait, while ``telco-mart run`` ingests
what has landed and the reconciliation reports what is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from telco_mart.errors import EXPECTED_ERRORS, TelcoMartError
from telco_mart.operational_clock import operational_timestamp
from telco_mart.pipeline.dates import is_month_end
from telco_mart.pipeline.stage_records import StageRecord, append_stage_record, stage_label
from telco_mart.settings import DataLayout

Progress = Callable[[str], None]


class StageFailed(TelcoMartError):
    """A stage of the day failed; the message names the date, the stage and the reason."""

    def __init__(self, business_date: date, stage: str, reason: str) -> None:
        super().__init__(f"{business_date} {stage} failed: {reason}")
        self.business_date = business_date
        self.stage = stage
        self.reason = reason


class UnknownStage(TelcoMartError):
    """A stage name that is not part of the day."""


@dataclass
class DayContext:
    """What a stage needs: the business date, the data layout, a Spark session on first use."""

    business_date: date
    layout: DataLayout
    progress: Progress = print
    _spark: object | None = field(default=None, repr=False)

    @property
    def spark(self):
        """This process's SparkSession, started the first time a stage asks for it.

        The mart build restarts the session with the Hive catalogue (a static setting), so the
        session kept here is only reused while it is still the active one.
        """
        from pyspark.sql import SparkSession

        if self._spark is None or SparkSession.getActiveSession() is not self._spark:
            from telco_mart.spark_session import get_spark

            self._spark = get_spark("telco-mart-day", self.layout)
        return self._spark


@dataclass(frozen=True)
class StageOutcome:
    """What a stage did: rows read and written (None where rows do not apply) and a JSON-able
    summary (an Airflow task's return value)."""

    rows_in: int | None = None
    rows_out: int | None = None
    summary: dict = field(default_factory=dict)
    skipped_reason: str | None = None


@dataclass(frozen=True)
class Stage:
    """One step of the day.

    ``after`` names the stages it waits for; ``parts`` lists the independent parts it runs as
    (the sources of the ingestion, each its own Airflow task); ``applies_on``, when set, says on
    which dates it runs at all (the DAG names its guard task after that function); ``reports_failed_upstream`` marks a stage that runs even when a stage
    before it failed, to report the failure (the reconciliation).
    """

    name: str
    description: str
    run: Callable[[DayContext, str | None], StageOutcome]
    after: tuple[str, ...] = ()
    parts: Callable[[], list[str]] | None = None
    applies_on: Callable[[date], bool] | None = None
    reports_failed_upstream: bool = False

    def applies(self, business_date: date) -> bool:
        """Whether the stage runs on ``business_date`` at all."""
        return self.applies_on is None or self.applies_on(business_date)

    def part_names(self) -> list[str | None]:
        """The parts this stage runs as, or ``[None]`` for a stage run whole."""
        return list(self.parts()) if self.parts else [None]


def _sources() -> list[str]:
    from telco_mart.contract import load_contract

    return [source.name for source in load_contract().sources]


def _ingest(context: DayContext, source: str | None) -> StageOutcome:
    from telco_mart.ingest.runner import ingest_source

    names = [source] if source else _sources()
    tables = {}
    rows_in = rows_out = 0
    for name in names:
        result = ingest_source(context.spark, name, [context.business_date], context.layout, progress=context.progress)
        for table in result.tables:
            rows_in += table.rows_read
            rows_out += table.rows_accepted
            tables[table.table_name] = {
                "status": table.status,
                "rows_accepted": table.rows_accepted,
                "rows_quarantined": table.rows_quarantined,
                "reason": table.reason,
            }
    return StageOutcome(rows_in, rows_out, {"tables": tables})


def _reconcile(context: DayContext, _: str | None) -> StageOutcome:
    from telco_mart.pipeline.reconcile import reconcile_or_fail

    result = reconcile_or_fail(context.business_date, context.layout)
    return StageOutcome(
        sum(t.rows_read for t in result.tables),
        sum(t.rows_accepted for t in result.tables),
        {t.table_name: t.status for t in result.tables},
    )


def _quality_gate(checkpoint: str) -> Callable[[DayContext, str | None], StageOutcome]:
    def run(context: DayContext, _: str | None) -> StageOutcome:
        from telco_mart.quality.checkpoint import run_checkpoint

        result = run_checkpoint(checkpoint, context.business_date, context.spark, context.layout, enforce=True)
        return StageOutcome(summary=result.summary())

    return run


def _build_mart(context: DayContext, _: str | None) -> StageOutcome:
    from telco_mart.mart.build import build_mart

    build = build_mart(context.business_date, context.layout, progress=context.progress)
    return StageOutcome(
        summary={
            "models_built": build.models_built,
            "tests_passed": build.tests_passed,
            "daily_dates": [d.isoformat() for d in build.plan.daily_dates],
            "billing_month_ends": [d.isoformat() for d in build.plan.billing_month_ends],
        }
    )


def _task_models(context: DayContext, _: str | None) -> StageOutcome:
    from telco_mart.tasks.daily import format_summary, run_task_models

    summary = run_task_models(context.business_date, context.layout, context.spark, progress=context.progress)
    context.progress(format_summary(summary))
    return StageOutcome(
        summary.scored_subscribers,
        summary.total_targets,
        {
            "targets_by_sub_task": summary.targets_by_sub_task,
            "churn_model": summary.churn_model,
            "scored_subscribers": summary.scored_subscribers,
            "notes": summary.notes,
        },
    )


def _campaigns(context: DayContext, _: str | None) -> StageOutcome:
    from telco_mart.campaigns.daily import format_day_summary, run_campaign_day

    summary = run_campaign_day(context.spark, context.layout, context.business_date, progress=context.progress)
    context.progress(format_day_summary(summary))
    return StageOutcome(
        summary.feedback.get("rows_read"),
        summary.contacts,
        {
            "contacts": summary.contacts,
            "control_subjects": summary.control_subjects,
            "exports": {e["channel"]: e["rows"] for e in summary.exports},
            "feedback": {k: summary.feedback.get(k) for k in ("rows_read", "rows_accepted", "rows_quarantined")},
        },
    )


def _retrain_churn_challenger(context: DayContext, _: str | None) -> StageOutcome:
    from telco_mart.modelling.churn_model import (
        challenger_skip_reason,
        format_metrics,
        load_churn_config,
        train_churn_model,
    )

    config = load_churn_config()
    reason = challenger_skip_reason(context.layout, context.business_date, config)
    if reason:
        context.progress(reason)
        return StageOutcome(summary={"challenger": None}, skipped_reason=reason)
    result = train_churn_model(context.spark, context.layout, context.business_date, config)
    version = result.version.version
    context.progress(format_metrics(result.metrics, result.split.validation))
    context.progress(
        f"challenger {config.task}/{version} registered; compare with `telco-mart models compare {config.task} "
        f"{version}` and promote with `telco-mart models promote {config.task} {version} --by <name>`"
    )
    return StageOutcome(
        result.training_rows,
        None,
        {"challenger": version, "roc_auc": result.metrics["model"]["roc_auc"]},
    )


DAY: tuple[Stage, ...] = (
    Stage(
        "ingest",
        "check each delivered part against its control file, quarantine bad rows, publish raw/ atomically",
        _ingest,
        parts=_sources,
    ),
    Stage(
        "reconcile",
        "the day's ingestion summary; fails when a required table was rejected or missing",
        _reconcile,
        after=("ingest",),
        reports_failed_upstream=True,
    ),
    Stage("quality_raw", "the Great Expectations raw gate", _quality_gate("raw"), after=("reconcile",)),
    Stage("build_mart", "dbt build of the mart and the tag library for the date", _build_mart, after=("quality_raw",)),
    Stage("quality_mart", "the Great Expectations mart gate", _quality_gate("mart"), after=("build_mart",)),
    Stage(
        "task_models",
        "churn scores, package fit and the six task models' targets",
        _task_models,
        after=("quality_mart",),
    ),
    Stage(
        "campaigns",
        "channel feedback, effect, contact policy and channel exports",
        _campaigns,
        after=("task_models",),
    ),
    Stage(
        "retrain_churn_challenger",
        "on a month end, a churn challenger trained and registered (a person promotes it)",
        _retrain_churn_challenger,
        after=("task_models",),
        applies_on=is_month_end,
    ),
)
STAGE_NAMES: tuple[str, ...] = tuple(stage.name for stage in DAY)


def stage_named(name: str) -> Stage:
    """The stage called ``name``; refuses a name that is not part of the day."""
    for stage in DAY:
        if stage.name == name:
            return stage
    raise UnknownStage(f"unknown stage {name!r}: the day's stages are {', '.join(STAGE_NAMES)}")


def stages_between(first: str | None = None, last: str | None = None) -> list[Stage]:
    """The stages from ``first`` through ``last`` (both included; default the whole day), in order."""
    start = STAGE_NAMES.index(stage_named(first).name) if first else 0
    end = STAGE_NAMES.index(stage_named(last).name) if last else len(DAY) - 1
    if start > end:
        raise UnknownStage(f"stage {first} comes after {last}: the day runs {', '.join(STAGE_NAMES)}")
    return list(DAY[start : end + 1])


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def record_skip(context: DayContext, stage: Stage, entry_point: str) -> str:
    """Record that ``stage`` does not run on the context's date; returns the reason recorded."""
    reason = f"does not run on {context.business_date}"
    now = operational_timestamp()
    append_stage_record(
        context.layout,
        StageRecord(stage.name, None, context.business_date, "skipped", now, now, None, None, reason, entry_point),
    )
    return reason


def run_stage(context: DayContext, stage: Stage, part: str | None = None, entry_point: str = "cli") -> StageOutcome:
    """Run one stage (or one part of it) for the context's date and record it.

    A stage that does not apply on the date is recorded as skipped. A failure is recorded with
    its reason, then raised again unchanged, so callers can tell expected failures from others.
    """
    if not stage.applies(context.business_date):
        return StageOutcome(skipped_reason=record_skip(context, stage, entry_point))
    started = operational_timestamp()

    def record(state: str, outcome: StageOutcome, reason: str | None) -> None:
        append_stage_record(
            context.layout,
            StageRecord(
                stage.name,
                part,
                context.business_date,
                state,
                started,
                operational_timestamp(),
                outcome.rows_in,
                outcome.rows_out,
                reason,
                entry_point,
            ),
        )

    try:
        outcome = stage.run(context, part)
    except BaseException as error:
        record("failed", StageOutcome(), _one_line(error))
        raise
    record("skipped" if outcome.skipped_reason else "succeeded", outcome, outcome.skipped_reason)
    return outcome


def run_day(
    context: DayContext,
    stages: list[Stage] | None = None,
    entry_point: str = "cli",
    on_stage: Callable[[Stage, str | None], None] | None = None,
) -> dict[str, StageOutcome]:
    """Walk ``stages`` (default the whole day) in order for the context's date, every part of
    each; the first failure stops the day and is raised as :class:`StageFailed`."""
    outcomes: dict[str, StageOutcome] = {}
    for stage in stages or list(DAY):
        for part in stage.part_names():
            if on_stage:
                on_stage(stage, part)
            label = stage_label(stage.name, part)
            try:
                outcomes[label] = run_stage(context, stage, part, entry_point)
            except Exception as error:
                expected = isinstance(error, EXPECTED_ERRORS)
                reason = _one_line(error) if expected else f"{type(error).__name__}: {_one_line(error)}"
                raise StageFailed(context.business_date, label, reason) from error
    return outcomes


def run_days(
    business_dates: list[date],
    layout: DataLayout,
    stages: list[Stage] | None = None,
    progress: Progress = print,
    entry_point: str = "cli",
    on_stage: Callable[[date, Stage, str | None], None] | None = None,
) -> None:
    """Run the day for each date in turn, every stage of a date before the next date starts,
    on one Spark session; the first failure stops the range (:class:`StageFailed`)."""
    spark = None
    for business_date in business_dates:
        context = DayContext(business_date, layout, progress, spark)
        run_day(
            context,
            stages,
            entry_point,
            (lambda stage, part, day=business_date: on_stage(day, stage, part)) if on_stage else None,
        )
        spark = context._spark
