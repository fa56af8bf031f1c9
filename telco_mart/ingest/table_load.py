"""Parse the verified parts of one table (one or more dates) and publish its partitions.

One pass over the files: lines are read on the executors, validated by the pure transforms
of :mod:`telco_mart.ingest.parse`, kept once (clean rows without their text), then written to
staging as accepted and quarantined rows and counted per file. Each date's staged partition
is then swapped into place; a date with no rows still gets an empty, typed partition.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
from pyspark import StorageLevel
from pyspark.sql import functions as F
from pyspark.sql.pandas.types import to_arrow_schema

from telco_mart.contract import Contract, Table
from telco_mart.ingest.deliveries import Delivery
from telco_mart.ingest.parse import select_accepted, select_quarantined, validate_lines
from telco_mart.ingest.spark_parts import NumberedPart, read_part_lines
from telco_mart.settings import DataLayout, partition_name
from telco_mart.storage.publish import PartitionPublisher


@dataclass(frozen=True)
class PartCounts:
    """Rows of one part that were accepted and quarantined."""

    accepted: int
    quarantined: int


def _parts_info(spark, parts: list[NumberedPart]):
    rows = [(p.part_id, p.part.business_date, p.part.path.name, p.part.part_number) for p in parts]
    return spark.createDataFrame(rows, "part_id int, dt date, file_name string, part_number int")


def _write_empty_partition(folder: Path, schema) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(to_arrow_schema(schema).empty_table(), folder / "part-00000-empty.parquet")


def load_table(
    spark,
    contract: Contract,
    layout: DataLayout,
    publisher: PartitionPublisher,
    table: Table,
    deliveries: list[Delivery],
    parts: list[NumberedPart],
    run_id: str,
) -> dict[int, PartCounts]:
    """Validate, stage and publish ``table`` for the given loaded deliveries; counts per part."""
    lines = read_part_lines(spark, parts).join(F.broadcast(_parts_info(spark, parts)), on="part_id", how="inner")
    validated = (
        lines.transform(validate_lines(table, contract))
        # Keep the original text only where it is needed: on the rows that go to quarantine.
        .withColumn("line", F.when(F.col("reason_code").isNotNull(), F.col("line")))
        .drop("_fields")
        .persist(StorageLevel.MEMORY_AND_DISK)
    )
    try:
        staged_raw = layout.staging / run_id / "raw" / table.source / table.name.lower()
        staged_quarantine = layout.staging / run_id / "quarantine" / table.source / table.name.lower()
        accepted = validated.transform(select_accepted(table))
        accepted.write.partitionBy("dt").mode("overwrite").parquet(str(staged_raw))
        validated.transform(select_quarantined(table, contract)).write.partitionBy("dt").mode("overwrite").parquet(
            str(staged_quarantine)
        )
        per_part = validated.groupBy("part_id").agg(
            F.count_if(F.col("reason_code").isNull()).alias("accepted"),
            F.count_if(F.col("reason_code").isNotNull()).alias("quarantined"),
        )
        counts = {row["part_id"]: PartCounts(row["accepted"], row["quarantined"]) for row in per_part.collect()}
    finally:
        validated.unpersist()

    raw_schema = accepted.drop("dt").schema
    for delivery in deliveries:
        name = partition_name(delivery.business_date)
        staged_partition = staged_raw / name
        if not staged_partition.exists():
            _write_empty_partition(staged_partition, raw_schema)
        publisher.replace(staged_partition, layout.raw_table(table.source, table.name) / name, run_id)
        final_quarantine = layout.quarantine_table(table.source, table.name) / name
        if (staged_quarantine / name).exists():
            publisher.replace(staged_quarantine / name, final_quarantine, run_id)
        else:
            publisher.remove(final_quarantine)
    for part in parts:
        counts.setdefault(part.part_id, PartCounts(0, 0))
    return counts
