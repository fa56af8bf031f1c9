"""Ranking metrics on tiny arrays whose answers are worked out by hand in the comments."""

from __future__ import annotations

import numpy as np
import pytest

from telco_mart.modelling.metrics import calibration_table, lift_table, ranking_metrics, top_count

# Ten rows, scores 10..1 in row order: the positives sit at ranks 1 and 3.
Y_TEN = [1, 0, 1, 0, 0, 0, 0, 0, 0, 0]
SCORE_TEN = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1]


def test_perfect_ranking_scores_one():
    metrics = ranking_metrics([0, 0, 1, 1, 0, 1], [0.1, 0.2, 0.9, 0.8, 0.3, 0.7])
    assert metrics["roc_auc"] == 1.0
    assert metrics["pr_auc"] == 1.0
    assert metrics["rows"] == 6
    assert metrics["positives"] == 3
    assert metrics["base_rate"] == 0.5


def test_reversed_ranking_scores_zero():
    assert ranking_metrics([1, 1, 0, 0], [0.1, 0.2, 0.8, 0.9])["roc_auc"] == 0.0


def test_hand_computed_values():
    metrics = ranking_metrics(Y_TEN, SCORE_TEN)
    # Pairs (positive, negative) ranked right: the top positive beats all 8 negatives, the other 7 of 8.
    assert metrics["roc_auc"] == pytest.approx(15 / 16)
    # Average precision: recall 0.5 at precision 1/1, recall 1.0 at precision 2/3.
    assert metrics["pr_auc"] == pytest.approx(0.5 * 1 + 0.5 * 2 / 3)
    # Top 10% of 10 rows is 1 row, a positive: rate 1 over a base rate of 0.2.
    assert metrics["base_rate"] == pytest.approx(0.2)
    assert metrics["lift_at_10pct"] == pytest.approx(5.0)


def test_lift_counts_the_top_tenth_rounded_up():
    # 20 rows: the top 10% is 2 rows (scores 20 and 19), one of which is positive.
    y = np.zeros(20, dtype=int)
    y[[1, 10, 15, 19]] = 1  # base rate 0.2
    score = np.arange(20, 0, -1)
    assert ranking_metrics(y, score)["lift_at_10pct"] == pytest.approx((1 / 2) / 0.2)
    assert top_count(20) == 2
    assert top_count(100) == 10
    assert top_count(7043) == 705
    assert top_count(5) == 1


def test_ties_are_broken_by_row_order():
    # All scores equal: the "top" rows are the first ones, so row order decides the lift.
    score = np.full(20, 0.5)
    negatives_first = np.array([0, 0] + [1] * 4 + [0] * 14)
    positives_first = np.array([1, 1] + [1] * 2 + [0] * 16)
    assert ranking_metrics(negatives_first, score)["lift_at_10pct"] == 0.0
    assert ranking_metrics(positives_first, score)["lift_at_10pct"] == pytest.approx(1.0 / 0.2)
    assert ranking_metrics(positives_first, score)["roc_auc"] == 0.5


@pytest.mark.parametrize("labels", [[1, 1, 1], [0, 0, 0, 0], [True, True]])
def test_single_class_is_a_clear_error(labels):
    with pytest.raises(ValueError, match="both classes"):
        ranking_metrics(labels, np.linspace(0, 1, len(labels)))


def test_bad_inputs_are_rejected():
    with pytest.raises(ValueError, match="0/1 labels"):
        ranking_metrics([0, 1, 2], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="0/1 labels"):
        ranking_metrics(["yes", "no"], [0.1, 0.2])
    with pytest.raises(ValueError, match="3 values but y_true has 2"):
        ranking_metrics([0, 1], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="NaN"):
        ranking_metrics([0, 1], [0.1, np.nan])
    with pytest.raises(ValueError, match="empty"):
        ranking_metrics([], [])


def test_lift_table_by_hand():
    table = lift_table(Y_TEN, SCORE_TEN, bins=5)
    assert table["decile"].tolist() == [1, 2, 3, 4, 5]
    assert table["rows"].tolist() == [2, 2, 2, 2, 2]
    # Bins hold rows (0,1), (2,3), ...: the positives are rows 0 and 2.
    assert table["positives"].tolist() == [1, 1, 0, 0, 0]
    assert table["rate"].tolist() == [0.5, 0.5, 0.0, 0.0, 0.0]
    assert table["lift"].tolist() == pytest.approx([2.5, 2.5, 0, 0, 0])
    assert table["cumulative_capture"].tolist() == pytest.approx([0.5, 1.0, 1.0, 1.0, 1.0])
    assert table.loc[0, "max_score"] == 10
    assert table.loc[4, "min_score"] == 1


def test_lift_table_default_deciles_cover_every_row():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 103)
    table = lift_table(y, rng.random(103))
    assert len(table) == 10
    assert table["rows"].sum() == 103
    assert set(table["rows"]) == {10, 11}
    assert table["positives"].sum() == y.sum()
    assert table["cumulative_capture"].iloc[-1] == pytest.approx(1.0)
    # Decile 1 holds the highest scores.
    assert table["min_score"].is_monotonic_decreasing


def test_lift_table_rejects_too_few_rows_and_no_positives():
    with pytest.raises(ValueError, match="cannot fill"):
        lift_table([0, 1, 0], [0.1, 0.2, 0.3], bins=10)
    with pytest.raises(ValueError, match="needs positives"):
        lift_table([0] * 10, np.linspace(0, 1, 10))


def test_calibration_table_quantile_bins():
    probability = [0.1, 0.2, 0.3, 0.4, 0.6, 0.8]
    y = [0, 0, 1, 0, 1, 1]
    table = calibration_table(y, probability, bins=3)
    assert table["rows"].tolist() == [2, 2, 2]
    assert table["mean_predicted"].tolist() == pytest.approx([0.15, 0.35, 0.7])
    assert table["observed_rate"].tolist() == pytest.approx([0.0, 0.5, 1.0])
    assert table["gap"].tolist() == pytest.approx([-0.15, 0.15, 0.3])


def test_calibration_table_uniform_bins_skip_empty_ones():
    table = calibration_table([0, 1, 1, 1], [0.05, 0.95, 1.0, 0.97], bins=10, strategy="uniform")
    # 0.05 falls in bin 1; 0.95, 0.97 and exactly 1.0 fall in bin 10; the eight between are empty.
    assert table["bin"].tolist() == [1, 10]
    assert table["rows"].tolist() == [1, 3]
    assert table["observed_rate"].tolist() == [0.0, 1.0]
    with pytest.raises(ValueError, match=r"within \[0, 1\]"):
        calibration_table([0, 1], [0.5, 1.5])
    with pytest.raises(ValueError, match="strategy"):
        calibration_table([0, 1], [0.5, 0.6], bins=2, strategy="log")
