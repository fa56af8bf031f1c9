"""CRM extracts: subscribers, customers, contracts, the catalogue, orders, restrictions,
complaints, stores and household products. Each builder returns the table's columns, in
contract order, for one business date."""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from telco_mart.synthetic.generate import columns as col
from telco_mart.synthetic.generate.catalogue import CHANNEL_TYPES, CITIES, GENERATIONS
from telco_mart.synthetic.generate.codes import contract_codes
from telco_mart.synthetic.generate.contracts import CONTRACT_KINDS, CONTRACT_STATUSES, contract_snapshot
from telco_mart.synthetic.generate.dates import days_in_month, month_index, to_days
from telco_mart.synthetic.generate.households import NEVER_USED, PRODUCT_STATUSES, PRODUCT_TYPES
from telco_mart.synthetic.generate.seeding import rng_for
from telco_mart.synthetic.generate.vocabulary import GIVEN_NAME_CHARACTERS, RESTRICTION_REASONS, SURNAMES
from telco_mart.synthetic.generate.world import SIM_TYPES, STATUSES, World

COMPLAINT_CATEGORIES = contract_codes("complaint_category")
_ORDER_CHANNELS = np.cumsum([0.4, 0.1, 0.0, 0.3, 0.05, 0.15])  # in CHANNEL_TYPES order
_COMPLAINT_CHANNELS = np.cumsum([0.15, 0.0, 0.0, 0.15, 0.0, 0.7])


def _pick(rng, cdf: np.ndarray, size: int) -> np.ndarray:
    """Draw category numbers from a cumulative distribution."""
    return np.searchsorted(cdf / cdf[-1], rng.random(size), side="right").clip(0, len(cdf) - 1)


def _seconds(rng, size: int, first_hour: int, last_hour: int) -> np.ndarray:
    return rng.integers(first_hour * 3600, last_hour * 3600, size)


def _daily_ids(prefix: str, day: date, count: int) -> pa.Array:
    return col.identifiers(f"{prefix}{day:%Y%m%d}", np.arange(1, count + 1), 6)


def subscribers(world: World, day: date, rng) -> dict:
    """CRM_SUBSCRIBER: every subscriber who has joined, closed ones included."""
    p, state = world.population, world.state_on(day)
    rows = np.flatnonzero(state.is_joined)
    return {
        "subscriber_id": world.subscriber_ids.take(rows),
        "msisdn": col.integers(p.msisdn[rows]),
        "customer_id": world.customer_ids.take(p.customer_of[rows]),
        "city_code": col.codes(p.city[rows], CITIES),
        "join_date": col.dates(p.join_days[rows]),
        "status": col.codes(state.status[rows], STATUSES),
        "network_generation": col.codes(state.generation[rows], GENERATIONS),
        "package_id": col.codes(state.package[rows], world.catalogue.package_ids),
        "sim_type": col.codes(np.where(state.is_sim_card[rows], 0, 1), SIM_TYPES),
        "home_store_id": col.codes(p.home_store[rows], world.stores.store_ids),
    }


def customers(world: World, day: date, rng) -> dict:
    """CRM_CUSTOMER: customers created on or before the date."""
    p = world.population
    rows = np.flatnonzero(p.customer_created_days <= to_days(day))
    name = _names(p.customer_name_parts[rows])
    birth = p.customer_birth_days[rows]
    return {
        "customer_id": world.customer_ids.take(rows),
        "customer_name": name,
        "gender": col.codes(p.customer_gender[rows], ("M", "F")),
        "birth_date": col.dates(np.maximum(birth, 0), birth >= 0),
        "city_code": col.codes(p.customer_city[rows], CITIES),
        "created_date": col.dates(p.customer_created_days[rows]),
    }


def _names(parts: np.ndarray) -> pa.Array:
    """Surname plus one or two given-name characters."""
    given = tuple(GIVEN_NAME_CHARACTERS)
    surname = col.codes(parts[:, 0], tuple(SURNAMES)).cast(pa.string())
    first = col.codes(parts[:, 1], given).cast(pa.string())
    second = col.codes(np.maximum(parts[:, 2], 0), given).cast(pa.string())
    second = pc.if_else(pa.array(parts[:, 2] >= 0), second, "")
    return col.join_text(surname, first, second)


