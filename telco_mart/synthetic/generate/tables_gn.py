"""GN extracts: traffic sessions (built one numbered part at a time) and the rule libraries."""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa

from telco_mart.synthetic.generate import columns as col
from telco_mart.synthetic.generate.codes import contract_codes
from telco_mart.synthetic.generate.dates import to_days
from telco_mart.synthetic.generate.gn_rules import CATEGORIES, CATEGORY_SHARES, PROTOCOLS, SESSION_SHAPE, UNKNOWN_HOSTS
from telco_mart.synthetic.generate.population import DATA_MEDIAN_MB
from telco_mart.synthetic.generate.seeding import rng_for
from telco_mart.synthetic.generate.world import World

RADIO_TYPES = contract_codes("radio_type")
# Sessions by hour of day: quiet at night, a lunch peak and an evening peak.
_MIDNIGHT_TO_NOON = [2, 1.2, 0.8, 0.6, 0.6, 0.9, 2, 3.5, 4.5, 4.8, 5, 5.2]
_NOON_TO_MIDNIGHT = [6, 5.5, 5, 5, 5.1, 5.4, 6, 6.6, 7, 7, 6, 4]
_HOURLY = np.array(_MIDNIGHT_TO_NOON + _NOON_TO_MIDNIGHT)
_HOURLY_CDF = (np.cumsum(_HOURLY) / _HOURLY.sum()).astype(np.float32)
_CATEGORY_CDF = (np.cumsum(CATEGORY_SHARES) / CATEGORY_SHARES.sum()).astype(np.float32)
_BYTES_MEDIAN = np.array([SESSION_SHAPE[c][0] for c in CATEGORIES], dtype=np.float32)
_BYTES_SPREAD = np.array([SESSION_SHAPE[c][1] for c in CATEGORIES], dtype=np.float32)
_SECONDS_MEDIAN = np.array([SESSION_SHAPE[c][2] for c in CATEGORIES], dtype=np.float32)
_GENERATION_BYTES = np.array([0.02, 0.15, 1.0, 1.6], dtype=np.float32)
_RADIO_FALLBACK = np.array([0.0, 0.05, 0.03, 0.12], dtype=np.float32)  # share on the generation below
UNKNOWN_APP_IDS = tuple(f"A9{number:03d}" for number in range(1, 21))  # ids the library does not know
INTEREST_SHARE = 0.75  # sessions that go to one of the subscriber's own interests


def session_counts(world: World, day: date, sessions_per_day: int) -> np.ndarray:
    """Sessions per subscriber on ``day`` (Poisson around a personal activity level)."""
    state = world.state_on(day)
    mean = sessions_per_day * world.population.activity * state.is_live
    return rng_for(world.spec.seed, "GN_TRAFFIC", day, "counts").poisson(mean).astype(np.int64)


def part_ranges(counts: np.ndarray, parts: int) -> list[tuple[int, int]]:
    """Split subscribers into ``parts`` contiguous ranges with about equal sessions each."""
    cumulative = np.cumsum(counts)
    total = int(cumulative[-1]) if len(cumulative) else 0
    cuts = np.searchsorted(cumulative, [total * k / parts for k in range(1, parts)], side="left") + 1
    bounds = [0, *np.minimum(cuts, len(counts)).tolist(), len(counts)]
    return [(bounds[k], max(bounds[k], bounds[k + 1])) for k in range(parts)]


