"""The marketing knowledge base and the acceptance propensity that arbitration reads.

``fct_marketing_cases`` keeps every matured, reconciled contact with the subscriber's features
as they were on the contact date, the offer, the channel and whether it succeeded: the
successful cases are the knowledge base the next campaign learns from. Once there are enough
cases, a propensity model (the project's calibrated gradient boosting, ``build_classifier``)
is trained on them, cross-validated, registered as ``acceptance_propensity`` and promoted
when it ranks better than chance by a margin; arbitration then scores each candidate with it
instead of the campaign's expected rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from sklearn.model_selection import StratifiedKFold

from telco_mart.campaigns.tables import PROPENSITY_CATEGORICAL, PROPENSITY_NUMERIC, TREATMENT
from telco_mart.modelling.estimator import build_classifier, limit_threads
from telco_mart.modelling.metrics import ranking_metrics
from telco_mart.modelling.registry import ModelRegistry
from telco_mart.modelling.scoring import score_frame

PROPENSITY_TASK = "acceptance_propensity"
MIN_CASES, MIN_SUCCESSES = 300, 20
# A model must beat chance by this much in cross-validation before arbitration trusts it.
MIN_ROC_AUC = 0.55
MAX_TRAINING_ROWS = 500_000
SEED = 20261124
PARAMS = {"max_iter": 150, "calibration": "sigmoid", "calibration_folds": 3, "min_samples_leaf": 20}


@dataclass(frozen=True)
class PropensityOutcome:
    """What the day's look at the knowledge base did."""

    cases: int
    successes: int
    version: str | None
    roc_auc: float | None
    promoted: bool
    note: str


def marketing_cases(outcomes: DataFrame) -> DataFrame:
    """Matured, reconciled treatment contacts with their features at contact time and the label."""
    return outcomes.where((F.col("arm") == TREATMENT) & F.col("is_matured") & F.col("is_reconciled")).select(
        "contact_id",
        "contact_date",
        "campaign_id",
        "subscriber_id",
        "channel",
        "task_code",
        "offer_package_id",
        *PROPENSITY_NUMERIC,
        "value_segment",
        "is_reached",
        "is_success",
        "success_date",
    )


def _cross_validated_auc(frame, label) -> float:
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=SEED)
    scores = np.zeros(len(frame))
    for train, test in folds.split(frame, label):
        model = build_classifier(list(PROPENSITY_NUMERIC), list(PROPENSITY_CATEGORICAL), seed=SEED, params=PARAMS)
        model.fit(frame.iloc[train], label[train])
        scores[test] = model.predict_proba(frame.iloc[test])[:, 1]
    return float(ranking_metrics(label, scores)["roc_auc"])


def refresh_propensity(cases: DataFrame, registry: ModelRegistry, day: date) -> PropensityOutcome:
    """Train, register and (when good enough) promote a propensity model on the cases.

    Skipped when the champion was already trained on as many cases (nothing new to learn)."""
    counts = cases.agg(F.count(F.lit(1)).alias("n"), F.sum(F.col("is_success").cast("long")).alias("s")).first()
    n, s = int(counts["n"] or 0), int(counts["s"] or 0)
    if n < MIN_CASES or s < MIN_SUCCESSES or n - s < MIN_SUCCESSES:
        note = f"{n} cases ({s} successes): the campaigns' expected rates stay in use until {MIN_CASES} cases and {MIN_SUCCESSES} successes"
        return PropensityOutcome(n, s, None, None, False, note)
    champion = registry.champion_on(PROPENSITY_TASK, day)
    if champion and registry.get(PROPENSITY_TASK, champion).metadata.get("cases", 0) >= n:
        return PropensityOutcome(n, s, champion, None, False, f"champion {champion} already learnt from {n} cases")
    sample = cases.orderBy("contact_id").limit(MAX_TRAINING_ROWS).toPandas()
    frame = sample[[*PROPENSITY_NUMERIC, *PROPENSITY_CATEGORICAL]]
    label = sample["is_success"].astype(int).to_numpy()
    with limit_threads(2):
        auc = _cross_validated_auc(frame, label)
        model = build_classifier(list(PROPENSITY_NUMERIC), list(PROPENSITY_CATEGORICAL), seed=SEED, params=PARAMS)
        model.fit(frame, label)
    metadata = {
        "cases": n,
        "successes": s,
        "roc_auc_cv": auc,
        "trained_for_date": day.isoformat(),
        "numeric": list(PROPENSITY_NUMERIC),
        "categorical": list(PROPENSITY_CATEGORICAL),
    }
    version = registry.register(PROPENSITY_TASK, model, metadata, f"v{day:%Y%m%d}").version
    promoted = auc >= MIN_ROC_AUC
    if promoted:
        registry.promote(
            PROPENSITY_TASK, version, "campaign-daily", f"cross-validated ROC AUC {auc:.3f} on {n} cases", day
        )
    verdict = "promoted" if promoted else f"kept out of arbitration (needs ROC AUC >= {MIN_ROC_AUC})"
    return PropensityOutcome(
        n, s, version, auc, promoted, f"{PROPENSITY_TASK}/{version}: ROC AUC {auc:.3f} on {n} cases, {verdict}"
    )


def score_propensity(candidates: DataFrame, registry: ModelRegistry, day: date) -> tuple[DataFrame | None, str | None]:
    """(campaign_id, subscriber_id, model_propensity) for the candidates from the champion in
    effect on ``day``, or (None, None) when there is none. A candidate is scored for its first channel."""
    version = registry.champion_on(PROPENSITY_TASK, day)
    if version is None:
        return None, None
    model = registry.load(PROPENSITY_TASK, version).model
    features = candidates.select(
        F.concat_ws("|", "campaign_id", "subscriber_id").alias("_key"),
        *PROPENSITY_NUMERIC,
        "value_segment",
        F.col("channels")[0].alias("channel"),
        "task_code",
    )
    scored = score_frame(features, model, list(PROPENSITY_NUMERIC), list(PROPENSITY_CATEGORICAL), id_column="_key")
    split = F.split(F.col("_key"), r"\|")
    return (
        scored.select(
            split[0].alias("campaign_id"), split[1].alias("subscriber_id"), F.col("score").alias("model_propensity")
        ),
        f"{PROPENSITY_TASK}/{version}",
    )
