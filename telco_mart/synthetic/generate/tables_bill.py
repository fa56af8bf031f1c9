"""BOSS and BI extracts: monthly bills, value segments, the high-value photograph, churn
status, and the daily retention contact results."""

from __future__ import annotations

from datetime import date

import numpy as np

from telco_mart.synthetic.generate import columns as col
from telco_mart.synthetic.generate.catalogue import CHANNEL_TYPES, GENERATIONS
from telco_mart.synthetic.generate.codes import contract_codes
from telco_mart.synthetic.generate.contracts import NO_CONTRACT
from telco_mart.synthetic.generate.dates import month_index, to_days
from telco_mart.synthetic.generate.world import World, high_value_list_year

VALUE_SEGMENTS = contract_codes("value_segment")
_SEGMENT_FLOORS_CENTS = np.array([20000, 12000, 7000, 3000])  # ARPU floors of top, high, medium, low
TASK_CODES = (
    "renewal_3m_before",
    "renewal_1m_before",
    "renewal_expiry_month",
    "renewal_month_after",
    "renewal_card_only",
    "migration_sim_change",
    "migration_capable_handset",
    "migration_package_fit_2g",
    "migration_package_fit_3g",
    "high_value_reminder",
    "churn_forwarding_over_half",
)
OUTCOMES = contract_codes("retention_outcome")
# Outcome chances for renewal tasks, migration tasks, and the rest.
_OUTCOME_CDF = np.cumsum(
    [[0.2, 0.35, 0.0, 0.2, 0.15, 0.1], [0.15, 0.0, 0.35, 0.25, 0.15, 0.1], [0.4, 0.0, 0.0, 0.3, 0.18, 0.12]],
    axis=1,
)
_CONTACT_CHANNELS = np.cumsum([0.2, 0.5, 0.2, 0.1, 0.0, 0.0])


