"""Which months the churn model trains and validates on, from the mart's partitions alone."""

from __future__ import annotations

from datetime import date

import pytest

from telco_mart.modelling.churn_model import NotEnoughHistory, load_churn_config, month_split
from telco_mart.settings import DataLayout


def months(layout: DataLayout, table: str, *values: str) -> None:
    for value in values:
        (layout.mart / table / f"billing_month={value}").mkdir(parents=True)


def test_validates_on_the_latest_labelled_month_and_trains_on_older_ones(tmp_path):
    layout = DataLayout(tmp_path)
    all_months = [f"2026-{m:02d}" for m in range(1, 12)]
    months(layout, "fct_subscriber_churn_status", *all_months)
    months(layout, "fct_subscriber_monthly_usage", *all_months)
    split = month_split(layout, date(2026, 11, 1), load_churn_config())
    assert split.validation == date(2026, 9, 1)  # its label needs the snapshot of November
    assert split.training == tuple(date(2026, m, 1) for m in range(3, 9))  # the six months before
    # As of October, September is not labelled yet: a rerun of an old date sees what it saw.
    assert month_split(layout, date(2026, 10, 1), load_churn_config()).validation == date(2026, 8, 1)


def test_too_little_history_says_what_is_missing(tmp_path):
    layout = DataLayout(tmp_path)
    months(layout, "fct_subscriber_churn_status", "2026-09", "2026-10", "2026-11")
    months(layout, "fct_subscriber_monthly_usage", "2026-09", "2026-10", "2026-11")
    with pytest.raises(NotEnoughHistory, match="at least two labelled months") as error:
        month_split(layout, date(2026, 11, 1), load_churn_config())
    assert "2026-09, 2026-10, 2026-11" in str(error.value)
