"""The monthly life of the population: package and handset moves, usage and bills, complaints,
the churn hazard and the churn itself.

Each kind of draw in each month has its own stream (seed, purpose, month), so a month's draws
do not depend on how many months came before it: two windows that share a month see the same
usage for a subscriber in the same state.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from telco_mart.synthetic.generate.catalogue import Catalogue
from telco_mart.synthetic.generate.churn import monthly_hazard, spend_drop
from telco_mart.synthetic.generate.contracts import NO_CONTRACT, Contracts
from telco_mart.synthetic.generate.dates import days_in_month, month_starts_days
from telco_mart.synthetic.generate.population import DATA_MEDIAN_MB, Population
from telco_mart.synthetic.generate.seeding import rng_for
from telco_mart.synthetic.generate.terminals import Terminals

NEVER = np.iinfo(np.int32).max
# Handset generation wanted at a change, by the subscriber's network generation: people buy newer.
_NEW_HANDSET_MIX = [[0.3, 0.25, 0.38, 0.07], [0.0, 0.35, 0.53, 0.12], [0, 0, 0.55, 0.45], [0, 0, 0, 1]]
_NEW_HANDSET_CDF = np.cumsum(_NEW_HANDSET_MIX, axis=1)
_MIGRATION_RATE = np.array([0.012, 0.015, 0.008, 0.0], dtype=np.float32)
_MONTHLY = {  # per month and subscriber: the dtype of each History array
    "package": np.int16,
    "package_change_day": np.int8,
    "handset": np.int16,
    "serial": np.int32,
    "handset_change_day": np.int8,
    "handset_acquired_days": np.int32,
    "voice": np.int32,
    "forwarded": np.int32,
    "data_mb": np.int32,
    "sms": np.int32,
    "mms": np.int32,
    "package_fee_cents": np.int32,
    "overage_cents": np.int32,
    "value_added_cents": np.int32,
    "total_cents": np.int32,
    "balance_cents": np.int32,
    "arrears_cents": np.int32,
    "complaints": np.int8,
    "hazard": np.float32,
}


@dataclass
class History:
    """Per month (row) and subscriber (column); row 0 is ``first_month``. Package and handset
    are those at the month's end; a change day of 0 means no change that month."""

    first_month: int
    churn_from: int
    churn_days: np.ndarray  # per subscriber; NEVER when not churned
    package: np.ndarray
    package_change_day: np.ndarray
    handset: np.ndarray
    serial: np.ndarray
    handset_change_day: np.ndarray
    handset_acquired_days: np.ndarray
    voice: np.ndarray
    forwarded: np.ndarray
    data_mb: np.ndarray
    sms: np.ndarray
    mms: np.ndarray
    package_fee_cents: np.ndarray
    overage_cents: np.ndarray
    value_added_cents: np.ndarray
    total_cents: np.ndarray
    balance_cents: np.ndarray
    arrears_cents: np.ndarray
    complaints: np.ndarray
    hazard: np.ndarray  # probability of churning during the following month

    def row(self, month: int) -> int:
        """Row of a month index."""
        return month - self.first_month

    @property
    def last_month(self) -> int:
        """The last simulated month index."""
        return self.first_month + len(self.package) - 1


@dataclass
class _State:
    """What carries from one month to the next."""

    package: np.ndarray
    handset: np.ndarray
    serial: np.ndarray
    acquired: np.ndarray
    engagement: np.ndarray
    data_before: np.ndarray


