"""Which code do the executors run? A check for deployments that ship the package."""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa

ORIGIN_SCHEMA = "code_origin string"


def _code_origin_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    import telco_mart

    for _ in batches:
        yield pa.RecordBatch.from_pylist([{"code_origin": telco_mart.__file__}])


def executor_code_origins(spark, tasks: int = 2) -> set[str]:
    """The file each executor task imported ``telco_mart`` from (a zip path when shipped)."""
    frame = spark.range(tasks, numPartitions=tasks).mapInArrow(_code_origin_batches, ORIGIN_SCHEMA)
    return {row["code_origin"] for row in frame.collect()}
