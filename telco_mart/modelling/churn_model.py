"""Train, evaluate and compare the churn model on the mart.

Time-based validation: the model is fitted on the labelled months before the latest one and
judged on the latest labelled month, the month a model promoted today would face next. On that
month it is measured against two references: the forwarded-minutes share used as a score (the
business rule the model must clearly beat) and the generator's own churn probability from its
truth file (the oracle, which no model can pass: it knows the hidden traits). Real data has no
oracle; the report then says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from telco_mart.errors import TelcoMartError
from telco_mart.modelling.churn_features import KEY_COLUMNS, churn_features, churn_labels, labelled_months
from telco_mart.modelling.estimator import build_classifier
from telco_mart.modelling.metrics import ranking_metrics
from telco_mart.modelling.registry import LoadedModel, ModelRegistry, ModelVersion
from telco_mart.settings import PROJECT_DIR, DataLayout
from telco_mart.storage.partitions import partition_dates
from telco_mart.tasks.inputs import MONTH_KEY, TaskInputs, read_task_inputs

CHURN_CONFIG_PATH = PROJECT_DIR / "models" / "churn.yaml"
CHURN_TASK = "churn"
RULE_SCORE = "forwarded_share_m0"


class NotEnoughHistory(TelcoMartError):
    """The mart holds too few labelled months to train or evaluate the churn model."""


@dataclass(frozen=True)
class ChurnModelConfig:
    """``models/churn.yaml``."""

    task: str
    horizon_months: int
    training_months: int
    max_training_rows: int
    seed: int
    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    params: dict[str, Any]

    @property
    def features(self) -> list[str]:
        """Every feature column, numeric first."""
        return [*self.numeric, *self.categorical]


@cache
def load_churn_config(path: Path = CHURN_CONFIG_PATH) -> ChurnModelConfig:
    """The churn model's definition."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return ChurnModelConfig(
        task=raw["task"],
        horizon_months=int(raw["horizon_months"]),
        training_months=int(raw["training_months"]),
        max_training_rows=int(raw["max_training_rows"]),
        seed=int(raw["seed"]),
        numeric=tuple(raw["features"]["numeric"]),
        categorical=tuple(raw["features"]["categorical"]),
        params=dict(raw.get("params") or {}),
    )


@dataclass(frozen=True)
class MonthSplit:
    """The months a training run fits on and validates on."""

    training: tuple[date, ...]
    validation: date


def month_split(layout: DataLayout, last_bill_month: date, config: ChurnModelConfig) -> MonthSplit:
    """Training months (up to ``training_months`` before the latest labelled one) and the latest
    labelled month, from the churn snapshots in the mart up to ``last_bill_month``."""
    snapshots = [
        m for m in partition_dates(layout.mart / "fct_subscriber_churn_status", MONTH_KEY) if m <= last_bill_month
    ]
    billed = set(partition_dates(layout.mart / "fct_subscriber_monthly_usage", MONTH_KEY))
    labelled = [m for m in labelled_months(snapshots, config.horizon_months) if m in billed]
    if len(labelled) < 2:
        raise NotEnoughHistory(
            f"the churn model needs at least two labelled months (a bill and a churn snapshot {config.horizon_months} "
            f"months later), the mart has {len(labelled)} up to {last_bill_month:%Y-%m} "
            f"(churn snapshots: {', '.join(f'{m:%Y-%m}' for m in snapshots) or 'none'}): ingest more month ends"
        )
    return MonthSplit(tuple(labelled[:-1][-config.training_months :]), labelled[-1])


def feature_frame(inputs: TaskInputs, months: list[date]) -> DataFrame:
    """The churn features of the given months from a date's inputs: the one call that training,
    evaluation and daily scoring share, so a model never scores features it was not trained on."""
    return churn_features(inputs.monthly_usage, inputs.subscribers, inputs.packages, months, inputs.contracts)


def labelled_dataset(inputs: TaskInputs, months: list[date], config: ChurnModelConfig) -> DataFrame:
    """Features and labels of the given months (subscribers active at M with a known outcome)."""
    features = feature_frame(inputs, months)
    labels = churn_labels(inputs.churn_status, months, config.horizon_months)
    return features.join(labels, list(KEY_COLUMNS))


def _to_pandas(frame: DataFrame, config: ChurnModelConfig, max_rows: int | None) -> pd.DataFrame:
    if max_rows is not None:
        rows = frame.count()
        if rows > max_rows:
            # A stable hashed sample: the same rows on every run, whatever the partitioning.
            bucket = F.abs(F.xxhash64("subscriber_id", "feature_month")) % F.lit(1_000_000)
            frame = frame.where(bucket < F.lit(int(1_000_000 * max_rows / rows)))
    columns = [*KEY_COLUMNS, *config.features, "churned"]
    data = frame.select(*columns).toPandas()
    data = data.sort_values(list(KEY_COLUMNS), kind="mergesort").reset_index(drop=True)
    for name in config.numeric:
        data[name] = data[name].astype("float64")
    for name in config.categorical:
        data[name] = data[name].astype("object")
    return data


def oracle_scores(layout: DataLayout, month: date) -> pd.DataFrame | None:
    """The generator's own P(churn within two months) per subscriber at ``month``, if its truth file exists."""
    path = layout.truth / "churn_probability.parquet"
    if not path.is_file():
        return None
    truth = pd.read_parquet(path, columns=["stat_month", "subscriber_id", "churn_probability"])
    truth = truth[pd.to_datetime(truth["stat_month"]).dt.date == month.replace(day=1)]
    return truth[["subscriber_id", "churn_probability"]] if len(truth) else None