def contracts(world: World, day: date, rng) -> dict:
    """CRM_CONTRACT: contracts active on the date or ended in the 12 months before."""
    c = world.contracts
    snapshot = contract_snapshot(c, to_days(day), world.history.churn_days)
    holder = c.holders[snapshot.chain]
    deposit = c.deposit_cents[snapshot.chain]
    return {
        "contract_id": col.join_text(
            col.identifiers("CT", holder + 1, 10), col.identifiers("", snapshot.number + 1, 2)
        ),
        "subscriber_id": world.subscriber_ids.take(holder),
        "contract_kind": col.codes(c.kind[snapshot.chain], CONTRACT_KINDS),
        "start_date": col.dates(snapshot.start_days),
        "end_date": col.dates(snapshot.end_days),
        "monthly_commitment_yuan": col.decimals(c.commitment_cents[snapshot.chain], 2),
        "deposit_yuan": col.decimals(deposit, 2, deposit >= 0),
        "contract_status": col.codes(snapshot.status, CONTRACT_STATUSES),
    }


def products(world: World, day: date, rng) -> dict:
    """CRM_PRODUCT: the package catalogue."""
    c = world.catalogue
    return {
        "package_id": pa.array(c.package_ids),
        "package_name": pa.array(c.package_names),
        "network_generation": col.codes(c.generation, GENERATIONS),
        "package_scope": col.codes(c.is_national.astype(np.int8), ("local", "national")),
        "monthly_fee_yuan": col.decimals(c.fee_cents, 2),
        "voice_minutes_included": col.integers(c.voice_included),
        "data_mb_included": col.integers(c.data_mb_included),
        "sms_included": col.integers(c.sms_included),
        "voice_overage_yuan_per_minute": col.decimals(c.voice_rate, 4),
        "data_overage_yuan_per_mb": col.decimals(c.data_rate, 4),
        "sms_overage_yuan_per_message": col.decimals(c.sms_rate, 4),
        "is_on_sale": col.flags(c.is_on_sale),
    }


def product_orders(world: World, day: date, rng) -> dict:
    """CRM_PRODUCT_ORDER: each package change of the date as a cancellation plus an order."""
    state, h = world.state_on(day), world.history
    movers = np.flatnonzero(h.package_change_day[state.row] == day.day)
    before = h.package[state.row - 1][movers]
    subscriber = np.repeat(movers, 2)
    package = np.column_stack([before, state.package[movers]]).ravel()
    action = np.tile([1, 0], len(movers))  # cancel the old package, order the new one
    channel = np.repeat(_pick(rng, _ORDER_CHANNELS, len(movers)), 2)
    at_store = np.isin(channel, [0, 4])
    store = np.where(at_store, world.population.home_store[subscriber], -1)
    return {
        "order_id": _daily_ids("OD", day, len(subscriber)),
        "subscriber_id": world.subscriber_ids.take(subscriber),
        "package_id": col.codes(package, world.catalogue.package_ids),
        "order_action": col.codes(action, ("order", "cancel")),
        "ordered_at": col.timestamps(
            np.full(len(subscriber), to_days(day)), np.repeat(_seconds(rng, len(movers), 8, 22), 2)
        ),
        "channel_type": col.codes(channel, CHANNEL_TYPES),
        "store_id": col.codes(store, world.stores.store_ids),
    }


