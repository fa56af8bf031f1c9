"""Contracts (CRM_CONTRACT): chains of 12- or 24-month contracts, renewed or left to end.

A holder signs a first contract, then at the end of each one either renews (the next contract
signed up to 80 days before the end, or 20 days after) or lets the chain end. Chains are drawn
from the seed alone and laid on the calendar, so any window sees contracts ending before,
during and after it: every renewal sub-task (3 months before to 2 months after) occurs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from telco_mart.synthetic.generate.catalogue import Catalogue
from telco_mart.synthetic.generate.codes import contract_codes
from telco_mart.synthetic.generate.dates import month_ends_days, month_index, month_starts_days, months_of_days
from telco_mart.synthetic.generate.seeding import rng_for

CONTRACT_KINDS = contract_codes("contract_kind")
CONTRACT_STATUSES = contract_codes("contract_status")
NO_CONTRACT = 10_000  # months to the end of a contract that does not exist: "far away"
_FIRST_MONTHS = (month_index(date(2018, 1, 1)), month_index(date(2027, 6, 1)))


@dataclass(frozen=True)
class Contracts:
    """One contract chain per holder; ``holders`` are subscriber numbers."""

    holders: np.ndarray
    first_month: np.ndarray  # month index the first contract starts
    months: np.ndarray  # 12 or 24
    count: np.ndarray  # contracts in the chain
    kind: np.ndarray
    commitment_cents: np.ndarray
    deposit_cents: np.ndarray  # -1: none
    renewal_seed: np.ndarray  # spreads the renewal dates of successive contracts

    def start_days(self, k: np.ndarray, rows=slice(None)) -> np.ndarray:
        """First day of contract ``k`` of each chain (``rows`` selects chains)."""
        return month_starts_days(self.first_month[rows] + k * self.months[rows])

    def end_days(self, k: np.ndarray, rows=slice(None)) -> np.ndarray:
        """Last day of contract ``k`` of each chain."""
        return month_ends_days(self.first_month[rows] + (k + 1) * self.months[rows] - 1)

    def renewal_days(self, k: np.ndarray, rows=slice(None)) -> np.ndarray:
        """Day contract ``k + 1`` is signed (meaningful when k + 1 < count)."""
        offset = (self.renewal_seed[rows] + 53 * k) % 101 - 80
        return self.end_days(k, rows) + offset

    def signed_days(self, k: np.ndarray, rows=slice(None)) -> np.ndarray:
        """Day contract ``k`` was signed: its start for the first, the renewal for the others."""
        return np.where(k == 0, self.start_days(k, rows), self.renewal_days(np.maximum(k - 1, 0), rows))

    def latest_signed(self, day: int) -> np.ndarray:
        """Index of the latest contract signed by ``day`` per chain; -1 before the first."""
        k = (months_of_days(np.array([day]))[0] - self.first_month) // self.months
        k = np.clip(k, 0, self.count - 1)
        # Renewals are signed up to 80 days early or 20 days late: step one contract either way.
        later = (k + 1 < self.count) & (self.renewal_days(k) <= day)
        k = np.where(later, k + 1, k)
        earlier = (k > 0) & (self.signed_days(k) > day)
        k = np.where(earlier, k - 1, k)
        return np.where(self.start_days(np.zeros_like(k)) > day, -1, k)

    def months_to_end(self, month: int) -> np.ndarray:
        """Per subscriber (all of them): months from ``month`` to the end month of the latest
        contract signed by its last day; negative once ended, NO_CONTRACT when none."""
        day = int(month_ends_days(np.array([month]))[0])
        k = self.latest_signed(day)
        end_month = self.first_month + (k + 1) * self.months - 1
        return np.where(k >= 0, end_month - month, NO_CONTRACT)


def build_contracts(
    seed: int,
    catalogue: Catalogue,
    package0: np.ndarray,
    join_days: np.ndarray,
) -> Contracts:
    """Draw the contract chains of the population of ``seed``."""
    rng = rng_for(seed, "contracts")
    n = len(join_days)
    join_month = months_of_days(join_days)
    low = np.maximum(join_month + 1, _FIRST_MONTHS[0])
    first = low + (rng.random(n) * (_FIRST_MONTHS[1] - low)).astype(np.int64)
    holders = np.flatnonzero((rng.random(n) < 0.62) & (first < _FIRST_MONTHS[1]))
    size = len(holders)
    kind = rng.choice(3, size=size, p=[0.4, 0.35, 0.25]).astype(np.int8)
    fee = catalogue.fee_cents[package0[holders]]
    commitment = (fee * rng.uniform(0.6, 1.0, size) / 1000).round() * 1000
    deposit = np.where(kind == 1, -1, rng.choice([50000, 100000, 150000, 200000, 300000], size))
    return Contracts(
        holders=holders,
        first_month=first[holders],
        months=rng.choice([12, 24], size=size, p=[0.55, 0.45]),
        count=rng.geometric(0.45, size),
        kind=kind,
        commitment_cents=commitment.astype(np.int64),
        deposit_cents=deposit.astype(np.int64),
        renewal_seed=rng.integers(0, 101, size),
    )


@dataclass(frozen=True)
class ContractRows:
    """The contracts of a snapshot: chain row, contract number, dates and status."""

    chain: np.ndarray
    number: np.ndarray
    start_days: np.ndarray
    end_days: np.ndarray
    status: np.ndarray  # index into CONTRACT_STATUSES


def contract_snapshot(contracts: Contracts, day: int, churn_days: np.ndarray) -> ContractRows:
    """Contracts active on ``day`` or ended in the 12 months before, as CRM delivers them.

    ``churn_days`` is per subscriber; a churned subscriber's contract is ended, and nothing
    is signed after the churn.
    """
    latest = contracts.latest_signed(day)
    churned = churn_days[contracts.holders]
    parts = []
    for back in range(3):
        k = latest - back
        rows = np.flatnonzero(k >= 0)
        k = k[rows]
        end = contracts.end_days(k, rows)
        signed = contracts.signed_days(k, rows)
        start = contracts.start_days(k, rows)
        # A renewal signed early shows once the new contract starts; until then the old one
        # reads "renewed".
        keep = (end >= day - 365) & (start <= day) & (signed <= churned[rows])
        rows, k, start, end = rows[keep], k[keep], start[keep], end[keep]
        renewed = (k + 1 < contracts.count[rows]) & (contracts.renewal_days(k, rows) <= day)
        status = np.where(churned[rows] <= day, 2, np.where(renewed, 1, np.where(end < day, 2, 0)))
        parts.append((rows, k, start, end, status))
    order = np.argsort(np.concatenate([p[0] * 4 + p[1] for p in parts]), kind="stable")
    chain, number, start, end, status = (np.concatenate([p[i] for p in parts])[order] for i in range(5))
    return ContractRows(chain, number, start, end, status.astype(np.int8))
