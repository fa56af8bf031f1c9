"""The any-table churn trainer and the classifier behind it, on small synthetic tables and IBM Telco."""

from __future__ import annotations

import csv
import json
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from telco_mart.modelling.estimator import DEFAULT_PARAMS, build_classifier, feature_importance, limit_threads
from telco_mart.modelling.tabular import (
    TabularError,
    cross_validate_table,
    fit_table_model,
    format_report,
    load_table,
    parse_labels,
    prepare_table,
    train_churn_table,
)

IBM_TELCO = Path("/work/shared/data/telco_customer_churn/Telco-Customer-Churn.csv")
ROWS = 400
CONTRACTS = ("Month-to-month", "One year", "Two year")


def _synthetic_rows(labels: tuple[str, str] = ("Yes", "No"), seed: int = 5) -> list[dict[str, str]]:
    """A small churn table with signal: churn is likelier on monthly contracts and short tenure.

    Like IBM Telco, ``total_charges`` is text and blank (" ") for customers in their first month."""
    rng = np.random.default_rng(seed)
    churned, active = labels
    rows = []
    for number in range(ROWS):
        contract = CONTRACTS[rng.integers(0, 3)]
        tenure = int(rng.integers(0, 60))
        monthly = round(float(rng.uniform(20, 110)), 2)
        logit = -1.0 + (1.6 if contract == "Month-to-month" else -0.8) - tenure / 25 + monthly / 100
        is_churn = rng.random() < 1 / (1 + np.exp(-logit))
        rows.append(
            {
                "customer_id": f"C{number:05d}",
                "tenure": str(tenure),
                "monthly_charges": f"{monthly:.2f}",
                "total_charges": " " if tenure == 0 else f"{monthly * tenure:.2f}",
                "contract": contract,
                "region": "" if number % 17 == 0 else ("north", "south")[number % 2],
                "email": f"user{number}@example.com",
                "country": "NL",
                "churn": churned if is_churn else active,
            }
        )
    # One row with no label and one with a label nobody can read: both must be dropped and counted.
    rows[3]["churn"] = " "
    rows[7]["churn"] = "maybe"
    return rows


def _write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def churn_csv(tmp_path) -> Path:
    return _write_csv(tmp_path / "churn.csv", _synthetic_rows())


@pytest.fixture
def prepared(churn_csv):
    return prepare_table(load_table(churn_csv), "churn", "customer_id")


# --- reading and preparing -------------------------------------------------------------------


def test_prepare_types_columns_and_counts_dropped_rows(prepared, churn_csv):
    assert prepared.source == str(churn_csv)
    assert prepared.rows_total == ROWS
    assert prepared.rows == ROWS - 2
    assert prepared.dropped_rows == {
        "blank label in 'churn'": 1,
        "label in 'churn' not recognised as churn or no churn (values such as ['maybe'])": 1,
    }
    assert prepared.numeric == ["tenure", "monthly_charges", "total_charges"]
    assert prepared.categorical == ["contract", "region"]
    assert "customer_id" not in prepared.features.columns
    assert "churn" not in prepared.features.columns
    assert prepared.ids.tolist()[:4] == ["C00000", "C00001", "C00002", "C00004"]
    assert prepared.dropped_columns["country"].startswith("constant")
    assert prepared.dropped_columns["email"].startswith("identifier-like")


def test_text_numbers_with_blanks_become_floats_with_nan(prepared):
    total = prepared.features["total_charges"]
    assert total.dtype == float
    blank_rows = prepared.features["tenure"] == 0
    assert blank_rows.any()
    assert total[blank_rows].isna().all()
    assert total[~blank_rows].notna().all()
    assert any(note.startswith("total_charges:") and "blank" in note for note in prepared.notes)
    # A blank category stays missing (None) for the classifier's own "missing" level.
    assert prepared.features["region"].isna().sum() > 0


def test_labels_read_as_yes_no_match_the_rows(prepared):
    rows = [r for r in _synthetic_rows() if r["churn"] in ("Yes", "No")]
    assert prepared.y.tolist() == [1 if r["churn"] == "Yes" else 0 for r in rows]
    assert prepared.y.dtype == np.int64


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (["Yes", "no", " YES ", "No "], [1, 0, 1, 0]),
        (["1", "0", "1.0", "0.0"], [1, 0, 1, 0]),
        (["TRUE", "false", "y", "N"], [1, 0, 1, 0]),
        (["Churned", "active", "churn", "Stayed"], [1, 0, 1, 0]),
        ([1, 0, True, False], [1, 0, 1, 0]),
    ],
)
def test_label_spellings(raw, expected):
    assert parse_labels(pd.Series(raw, dtype=object)).tolist() == expected


def test_unknown_and_blank_labels_parse_as_missing():
    assert parse_labels(pd.Series(["", " ", None, "NA", "maybe", "2"], dtype=object)).isna().all()


