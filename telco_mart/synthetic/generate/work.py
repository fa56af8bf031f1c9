"""What a worker process does with one unit: build the rows, render the text, inject row
defects, encode, gzip and write the part files.

The run context (world and options) is a module global: set in the parent before the pool
forks, so workers share the parent's world pages instead of rebuilding it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from telco_mart.contract import Table, load_contract
from telco_mart.landing.control_file import PartEntry
from telco_mart.landing.writer import write_part
from telco_mart.synthetic.generate.builders import BUILDERS, REFERENCE_TABLES, TRAFFIC_TABLE
from telco_mart.synthetic.generate.columns import encode, render
from telco_mart.synthetic.generate.defects import RowDefect, inject_row_defects
from telco_mart.synthetic.generate.options import GenerateOptions
from telco_mart.synthetic.generate.plan import Unit
from telco_mart.synthetic.generate.seeding import rng_for
from telco_mart.synthetic.generate.tables_gn import session_counts, traffic_part
from telco_mart.synthetic.generate.world import World, WorldSpec, build_world

_CONTEXT: dict = {}
REFERENCE_DEFECT_SHARE = 0.1  # reference tables get a tenth of the defect rate
# Table-dates rejected whole by a file defect carry no row defects: no row of theirs is judged.
_REJECTED_WHOLE = ("truncated_file", "control_mismatch")


@dataclass
class UnitResult:
    """What one unit wrote."""

    table: str
    day: date
    parts: list[tuple[int, PartEntry]] = field(default_factory=list)
    rows: int = 0
    bytes_text: int = 0
    bytes_compressed: int = 0
    defects: list[tuple[str, RowDefect]] = field(default_factory=list)  # (part file name, defect)


def set_context(world: World, options: GenerateOptions) -> None:
    """Make the run's world and options available to ``run_unit`` in this process."""
    _CONTEXT.update(world=world, options=options)
    _counts.cache_clear()


def init_worker(spec: WorldSpec, options: GenerateOptions) -> None:
    """Pool initializer: keep the world inherited by fork, or build it where processes spawn."""
    world = _CONTEXT.get("world")
    if world is None or world.spec != spec:
        set_context(build_world(spec), options)


@lru_cache(maxsize=2)
def _counts(day: date) -> tuple:
    options = _CONTEXT["options"]
    return (session_counts(_CONTEXT["world"], day, options.sessions_per_day),)


def traffic_counts(day: date):
    """Sessions per subscriber on ``day`` (cached: every part of the date needs them)."""
    return _counts(day)[0]


def run_unit(unit: Unit) -> UnitResult:
    """Build and write one unit."""
    world: World = _CONTEXT["world"]
    options: GenerateOptions = _CONTEXT["options"]
    contract = load_contract()
    table_date = unit.table_date
    table, day = table_date.table, table_date.day
    seed = options.seed
    if table.name == TRAFFIC_TABLE:
        rng = rng_for(seed, table.name, day, unit.part)
        first, last = unit.first_subscriber, unit.last_subscriber
        built = traffic_part(world, day, first, last, traffic_counts(day), rng)
        pieces = [(unit.part, built)]
    else:
        built = BUILDERS[table.name](world, day, rng_for(seed, table.name, day, 0))
        pieces = list(enumerate(_split(table, built), start=1))
    rate = options.defect_rate * (REFERENCE_DEFECT_SHARE if table.name in REFERENCE_TABLES else 1.0)
    if table_date.file_defect in _REJECTED_WHOLE:
        rate = 0.0
    result = UnitResult(table.name, day)
    table_date.directory.mkdir(parents=True, exist_ok=True)
    for part, columns in pieces:
        text = render(table, columns)
        file_name = contract.part_file_name(table.name, day, part)
        if rate > 0:
            defect_rng = rng_for(seed, table.name, day, part, "defects")
            text, defects = inject_row_defects(text, table, rate, defect_rng)
            result.defects += [(file_name, defect) for defect in defects]
        encoded = encode(text, table.encoding)
        written = write_part(table_date.directory, file_name, encoded)
        size = written.entry.byte_size
        if table_date.file_defect == "truncated_file" and part == 1:
            size = _truncate(written.path)
        result.parts.append((part, written.entry))
        result.rows += written.entry.row_count
        result.bytes_text += len(encoded)
        result.bytes_compressed += size
    return result


def _split(table: Table, built: dict) -> list[dict]:
    """The table's columns cut into ``table.part_count(rows)`` parts of about equal rows."""
    rows = len(next(iter(built.values())))
    parts = table.part_count(rows)
    size = -(-rows // parts) if rows else 0
    return [{name: array.slice(k * size, size) for name, array in built.items()} for k in range(parts)]


def _truncate(path) -> int:
    """Cut a gzip file short so its stream ends early (the control file keeps the full figures);
    return its new size."""
    data = path.read_bytes()[: max(10, path.stat().st_size * 2 // 3)]
    path.write_bytes(data)
    return len(data)
