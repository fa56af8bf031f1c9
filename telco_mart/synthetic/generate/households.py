"""Fixed-line household products (CRM_HOUSEHOLD_PRODUCT): landline, broadband and IPTV per
customer, and the last day each was used.

Drawn from the seed alone, like the population: any window meets the same products with the
same identifiers. About a third of customers keep a landline, most broadband comes with one,
and IPTV only rides on broadband; a share of IPTV boxes sit unwatched, the "inactive IPTV" of
the business-action tags, as landlines without broadband are the broadband prospects.

Use follows a fixed rhythm per product (every ``interval`` days from ``phase``) up to the day it
went dormant, so the last-used date of any business date follows from the date alone, never
moves backwards from one date to the next, and no day is ever simulated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from telco_mart.synthetic.generate.codes import contract_codes
from telco_mart.synthetic.generate.dates import to_days
from telco_mart.synthetic.generate.seeding import rng_for

PRODUCT_TYPES = contract_codes("household_product_type")  # landline, broadband, iptv
PRODUCT_STATUSES = contract_codes("household_product_status")  # active, suspended
LANDLINE, BROADBAND, IPTV = range(3)
NEVER_USED = -1
# Opening and falling dormant happen from the customer's creation up to these days (or within
# two months for later customers), so windows of recent years find nearly all of them done.
OPENED_BY = to_days(date(2025, 10, 1))
DORMANT_BY = to_days(date(2026, 1, 1))
_LATE_SPAN_DAYS = 60
# Landline share by the customer's mobile lines (1, 2, 3): families keep the fixed line more;
# weighted by how many customers own each count it is about 35%.
LANDLINE_SHARE_BY_LINES = np.array([0.32, 0.43, 0.49])
BROADBAND_WITH_LANDLINE = 0.6
BROADBAND_ALONE = 0.08 / 0.65  # of customers without a landline: 8% of all customers
IPTV_WITH_BROADBAND = 0.2
SUSPENDED_SHARE = 0.03
# Per type: share of products left unused from some day on (suspended ones come on top), share
# of those never used at all, and the usage rhythms (days between uses) with their weights.
DORMANT_SHARE = np.array([0.1, 0.04, 0.28])
NEVER_USED_SHARE = np.array([0.1, 0.1, 0.3])
_INTERVALS = {
    LANDLINE: ([1, 2, 3, 5, 7, 14], [0.3, 0.2, 0.15, 0.15, 0.1, 0.1]),
    BROADBAND: ([1, 2, 3], [0.85, 0.1, 0.05]),
    IPTV: ([1, 2, 3, 4, 7], [0.4, 0.25, 0.15, 0.1, 0.1]),
}


@dataclass(frozen=True)
class HouseholdProducts:
    """One row per product, ordered by customer then product type."""

    customer: np.ndarray  # customer number - 1
    product_type: np.ndarray  # index into PRODUCT_TYPES
    opened_days: np.ndarray
    is_suspended: np.ndarray  # suspended from its dormant day on
    dormant_days: np.ndarray  # last day it could be used; int32 max while in use
    interval: np.ndarray  # days between uses
    phase: np.ndarray  # a day of use, modulo ``interval``
    is_never_used: np.ndarray

    def statuses(self, day: int) -> np.ndarray:
        """Index into PRODUCT_STATUSES per product on ``day``."""
        return (self.is_suspended & (self.dormant_days <= day)).astype(np.int8)

    def last_used_days(self, day: int) -> np.ndarray:
        """Last day of use on or before ``day`` per product; NEVER_USED when none yet."""
        until = np.minimum(day, self.dormant_days).astype(np.int64)
        last = until - (until - self.phase) % self.interval
        used = ~self.is_never_used & (last >= self.opened_days)
        return np.where(used, last, NEVER_USED)


def _opened_after(rng, first_days: np.ndarray, same_day_share: float | np.ndarray) -> np.ndarray:
    """A day from ``first_days`` up to OPENED_BY (within two months when later), or the same
    day for ``same_day_share`` (products bought together)."""
    span = np.maximum(OPENED_BY - first_days, _LATE_SPAN_DAYS)
    later = first_days + (rng.random(len(first_days)) * span).astype(np.int32)
    return np.where(rng.random(len(first_days)) < same_day_share, first_days, later).astype(np.int32)


def build_household_products(
    seed: int,
    customer_of: np.ndarray,
    customer_created_days: np.ndarray,
) -> HouseholdProducts:
    """Draw the fixed-line products of the customers of ``seed``."""
    rng = rng_for(seed, "household_products")
    customers = len(customer_created_days)
    lines = np.bincount(customer_of, minlength=customers).clip(1, 3)
    has_landline = rng.random(customers) < LANDLINE_SHARE_BY_LINES[lines - 1]
    broadband_share = np.where(has_landline, BROADBAND_WITH_LANDLINE, BROADBAND_ALONE)
    has_broadband = rng.random(customers) < broadband_share
    has_iptv = has_broadband & (rng.random(customers) < IPTV_WITH_BROADBAND)

    landline_days = _opened_after(rng, customer_created_days, 0.0)
    # Broadband bundled with a landline comes with it or after it; IPTV with or after broadband.
    broadband_from = np.where(has_landline, landline_days, customer_created_days)
    broadband_days = _opened_after(rng, broadband_from, np.where(has_landline, 0.4, 0.0))
    iptv_days = _opened_after(rng, broadband_days, 0.3)

    held = np.column_stack([has_landline, has_broadband, has_iptv])
    customer, product_type = np.nonzero(held)  # row-major: by customer, then type
    opened = np.column_stack([landline_days, broadband_days, iptv_days])[customer, product_type]
    size = len(customer)
    is_suspended = rng.random(size) < SUSPENDED_SHARE
    # A suspended product cannot be used: its suspension starts on its dormant day.
    is_dormant = is_suspended | (rng.random(size) < DORMANT_SHARE[product_type])
    dormant_span = np.maximum(DORMANT_BY - opened, _LATE_SPAN_DAYS)
    dormant_days = opened + (rng.random(size) * dormant_span).astype(np.int32)
    interval = np.ones(size, dtype=np.int32)
    for kind, (choices, weights) in _INTERVALS.items():
        rows = np.flatnonzero(product_type == kind)
        interval[rows] = rng.choice(choices, size=len(rows), p=weights)
    return HouseholdProducts(
        customer=customer.astype(np.int32),
        product_type=product_type.astype(np.int8),
        opened_days=opened.astype(np.int32),
        is_suspended=is_suspended,
        dormant_days=np.where(is_dormant, dormant_days, np.iinfo(np.int32).max).astype(np.int32),
        interval=interval,
        phase=rng.integers(0, 14, size).astype(np.int32),
        is_never_used=is_dormant & (rng.random(size) < NEVER_USED_SHARE[product_type]),
    )
