"""The fixed population: subscribers, their customers and their hidden traits.

Everything here is drawn from the seed alone, never from the window, so a later window with
the same seed meets the same people with the same numbers, packages and habits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from telco_mart.synthetic.generate.catalogue import CITY_SHARES, Catalogue, Stores
from telco_mart.synthetic.generate.dates import to_days
from telco_mart.synthetic.generate.gn_rules import CATEGORY_SHARES
from telco_mart.synthetic.generate.seeding import rng_for
from telco_mart.synthetic.generate.terminals import Terminals
from telco_mart.synthetic.generate.vocabulary import GIVEN_NAME_CHARACTERS, SURNAMES

# China Mobile number ranges: every msisdn is 11 digits starting with 13x to 19x.
MSISDN_PREFIXES = np.array(
    [
        134,
        135,
        136,
        137,
        138,
        139,
        147,
        150,
        151,
        152,
        157,
        158,
        159,
        172,
        178,
        182,
        183,
        184,
        187,
        188,
        195,
        198,
    ]
)
GENERATION_SHARES = np.array([0.08, 0.17, 0.55, 0.20])
# Median monthly data in MB by generation; usage scales with it when a subscriber migrates.
DATA_MEDIAN_MB = np.array([40.0, 500.0, 5000.0, 15000.0], dtype=np.float32)
FIRST_JOIN, LAST_JOIN = date(2016, 1, 1), date(2026, 9, 30)
REFERENCE_DAY = to_days(date(2026, 1, 1))  # ages of people are counted to this day
RESTRICTIONS_BY = to_days(date(2026, 6, 30))


@dataclass(frozen=True)
class Population:
    """One row per subscriber (index = subscriber number - 1), customers by ``customer_of``."""

    msisdn: np.ndarray
    customer_of: np.ndarray
    city: np.ndarray
    join_days: np.ndarray
    generation0: np.ndarray  # generation before the simulated months
    is_sim_card0: np.ndarray  # legacy non-USIM card
    package0: np.ndarray
    home_store: np.ndarray  # -1: none
    is_suspended: np.ndarray
    voice_level: np.ndarray  # minutes a month
    data_level: np.ndarray  # MB a month at generation0
    sms_level: np.ndarray
    mms_level: np.ndarray
    value_added_level: np.ndarray  # yuan a month
    balance_level: np.ndarray  # yuan
    is_arrears_prone: np.ndarray
    forwarded_share: np.ndarray  # share of voice minutes forwarded to other networks
    complaint_propensity: np.ndarray
    risk_latent: np.ndarray  # unobserved churn propensity: no model can see it
    engagement0: np.ndarray
    activity: np.ndarray  # traffic sessions relative to the mean
    interests: np.ndarray  # [n, 3] category numbers; the first ``interest_count`` count
    interest_count: np.ndarray
    handset0: np.ndarray  # terminal index
    serial0: np.ndarray
    handset_age0_days: np.ndarray
    do_not_disturb_days: np.ndarray  # day the restriction starts; -1: none
    blacklist_days: np.ndarray
    # customers
    customer_city: np.ndarray
    customer_gender: np.ndarray  # 0 M, 1 F, -1 unknown
    customer_birth_days: np.ndarray  # -1: unknown
    customer_created_days: np.ndarray
    customer_name_parts: np.ndarray  # [customers, 3]: surname, given, given (-1: none)

    @property
    def size(self) -> int:
        """Number of subscribers."""
        return len(self.msisdn)


def _customers(rng: np.random.Generator, n: int) -> np.ndarray:
    """Customer number of each subscriber: customers own one to three lines, held together."""
    lines = rng.choice([1, 2, 3], size=n, p=[0.72, 0.2, 0.08])
    owners = np.repeat(np.arange(n, dtype=np.int32), lines)[:n]
    return owners


def _pick_package(rng, catalogue: Catalogue, generation: np.ndarray, data_level: np.ndarray) -> np.ndarray:
    """A package of the subscriber's generation whose data allowance is near a noisy view of their
    use: the noise leaves some overflowing their tier and some using far less than they pay for."""
    package = np.zeros(len(generation), dtype=np.int16)
    # People buy a little above their need (+0.4 in log), with a blurred view of it.
    wanted = np.log(data_level) + rng.normal(0.4, 0.5, len(generation)).astype(np.float32)
    for g in range(4):
        rows = np.flatnonzero(generation == g)
        members = catalogue.of_generation(g)
        distance = np.abs(wanted[rows, None] - np.log(catalogue.data_mb_included[members])[None, :])
        package[rows] = members[np.argmin(distance, axis=1)]
    return package


def _interests(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """One to three distinct interest categories per subscriber, popular categories more often:
    each slot is drawn by share and redrawn where it repeats an earlier slot."""
    rng = rng_for(seed, "interests")
    cdf = np.cumsum(CATEGORY_SHARES) / CATEGORY_SHARES.sum()

    def draw(size: int) -> np.ndarray:
        return np.searchsorted(cdf, rng.random(size), side="right").clip(0, len(cdf) - 1)

    top = np.empty((n, 3), dtype=np.int8)
    for slot in range(3):
        top[:, slot] = draw(n)
        clash = np.flatnonzero((top[:, :slot] == top[:, slot : slot + 1]).any(axis=1))
        while len(clash):
            top[clash, slot] = draw(len(clash))
            clash = clash[(top[clash, :slot] == top[clash, slot : slot + 1]).any(axis=1)]
    return top, rng.choice([1, 2, 3], size=n, p=[0.35, 0.4, 0.25]).astype(np.int8)


def _restriction_days(rng, join_days: np.ndarray, share: float) -> np.ndarray:
    """Start day of a restriction for ``share`` of subscribers (-1 for the others): any day from
    joining to mid-2026, so windows of recent years find nearly all of them in force."""
    chosen = rng.random(len(join_days)) < share
    span = np.maximum(RESTRICTIONS_BY - join_days, 30)
    start = join_days + (rng.random(len(join_days)) * span).astype(np.int32)
    return np.where(chosen, start, -1).astype(np.int32)


def _home_stores(rng, city: np.ndarray, stores: Stores) -> np.ndarray:
    """A counter or field team of the subscriber's city for most subscribers (-1: none)."""
    serving = np.flatnonzero(stores.serves_subscribers)
    slot = rng.random(len(city))
    home_store = np.full(len(city), -1, dtype=np.int16)
    for c in range(len(CITY_SHARES)):
        members = serving[stores.city[serving] == c]
        rows = np.flatnonzero((city == c) & (slot < 0.92))
        home_store[rows] = members[rng.integers(0, len(members), len(rows))]
    return home_store