def evaluate_month(data: pd.DataFrame, model_scores: dict[str, np.ndarray], layout: DataLayout, month: date) -> dict:
    """Metrics of each named score, the rule and the oracle, on one labelled month."""
    y = data["churned"].to_numpy()
    report: dict[str, Any] = {name: ranking_metrics(y, scores) for name, scores in model_scores.items()}
    report["forwarded_share_rule"] = ranking_metrics(y, data[RULE_SCORE].fillna(0.0).to_numpy())
    oracle = oracle_scores(layout, month)
    if oracle is None:
        report["oracle"] = None
    else:
        joined = data[["subscriber_id", "churned"]].merge(oracle, on="subscriber_id", how="inner")
        report["oracle"] = ranking_metrics(joined["churned"].to_numpy(), joined["churn_probability"].to_numpy())
    return report


@dataclass
class TrainingResult:
    """A trained and registered churn model and its report."""

    version: ModelVersion
    split: MonthSplit
    metrics: dict[str, Any]
    training_rows: int
    validation_rows: int
    notes: list[str] = field(default_factory=list)


def train_churn_model(
    spark, layout: DataLayout, business_date: date, config: ChurnModelConfig | None = None
) -> TrainingResult:
    """Fit the churn model on the mart as of ``business_date``, evaluate it, register it (not promoted)."""
    config = config or load_churn_config()
    inputs = read_task_inputs(spark, layout, business_date)
    split = month_split(layout, inputs.last_bill_month, config)
    train = _to_pandas(labelled_dataset(inputs, list(split.training), config), config, config.max_training_rows)
    valid = _to_pandas(labelled_dataset(inputs, [split.validation], config), config, None)
    if train["churned"].nunique() < 2:
        raise NotEnoughHistory(f"the training months {[f'{m:%Y-%m}' for m in split.training]} hold one class only")
    # A feature with no value in the training months (a short history has no bills 3-5 months
    # back) teaches nothing and breaks the booster's binning: it is left out and recorded.
    numeric = [name for name in config.numeric if train[name].notna().any()]
    empty = [name for name in config.numeric if name not in numeric]
    model = build_classifier(numeric, list(config.categorical), seed=config.seed, params=config.params)
    model.fit(train[[*numeric, *config.categorical]], train["churned"].to_numpy())
    probability = model.predict_proba(valid[config.features])[:, 1]
    metrics = evaluate_month(valid, {"model": probability}, layout, split.validation)
    metadata = {
        "trained_for_date": business_date.isoformat(),
        "data_window": {
            "training_months": [f"{m:%Y-%m}" for m in split.training],
            "validation_month": f"{split.validation:%Y-%m}",
            "label": f"churned by the end of month M+{config.horizon_months} (BI churn status)",
        },
        "parameters": {**config.params, "seed": config.seed},
        "features": {"numeric": numeric, "categorical": list(config.categorical), "left_out_empty": empty},
        "training_rows": len(train),
        "training_positives": int(train["churned"].sum()),
        "validation_rows": len(valid),
        "metrics": metrics,
    }
    version = ModelRegistry(layout).register(config.task, model, metadata, f"v{business_date:%Y%m%d}")
    notes = [f"left out {', '.join(empty)}: no value in the training months"] if empty else []
    return TrainingResult(version, split, metrics, len(train), len(valid), notes)


def challenger_skip_reason(
    layout: DataLayout, business_date: date, config: ChurnModelConfig | None = None
) -> str | None:
    """Why no challenger should be trained for ``business_date``, or None when one should.

    A challenger is the month's new candidate beside the champion; when the champion itself was
    trained for this very date (the first daily run promotes one), a second fit on the same data
    would only be a copy of it.
    """
    config = config or load_churn_config()
    registry = ModelRegistry(layout)
    champion = registry.champion(config.task)
    if champion and registry.get(config.task, champion).metadata.get("trained_for_date") == business_date.isoformat():
        return f"the champion {config.task}/{champion} was trained for {business_date}: no challenger needed"
    return None


def compare_models(
    spark, layout: DataLayout, business_date: date, versions: list[str], config: ChurnModelConfig | None = None
) -> tuple[date, dict[str, Any]]:
    """Metrics of several registered versions on the same, latest labelled month (with the rule and oracle)."""
    config = config or load_churn_config()
    inputs = read_task_inputs(spark, layout, business_date)
    month = month_split(layout, inputs.last_bill_month, config).validation
    data = _to_pandas(labelled_dataset(inputs, [month], config), config, None)
    registry = ModelRegistry(layout)
    scores = {}
    for version in versions:
        loaded: LoadedModel = registry.load(config.task, version)
        scores[version] = loaded.model.predict_proba(data[config.features])[:, 1]
    return month, evaluate_month(data, scores, layout, month)


def format_metrics(metrics: dict[str, Any], month: date) -> str:
    """The metrics as a table: one line per score, the rule and the oracle last."""
    lines = [
        f"Latest labelled month {month:%Y-%m}: churned by the end of the month two later.",
        f"{'score':<34} {'rows':>8} {'churned':>8} {'ROC AUC':>8} {'PR AUC':>8} {'lift@10%':>9}",
    ]
    for name, values in metrics.items():
        label = {
            "forwarded_share_rule": "rule: forwarded-minutes share",
            "oracle": "oracle: generator's own probability",
        }.get(name, name)
        if values is None:
            lines.append(f"{label:<34} {'(no truth file: real data has no oracle)':>45}")
            continue
        lines.append(
            f"{label:<34} {values['rows']:>8,} {values['positives']:>8,} {values['roc_auc']:>8.3f} "
            f"{values['pr_auc']:>8.3f} {values['lift_at_10pct']:>9.2f}"
        )
    return "\n".join(lines)
