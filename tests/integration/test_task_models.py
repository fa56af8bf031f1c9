"""The task models in the daily DAG on the tiny set: the first churn champion, scores, targets,
the front-desk lookup, and a rerun of the date giving the same targets."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from tests.conftest import TINY_END

pytestmark = pytest.mark.slow
DAY = date.fromisoformat(TINY_END)


def _partition(layout, table: str) -> pd.DataFrame:
    return pd.read_parquet(layout.mart / table / f"business_date={DAY}")


@pytest.fixture(scope="module")
def task_tables(daily_dag_run, tiny_dataset):
    output = daily_dag_run.stdout + daily_dag_run.stderr
    assert daily_dag_run.returncode == 0, output[-5000:]
    return {
        name: _partition(tiny_dataset, name)
        for name in ("fct_task_targets", "fct_task_scores", "fct_package_fit", "dim_subscriber")
    }


def test_the_first_run_trains_and_promotes_a_champion_and_says_so(daily_dag_run, tiny_dataset):
    from telco_mart.modelling.registry import ModelRegistry

    output = daily_dag_run.stdout + daily_dag_run.stderr
    assert "no champion churn model existed" in output and "promoted it" in output
    registry = ModelRegistry(tiny_dataset)
    champion = registry.champion("churn")
    assert champion is not None
    metadata = registry.get("churn", champion).metadata
    assert metadata["data_window"]["validation_month"] == "2026-08"
    assert set(metadata["metrics"]) == {"model", "forwarded_share_rule", "oracle"}
    assert len(metadata["model_sha256"]) == 64 and metadata["training_rows"] > 0
    # The month-end challenger task ran and saw the champion was trained for this very date.
    assert "no challenger needed" in output


def test_every_open_billed_subscriber_is_scored_in_deciles(task_tables):
    scores = task_tables["fct_task_scores"]
    subscribers = task_tables["dim_subscriber"]
    assert scores["subscriber_id"].is_unique
    assert scores["score"].between(0, 1).all()
    assert set(scores["decile"]) <= set(range(1, 11)) and scores["decile"].nunique() >= 5
    closed = set(subscribers.loc[subscribers["status"] == "closed", "subscriber_id"])
    assert not closed & set(scores["subscriber_id"])
    # Decile 1 holds the highest scores.
    by_decile = scores.groupby("decile")["score"].mean()
    assert by_decile.idxmax() == by_decile.index.min()


def test_daily_scores_are_the_champion_on_the_training_features(task_tables, spark, tiny_dataset):
    """Scoring and training share one feature path: the stored scores equal the champion applied
    in pandas to the features the training code computes for the latest bill month."""
    from telco_mart.modelling.churn_model import feature_frame, load_churn_config
    from telco_mart.modelling.registry import ModelRegistry
    from telco_mart.tasks.inputs import read_task_inputs

    config = load_churn_config()
    inputs = read_task_inputs(spark, tiny_dataset, DAY)
    features = feature_frame(inputs, [inputs.last_bill_month]).toPandas()
    assert features["contract_months_to_end"].notna().any(), "the contract features must reach scoring"
    model = ModelRegistry(tiny_dataset).load_champion("churn").model
    expected = dict(zip(features["subscriber_id"], model.predict_proba(features[config.features])[:, 1], strict=True))
    scores = task_tables["fct_task_scores"]
    for subscriber_id, score in zip(scores["subscriber_id"], scores["score"], strict=True):
        assert score == pytest.approx(expected[subscriber_id], abs=1e-9), subscriber_id


def test_targets_have_one_row_per_subscriber_per_sub_task_with_a_reason(task_tables):
    targets = task_tables["fct_task_targets"]
    assert not targets.duplicated(["subscriber_id", "task_code"]).any()
    assert targets["reason_zh"].str.len().gt(0).all() and targets["reason_en"].str.len().gt(0).all()
    assert not targets["msisdn_masked"].str.contains(r"\d{11}").any()
    for _, group in targets.groupby("task_code"):
        ordered = group.sort_values("target_rank")
        assert list(ordered["target_rank"]) == list(range(1, len(group) + 1))
        # Highest score first; ties by subscriber id.
        keys = list(zip(-ordered["score"].fillna(-1e18), ordered["subscriber_id"], strict=True))
        assert keys == sorted(keys)
    churn = targets[targets["task_code"] == "churn_forwarding_over_half"]
    assert (churn["score_kind"] == "churn_probability").all() and churn["model_version"].notna().all()


def test_targets_are_exactly_the_subscribers_who_qualify(task_tables):
    targets = task_tables["fct_task_targets"]
    subscribers = task_tables["dim_subscriber"]
    open_lines = subscribers[subscribers["status"] != "closed"]

    def of(code: str) -> set[str]:
        return set(targets.loc[targets["task_code"] == code, "subscriber_id"])

    assert of("migration_sim_change") == set(open_lines.loc[open_lines["sim_type"] == "SIM", "subscriber_id"])
    capable = open_lines[
        (open_lines["generation_rank"] < 4)
        & open_lines["is_terminal_matched"].fillna(False)
        & (open_lines["terminal_max_generation_rank"] >= 4)
    ]
    assert of("migration_capable_handset") == set(capable["subscriber_id"])
    # Renewal windows in calendar months, computed here independently of the Spark code.
    end = pd.to_datetime(open_lines["contract_end_date"])
    months = (end.dt.year * 12 + end.dt.month) - (DAY.year * 12 + DAY.month)
    eligible = open_lines["contract_kind"].notna() & (open_lines["contract_status"] != "renewed")
    expected = {
        "renewal_3m_before": months.between(2, 3),
        "renewal_1m_before": months == 1,
        "renewal_expiry_month": months == 0,
        "renewal_month_after": months == -1,
        "renewal_card_only": (months == -2) & (open_lines["contract_status"] == "ended"),
    }
    for code, window in expected.items():
        assert of(code) == set(open_lines.loc[eligible & window, "subscriber_id"]), code
    fit = task_tables["fct_package_fit"]
    for code, generation in (("migration_package_fit_2g", "2G"), ("migration_package_fit_3g", "3G")):
        legacy = set(open_lines.loc[open_lines["network_generation"] == generation, "subscriber_id"])
        assert of(code) <= legacy and of(code) == set(fit.loc[fit["task_code"] == code, "subscriber_id"])
    assert of("high_value_reminder") <= set(open_lines.loc[open_lines["is_high_value_listed"], "subscriber_id"])
    # Every target is an open line; a closed one never is.
    assert set(targets["subscriber_id"]) <= set(open_lines["subscriber_id"])


def test_front_desk_lookup_by_id_and_by_number(task_tables, spark, tiny_dataset):
    from telco_mart.tasks.lookup import format_front_desk_view, front_desk_view

    targets = task_tables["fct_task_targets"]
    subscriber_id = targets.groupby("subscriber_id").size().idxmax()
    view = front_desk_view(spark, tiny_dataset, subscriber_id)
    assert {t["task_code"] for t in view.tasks} == set(
        targets.loc[targets["subscriber_id"] == subscriber_id, "task_code"]
    )
    text = format_front_desk_view(view)
    assert view.subscriber["msisdn_masked"] in text and "Last retention contact" in text
    crm = pd.read_parquet(tiny_dataset.raw_table("crm", "crm_subscriber") / f"dt={DAY}")
    number = crm.loc[crm["subscriber_id"] == subscriber_id, "msisdn"].iloc[0]
    by_number = front_desk_view(spark, tiny_dataset, number)
    assert by_number.subscriber["subscriber_id"] == subscriber_id
    assert number not in format_front_desk_view(by_number)


def test_rerunning_the_date_gives_the_same_targets(task_tables, spark, tiny_dataset):
    from telco_mart.tasks.daily import run_task_models

    summary = run_task_models(DAY, tiny_dataset, spark, progress=lambda _: None)
    again = _partition(tiny_dataset, "fct_task_targets")
    before = task_tables["fct_task_targets"]
    assert summary.total_targets == len(before)
    columns = [c for c in before.columns if c != "reason_codes"]
    pd.testing.assert_frame_equal(
        before[columns].sort_values(["task_code", "target_rank"]).reset_index(drop=True),
        again[columns].sort_values(["task_code", "target_rank"]).reset_index(drop=True),
    )
    assert summary.notes == [n for n in summary.notes if "no champion" not in n]  # the champion now exists
