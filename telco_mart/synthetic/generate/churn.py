"""The hidden churn process: a monthly hazard from the drivers the business papers name.

Drivers, strongest first: calls forwarded to other networks (above half churn far more), a
contract just ended or about to end without renewal, complaints, a drop in spend against
earlier months, short tenure, an old handset. ``risk_latent`` is a trait no extract shows, so
even a perfect model cannot reach the generator's own probabilities.
"""

from __future__ import annotations

import numpy as np

from telco_mart.synthetic.generate.contracts import NO_CONTRACT

BASE_LOGIT = -4.9  # about 0.7% a month for a subscriber with no driver present


def contract_effect(months_to_end: np.ndarray) -> np.ndarray:
    """Logit shift from the contract: locked in, expiring, just expired, or long out of contract."""
    effect = np.zeros(len(months_to_end), dtype=np.float32)
    has_contract = months_to_end != NO_CONTRACT
    effect[has_contract & (months_to_end >= 3)] = -0.9  # locked in
    effect[has_contract & (months_to_end >= 0) & (months_to_end < 3)] = 0.45  # ending, not yet renewed
    effect[has_contract & (months_to_end >= -2) & (months_to_end < 0)] = 1.2  # ended, not renewed
    effect[has_contract & (months_to_end < -2)] = 0.3  # left with the bare card
    return effect


def spend_drop(totals: np.ndarray, row: int) -> np.ndarray:
    """How far the last two months' spend fell below the three months before them (0 to 1)."""
    if row < 4:
        return np.zeros(totals.shape[1], dtype=np.float32)
    earlier = totals[max(0, row - 4) : row - 1].mean(axis=0)
    recent = totals[row - 1 : row + 1].mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        drop = np.where(earlier > 0, 1.0 - recent / earlier, 0.0)
    return np.clip(drop, 0.0, 1.0).astype(np.float32)


def monthly_hazard(
    forwarded_share: np.ndarray,
    months_to_end: np.ndarray,
    complaints_3m: np.ndarray,
    drop: np.ndarray,
    tenure_months: np.ndarray,
    handset_age_months: np.ndarray,
    overage_share: np.ndarray,
    risk_latent: np.ndarray,
    is_suspended: np.ndarray,
) -> np.ndarray:
    """Probability of churning during the next month, per subscriber."""
    logit = (
        BASE_LOGIT
        + 3.4 * np.maximum(forwarded_share - 0.15, 0.0)
        + contract_effect(months_to_end)
        + 0.45 * np.minimum(complaints_3m, 4)
        + 2.2 * drop
        + np.where(tenure_months < 6, 0.8, np.where(tenure_months < 12, 0.45, 0.0))
        + np.where(handset_age_months > 36, 0.4, 0.0)
        + np.where(overage_share > 0.3, 0.3, 0.0)
        + 0.55 * risk_latent
        + np.where(is_suspended, 1.0, 0.0)
    )
    return (1.0 / (1.0 + np.exp(-logit))).astype(np.float32)
