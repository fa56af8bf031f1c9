"""The world behind the extracts: reference data, population, contracts and monthly history,
plus the state of every subscriber on a given business date.

Built once per run in the parent process; worker processes inherit it (fork) or rebuild the
same world from its spec, since everything in it follows from the seed and the window.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

import numpy as np
import pyarrow as pa

from telco_mart.synthetic.generate import columns
from telco_mart.synthetic.generate.catalogue import Catalogue, Stores, build_catalogue, build_stores
from telco_mart.synthetic.generate.codes import contract_codes
from telco_mart.synthetic.generate.contracts import Contracts, build_contracts
from telco_mart.synthetic.generate.dates import month_index, to_days
from telco_mart.synthetic.generate.gn_rules import GnRules, build_gn_rules
from telco_mart.synthetic.generate.history import History, simulate_history
from telco_mart.synthetic.generate.households import HouseholdProducts, build_household_products
from telco_mart.synthetic.generate.options import GenerateOptions, Window
from telco_mart.synthetic.generate.population import Population, build_population
from telco_mart.synthetic.generate.terminals import Terminals, build_terminals

STATUSES = contract_codes("subscriber_status")
SIM_TYPES = contract_codes("sim_type")
WARM_UP_MONTHS = 5  # spend drop compares with months up to five back


@dataclass(frozen=True)
class WorldSpec:
    """Everything a world depends on; equal specs give identical worlds."""

    seed: int
    subscribers: int
    first_month: int
    last_month: int
    churn_from: int

    @classmethod
    def of(cls, options: GenerateOptions, window: Window) -> WorldSpec:
        """The months to simulate: warm-up before the window, the Octobers to Decembers behind any
        high-value photograph it redelivers, two months after it for the churn oracle."""
        start, end = month_index(window.dates[0]), month_index(window.dates[-1])
        first = start - WARM_UP_MONTHS
        for day in window.month_end_dates:
            first = min(first, month_index(date(high_value_list_year(day), 10, 1)))
        last = end + (2 if window.month_end_dates else 0)
        return cls(options.seed, options.subscribers, first, last, start)


def high_value_list_year(day: date) -> int:
    """Year of the photograph in force on ``day``: the latest year end on or before it."""
    return day.year if (day.month, day.day) == (12, 31) else day.year - 1


@dataclass(frozen=True)
class DayState:
    """Every subscriber on one business date."""

    day: int  # day number
    row: int  # history row of the date's month
    is_joined: np.ndarray
    is_churned: np.ndarray
    status: np.ndarray  # index into STATUSES
    package: np.ndarray
    generation: np.ndarray
    is_sim_card: np.ndarray
    handset: np.ndarray
    serial: np.ndarray
    handset_changed_today: np.ndarray
    previous_handset: np.ndarray
    previous_serial: np.ndarray
    handset_acquired_days: np.ndarray

    @property
    def is_live(self) -> np.ndarray:
        """Joined, not churned, not suspended: the lines that make traffic and attach handsets."""
        return self.is_joined & ~self.is_churned & (self.status == 0)


@dataclass
class World:
    """Reference data, population, contracts, history and household products of one spec."""

    spec: WorldSpec
    catalogue: Catalogue
    stores: Stores
    gn_rules: GnRules
    terminals: Terminals
    population: Population
    contracts: Contracts
    history: History
    households: HouseholdProducts
    _day_states: dict = field(default_factory=dict, repr=False)

    def state_on(self, day: date) -> DayState:
        """The subscribers on ``day`` (cached: several tables of one date read it)."""
        if day not in self._day_states:
            self._day_states.clear()  # dates are worked through in order; keep one
            self._day_states[day] = _day_state(self, day)
        return self._day_states[day]

    @cached_property
    def subscriber_ids(self) -> pa.Array:
        """S0000000001... per subscriber."""
        return columns.identifiers("S", np.arange(1, self.population.size + 1), 10)

    @cached_property
    def customer_ids(self) -> pa.Array:
        """C0000000001... per customer."""
        return columns.identifiers("C", np.arange(1, len(self.population.customer_city) + 1), 10)


def build_world(spec: WorldSpec) -> World:
    """Draw the world of ``spec``."""
    catalogue, stores, terminals = build_catalogue(), build_stores(), build_terminals()
    population = build_population(spec.seed, spec.subscribers, catalogue, stores, terminals)
    contracts = build_contracts(spec.seed, catalogue, population.package0, population.join_days)
    history = simulate_history(
        spec.seed,
        population,
        catalogue,
        terminals,
        contracts,
        spec.first_month,
        spec.last_month,
        spec.churn_from,
    )
    households = build_household_products(spec.seed, population.customer_of, population.customer_created_days)
    return World(spec, catalogue, stores, build_gn_rules(), terminals, population, contracts, history, households)


def _day_state(world: World, day: date) -> DayState:
    p, h = world.population, world.history
    number = to_days(day)
    row = h.row(month_index(day))
    is_joined = p.join_days <= number
    is_churned = h.churn_days <= number

    def on_day(month_end: np.ndarray, change_day: np.ndarray, before: np.ndarray) -> np.ndarray:
        # A change takes effect on its day; before it, the value from the end of last month holds.
        return np.where((change_day > 0) & (change_day <= day.day), month_end, before)

    # Window dates come after the warm-up months, so the month before always has a row.
    assert row > 0, f"{day} is in the first simulated month"
    before_package, before_handset, before_serial = h.package[row - 1], h.handset[row - 1], h.serial[row - 1]
    before_acquired = h.handset_acquired_days[row - 1]
    package = on_day(h.package[row], h.package_change_day[row], before_package)
    changed = h.handset_change_day[row]
    generation = world.catalogue.generation[package]
    status = np.where(is_churned, 2, np.where(p.is_suspended, 1, 0)).astype(np.int8)
    return DayState(
        day=number,
        row=row,
        is_joined=is_joined,
        is_churned=is_churned,
        status=status,
        package=package,
        generation=generation,
        # A line that moved up a generation got a USIM card with it.
        is_sim_card=p.is_sim_card0 & (generation == p.generation0),
        handset=on_day(h.handset[row], changed, before_handset),
        serial=on_day(h.serial[row], changed, before_serial),
        handset_changed_today=h.handset_change_day[row] == day.day,
        previous_handset=before_handset,
        previous_serial=before_serial,
        handset_acquired_days=on_day(h.handset_acquired_days[row], changed, before_acquired),
    )