def traffic_part(world: World, day: date, first: int, last: int, counts: np.ndarray, rng) -> dict:
    """GN_TRAFFIC rows of subscribers ``first`` to ``last`` (exclusive): one part of the date."""
    p, rules = world.population, world.gn_rules
    state = world.state_on(day)
    subscriber = np.repeat(np.arange(first, last), counts[first:last])
    n = len(subscriber)
    uniform = rng.random((8, n), dtype=np.float32)

    # Category: mostly one of the subscriber's own interests, so interest tags are learnable.
    own = uniform[0] < INTEREST_SHARE
    slot = (uniform[1] * p.interest_count[subscriber]).astype(np.int64)
    other = np.searchsorted(_CATEGORY_CDF, (uniform[0] - INTEREST_SHARE) / (1 - INTEREST_SHARE), side="right")
    other = other.clip(0, len(CATEGORIES) - 1)
    category = np.where(own, p.interests[subscriber, slot], other).astype(np.int64)
    offset = rules.category_offset
    size = offset[category + 1] - offset[category]
    app = offset[category] + np.minimum((size * uniform[2] ** 2.2).astype(np.int64), size - 1)

    # What the probe saw: app and host, host only, app only, or nothing any rule knows.
    seen = uniform[3]
    has_app = (seen < 0.7) | ((seen >= 0.88) & (seen < 0.95))
    unknown = seen >= 0.97
    host = app * rules.hosts_per_app + rng.integers(0, rules.hosts_per_app, n)
    host = np.where(seen < 0.88, host, -1)
    unknown_host = len(rules.hosts) - len(UNKNOWN_HOSTS) + rng.integers(0, len(UNKNOWN_HOSTS), n)
    host = np.where(unknown, unknown_host, host)
    app_text = np.where(has_app, app, -1)
    app_text = np.where(
        unknown & (seen >= 0.985), len(rules.app_ids) + rng.integers(0, len(UNKNOWN_APP_IDS), n), app_text
    )
    protocol = (uniform[4][:, None] > rules.protocol_cdf[category]).sum(axis=1).clip(0, len(PROTOCOLS) - 1)

    generation = state.generation[subscriber]
    heavy = (p.data_level / DATA_MEDIAN_MB[p.generation0]) ** np.float32(0.5)
    size_draw = rng.standard_normal((3, n), dtype=np.float32)
    down = _BYTES_MEDIAN[category] * np.exp(_BYTES_SPREAD[category] * size_draw[0])
    down = down * _GENERATION_BYTES[generation] * heavy[subscriber] + 300
    up = down * np.exp(np.float32(-2.6) + np.float32(0.7) * size_draw[1]) + 120
    seconds = _SECONDS_MEDIAN[category] * np.exp(np.float32(0.9) * size_draw[2]) + 1
    radio = generation - (uniform[5] < _RADIO_FALLBACK[generation])
    hour = np.searchsorted(_HOURLY_CDF, uniform[6], side="right").clip(0, 23)
    within = (uniform[7] * 3600).astype(np.int64).clip(0, 3599)
    return {
        "msisdn": col.integers(p.msisdn[subscriber]),
        "session_started_at": col.timestamps(np.full(n, to_days(day)), hour * 3600 + within),
        "protocol_id": col.codes(protocol, [pr[0] for pr in PROTOCOLS]),
        "host": col.codes(host, rules.hosts),
        "app_id": col.codes(app_text, rules.app_ids + UNKNOWN_APP_IDS),
        "bytes_up": col.integers(up),
        "bytes_down": col.integers(down),
        "duration_seconds": col.integers(seconds.astype(np.int64)),
        "radio_type": col.codes(radio, RADIO_TYPES),
    }


def app_rules(world: World, day: date, rng) -> dict:
    """GN_APP_RULE: the application library."""
    rules = world.gn_rules
    return {
        "app_id": pa.array(rules.app_ids),
        "app_name": pa.array(rules.app_names),
        "app_category": col.codes(rules.app_category, CATEGORIES),
    }


def protocol_rules(world: World, day: date, rng) -> dict:
    """GN_PROTOCOL_RULE: the protocol library."""
    return {
        "protocol_id": pa.array([p[0] for p in PROTOCOLS]),
        "protocol_name": pa.array([p[1] for p in PROTOCOLS]),
        "protocol_family": pa.array([p[2] for p in PROTOCOLS]),
    }


def content_rules(world: World, day: date, rng) -> dict:
    """GN_CONTENT_RULE: host suffixes to application and category."""
    rules = world.gn_rules
    return {
        "host_suffix": pa.array(rules.content_suffixes),
        "app_id": pa.array(list(rules.content_app), pa.string()),
        "content_category": pa.array(rules.content_category),
    }
