"""The daily task-model run for a business date: score, evaluate every rule, write the targets.

Writes four date partitions of the mart, each replaced atomically:

* ``fct_task_scores``: every open subscriber billed in the latest bill month, the champion churn
  model's probability and its decile (1 = the riskiest tenth);
* ``fct_package_fit``: the package-fit figures of every legacy and high-value line;
* ``fct_task_targets``: one row per subscriber per sub-task that holds;
* ``fct_unmatched_handsets``: legacy lines whose handset is unknown, by TAC (never guessed).

With no champion churn model the run trains one on the mart, promotes it, and says so. With too
little history to train, the churn warning is ranked by the forwarded share alone and the
summary says why; every rule task still runs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from telco_mart.modelling.churn_model import NotEnoughHistory, feature_frame, load_churn_config, train_churn_model
from telco_mart.modelling.registry import LoadedModel, ModelRegistry
from telco_mart.modelling.scoring import score_frame, with_deciles
from telco_mart.settings import DataLayout
from telco_mart.storage.declared import declared_table
from telco_mart.tasks.config import load_task_config
from telco_mart.tasks.inputs import TaskInputs, read_task_inputs
from telco_mart.tasks.rules import OPEN_STATUSES, last_retention_results, unmatched_handsets
from telco_mart.tasks.targets import assemble_targets, package_recommendations

FIRST_RUN_PROMOTER = "telco-mart daily run"


@dataclass
class TaskRunSummary:
    """What a day's run produced."""

    business_date: str
    last_bill_month: str
    churn_model: str | None
    scored_subscribers: int
    targets_by_sub_task: dict[str, int]
    package_fit_rows: int
    legacy_lines_with_unknown_handset: int
    notes: list[str] = field(default_factory=list)

    @property
    def total_targets(self) -> int:
        """Rows of fct_task_targets."""
        return sum(self.targets_by_sub_task.values())


def ensure_churn_champion(spark, layout: DataLayout, business_date: date, notes: list[str]) -> LoadedModel | None:
    """The champion churn model; trains and promotes one when there is none (said in ``notes``),
    and returns None when the mart holds too little history to train one."""
    config = load_churn_config()
    registry = ModelRegistry(layout)
    if registry.champion(config.task) is None:
        try:
            result = train_churn_model(spark, layout, business_date, config)
        except NotEnoughHistory as reason:
            notes.append(f"no churn model: {reason}; the churn warning is ranked by the forwarded share")
            return None
        registry.promote(
            config.task,
            result.version.version,
            FIRST_RUN_PROMOTER,
            f"no champion existed: trained for {business_date} and promoted by the first daily run",
            business_date,
        )
        model_auc = result.metrics["model"]["roc_auc"]
        rule_auc = result.metrics["forwarded_share_rule"]["roc_auc"]
        notes.append(
            f"no champion churn model existed: trained {config.task}/{result.version.version} on "
            f"{', '.join(f'{m:%Y-%m}' for m in result.split.training)} (validated on {result.split.validation:%Y-%m}: "
            f"ROC AUC {model_auc:.3f} against the forwarded-share rule's {rule_auc:.3f}) and promoted it"
        )
    return registry.load_champion(config.task)


def churn_scores(inputs: TaskInputs, champion: LoadedModel) -> DataFrame:
    """The champion's probability and decile for every open subscriber billed in the latest bill month."""
    config = load_churn_config()
    open_lines = inputs.subscribers.where(F.col("status").isin(*OPEN_STATUSES)).select("subscriber_id")
    features = feature_frame(inputs, [inputs.last_bill_month]).join(open_lines, "subscriber_id")
    # Materialised once: the decile cut points and the write both read the scores, and the model
    # must not run over every subscriber twice.
    scores = score_frame(features, champion.model, config.numeric, config.categorical).localCheckpoint()
    return with_deciles(scores).select(
        "subscriber_id",
        F.lit(config.task).alias("model_task"),
        "score",
        "decile",
        F.lit(inputs.last_bill_month).alias("feature_month"),
        F.lit(champion.name).alias("model_version"),
    )


