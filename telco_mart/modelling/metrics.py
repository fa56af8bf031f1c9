"""Ranking metrics for churn scores: AUCs, lift at the top decile, lift and calibration tables.

A retention campaign calls the top of the ranked list, so the metrics that matter are about
ranking (ROC AUC, average precision) and about the head of the list (lift at 10%). Ties in the
score are broken by a stable sort, i.e. by row order, so every number here is reproducible.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score

TOP_FRACTION = 0.10


def _labels(y_true: Any) -> np.ndarray:
    y = np.asarray(y_true)
    if y.ndim != 1:
        raise ValueError(f"y_true must be one-dimensional, got shape {y.shape}")
    if y.size == 0:
        raise ValueError("y_true is empty")
    if y.dtype == bool:
        return y.astype(np.int64)
    try:
        numeric = y.astype(float)
    except (TypeError, ValueError) as error:
        examples = list(np.unique(y.astype(str))[:5])
        raise ValueError(f"y_true must hold 0/1 labels, found values such as {examples}") from error
    if not np.isin(numeric, (0.0, 1.0)).all():
        bad = sorted({v for v in numeric.tolist() if v not in (0.0, 1.0)}, key=str)[:5]
        raise ValueError(f"y_true must hold 0/1 labels, found {bad}")
    return numeric.astype(np.int64)


def _scores(score: Any, rows: int, name: str) -> np.ndarray:
    s = np.asarray(score, dtype=float)
    if s.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {s.shape}")
    if s.size != rows:
        raise ValueError(f"{name} has {s.size} values but y_true has {rows}")
    if not np.isfinite(s).all():
        raise ValueError(f"{name} has {int((~np.isfinite(s)).sum())} NaN or infinite values")
    return s


def _both_classes(y: np.ndarray) -> None:
    positives = int(y.sum())
    if positives == 0 or positives == y.size:
        only = 1 if positives else 0
        raise ValueError(
            f"ranking metrics need both classes, but all {y.size} labels are {only}; "
            "check the label column and the rows selected"
        )


def descending_order(score: np.ndarray) -> np.ndarray:
    """Row positions from highest to lowest score; equal scores keep their row order (stable sort)."""
    return np.argsort(-np.asarray(score, dtype=float), kind="stable")


def top_count(rows: int, fraction: float = TOP_FRACTION) -> int:
    """How many rows form the top ``fraction``: rounded up, at least one."""
    # Rounded to 9 decimals first so 0.1 * 100 counts 10 rows, not 11 after float noise.
    return max(1, int(np.ceil(round(rows * fraction, 9))))


def ranking_metrics(y_true: Any, score: Any) -> dict[str, float | int]:
    """``rows``, ``positives``, ``base_rate``, ``roc_auc``, ``pr_auc`` (average precision) and
    ``lift_at_10pct`` of ``score`` against 0/1 ``y_true``.

    Lift at 10% is the positive rate among the top 10% of rows by score (rounded up, ties broken
    by row order) divided by the overall positive rate. Raises ``ValueError`` when ``y_true``
    holds a single class, since neither AUC nor lift is defined then."""
    y = _labels(y_true)
    s = _scores(score, y.size, "score")
    _both_classes(y)
    base_rate = float(y.mean())
    head = descending_order(s)[: top_count(y.size)]
    return {
        "rows": int(y.size),
        "positives": int(y.sum()),
        "base_rate": base_rate,
        "roc_auc": float(roc_auc_score(y, s)),
        "pr_auc": float(average_precision_score(y, s)),
        "lift_at_10pct": float(y[head].mean() / base_rate),
    }


def lift_table(y_true: Any, score: Any, bins: int = 10) -> pd.DataFrame:
    """Rows cut into ``bins`` near-equal groups by score; ``decile`` 1 holds the highest scores.

    Columns: decile (the group number, also for ``bins`` other than 10), rows, positives, rate,
    lift (rate / overall rate), cumulative_positives, cumulative_capture (share of all positives
    in groups 1..n), min_score, max_score. Groups differ in size by at most one row."""
    y = _labels(y_true)
    s = _scores(score, y.size, "score")
    if bins < 1:
        raise ValueError(f"bins must be at least 1, not {bins}")
    if y.size < bins:
        raise ValueError(f"{y.size} rows cannot fill {bins} bins")
    positives_total = int(y.sum())
    if positives_total == 0:
        raise ValueError(f"a lift table needs positives, but all {y.size} labels are 0")
    base_rate = positives_total / y.size
    records = []
    cumulative = 0
    for number, group in enumerate(np.array_split(descending_order(s), bins), start=1):
        positives = int(y[group].sum())
        cumulative += positives
        rate = positives / group.size
        records.append(
            {
                "decile": number,
                "rows": int(group.size),
                "positives": positives,
                "rate": rate,
                "lift": rate / base_rate,
                "cumulative_positives": cumulative,
                "cumulative_capture": cumulative / positives_total,
                "min_score": float(s[group].min()),
                "max_score": float(s[group].max()),
            }
        )
    return pd.DataFrame.from_records(records)


def calibration_table(y_true: Any, probability: Any, bins: int = 10, *, strategy: str = "quantile") -> pd.DataFrame:
    """Mean predicted probability against the observed positive rate, per bin of ``probability``.

    ``strategy="quantile"`` makes near-equal-count bins (sorted by probability, ascending, ties
    by row order); ``"uniform"`` cuts [0, 1] into equal widths and leaves out empty bins.
    Columns: bin (1 = lowest probabilities), rows, mean_predicted, observed_rate, gap
    (observed - predicted), min_probability, max_probability."""
    y = _labels(y_true)
    p = _scores(probability, y.size, "probability")
    if ((p < 0.0) | (p > 1.0)).any():
        raise ValueError("probability values must lie within [0, 1]")
    if bins < 1:
        raise ValueError(f"bins must be at least 1, not {bins}")
    if strategy == "quantile":
        if y.size < bins:
            raise ValueError(f"{y.size} rows cannot fill {bins} bins")
        groups = np.array_split(np.argsort(p, kind="stable"), bins)
    elif strategy == "uniform":
        # Bin i holds [i/bins, (i+1)/bins); a probability of exactly 1 goes to the last bin.
        index = np.minimum((p * bins).astype(int), bins - 1)
        groups = [np.flatnonzero(index == i) for i in range(bins)]
    else:
        raise ValueError(f"strategy must be 'quantile' or 'uniform', not {strategy!r}")
    records = []
    for number, group in enumerate(groups, start=1):
        if group.size == 0:
            continue
        mean_predicted = float(p[group].mean())
        observed = float(y[group].mean())
        records.append(
            {
                "bin": number,
                "rows": int(group.size),
                "mean_predicted": mean_predicted,
                "observed_rate": observed,
                "gap": observed - mean_predicted,
                "min_probability": float(p[group].min()),
                "max_probability": float(p[group].max()),
            }
        )
    return pd.DataFrame.from_records(records)