# Best network of the handset held, by the line's generation: most hold a phone of their own
# generation; some 2G/3G lines sit in 4G/5G phones (the "4G handset, 4G not opened" task).
_HANDSET_MIX = {
    0: [0.45, 0.2, 0.3, 0.05],
    1: [0.0, 0.55, 0.38, 0.07],
    2: [0.0, 0.0, 0.8, 0.2],
    3: [0, 0, 0, 1],
}


def _handset_generations(rng, generation: np.ndarray) -> np.ndarray:
    wanted = np.empty(len(generation), dtype=np.int8)
    for g, shares in _HANDSET_MIX.items():
        rows = np.flatnonzero(generation == g)
        wanted[rows] = rng.choice(4, size=len(rows), p=shares)
    return wanted


def build_population(
    seed: int,
    n: int,
    catalogue: Catalogue,
    stores: Stores,
    terminals: Terminals,
) -> Population:
    """Draw the ``n`` subscribers of ``seed``."""
    rng = rng_for(seed, "population")
    customer_of = _customers(rng, n)
    customers = int(customer_of[-1]) + 1
    customer_city = rng.choice(len(CITY_SHARES), size=customers, p=CITY_SHARES).astype(np.int8)
    city = np.where(rng.random(n) < 0.95, customer_city[customer_of], rng.choice(len(CITY_SHARES), size=n))
    span = to_days(LAST_JOIN) - to_days(FIRST_JOIN)
    join_days = (to_days(FIRST_JOIN) + span * rng.random(n) ** 0.8).astype(np.int32)
    generation = rng.choice(4, size=n, p=GENERATION_SHARES).astype(np.int8)
    sim_share = np.array([0.6, 0.25, 0.02, 0.0])[generation]
    data_level = (DATA_MEDIAN_MB[generation] * rng.lognormal(0.0, 0.9, n)).astype(np.float32)

    home_store = _home_stores(rng, city, stores)
    wanted_handset = _handset_generations(rng, generation)

    # Forwarding to other networks: a minority forward most of their calls (and churn far more).
    is_forwarder = rng.random(n) < 0.09
    forwarded = np.where(is_forwarder, rng.beta(7.0, 4.0, n), rng.beta(1.5, 14.0, n)).astype(np.float32)
    interests, interest_count = _interests(seed, n)
    activity = rng.gamma(2.0, 0.5, n) * np.array([0.15, 0.5, 1.0, 1.3])[generation]
    risk_latent = rng.standard_normal(n).astype(np.float32)

    first_seen = np.full(customers, np.iinfo(np.int32).max, dtype=np.int32)
    np.minimum.at(first_seen, customer_of, join_days)
    birth_age_days = rng.integers(18 * 365, 78 * 365, customers)
    given = rng.integers(0, len(GIVEN_NAME_CHARACTERS), (customers, 2))
    given[rng.random(customers) < 0.3, 1] = -1  # one-character given names
    return Population(
        msisdn=(rng.choice(MSISDN_PREFIXES, n) * 100_000_000 + rng.choice(100_000_000, n, replace=False)),
        customer_of=customer_of,
        city=city.astype(np.int8),
        join_days=join_days,
        generation0=generation,
        is_sim_card0=rng.random(n) < sim_share,
        package0=_pick_package(rng, catalogue, generation, data_level),
        home_store=home_store,
        is_suspended=rng.random(n) < 0.02,
        voice_level=(150.0 * rng.lognormal(0.0, 0.8, n)).astype(np.float32),
        data_level=data_level,
        sms_level=(18.0 * rng.lognormal(0.0, 1.0, n)).astype(np.float32),
        mms_level=(0.8 * rng.lognormal(0.0, 1.2, n)).astype(np.float32),
        value_added_level=np.where(rng.random(n) < 0.45, 0, 8 * rng.lognormal(0, 0.9, n)).astype(np.float32),
        balance_level=(25.0 * rng.lognormal(0.0, 1.0, n)).astype(np.float32),
        is_arrears_prone=rng.random(n) < 0.05 * np.exp(0.5 * risk_latent),
        forwarded_share=forwarded,
        complaint_propensity=(rng.lognormal(0.0, 0.8, n) / np.exp(0.32)).astype(np.float32),
        risk_latent=risk_latent,
        engagement0=rng.normal(0.0, 0.4, n).astype(np.float32),
        activity=(activity / activity.mean()).astype(np.float32),
        interests=interests,
        interest_count=interest_count,
        handset0=terminals.pick(rng, wanted_handset).astype(np.int16),
        serial0=rng.integers(0, 1_000_000, n).astype(np.int32),
        handset_age0_days=rng.exponential(600.0, n).astype(np.int32),
        do_not_disturb_days=_restriction_days(rng, join_days, 0.03),
        blacklist_days=_restriction_days(rng, join_days, 0.005),
        customer_city=customer_city,
        customer_gender=np.where(rng.random(customers) < 0.03, -1, rng.integers(0, 2, customers)).astype("b"),
        customer_birth_days=np.where(rng.random(customers) < 0.05, -1, REFERENCE_DAY - birth_age_days),
        customer_created_days=first_seen,
        customer_name_parts=np.column_stack([rng.integers(0, len(SURNAMES), customers), given]).astype("i2"),
    )
