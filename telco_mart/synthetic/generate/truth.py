"""The truth files: what the generator did on purpose, for tests and model evaluation.

* ``row_defects/dt=YYYY-MM-DD/<TABLE>.parquet``: every injected row defect and its expected reason.
* ``file_defects.parquet``: the table-dates given a file-level defect.
* ``subscribers.parquet``: the hidden state and churn drivers of each subscriber.
* ``churn_probability.parquet``: per subscriber and month end, the generator's own probability of
  churning within two months, and whether it happened: the bound a churn model can reach.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from telco_mart.contract.reasons import EXPECTED_REASON_OF_DEFECT
from telco_mart.settings import DataLayout, partition_name
from telco_mart.storage.files import write_parquet_atomic
from telco_mart.synthetic.generate import columns as col
from telco_mart.synthetic.generate.catalogue import CITIES, GENERATIONS
from telco_mart.synthetic.generate.contracts import NO_CONTRACT
from telco_mart.synthetic.generate.dates import month_ends_days, month_index, month_starts_days, months_of_days, to_days
from telco_mart.synthetic.generate.defects import RowDefect
from telco_mart.synthetic.generate.gn_rules import CATEGORIES
from telco_mart.synthetic.generate.history import NEVER
from telco_mart.synthetic.generate.options import Window
from telco_mart.synthetic.generate.plan import TableDate
from telco_mart.synthetic.generate.world import World

_DATE = pa.date32()


def _dates(days: np.ndarray, present: np.ndarray | None = None) -> pa.Array:
    """A date column from day numbers (null where not ``present``)."""
    mask = None if present is None else ~present
    return pa.array(np.asarray(days).astype(np.int32), pa.int32(), mask=mask).cast(_DATE)


def _text(array: pa.Array) -> pa.Array:
    """A dictionary column as plain strings, as Parquet readers expect of a truth file."""
    return array.cast(pa.string())


def _write(table: pa.Table, path: Path) -> None:
    write_parquet_atomic(table, path)


def row_defects_path(layout: DataLayout, table: str, day: date) -> Path:
    """Truth file of the row defects of one table-date."""
    return layout.truth / "row_defects" / partition_name(day) / f"{table}.parquet"


def write_row_defects(
    layout: DataLayout,
    table_date: TableDate,
    defects: list[tuple[str, RowDefect]],
) -> None:
    """Write (or, with no defects, remove) the row-defect truth of one table-date."""
    table, day = table_date.table, table_date.day
    path = row_defects_path(layout, table.name, day)
    if not defects:
        path.unlink(missing_ok=True)
        return
    count = len(defects)
    _write(
        pa.table(
            {
                "source": pa.array([table.source] * count),
                "table_name": pa.array([table.name] * count),
                "business_date": pa.array([day] * count, _DATE),
                "file_name": pa.array([file_name for file_name, _ in defects]),
                "row_number": pa.array([d.row_number for _, d in defects], pa.int64()),
                "column_name": pa.array([d.column_name for _, d in defects], pa.string()),
                "defect_kind": pa.array([d.defect_kind for _, d in defects]),
                "expected_reason": pa.array([EXPECTED_REASON_OF_DEFECT[d.defect_kind] for _, d in defects]),
            }
        ),
        path,
    )


def write_file_defects(layout: DataLayout, records: list[dict]) -> None:
    """The table-dates given a file-level defect (an empty file when none)."""
    schema = pa.schema(
        [
            ("source", pa.string()),
            ("table_name", pa.string()),
            ("business_date", _DATE),
            ("defect_kind", pa.string()),
            ("expected_reason", pa.string()),
            ("file_name", pa.string()),
        ]
    )
    _write(pa.Table.from_pylist(records, schema=schema), layout.truth / "file_defects.parquet")


def write_subscribers(layout: DataLayout, world: World, window: Window) -> None:
    """The hidden state per subscriber at the end of the window, with the churn drivers."""
    p, h, t = world.population, world.history, world.terminals
    end = window.last_date
    state = world.state_on(end)
    number = to_days(end)
    churned = h.churn_days != NEVER
    churn_days = np.where(churned, h.churn_days, 0)
    months_to_end = np.full(p.size, NO_CONTRACT, dtype=np.int64)
    months_to_end[world.contracts.holders] = world.contracts.months_to_end(month_index(end))
    has_contract = months_to_end != NO_CONTRACT  # signed one by the window's end (may have ended)
    contract_end = month_ends_days(month_index(end) + np.where(has_contract, months_to_end, 0))
    table = pa.table(
        {
            "subscriber_id": world.subscriber_ids,
            "msisdn": pa.array(p.msisdn),
            "customer_id": world.customer_ids.take(p.customer_of),
            "city_code": _text(col.codes(p.city, CITIES)),
            "join_date": _dates(p.join_days),
            "churn_date": _dates(churn_days, churned),
            "churn_month": _dates(month_starts_days(months_of_days(churn_days)), churned),
            "tenure_months": pa.array(((number - p.join_days) / 30.4).round(1)),
            "network_generation": _text(col.codes(state.generation, GENERATIONS)),
            "package_id": _text(col.codes(state.package, world.catalogue.package_ids)),
            "is_sim_card": pa.array(state.is_sim_card),
            "is_suspended": pa.array(p.is_suspended),
            "forwarded_share": pa.array(p.forwarded_share),
            "has_contract": pa.array(has_contract),
            "contract_months_to_end": pa.array(np.where(has_contract, months_to_end, 0), mask=~has_contract),
            "contract_end_date": _dates(contract_end, has_contract),
            "complaint_propensity": pa.array(p.complaint_propensity),
            "risk_latent": pa.array(p.risk_latent),
            "handset_age_months": pa.array(((number - state.handset_acquired_days) / 30.4).round(1)),
            "handset_max_generation": _text(col.codes(t.max_generation[state.handset], GENERATIONS)),
            "has_terminal_in_library": pa.array(state.handset < t.library_size),
            "interests": _interests(world),
            "traffic_activity": pa.array(p.activity),
            "voice_level_minutes": pa.array(p.voice_level),
            "data_level_mb": pa.array(p.data_level),
            "value_added_level_yuan": pa.array(p.value_added_level),
        }
    )
    _write(table, layout.truth / "subscribers.parquet")


def _interests(world: World) -> pa.Array:
    """The subscriber's interest categories, comma-separated, strongest first."""
    p = world.population
    text = _text(col.codes(p.interests[:, 0], CATEGORIES))
    for slot in (1, 2):
        more = col.join_text(pa.array([","] * p.size), _text(col.codes(p.interests[:, slot], CATEGORIES)))
        text = pc.if_else(pa.array(p.interest_count > slot), col.join_text(text, more), text)
    return text