def restrictions(world: World, day: date, rng) -> dict:
    """CRM_CONTACT_RESTRICTION: do-not-disturb and blacklist entries in force on the date."""
    p, state = world.population, world.state_on(day)
    number = to_days(day)
    current = state.is_joined & ~state.is_churned
    dnd = np.flatnonzero(current & (p.do_not_disturb_days >= 0) & (p.do_not_disturb_days <= number))
    black = np.flatnonzero(current & (p.blacklist_days >= 0) & (p.blacklist_days <= number))
    subscriber = np.concatenate([dnd, black])
    kind = np.concatenate([np.zeros(len(dnd), np.int8), np.ones(len(black), np.int8)])
    order = np.lexsort((kind, subscriber))
    subscriber, kind = subscriber[order], kind[order]
    effective = np.where(kind == 0, p.do_not_disturb_days[subscriber], p.blacklist_days[subscriber])
    reasons = RESTRICTION_REASONS["do_not_disturb"] + RESTRICTION_REASONS["blacklist"]
    first_blacklist = len(RESTRICTION_REASONS["do_not_disturb"])
    reason = np.where(
        kind == 0,
        subscriber % first_blacklist,
        first_blacklist + subscriber % len(RESTRICTION_REASONS["blacklist"]),
    )
    return {
        "subscriber_id": world.subscriber_ids.take(subscriber),
        "msisdn": col.integers(p.msisdn[subscriber]),
        "restriction_type": col.codes(kind, ("do_not_disturb", "blacklist")),
        "effective_date": col.dates(effective),
        "reason": col.codes(np.where(subscriber % 10 == 0, -1, reason), reasons),
    }


def complaints(world: World, day: date, rng) -> dict:
    """CRM_COMPLAINT: the complaints of the date, out of each subscriber's monthly count."""
    p, h = world.population, world.history
    month = month_index(day)
    row = h.row(month)
    counts = h.complaints[row].astype(np.int64)
    who = np.repeat(np.arange(p.size), counts)
    # The days of a month's complaints come from one monthly stream, so every date agrees.
    first = to_days(day) - day.day + 1
    on = first + rng_for(world.spec.seed, "complaint_days", month).integers(0, days_in_month(month), len(who))
    on = np.clip(on, np.maximum(p.join_days[who], first), np.minimum(h.churn_days[who] - 1, first + 31))
    who = who[on == to_days(day)]
    category = _pick(rng, np.cumsum([0.25, 0.3, 0.1, 0.12, 0.13, 0.1]), len(who))
    # Forwarders complain about network quality more: they are the ones reaching other networks.
    network = (p.forwarded_share[who] > 0.5) & (rng.random(len(who)) < 0.3)
    category = np.where(network, 1, category)
    return {
        "complaint_id": _daily_ids("CP", day, len(who)),
        "subscriber_id": world.subscriber_ids.take(who),
        "complained_at": col.timestamps(np.full(len(who), to_days(day)), _seconds(rng, len(who), 7, 23)),
        "complaint_category": col.codes(category, COMPLAINT_CATEGORIES),
        "channel_type": col.codes(_pick(rng, _COMPLAINT_CHANNELS, len(who)), CHANNEL_TYPES),
    }


def stores(world: World, day: date, rng) -> dict:
    """CRM_STORE: the store and channel reference."""
    s = world.stores
    return {
        "store_id": pa.array(s.store_ids),
        "store_name": pa.array(s.names),
        "city_code": col.codes(s.city, CITIES),
        "district_name": pa.array(s.districts),
        "channel_type": col.codes(s.channel, CHANNEL_TYPES),
        "daily_capacity": col.integers(s.daily_capacity),
    }


def household_products(world: World, day: date, rng) -> dict:
    """CRM_HOUSEHOLD_PRODUCT: fixed-line products opened by the date, of customers created by it."""
    h, number = world.households, to_days(day)
    rows = np.flatnonzero((h.opened_days <= number) & (world.population.customer_created_days[h.customer] <= number))
    last_used = h.last_used_days(number)[rows]
    return {
        "household_product_id": col.identifiers("HP", rows + 1, 10),
        "customer_id": world.customer_ids.take(h.customer[rows]),
        "product_type": col.codes(h.product_type[rows], PRODUCT_TYPES),
        "opened_date": col.dates(h.opened_days[rows]),
        "product_status": col.codes(h.statuses(number)[rows], PRODUCT_STATUSES),
        "last_used_date": col.dates(np.maximum(last_used, 0), last_used != NEVER_USED),
    }
