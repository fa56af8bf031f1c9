"""Churn features are point in time: nothing from after the feature month can enter them."""

from __future__ import annotations

from datetime import date

import pytest

from telco_mart.modelling.churn_features import churn_features, churn_labels, labelled_months

USAGE_SCHEMA = (
    "subscriber_id string, package_id string, total_fee_yuan decimal(12,2), package_fee_yuan decimal(12,2), "
    "overage_fee_yuan decimal(12,2), value_added_fee_yuan decimal(12,2), balance_yuan decimal(12,2), "
    "arrears_yuan decimal(12,2), voice_minutes long, forwarded_to_other_network_minutes long, data_mb long, "
    "sms_count long, forwarded_minutes_share double, data_allowance_used_share double, "
    "voice_allowance_used_share double, billing_month date"
)
MONTHS = [date(2024, m, 1) for m in range(1, 9)]


def bill(subscriber_id: str, month: date, fee: float, forwarded: float, package: str = "P4"):
    from decimal import Decimal

    money = Decimal(str(fee)).quantize(Decimal("0.01"))
    return (
        subscriber_id,
        package,
        money,
        money,
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("1.00"),
        Decimal("0.00"),
        100,
        int(forwarded * 100),
        1000,
        10,
        forwarded,
        0.5,
        0.5,
        month,
    )


@pytest.fixture(scope="module")
def frames(spark):
    usage = [bill("a", m, 50 + i, 0.1 * i % 1) for i, m in enumerate(MONTHS)]
    usage += [bill("b", m, 80.0, 0.0) for m in MONTHS[:5]]
    subscribers = spark.createDataFrame(
        [("a", "taiyuan", "F", date(2020, 2, 29)), ("b", "datong", "M", date(2024, 2, 15))],
        "subscriber_id string, city string, gender string, join_date date",
    )
    packages = spark.createDataFrame(
        [("P4", "4G", "national"), ("P9", "5G", "national")],
        "package_id string, network_generation string, package_scope string",
    )
    return spark.createDataFrame(usage, USAGE_SCHEMA), subscribers, packages


def rows(frame) -> dict:
    return {r["subscriber_id"]: r.asDict() for r in frame.collect()}


def test_a_bill_after_the_cut_off_cannot_enter(spark, frames):
    usage, subscribers, packages = frames
    cut_off = date(2024, 4, 1)
    before = rows(churn_features(usage, subscribers, packages, [cut_off]))
    # Change every later bill beyond recognition and add a new package after the cut-off.
    from pyspark.sql import functions as F

    poisoned = usage.withColumn(
        "total_fee_yuan",
        F.when(F.col("billing_month") > F.lit(cut_off), F.lit(99999).cast("decimal(12,2)")).otherwise(
            F.col("total_fee_yuan")
        ),
    ).withColumn(
        "package_id", F.when(F.col("billing_month") > F.lit(cut_off), F.lit("P9")).otherwise(F.col("package_id"))
    )
    after = rows(churn_features(poisoned, subscribers, packages, [cut_off]))
    assert before == after
    truncated = rows(
        churn_features(usage.where(F.col("billing_month") <= F.lit(cut_off)), subscribers, packages, [cut_off])
    )
    assert before == truncated


def test_features_of_the_month(spark, frames):
    usage, subscribers, packages = frames
    features = rows(churn_features(usage, subscribers, packages, [date(2024, 4, 1)]))
    a = features["a"]
    assert a["fee_m0"] == 53.0
    assert a["fee_avg_3m"] == pytest.approx((51 + 52 + 53) / 3)
    assert a["fee_avg_prior_3m"] == pytest.approx(50.0)  # only January lies in M-5..M-3
    assert a["months_billed_6m"] == 4.0
    assert a["package_generation"] == "4G" and a["city"] == "taiyuan"
    # Tenure at the end of April 2024, not at the business date: joined on a leap day of 2020.
    assert a["tenure_months"] == 50.0
    # b joined on 2024-02-15: two full months by 30 April.
    assert features["b"]["tenure_months"] == 2.0


def test_no_row_without_a_bill_in_the_feature_month(spark, frames):
    usage, subscribers, packages = frames
    features = rows(churn_features(usage, subscribers, packages, [date(2024, 7, 1)]))
    assert set(features) == {"a"}  # b's last bill was in May


def test_labels_use_the_snapshot_two_months_later(spark):
    status = spark.createDataFrame(
        [
            ("a", date(2024, 4, 1), False),
            ("a", date(2024, 5, 1), False),
            ("a", date(2024, 6, 1), True),
            ("b", date(2024, 4, 1), False),
            ("b", date(2024, 6, 1), False),
            ("gone", date(2024, 4, 1), True),
            ("gone", date(2024, 6, 1), True),
        ],
        "subscriber_id string, billing_month date, is_churned boolean",
    )
    labels = {r["subscriber_id"]: r["churned"] for r in churn_labels(status, [date(2024, 4, 1)], 2).collect()}
    assert labels == {"a": 1, "b": 0}  # already churned at M: not in the population
    assert churn_labels(status, [date(2024, 5, 1)], 2).count() == 0  # July unknown: no labels


def test_labelled_months_need_the_later_snapshot():
    months = [date(2024, m, 1) for m in (1, 2, 3, 4, 6)]
    assert labelled_months(months, 2) == [date(2024, 1, 1), date(2024, 2, 1), date(2024, 4, 1)]


def test_the_contract_held_at_the_month_not_a_later_renewal(spark, frames):
    usage, subscribers, packages = frames
    contracts = spark.createDataFrame(
        [
            ("a", "deposit_gets_handset", date(2023, 1, 1), date(2024, 6, 30)),
            ("a", "deposit_gets_credit", date(2024, 7, 1), date(2026, 6, 30)),  # signed after April
        ],
        "subscriber_id string, contract_kind string, start_date date, end_date date",
    )
    features = rows(churn_features(usage, subscribers, packages, [date(2024, 4, 1)], contracts))
    assert features["a"]["contract_kind_m0"] == "deposit_gets_handset"
    assert features["a"]["contract_months_to_end"] == 2.0
    assert features["b"]["contract_kind_m0"] is None and features["b"]["contract_months_to_end"] is None
    later = rows(churn_features(usage, subscribers, packages, [date(2024, 8, 1)], contracts))
    assert later["a"]["contract_kind_m0"] == "deposit_gets_credit" and later["a"]["contract_months_to_end"] == 22.0
