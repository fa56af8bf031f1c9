"""The hidden churn process: a plausible monthly rate, forwarding above half churns clearly more,
and the extracts agree with the truth."""

from __future__ import annotations

import gzip
from datetime import date

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from telco_mart.settings import DataLayout
from telco_mart.synthetic.generate import GenerateOptions, generate


@pytest.fixture(scope="module")
def year(tmp_path_factory):
    layout = DataLayout(tmp_path_factory.mktemp("year"))
    options = GenerateOptions(
        date(2025, 12, 1), date(2026, 11, 30), subscribers=6000, sessions_per_day=1, seed=21, daily_days=1
    )
    generate(layout, options)
    return layout


def test_monthly_churn_is_plausible(year):
    probability = pq.read_table(year.truth / "churn_probability.parquet")
    assert len(set(probability.column("stat_month").to_pylist())) == 12
    months = probability.group_by("stat_month").aggregate([("churned_within_2_months", "mean")])
    two_month_rates = np.array(months.column("churned_within_2_months_mean").to_pylist())
    # Two-month churn of 1% to 10% is a monthly rate of about 0.5% to 5%.
    assert ((two_month_rates > 0.01) & (two_month_rates < 0.1)).all(), two_month_rates
    predicted = pc.mean(probability.column("churn_probability")).as_py()
    observed = pc.mean(probability.column("churned_within_2_months").cast("double")).as_py()
    assert abs(predicted - observed) < 0.01


def test_forwarding_over_half_churns_clearly_more(year):
    subscribers = pq.read_table(year.truth / "subscribers.parquet", columns=["forwarded_share", "churn_date"])
    forwarder = np.array(subscribers.column("forwarded_share")) > 0.5
    churned = np.array(subscribers.column("churn_date").is_valid())
    assert 0.03 < forwarder.mean() < 0.15
    assert churned[forwarder].mean() > 2 * churned[~forwarder].mean()


def test_churned_subscribers_are_closed_and_billed_no_more(year):
    subscribers = pq.read_table(year.truth / "subscribers.parquet", columns=["subscriber_id", "churn_month"])
    churned_before_november = {
        row["subscriber_id"]
        for row in subscribers.to_pylist()
        if row["churn_month"] is not None and row["churn_month"] < date(2026, 11, 1)
    }
    assert churned_before_november

    def lines(source: str, table: str) -> list[list[str]]:
        folder = year.landing / source / "20261130"
        text = b"".join(gzip.decompress(p.read_bytes()) for p in sorted(folder.glob(f"{table}_*.dat.gz")))
        return [line.split("|") for line in text.decode("gbk" if source == "crm" else "utf-8").splitlines()]

    status = {fields[0]: fields[5] for fields in lines("crm", "CRM_SUBSCRIBER")}
    assert {status[s] for s in churned_before_november} == {"closed"}
    billed = {fields[1] for fields in lines("boss", "BOSS_BILL_MONTHLY")}
    assert not billed & churned_before_november
    churn_status = {fields[1]: fields[2] for fields in lines("bi", "BI_CHURN_STATUS")}
    assert {churn_status[s] for s in churned_before_november} == {"churned"}
