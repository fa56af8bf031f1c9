"""The terminal library (DM_TERMINAL), handsets outside it, and IMEIs with their Luhn digit.

Fixed reference data, the same for every seed. About 5% of handsets carry a TAC the library
does not list: the IMEI match is never complete in the field (Shanghai reports 94.7%).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from telco_mart.synthetic.generate.codes import contract_codes
from telco_mart.synthetic.generate.seeding import rng_for

OS_FAMILIES = contract_codes("os_family")
PRICE_BANDS = contract_codes("price_band")
OFF_LIBRARY_SHARE = 0.05

# brand, model pattern, numbers, first year, years per number, price band, OS (None: by brand/year)
_SERIES = (
    ("华为", "Mate {}", (9, 10, 20, 30, 40, 50, 60), 2016, 1.2, 3),
    ("华为", "P{}", (9, 10, 20, 30, 40, 50, 60), 2016, 1.2, 2),
    ("华为", "nova {}", (3, 4, 5, 6, 7, 8, 9, 10, 11, 12), 2017, 0.8, 1),
    ("华为", "畅享 {}", (7, 8, 9, 10, 20, 50, 60, 70), 2016, 1.1, 0),
    ("华为", "Ascend P{}", (6, 7), 2012, 1.0, 1),
    ("荣耀", "荣耀 X{}", (10, 20, 30, 40, 50), 2020, 1.0, 1),
    ("荣耀", "荣耀 Magic{}", (3, 4, 5, 6), 2021, 1.0, 3),
    ("荣耀", "荣耀 Play{}", (3, 4, 5, 6, 7, 8), 2019, 1.0, 0),
    ("小米", "小米 {}", (2, 6, 8, 9, 10, 11, 12, 13, 14), 2012, 1.3, 2),
    ("小米", "Redmi Note {}", (5, 7, 8, 9, 10, 11, 12, 13), 2018, 0.8, 0),
    ("小米", "Redmi K{}", (20, 30, 40, 50, 60, 70), 2019, 1.0, 1),
    ("OPPO", "Reno{}", (1, 3, 5, 7, 8, 9, 10, 11), 2019, 0.7, 2),
    ("OPPO", "A{}", (5, 9, 11, 32, 36, 55, 58, 96), 2016, 1.0, 0),
    ("OPPO", "Find X{}", (1, 2, 3, 5, 6, 7), 2018, 1.0, 3),
    ("vivo", "X{}", (9, 20, 21, 27, 30, 50, 60, 70, 80, 90, 100), 2016, 0.8, 2),
    ("vivo", "S{}", (5, 7, 9, 10, 12, 15, 16, 17, 18), 2019, 0.6, 1),
    ("vivo", "Y{}", (30, 33, 35, 50, 52, 53, 55, 76, 78), 2018, 0.7, 0),
    ("vivo", "iQOO {}", (3, 5, 7, 8, 9, 10, 11, 12), 2020, 0.6, 2),
    (
        "Apple",
        "iPhone {}",
        ("5s", "6", "6s", "7", "8", "X", "XR", "11", "12", "13", "14", "15", "16"),
        2013,
        0.9,
        3,
    ),
    ("三星", "Galaxy S{}", (4, 8, 9, 10, 20, 21, 22, 23, 24), 2013, 1.2, 3),
    ("三星", "Galaxy A{}", (50, 51, 52, 53, 54), 2019, 1.0, 1),
    ("中兴", "Axon {}", (10, 20, 30, 40, 50), 2019, 1.0, 1),
    ("中兴", "远航 {}", (20, 30, 40), 2020, 1.5, 0),
)
# Feature phones: brand, model, highest generation (0 = 2G, 1 = 3G).
_FEATURE_PHONES = (
    ("诺基亚", "Nokia 105", 0),
    ("诺基亚", "Nokia 106", 0),
    ("诺基亚", "Nokia 2720", 1),
    ("天语", "天语 T2", 0),
    ("天语", "天语 T5", 1),
    ("守护宝", "守护宝 K8", 0),
    ("守护宝", "守护宝 K10", 1),
    ("中兴", "中兴 F230", 0),
    ("飞利浦", "飞利浦 E6000", 1),
    ("朵唯", "朵唯 L9", 1),
)


@dataclass(frozen=True)
class Terminals:
    """Every handset type the population can hold; the first ``library_size`` are in DM_TERMINAL."""

    tac: np.ndarray  # int64, 8 digits
    brand: tuple[str, ...]
    model: tuple[str, ...]
    max_generation: np.ndarray  # int8, index into GENERATIONS
    supports_volte: np.ndarray
    os_family: np.ndarray  # index into OS_FAMILIES
    price_band: np.ndarray  # index into PRICE_BANDS
    popularity: np.ndarray
    library_size: int

    def pick(self, rng: np.random.Generator, wanted_generation: np.ndarray) -> np.ndarray:
        """A handset type per subscriber with exactly ``wanted_generation`` as its best network,
        by popularity; OFF_LIBRARY_SHARE of them outside the library."""
        choice = np.zeros(len(wanted_generation), dtype=np.int64)
        off_library = rng.random(len(wanted_generation)) < OFF_LIBRARY_SHARE
        in_library = np.arange(len(self.tac)) < self.library_size
        for generation in range(4):
            for off in (False, True):
                rows = np.flatnonzero((wanted_generation == generation) & (off_library == off))
                pool = np.flatnonzero((self.max_generation == generation) & (in_library != off))
                if not len(pool):
                    pool = np.flatnonzero(self.max_generation == generation)
                cumulative = np.cumsum(self.popularity[pool] / self.popularity[pool].sum())
                picked = np.searchsorted(cumulative, rng.random(len(rows)), side="right")
                choice[rows] = pool[picked.clip(0, len(pool) - 1)]
        return choice


def _models() -> list[tuple[str, str, int, int, int, float]]:
    """(brand, model, max generation, price band, OS, popularity) per model."""
    models = []
    for brand, pattern, numbers, first_year, step, band in _SERIES:
        for position, number in enumerate(numbers):
            year = first_year + position * step
            generation = 1 if year < 2014 else 2 if year < 2020 or (band == 0 and year < 2022) else 3
            if brand == "Apple":
                os_family = 1
            elif brand in ("华为", "荣耀") and year >= 2021:
                os_family = 2
            else:
                os_family = 0
            # Recent, cheaper phones are the common ones.
            popularity = (1.8 - 0.45 * band) * np.exp(-max(0.0, 2025 - year) / 4.0)
            models.append((brand, pattern.format(number), generation, band, os_family, popularity))
    for brand, model, generation in _FEATURE_PHONES:
        models.append((brand, model, generation, 0, 3, 1.0))
    return models


def build_terminals(off_library_types: int = 60) -> Terminals:
    """The terminal library (one to four TACs per model) plus handset types it does not list."""
    rng = rng_for(0, "terminals")
    rows = []
    for brand, model, generation, band, os_family, popularity in _models():
        for _ in range(int(rng.integers(1, 5))):
            rows.append((brand, model, generation, band, os_family, popularity * rng.uniform(0.5, 1.5)))
    library_size = len(rows)
    for _ in range(off_library_types):
        generation = int(rng.choice(4, p=[0.1, 0.15, 0.5, 0.25]))
        rows.append(("未知", "未知型号", generation, 0, 0, rng.uniform(0.2, 1.0)))
    prefixes = rng.choice([35, 86], size=len(rows), p=[0.4, 0.6])
    suffixes = rng.choice(1_000_000, size=len(rows), replace=False)
    generation = np.array([r[2] for r in rows], dtype=np.int8)
    return Terminals(
        tac=prefixes.astype(np.int64) * 1_000_000 + suffixes,
        brand=tuple(r[0] for r in rows),
        model=tuple(r[1] for r in rows),
        max_generation=generation,
        supports_volte=(generation >= 2) & (rng.random(len(rows)) < np.where(generation == 3, 1.0, 0.85)),
        os_family=np.array([r[4] for r in rows], dtype=np.int8),
        price_band=np.array([r[3] for r in rows], dtype=np.int8),
        popularity=np.array([r[5] for r in rows]),
        library_size=library_size,
    )


def imei_numbers(tac: np.ndarray, serial: np.ndarray) -> np.ndarray:
    """15-digit IMEIs as int64: TAC, 6-digit serial and the Luhn check digit."""
    body = np.asarray(tac, dtype=np.int64) * 1_000_000 + np.asarray(serial, dtype=np.int64)
    total = np.zeros(len(body), dtype=np.int64)
    for position in range(14):  # position 0 is the leftmost of the 14 digits
        digit = body // 10 ** (13 - position) % 10
        if position % 2 == 1:
            digit = digit * 2
            digit = digit // 10 + digit % 10
        total += digit
    return body * 10 + (10 - total % 10) % 10
