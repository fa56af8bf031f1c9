"""The package catalogue (CRM_PRODUCT) and the store reference (CRM_STORE).

Both are fixed reference data, the same for every seed, as a real catalogue would be: the
seed changes the subscribers, not the products on sale.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from telco_mart.synthetic.generate.codes import contract_codes
from telco_mart.synthetic.generate.seeding import rng_for
from telco_mart.synthetic.generate.vocabulary import CITY_NAMES, DISTRICTS, STORE_KINDS

GENERATIONS = contract_codes("network_generation")
CITIES = tuple(CITY_NAMES)
CITY_SHARES = np.array([share for _, share in CITY_NAMES.values()])
CHANNEL_TYPES = contract_codes("channel_type")

# (generation, national?, monthly fee, voice minutes, data MB, SMS, on sale?)
_PACKAGES = [
    (0, False, 8, 30, 10, 20, False),
    (0, False, 18, 100, 30, 50, False),
    (0, False, 28, 200, 50, 100, False),
    (0, True, 38, 200, 60, 50, False),
    (0, True, 58, 400, 100, 100, False),
    (0, True, 88, 700, 200, 200, False),
    (1, False, 26, 150, 200, 50, False),
    (1, False, 36, 200, 300, 60, False),
    (1, False, 46, 300, 500, 100, False),
    (1, True, 58, 300, 500, 100, False),
    (1, True, 88, 500, 1024, 100, False),
    (1, True, 128, 800, 2048, 200, False),
    (1, True, 188, 1200, 3072, 300, False),
    (2, False, 18, 50, 1024, 0, True),
    (2, False, 28, 100, 2048, 0, True),
    (2, False, 38, 200, 4096, 50, True),
    (2, False, 48, 300, 6144, 100, True),
    (2, True, 58, 200, 10240, 100, True),
    (2, True, 78, 300, 15360, 100, True),
    (2, True, 98, 500, 20480, 100, True),
    (2, True, 128, 700, 30720, 100, True),
    (2, True, 158, 1000, 40960, 200, True),
    (2, True, 198, 1500, 61440, 200, True),
    (2, True, 238, 2000, 81920, 300, True),
    (3, False, 89, 300, 20480, 100, True),
    (3, True, 129, 500, 30720, 100, True),
    (3, True, 169, 700, 40960, 100, True),
    (3, True, 199, 1000, 61440, 200, True),
    (3, True, 239, 1200, 81920, 200, True),
    (3, True, 299, 1500, 102400, 300, True),
    (3, True, 399, 2500, 153600, 500, True),
    (3, True, 599, 4000, 307200, 500, True),
]
# Overage prices per generation in 1/10,000 yuan: voice per minute, data per MB, SMS per message.
_OVERAGE = {0: (2500, 2900, 1000), 1: (2000, 1000, 1000), 2: (1500, 50, 1000), 3: (1000, 30, 1000)}


@dataclass(frozen=True)
class Catalogue:
    """Packages as parallel arrays (index = package number), plus the moves between them."""

    package_ids: tuple[str, ...]
    package_names: tuple[str, ...]
    generation: np.ndarray  # int8, index into GENERATIONS
    is_national: np.ndarray
    fee_cents: np.ndarray
    voice_included: np.ndarray
    data_mb_included: np.ndarray
    sms_included: np.ndarray
    voice_rate: np.ndarray  # 1/10,000 yuan per minute
    data_rate: np.ndarray  # 1/10,000 yuan per MB
    sms_rate: np.ndarray  # 1/10,000 yuan per message
    is_on_sale: np.ndarray
    upgrade: np.ndarray  # next dearer package of the same generation (itself at the top)
    downgrade: np.ndarray  # next cheaper package of the same generation (itself at the bottom)
    migrate: np.ndarray  # the package of the next generation a subscriber moves to

    def __len__(self) -> int:
        return len(self.package_ids)

    def of_generation(self, generation: int) -> np.ndarray:
        """Package numbers of one generation, cheapest first."""
        members = np.flatnonzero(self.generation == generation)
        return members[np.argsort(self.fee_cents[members], kind="stable")]


def build_catalogue() -> Catalogue:
    """The package catalogue with its upgrade, downgrade and migration paths."""
    rows = _PACKAGES
    generation = np.array([r[0] for r in rows], dtype=np.int8)
    national = np.array([r[1] for r in rows])
    fee = np.array([r[2] * 100 for r in rows], dtype=np.int64)
    ids = tuple(f"PK{r[0] + 2}{'N' if r[1] else 'L'}{r[2]:03d}" for r in rows)
    names = tuple(f"{GENERATIONS[r[0]]}{'全国' if r[1] else '本地'}套餐{r[2]}元" for r in rows)
    upgrade = np.arange(len(rows))
    downgrade = np.arange(len(rows))
    migrate = np.arange(len(rows))
    for g in range(4):
        members = np.flatnonzero(generation == g)
        ordered = members[np.argsort(fee[members], kind="stable")]
        upgrade[ordered[:-1]] = ordered[1:]
        downgrade[ordered[1:]] = ordered[:-1]
        if g < 3:
            # 2G and 3G move straight to 4G (the migration task); 4G moves to 5G. The move keeps
            # the scope where it can and the spend about the same.
            targets = np.flatnonzero(generation == max(g + 1, 2))
            for package in ordered:
                same_scope = targets[national[targets] == national[package]]
                pool = same_scope if len(same_scope) else targets
                migrate[package] = pool[np.argmin(np.abs(fee[pool] - fee[package]))]
    overage = np.array([_OVERAGE[g] for g in generation], dtype=np.int64)
    return Catalogue(
        package_ids=ids,
        package_names=names,
        generation=generation,
        is_national=national,
        fee_cents=fee,
        voice_included=np.array([r[3] for r in rows], dtype=np.int64),
        data_mb_included=np.array([r[4] for r in rows], dtype=np.int64),
        sms_included=np.array([r[5] for r in rows], dtype=np.int64),
        voice_rate=overage[:, 0],
        data_rate=overage[:, 1],
        sms_rate=overage[:, 2],
        is_on_sale=np.array([r[6] for r in rows]),
        upgrade=upgrade,
        downgrade=downgrade,
        migrate=migrate,
    )


@dataclass(frozen=True)
class Stores:
    """Stores and channel points as parallel arrays."""

    store_ids: tuple[str, ...]
    names: tuple[str, ...]
    city: np.ndarray  # index into CITIES
    districts: tuple[str, ...]
    channel: np.ndarray  # index into CHANNEL_TYPES
    daily_capacity: np.ndarray
    serves_subscribers: np.ndarray  # counters and field sales are subscribers' home stores


def build_stores(count: int = 150) -> Stores:
    """About ``count`` stores over the 11 cities: counters and field teams by population, one call
    centre and one hotline per city, and the province-wide app and SMS channels in Taiyuan."""
    rng = rng_for(0, "stores")
    rows: list[tuple[int, str, str, int]] = []  # city, district, name, channel
    local_kinds = ("retail_counter", "field_sales")
    local_share = np.array([STORE_KINDS[k][1] for k in local_kinds])
    for city_number, city in enumerate(CITIES):
        city_name = CITY_NAMES[city][0]
        districts = DISTRICTS[city].split()
        local_count = max(4, round(CITY_SHARES[city_number] * count * 0.85))
        for _ in range(local_count):
            kind = local_kinds[rng.choice(2, p=local_share / local_share.sum())]
            district = districts[rng.integers(len(districts))]
            ending = STORE_KINDS[kind][0][rng.integers(len(STORE_KINDS[kind][0]))]
            rows.append((city_number, district, f"{city_name}{district}{ending}", CHANNEL_TYPES.index(kind)))
        for kind in ("outbound_call", "hotline"):
            rows.append(
                (
                    city_number,
                    districts[0],
                    f"{city_name}{STORE_KINDS[kind][0][0]}",
                    CHANNEL_TYPES.index(kind),
                )
            )
    for kind in ("app", "sms"):
        for ending in STORE_KINDS[kind][0]:
            rows.append((0, "小店区", f"山西移动{ending}", CHANNEL_TYPES.index(kind)))
    channel = np.array([r[3] for r in rows], dtype=np.int8)
    low = np.array([STORE_KINDS[CHANNEL_TYPES[c]][2][0] for c in channel])
    high = np.array([STORE_KINDS[CHANNEL_TYPES[c]][2][1] for c in channel])
    capacity = (low + rng.random(len(rows)) * (high - low)).round(-1).astype(np.int64)
    return Stores(
        store_ids=tuple(f"ST{number:04d}" for number in range(1, len(rows) + 1)),
        names=tuple(r[2] for r in rows),
        city=np.array([r[0] for r in rows], dtype=np.int8),
        districts=tuple(r[1] for r in rows),
        channel=channel,
        daily_capacity=capacity,
        serves_subscribers=np.isin(channel, [CHANNEL_TYPES.index(k) for k in local_kinds]),
    )