def write_churn_probability(layout: DataLayout, world: World, window: Window) -> None:
    """Per subscriber alive at each month end of the window: P(churn within the next two months)
    from the generator's own hazards, and whether the subscriber did churn."""
    h, p = world.history, world.population
    parts = []
    for day in window.month_end_dates:
        month, number = month_index(day), to_days(day)
        row = h.row(month)
        alive = np.flatnonzero((p.join_days <= number) & (h.churn_days > number))
        probability = 1.0 - (1.0 - h.hazard[row][alive]) * (1.0 - h.hazard[row + 1][alive])
        horizon = int(month_ends_days(np.array([month + 2]))[0])
        parts.append(
            pa.table(
                {
                    "stat_month": pa.array([day.replace(day=1)] * len(alive), _DATE),
                    "subscriber_id": world.subscriber_ids.take(alive),
                    "churn_probability": pa.array(probability.astype(np.float64)),
                    "churned_within_2_months": pa.array(h.churn_days[alive] <= horizon),
                }
            )
        )
    schema = pa.schema(
        [
            ("stat_month", _DATE),
            ("subscriber_id", pa.string()),
            ("churn_probability", pa.float64()),
            ("churned_within_2_months", pa.bool_()),
        ]
    )
    table = pa.concat_tables(parts) if parts else schema.empty_table()
    _write(table, layout.truth / "churn_probability.parquet")