def run_task_models(
    business_date: date,
    layout: DataLayout | None = None,
    spark=None,
    progress: Callable[[str], None] = print,
) -> TaskRunSummary:
    """Score, evaluate and write the day's task tables; returns the summary (also written as JSON)."""
    from telco_mart.spark_session import get_spark

    layout = layout or DataLayout.from_environment()
    spark = spark or get_spark("telco-mart-tasks")
    config = load_task_config()
    notes: list[str] = []
    inputs = read_task_inputs(spark, layout, business_date)

    champion = ensure_churn_champion(spark, layout, business_date, notes)
    for note in notes:
        progress(note)
    scores = None
    scored = 0
    if champion is not None:
        scores_table = declared_table("fct_task_scores")
        scored = scores_table.write(
            churn_scores(inputs, champion), layout, business_date, ["model_task", "subscriber_id"]
        )
        if scored:
            scores = scores_table.read(spark, layout, on=business_date)
        progress(f"fct_task_scores: {scored:,} subscribers scored by {champion.name}")

    fit = package_recommendations(
        inputs.subscribers, inputs.monthly_usage, inputs.packages, inputs.last_bill_month, config
    ).withColumn("business_date", F.lit(business_date))
    fit_table = declared_table("fct_package_fit")
    fit_rows = fit_table.write(fit, layout, business_date, ["subscriber_id"])
    # Read back what was published, so the targets see the very rows the table holds.
    fit = fit_table.read(spark, layout, on=business_date) if fit_rows else fit.limit(0)

    last_results = last_retention_results(inputs.retention_results, business_date)
    targets = assemble_targets(
        subscribers=inputs.subscribers,
        latest_usage=inputs.latest_usage,
        last_results=last_results,
        package_fit=fit,
        churn_scores=scores,
        model_version=champion.name if champion else None,
        business_date=business_date,
        config=config,
    )
    targets_table = declared_table("fct_task_targets")
    target_rows = targets_table.write(targets, layout, business_date, ["task_code", "target_rank"])
    counts = {}
    if target_rows:
        written = targets_table.read(spark, layout, on=business_date)
        counts = {
            row["task_code"]: row["targets"]
            for row in written.groupBy("task_code").count().withColumnRenamed("count", "targets").collect()
        }
    by_sub_task = {code: int(counts.get(code, 0)) for code in config.sub_tasks}

    unknown = unmatched_handsets(inputs.subscribers, config).cache()
    unknown_lines = int(unknown.agg(F.coalesce(F.sum("subscribers"), F.lit(0))).first()[0])
    unknown_rows = declared_table("fct_unmatched_handsets").write(unknown, layout, business_date, ["tac"])
    unknown.unpersist()
    if unknown_rows:
        notes.append(
            f"{unknown_lines:,} legacy line(s) have a handset unknown to the terminal library ({unknown_rows:,} TACs, "
            "see fct_unmatched_handsets): not targeted as capable handsets"
        )
    summary = TaskRunSummary(
        business_date=business_date.isoformat(),
        last_bill_month=f"{inputs.last_bill_month:%Y-%m}",
        churn_model=champion.name if champion else None,
        scored_subscribers=scored,
        targets_by_sub_task=by_sub_task,
        package_fit_rows=fit_rows,
        legacy_lines_with_unknown_handset=unknown_lines,
        notes=notes,
    )
    summary_dir = layout.artifacts / "task_runs"
    summary_dir.mkdir(parents=True, exist_ok=True)
    (summary_dir / f"{business_date.isoformat()}.json").write_text(
        json.dumps(asdict(summary), indent=2, ensure_ascii=False), encoding="utf-8"
    )
    return summary


def format_summary(summary: TaskRunSummary, config=None) -> str:
    """The run's targets per sub-task as a table, then its notes."""
    config = config or load_task_config()
    lines = [f"Task targets for {summary.business_date} (bills of {summary.last_bill_month}):"]
    for code, count in summary.targets_by_sub_task.items():
        sub_task = config.sub_task(code)
        lines.append(f"  {sub_task.task_class:<22} {code:<30} {count:>8,}")
    lines.append(f"  {'total':<53} {summary.total_targets:>8,}")
    if summary.churn_model:
        lines.append(f"Churn model {summary.churn_model} scored {summary.scored_subscribers:,} subscribers.")
    lines.extend(f"Note: {note}" for note in summary.notes)
    return "\n".join(lines)