def test_zero_one_label_gives_the_same_table_and_model(tmp_path, prepared):
    zero_one = _write_csv(tmp_path / "churn01.csv", _synthetic_rows(labels=("1", "0")))
    other = prepare_table(load_table(zero_one), "churn", "customer_id")
    assert other.y.tolist() == prepared.y.tolist()
    assert sum(other.dropped_rows.values()) == 2
    first = cross_validate_table(prepared, folds=3, seed=11)
    second = cross_validate_table(other, folds=3, seed=11)
    assert first.mean == second.mean


def test_parquet_with_stored_types(tmp_path):
    rows = _synthetic_rows()
    frame = pd.DataFrame(
        {
            "id": [r["customer_id"] for r in rows],
            "tenure": [int(r["tenure"]) for r in rows],
            "total": [np.nan if r["total_charges"] == " " else float(r["total_charges"]) for r in rows],
            "contract": [r["contract"] for r in rows],
            "churned": [r["churn"] == "Yes" for r in rows],
        }
    )
    path = tmp_path / "churn.parquet"
    frame.to_parquet(path)
    table = prepare_table(load_table(path), "churned", "id")
    assert table.numeric == ["tenure", "total"]
    assert table.categorical == ["contract"]
    assert table.rows == ROWS  # a boolean label has no blanks
    assert table.positives == sum(r["churn"] == "Yes" for r in rows)


def test_missing_columns_are_named_with_the_columns_available(churn_csv):
    frame = load_table(churn_csv)
    with pytest.raises(TabularError, match=r"label column 'Churn' not found.*'customer_id', 'tenure'"):
        prepare_table(frame, "Churn", "customer_id")
    with pytest.raises(TabularError, match=r"id column 'customerID' not found"):
        prepare_table(frame, "churn", "customerID")


def test_a_label_with_one_class_is_refused(tmp_path):
    rows = _synthetic_rows()
    for row in rows:
        row["churn"] = "No"
    path = _write_csv(tmp_path / "all_no.csv", rows)
    with pytest.raises(TabularError, match=r"'churn' needs both churn and no-churn rows"):
        prepare_table(load_table(path), "churn", "customer_id")


def test_unreadable_files_are_named(tmp_path):
    with pytest.raises(TabularError, match=r"missing\.csv not found"):
        load_table(tmp_path / "missing.csv")
    odd = tmp_path / "churn.xlsx"
    odd.write_text("x")
    with pytest.raises(TabularError, match=r"churn\.xlsx: unknown file type"):
        load_table(odd)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("name,churn\nJos\xe9,yes\n".encode("latin-1"))
    with pytest.raises(TabularError, match=r"latin\.csv is not UTF-8"):
        load_table(latin)
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"not parquet at all")
    with pytest.raises(TabularError, match=r"broken\.parquet cannot be read"):
        load_table(broken)


# --- cross-validation --------------------------------------------------------------------------


def test_cross_validation_finds_the_signal_and_reports_it(prepared, churn_csv):
    report = cross_validate_table(prepared, folds=4, seed=7)
    assert [m["fold"] for m in report.fold_metrics] == [1, 2, 3, 4]
    assert sum(m["rows"] for m in report.fold_metrics) == prepared.rows
    assert report.overall["rows"] == prepared.rows
    # Contract and tenure drive churn in the synthetic table; a model that ignored them sits at 0.5.
    assert report.mean["roc_auc"] > 0.7
    assert report.std["roc_auc"] >= 0.0
    assert np.isfinite(report.oof_probability).all()
    assert ((report.oof_probability > 0) & (report.oof_probability < 1)).all()

    as_dict = json.loads(json.dumps(report.to_dict()))
    assert as_dict["rows_dropped"] == 2
    assert as_dict["seed"] == 7
    assert as_dict["params"]["model"] == DEFAULT_PARAMS["model"]

    text = report.format_report()
    assert str(churn_csv) in text
    assert "seed 7" in text
    assert "398 used, 2 dropped" in text
    assert "dropped 1: blank label in 'churn'" in text
    assert "email: identifier-like" in text
    assert "total_charges" in text and "contract" in text
    # The CLI's spelling: the module-level function names the path as the user typed it.
    assert format_report(report, "data/churn.csv").startswith("Churn model cross-validation: data/churn.csv")
    assert format_report(report) == text


def _without_timings(report) -> list[dict]:
    return [{key: value for key, value in m.items() if key != "seconds"} for m in report.fold_metrics]


