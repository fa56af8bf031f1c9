"""Spark jobs over part files, Python only inside ``mapInArrow``.

A gzip stream cannot be split, so a part is read whole by one task; the parts of a large
extract are spread over every core and executor. Both jobs ship plain paths to the executors, which read
the files themselves (on a cluster the landing zone is a shared filesystem).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from telco_mart.ingest.deliveries import PartToCheck
from telco_mart.ingest.part_files import PartCheck, check_part, line_batches
from telco_mart.landing.control_file import PartEntry

_PART_SCHEMA = "part_id int, path string, encoding string, declared_rows long, declared_bytes long, declared_md5 string"
CHECK_SCHEMA = "part_id int, rows_read long, byte_size long, md5 string, reason string, reason_detail string"
LINE_SCHEMA = "part_id int, row_number long, line string"


@dataclass(frozen=True)
class NumberedPart:
    """A part with the id that ties its lines and checks back to its table-date."""

    part_id: int
    part: PartToCheck
    encoding: str


# Tasks per core: enough to balance parts of uneven size, few enough that hundreds of small
# parts (a month of a small daily table) do not each pay a task's start-up.
TASKS_PER_CORE = 3


def _parts_frame(spark, parts: list[NumberedPart]):
    """One row per part, spread over at most a few tasks per core; a part is never split."""
    rows = [
        (
            p.part_id,
            str(p.part.path),
            p.encoding,
            p.part.declared.row_count if p.part.declared else None,
            p.part.declared.byte_size if p.part.declared else None,
            p.part.declared.md5 if p.part.declared else None,
        )
        for p in parts
    ]
    slices = max(1, min(len(rows), spark.sparkContext.defaultParallelism * TASKS_PER_CORE))
    rdd = spark.sparkContext.parallelize(rows, numSlices=slices)
    return spark.createDataFrame(rdd, _PART_SCHEMA)


def _check_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    for batch in batches:
        for row in batch.to_pylist():
            declared = (
                PartEntry(Path(row["path"]).name, row["declared_rows"], row["declared_bytes"], row["declared_md5"])
                if row["declared_md5"] is not None
                else None
            )
            check = check_part(Path(row["path"]), declared, row["encoding"])
            yield pa.RecordBatch.from_pylist(
                [
                    {
                        "part_id": row["part_id"],
                        "rows_read": check.rows_read,
                        "byte_size": check.byte_size,
                        "md5": check.md5,
                        "reason": check.reason,
                        "reason_detail": check.reason_detail,
                    }
                ],
                schema=pa.schema(
                    [
                        ("part_id", pa.int32()),
                        ("rows_read", pa.int64()),
                        ("byte_size", pa.int64()),
                        ("md5", pa.string()),
                        ("reason", pa.string()),
                        ("reason_detail", pa.string()),
                    ]
                ),
            )


def check_parts(spark, parts: list[NumberedPart]) -> dict[int, PartCheck]:
    """Check every part against its control entry on the executors; results by ``part_id``."""
    if not parts:
        return {}
    rows = _parts_frame(spark, parts).mapInArrow(_check_batches, CHECK_SCHEMA).collect()
    return {
        row["part_id"]: PartCheck(row["rows_read"], row["byte_size"], row["md5"], row["reason"], row["reason_detail"])
        for row in rows
    }


def _line_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    for batch in batches:
        for row in batch.to_pylist():
            yield from line_batches(row["part_id"], Path(row["path"]), row["encoding"])


def read_part_lines(spark, parts: list[NumberedPart]):
    """A DataFrame of every line of ``parts``: ``part_id``, ``row_number`` (1-based), ``line``."""
    return _parts_frame(spark, parts).mapInArrow(_line_batches, LINE_SCHEMA)