def simulate_history(
    seed: int,
    population: Population,
    catalogue: Catalogue,
    terminals: Terminals,
    contracts: Contracts,
    first_month: int,
    last_month: int,
    churn_from: int,
) -> History:
    """Simulate months ``first_month`` to ``last_month``; churn happens from ``churn_from`` on."""
    p = population
    n, months = p.size, last_month - first_month + 1
    arrays = {name: np.zeros((months, n), dtype=dtype) for name, dtype in _MONTHLY.items()}
    h = History(first_month, churn_from, np.full(n, NEVER, dtype=np.int32), **arrays)
    assert [f.name for f in fields(History)][3:] == list(_MONTHLY)
    first_day = int(month_starts_days(np.array([first_month]))[0])
    state = _State(
        p.package0.copy(),
        p.handset0.copy(),
        p.serial0.copy(),
        np.maximum(first_day - p.handset_age0_days, p.join_days).astype(np.int32),
        p.engagement0.copy(),
        p.data_level.copy(),
    )
    for row, month in enumerate(range(first_month, last_month + 1)):
        start = int(month_starts_days(np.array([month]))[0])
        dim = days_in_month(month)
        if month >= churn_from and row > 0:
            rng = rng_for(seed, "churn", month)
            churns = (p.join_days < start) & (h.churn_days == NEVER) & (rng.random(n) < h.hazard[row - 1])
            h.churn_days[churns] = start + rng.integers(0, dim, int(churns.sum()))
        end = start + dim - 1
        active_days = np.clip(np.minimum(h.churn_days - 1, end) - np.maximum(p.join_days, start) + 1, 0, dim)
        settled = (p.join_days < start) & (h.churn_days > end) & ~p.is_suspended
        migrated = _move_packages(rng_for(seed, "package", month), h, row, dim, settled, state, catalogue)
        _change_handsets(
            rng_for(seed, "handset", month),
            h,
            row,
            start,
            dim,
            settled,
            migrated,
            state,
            catalogue,
            terminals,
        )
        share = _use_and_bill(rng_for(seed, "usage", month), h, row, active_days, p, state, catalogue)
        fee = catalogue.fee_cents[state.package]
        rate = p.complaint_propensity * np.float32(0.0025) * np.exp(np.float32(0.4) * p.risk_latent)
        rate = rate * (1 + 1.5 * (p.forwarded_share > 0.5)) * (1 + (h.overage_cents[row] > fee * 0.3))
        h.complaints[row] = np.minimum(rng_for(seed, "complaints", month).poisson(rate * active_days), 100)
        months_to_end = np.full(n, NO_CONTRACT, dtype=np.int64)
        months_to_end[contracts.holders] = contracts.months_to_end(month)
        h.hazard[row] = monthly_hazard(
            forwarded_share=share,
            months_to_end=months_to_end,
            complaints_3m=h.complaints[max(0, row - 2) : row + 1].sum(axis=0, dtype=np.int32),
            drop=spend_drop(h.total_cents, row),
            tenure_months=(end - p.join_days) / np.float32(30.4),
            handset_age_months=(end - state.acquired) / np.float32(30.4),
            overage_share=h.overage_cents[row] / np.maximum(fee, 1).astype(np.float32),
            risk_latent=p.risk_latent,
            is_suspended=p.is_suspended,
        )
    return h


def _move_packages(rng, h: History, row: int, dim: int, settled, state: _State, catalogue: Catalogue):
    """Overflowing subscribers buy up, idle ones down, 2G/3G lines move to 4G. Returns who migrated."""
    package = state.package
    overflow = state.data_before / catalogue.data_mb_included[package].astype(np.float32)
    draw = rng.random(len(package), dtype=np.float32)
    migrate = _MIGRATION_RATE[catalogue.generation[package]] * np.where(overflow > 1.2, 2.5, 1.0)
    up = migrate + np.where(overflow > 1.3, 0.1, 0.004)
    down = up + np.where(overflow < 0.3, 0.04, 0.002)
    target = np.select(
        [draw < migrate, draw < up, draw < down],
        [catalogue.migrate[package], catalogue.upgrade[package], catalogue.downgrade[package]],
        package,
    )
    moved = settled & (target != package)
    h.package_change_day[row][moved] = rng.integers(1, dim + 1, int(moved.sum()))
    state.package = np.where(moved, target, package).astype(np.int16)
    h.package[row] = state.package
    return moved & (draw < migrate)