def test_same_seed_same_result_other_seed_other_folds(prepared):
    first = cross_validate_table(prepared, folds=3, seed=20261124)
    again = cross_validate_table(prepared, folds=3, seed=20261124)
    assert np.array_equal(first.fold_of_row, again.fold_of_row)
    assert np.array_equal(first.oof_probability, again.oof_probability)
    assert _without_timings(first) == _without_timings(again)

    other = cross_validate_table(prepared, folds=3, seed=1)
    assert not np.array_equal(first.fold_of_row, other.fold_of_row)
    assert not np.array_equal(first.oof_probability, other.oof_probability)
    # Stratified: each fold keeps the churn rate within one row of the others.
    for report in (first, other):
        positives = [m["positives"] for m in report.fold_metrics]
        assert max(positives) - min(positives) <= 1


def test_thread_count_changes_speed_not_result(prepared):
    one = cross_validate_table(prepared, folds=3, seed=3, threads=1)
    two = cross_validate_table(prepared, folds=3, seed=3, threads=2)
    assert np.array_equal(one.oof_probability, two.oof_probability)


def test_too_few_churners_for_the_folds_is_explained(prepared):
    keep = np.flatnonzero(prepared.y == 0).tolist() + np.flatnonzero(prepared.y == 1)[:4].tolist()
    prepared.features = prepared.features.iloc[keep].reset_index(drop=True)
    prepared.y = prepared.y[keep]
    with pytest.raises(TabularError, match="smaller class has 4 rows, fewer than the 5 folds"):
        cross_validate_table(prepared, folds=5)


def test_train_churn_table_runs_the_whole_path(churn_csv):
    report = train_churn_table(churn_csv, "churn", "customer_id", folds=3, seed=2)
    assert report.rows_used == ROWS - 2
    assert report.folds == 3


# --- the classifier ----------------------------------------------------------------------------


def test_classifier_handles_unseen_and_missing_values(prepared):
    model = fit_table_model(prepared, seed=4)
    frame = prepared.features.head(4).copy()
    frame.loc[0, "contract"] = "Ten year"  # never seen in training
    frame.loc[1, "region"] = None
    frame.loc[2, "total_charges"] = np.nan
    frame.loc[3, "tenure"] = None
    probability = model.predict_proba(frame)[:, 1]
    assert np.isfinite(probability).all()
    # Pickled for the registry and the Spark executors: the copy must score identically.
    copy = pickle.loads(pickle.dumps(model))
    assert np.array_equal(copy.predict_proba(frame)[:, 1], probability)


@pytest.mark.parametrize("kind", ["gbm", "logistic", "blend"])
def test_every_model_kind_fits_and_scores(prepared, kind):
    model = build_classifier(prepared.numeric, prepared.categorical, seed=1, params={"model": kind})
    model.fit(prepared.features, prepared.y)
    probability = model.predict_proba(prepared.features)[:, 1]
    assert probability.shape == (prepared.rows,)
    assert ((probability >= 0) & (probability <= 1)).all()


def test_classifier_parameters_are_checked():
    with pytest.raises(ValueError, match=r"unknown classifier parameter\(s\) \['learnig_rate'\]"):
        build_classifier(["a"], [], seed=1, params={"learnig_rate": 0.1})
    with pytest.raises(ValueError, match="params\\['model'\\]"):
        build_classifier(["a"], [], seed=1, params={"model": "forest"})
    with pytest.raises(ValueError, match="both numeric and categorical"):
        build_classifier(["a"], ["a"], seed=1)
    with pytest.raises(ValueError, match="at least one"):
        build_classifier([], [], seed=1)


def test_feature_importance_ranks_the_drivers_first(prepared):
    model = fit_table_model(prepared, seed=4)
    frame = prepared.features.assign(label=prepared.y)
    table = feature_importance(model, frame, "label", seed=4, repeats=3)
    assert list(table.columns) == ["feature", "importance", "importance_std"]
    assert set(table["feature"]) == set(prepared.numeric + prepared.categorical)
    assert table["importance"].is_monotonic_decreasing
    # Contract is the strongest driver of the synthetic churn; region is pure noise.
    assert table["feature"].iloc[0] == "contract"
    assert table["feature"].iloc[-1] == "region"


def test_limit_threads_caps_openmp():
    from threadpoolctl import threadpool_info

    with limit_threads(1):
        assert all(pool["num_threads"] == 1 for pool in threadpool_info())
    with pytest.raises(ValueError, match="at least one thread"), limit_threads(0):
        pass


# --- the public IBM Telco sample ----------------------------------------------------------------


@pytest.mark.skipif(not IBM_TELCO.is_file(), reason=f"IBM Telco churn sample not present at {IBM_TELCO}")
def test_ibm_telco_cross_validated_auc():
    report = train_churn_table(IBM_TELCO, "Churn", "customerID")
    assert report.rows_used == 7043
    assert "TotalCharges" in report.numeric
    assert "customerID" not in report.numeric + report.categorical
    assert any(note.startswith("TotalCharges: 11 blank") for note in report.notes)
    assert report.mean["roc_auc"] >= 0.845, report.format_report()
    assert report.mean["lift_at_10pct"] > 2.5, report.format_report()
