"""DM extracts: the terminal library and the handsets each subscriber used during the date."""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa

from telco_mart.synthetic.generate import columns as col
from telco_mart.synthetic.generate.catalogue import GENERATIONS
from telco_mart.synthetic.generate.dates import to_days
from telco_mart.synthetic.generate.terminals import OS_FAMILIES, PRICE_BANDS, imei_numbers
from telco_mart.synthetic.generate.world import World

SEEN_SHARE = 0.96  # lines that attach to the network on a given day


def terminal_library(world: World, day: date, rng) -> dict:
    """DM_TERMINAL: the library by TAC (handsets outside it are never listed)."""
    t = world.terminals
    rows = np.arange(t.library_size)
    return {
        "tac": pa.array([f"{tac:08d}" for tac in t.tac[rows]]),
        "brand": pa.array(t.brand[: t.library_size]),
        "model": pa.array(t.model[: t.library_size]),
        "max_generation": col.codes(t.max_generation[rows], GENERATIONS),
        "supports_volte": col.flags(t.supports_volte[rows]),
        "os_family": col.codes(t.os_family[rows], OS_FAMILIES),
        "price_band": col.codes(t.price_band[rows], PRICE_BANDS),
    }


def subscriber_imeis(world: World, day: date, rng) -> dict:
    """DM_SUBSCRIBER_IMEI: one row per line and handset seen on the date; a line that changed
    handset that day shows the old one until the change and the new one after it."""
    p, state = world.population, world.state_on(day)
    seen = np.flatnonzero(state.is_live & (rng.random(p.size) < SEEN_SHARE))
    first = rng.integers(5 * 3600, 11 * 3600, len(seen))
    last = rng.integers(17 * 3600, 24 * 3600, len(seen))
    switch = rng.integers(11 * 3600, 17 * 3600, len(seen))
    changed = state.handset_changed_today[seen]
    # Old handset rows for changers come first for their line, then every current handset.
    old = np.flatnonzero(changed)
    subscriber = np.concatenate([seen[old], seen])
    handset = np.concatenate([state.previous_handset[seen[old]], state.handset[seen]])
    serial = np.concatenate([state.previous_serial[seen[old]], state.serial[seen]])
    start = np.concatenate([first[old], np.where(changed, switch, first)])
    end = np.concatenate([switch[old] - 1, last])
    order = np.argsort(subscriber, kind="stable")
    subscriber, handset, serial, start, end = (a[order] for a in (subscriber, handset, serial, start, end))
    today = np.full(len(subscriber), to_days(day))
    return {
        "subscriber_id": world.subscriber_ids.take(subscriber),
        "msisdn": col.integers(p.msisdn[subscriber]),
        "imei": col.integers(imei_numbers(world.terminals.tac[handset], serial)),
        "first_seen_at": col.timestamps(today, start),
        "last_seen_at": col.timestamps(today, end),
    }
