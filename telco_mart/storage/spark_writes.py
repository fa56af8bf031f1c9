"""Write one date's partition from a Spark job, atomically.

The jobs downstream of dbt (task models, campaigns) own tables of their own in the mart, and the
feedback job a quarantine table. Each writes the date's rows to staging and swaps the folder
into place (``PartitionPublisher``): a reader sees the previous version or the new one, never a
mix, and running the date again replaces exactly that partition. Rows are sorted before writing
so that the same inputs give the same files.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from pyspark.sql import DataFrame

from telco_mart.settings import DataLayout
from telco_mart.storage.keys import DATE_KEY
from telco_mart.storage.partitions import footer_row_count, partition_path
from telco_mart.storage.publish import PartitionPublisher


def publish_frame(frame: DataFrame, layout: DataLayout, final: Path, sort_by: Sequence[str], files: int = 1) -> int:
    """Replace the partition folder ``final`` with ``frame``, sorted by ``sort_by`` into ``files``
    files; returns the rows written."""
    run_id = uuid.uuid4().hex[:12]
    staged = layout.staging / run_id / final.parent.name
    try:
        # A range partitioning on the sort key, then a sort inside each file: the same rows land
        # in the same files in the same order on every run.
        frame.repartitionByRange(files, *sort_by).sortWithinPartitions(*sort_by).write.mode("overwrite").parquet(
            str(staged)
        )
        PartitionPublisher(frame.sparkSession).replace(staged, final, run_id)
    finally:
        shutil.rmtree(layout.staging / run_id, ignore_errors=True)
    return footer_row_count(final)


def write_mart_partition(
    frame: DataFrame,
    layout: DataLayout,
    table: str,
    business_date: date,
    sort_by: Sequence[str],
    files: int = 1,
    key: str = DATE_KEY,
) -> int:
    """Replace ``mart/<table>/<key>=<date>`` with ``frame`` (without the key column); returns the rows written."""
    body = frame.drop(key) if key in frame.columns else frame
    return publish_frame(body, layout, partition_path(layout.mart / table, key, business_date), sort_by, files)