def _arpu_cents(world: World, month: int) -> tuple[np.ndarray, np.ndarray]:
    """Average bill over the last three months (months billed only) and whether billed this month."""
    h = world.history
    row = h.row(month)
    totals = h.total_cents[max(0, row - 2) : row + 1]
    billed = h.package_fee_cents[max(0, row - 2) : row + 1] > 0
    count = billed.sum(axis=0)
    arpu = np.where(count > 0, totals.sum(axis=0, dtype=np.int64) // np.maximum(count, 1), 0)
    return arpu, h.package_fee_cents[row] > 0


def bills(world: World, day: date, rng) -> dict:
    """BOSS_BILL_MONTHLY: one bill per subscriber billed in the month ending on the date."""
    h, month = world.history, month_index(day)
    row = h.row(month)
    rows = np.flatnonzero(h.package_fee_cents[row] > 0)

    def money(values: np.ndarray):
        return col.decimals(values[row][rows], 2)

    def count(values: np.ndarray):
        return col.integers(values[row][rows])

    return {
        "billing_month": col.months(np.full(len(rows), month)),
        "subscriber_id": world.subscriber_ids.take(rows),
        "msisdn": col.integers(world.population.msisdn[rows]),
        "package_id": col.codes(h.package[row][rows], world.catalogue.package_ids),
        "total_fee_yuan": money(h.total_cents),
        "package_fee_yuan": money(h.package_fee_cents),
        "overage_fee_yuan": money(h.overage_cents),
        "value_added_fee_yuan": money(h.value_added_cents),
        "voice_minutes": count(h.voice),
        "forwarded_to_other_network_minutes": count(h.forwarded),
        "data_mb": count(h.data_mb),
        "sms_count": count(h.sms),
        "mms_count": count(h.mms),
        "balance_yuan": money(h.balance_cents),
        "arrears_yuan": money(h.arrears_cents),
    }


def value_segments(world: World, day: date, rng) -> dict:
    """BI_VALUE_SEGMENT: segment from the three-month ARPU of every subscriber billed this month."""
    month = month_index(day)
    arpu, billed = _arpu_cents(world, month)
    rows = np.flatnonzero(billed)
    segment = (arpu[rows, None] < _SEGMENT_FLOORS_CENTS[None, :]).sum(axis=1)
    return {
        "stat_month": col.months(np.full(len(rows), month)),
        "subscriber_id": world.subscriber_ids.take(rows),
        "value_segment": col.codes(segment, VALUE_SEGMENTS),
        "arpu_3m_yuan": col.decimals(arpu[rows], 2),
    }


def high_value_list(world: World, day: date, rng) -> dict:
    """BI_HIGH_VALUE_LIST: the photograph of the latest year end, redelivered at each month end:
    the top tenth of 3G/4G/5G subscribers by ARPU, and 2G subscribers above 50 yuan."""
    year = high_value_list_year(day)
    december = month_index(date(year, 12, 1))
    arpu, billed = _arpu_cents(world, december)
    generation = world.catalogue.generation[world.history.package[world.history.row(december)]]
    modern = billed & (generation >= 1)
    cutoff = np.quantile(arpu[modern], 0.9) if modern.any() else 0
    rows = np.flatnonzero((modern & (arpu >= cutoff)) | (billed & (generation == 0) & (arpu > 5000)))
    return {
        "list_year": col.integers(np.full(len(rows), year)),
        "subscriber_id": world.subscriber_ids.take(rows),
        "msisdn": col.integers(world.population.msisdn[rows]),
        "network_generation": col.codes(generation[rows], GENERATIONS),
        "photographed_arpu_yuan": col.decimals(arpu[rows], 2),
    }


def churn_status(world: World, day: date, rng) -> dict:
    """BI_CHURN_STATUS: every subscriber who has joined, churned from the churn date on."""
    state = world.state_on(day)
    rows = np.flatnonzero(state.is_joined)
    churned = state.is_churned[rows]
    return {
        "stat_month": col.months(np.full(len(rows), month_index(day))),
        "subscriber_id": world.subscriber_ids.take(rows),
        "churn_status": col.codes(churned.astype(np.int8), ("active", "churned")),
        "churn_date": col.dates(np.where(churned, world.history.churn_days[rows], 0), churned),
    }


def _task_codes(world: World, day: date, who: np.ndarray) -> np.ndarray:
    """The task a retention contact served, from the subscriber's situation (first that applies)."""
    p, state = world.population, world.state_on(day)
    months_to_end = np.full(p.size, NO_CONTRACT, dtype=np.int64)
    months_to_end[world.contracts.holders] = world.contracts.months_to_end(month_index(day))
    left = months_to_end[who]
    generation = state.generation[who]
    capable = world.terminals.max_generation[state.handset[who]] >= 2
    conditions = [
        (left >= 1) & (left <= 3),
        left == 0,
        left == -1,
        left == -2,
        p.forwarded_share[who] > 0.5,
        state.is_sim_card[who],
        (generation <= 1) & capable,
        generation == 0,
        generation == 1,
    ]
    choices = [0, 2, 3, 4, 10, 5, 6, 7, 8]
    task = np.select(conditions, choices, 9)
    return np.where((task == 0) & (left == 1), 1, task)


def retention_results(world: World, day: date, rng) -> dict:
    """BI_RETENTION_RESULT: a few retention contacts a day, aimed at the riskier subscribers."""
    state = world.state_on(day)
    live = np.flatnonzero(state.is_joined & ~state.is_churned)
    hazard = world.history.hazard[max(state.row - 1, 0)][live].astype(np.float64)
    count = min(int(rng.poisson(len(live) * 0.0015)), len(live))
    who = np.sort(rng.choice(live, count, replace=False, p=hazard / hazard.sum())) if count else live[:0]
    task = _task_codes(world, day, who)
    group = np.where(task <= 4, 0, np.where(task <= 8, 1, 2))
    outcome = (rng.random(len(who))[:, None] > _OUTCOME_CDF[group]).sum(axis=1).clip(0, 5)
    channel = np.searchsorted(_CONTACT_CHANNELS, rng.random(len(who)), side="right").clip(0, 5)
    return {
        "contact_id": col.identifiers(f"RC{day:%Y%m%d}", np.arange(1, len(who) + 1), 6),
        "subscriber_id": world.subscriber_ids.take(who),
        "task_code": col.codes(task, TASK_CODES),
        "contact_date": col.dates(np.full(len(who), to_days(day))),
        "channel_type": col.codes(channel, CHANNEL_TYPES),
        "outcome": col.codes(outcome, OUTCOMES),
    }
