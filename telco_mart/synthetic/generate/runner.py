"""``generate()``: plan the run, build the world, farm the units out to a process pool, then
write control files and the truth as table-dates complete."""

from __future__ import annotations

import multiprocessing
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace

from telco_mart.contract import load_contract
from telco_mart.contract.reasons import EXPECTED_REASON_OF_DEFECT
from telco_mart.landing.control_file import write_control_file
from telco_mart.settings import DataLayout
from telco_mart.synthetic.generate import truth, work
from telco_mart.synthetic.generate.builders import TRAFFIC_TABLE
from telco_mart.synthetic.generate.options import GenerateOptions, GenerateSummary, Window, check_options
from telco_mart.synthetic.generate.plan import TableDate, Unit, clear_previous, table_dates
from telco_mart.synthetic.generate.tables_gn import part_ranges
from telco_mart.synthetic.generate.world import WorldSpec, build_world

Progress = Callable[[str, int, int], None]


def generate(
    layout: DataLayout,
    options: GenerateOptions,
    progress: Progress | None = None,
) -> GenerateSummary:
    """Write the synthetic extracts of ``options``' window under ``layout``, with their truth.

    The same options always give byte-identical extract files, whatever the number of workers.
    """
    check_options(options)
    started = time.perf_counter()
    contract = load_contract()
    window = Window.of(options)
    spec = WorldSpec.of(options, window)
    if progress:
        months = spec.last_month - spec.first_month + 1
        progress(f"simulating {options.subscribers:,} subscribers over {months} months", 0, 1)
    world = build_world(spec)
    # Identifier columns are made once here, so forked workers share them instead of each
    # formatting a million strings again.
    _ = world.subscriber_ids, world.customer_ids
    work.set_context(world, options)
    planned = table_dates(contract, layout, window, options)
    clear_previous(contract, layout, planned)
    units = _units(planned, options)
    expected = defaultdict(int)
    for unit in units:
        expected[unit.table_date.key] += 1
    collected: dict[tuple, list[work.UnitResult]] = defaultdict(list)
    by_key = {table_date.key: table_date for table_date in planned}
    file_defects: list[dict] = []
    totals = {"files": 0, "rows": 0, "bytes_text": 0, "bytes_compressed": 0}
    tables: dict[str, int] = defaultdict(int)
    for done, result in enumerate(_run(units, spec, options), start=1):
        key = (result.table, result.day)
        collected[key].append(result)
        if len(collected[key]) == expected[key]:
            file_defects += _finish(contract, layout, by_key[key], collected.pop(key), totals, tables)
        if progress:
            progress(f"{result.table} {result.day:%Y-%m-%d}", done, len(units))
    file_defects.sort(key=lambda d: (d["business_date"], d["table_name"]))  # not in completion order
    truth.write_file_defects(layout, file_defects)
    truth.write_subscribers(layout, world, window)
    truth.write_churn_probability(layout, world, window)
    return GenerateSummary(
        files=totals["files"],
        rows=totals["rows"],
        bytes_compressed=totals["bytes_compressed"],
        bytes_text=totals["bytes_text"],
        seconds=time.perf_counter() - started,
        tables=dict(tables),
    )


def _units(planned: list[TableDate], options: GenerateOptions) -> list[Unit]:
    """One unit per GN part (subscribers split so parts hold about equal sessions) and one per
    other table-date; by date, then biggest first, so the pool ends with small pieces."""
    units = []
    for table_date in planned:
        if table_date.table.name != TRAFFIC_TABLE:
            units.append(Unit(table_date, weight=options.subscribers))
            continue
        counts = work.traffic_counts(table_date.day)
        parts = table_date.table.part_count(int(counts.sum()))
        for number, (first, last) in enumerate(part_ranges(counts, parts), start=1):
            weight = int(counts[first:last].sum())
            units.append(Unit(table_date, number, parts, first, last, weight))
    return sorted(units, key=lambda unit: (unit.table_date.day, -unit.weight))


def _run(units: list[Unit], spec: WorldSpec, options: GenerateOptions):
    """Results of the units as they finish: in this process for one worker, else a pool."""
    workers = min(options.worker_count, len(units))
    if workers <= 1:
        yield from map(work.run_unit, units)
        return
    # Fork shares the parent's world with the workers; where fork is missing they rebuild it.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    with context.Pool(workers, initializer=work.init_worker, initargs=(spec, options)) as pool:
        yield from pool.imap_unordered(work.run_unit, units, chunksize=1)


def _finish(contract, layout, table_date: TableDate, results, totals: dict, tables: dict) -> list[dict]:
    """Write the control file and row-defect truth of a complete table-date; return its
    file-defect truth records."""
    table, day = table_date.table, table_date.day
    entries = sorted(entry for result in results for entry in result.parts)
    parts = [part for _, part in entries]
    defect_file = None
    if table_date.file_defect == "control_mismatch":
        first = parts[0]
        parts[0] = replace(
            first,
            row_count=first.row_count + 1 if first.row_count == 0 or day.day % 2 else first.row_count - 1,
        )
        defect_file = first.file_name
    elif table_date.file_defect == "truncated_file":
        defect_file = parts[0].file_name
    elif table_date.file_defect == "late_file":
        defect_file = contract.control_file_name(table.name, day)
    write_control_file(table_date.directory / contract.control_file_name(table.name, day), parts)
    defects = sorted((d for result in results for d in result.defects), key=lambda d: (d[0], d[1].row_number))
    truth.write_row_defects(layout, table_date, defects)
    rows = sum(result.rows for result in results)
    totals["files"] += len(parts) + 1
    totals["rows"] += rows
    totals["bytes_text"] += sum(result.bytes_text for result in results)
    totals["bytes_compressed"] += sum(result.bytes_compressed for result in results)
    tables[table.name] += rows
    if table_date.file_defect is None:
        return []
    return [
        {
            "source": table.source,
            "table_name": table.name,
            "business_date": day,
            "defect_kind": table_date.file_defect,
            "expected_reason": EXPECTED_REASON_OF_DEFECT[table_date.file_defect],
            "file_name": defect_file,
        }
    ]