def _change_handsets(rng, h, row, start, dim, settled, migrated, state: _State, catalogue, terminals) -> None:
    """A few handset changes per thousand a day, more for old phones and lines that just migrated."""
    age_months = (start - state.acquired) / np.float32(30.4)
    chance = 0.06 + 0.05 * (age_months > 24) + 0.3 * migrated
    changers = np.flatnonzero(settled & (rng.random(len(settled), dtype=np.float32) < chance))
    generation = catalogue.generation[state.package[changers]]
    wanted = (rng.random(len(changers))[:, None] > _NEW_HANDSET_CDF[generation]).sum(axis=1).clip(0, 3)
    new_handset = terminals.pick(rng, np.maximum(wanted, generation)).astype(np.int16)
    new_serial = rng.integers(0, 1_000_000, len(changers)).astype(np.int32)
    same = (new_handset == state.handset[changers]) & (new_serial == state.serial[changers])
    new_serial[same] = (new_serial[same] + 1) % 1_000_000  # never the very same IMEI again
    # A migrating line changes handset the day it changes package.
    any_day = rng.integers(1, dim + 1, len(changers))
    day = np.where(migrated[changers], h.package_change_day[row][changers], any_day)
    h.handset_change_day[row][changers] = day
    state.handset[changers], state.serial[changers] = new_handset, new_serial
    state.acquired[changers] = start + day - 1
    h.handset[row], h.serial[row], h.handset_acquired_days[row] = state.handset, state.serial, state.acquired


def _use_and_bill(rng, h: History, row, active_days, p: Population, state: _State, catalogue) -> np.ndarray:
    """Usage around personal levels, moved by a slowly wandering engagement; then the bill:
    package fee, overage at the catalogue's rates, value-added services. Returns the month's
    forwarded share."""
    n = p.size
    dim = int(active_days.max(initial=1)) or 1

    def noise(sigma: float) -> np.ndarray:
        return np.exp(np.float32(sigma) * rng.standard_normal(n, dtype=np.float32))

    step = rng.standard_normal(n, np.float32)
    state.engagement = np.float32(0.8) * state.engagement + np.float32(0.25) * step
    scale = np.exp(state.engagement) * (active_days / np.float32(dim)) * ~p.is_suspended
    package = state.package
    generation = catalogue.generation[package]
    voice = p.voice_level * scale * noise(0.2)
    share = np.clip(p.forwarded_share + np.float32(0.04) * rng.standard_normal(n, np.float32), 0.0, 0.97)
    data = p.data_level * (DATA_MEDIAN_MB[generation] / DATA_MEDIAN_MB[p.generation0]) * scale * noise(0.3)
    h.voice[row], h.data_mb[row], h.forwarded[row] = voice.round(), data.round(), (voice * share).round()
    h.sms[row], h.mms[row] = rng.poisson(p.sms_level * scale), rng.poisson(p.mms_level * scale)
    billed = active_days > 0
    state.data_before = np.where(billed, data, state.data_before)
    over = (
        np.maximum(h.voice[row] - catalogue.voice_included[package], 0) * catalogue.voice_rate[package]
        + np.maximum(h.data_mb[row] - catalogue.data_mb_included[package], 0) * catalogue.data_rate[package]
        + np.maximum(h.sms[row] - catalogue.sms_included[package], 0) * catalogue.sms_rate[package]
    ) // 100
    h.package_fee_cents[row] = catalogue.fee_cents[package] * billed
    h.overage_cents[row] = over * billed
    h.value_added_cents[row] = (p.value_added_level * 100 * noise(0.3) * billed).round()
    h.total_cents[row] = h.package_fee_cents[row] + h.overage_cents[row] + h.value_added_cents[row]
    h.balance_cents[row] = (p.balance_level * 100 * noise(0.6) * billed).round()
    owes = p.is_arrears_prone & (rng.random(n, dtype=np.float32) < 0.5) & billed
    h.arrears_cents[row] = np.where(owes, h.total_cents[row] * rng.uniform(0.3, 1.5, n), 0).round()
    return share
