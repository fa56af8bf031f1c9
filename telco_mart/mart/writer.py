"""Write one date's partition of a mart table from a Spark job, atomically.

The jobs downstream of dbt (task models, campaigns) own tables of their own in the mart. Each
writes the date's rows to staging and swaps the folder into ``mart/<table>/<key>=<value>``
(``PartitionPublisher``): a reader sees the previous version or the new one, never a mix, and
running the date again replaces exactly that partition. Rows are sorted before writing so that
the same inputs give the same files.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Sequence
from datetime import date

from pyspark.sql import DataFrame

from telco_mart.ingest.publish import PartitionPublisher
from telco_mart.settings import DataLayout
from telco_mart.storage.keys import DATE_KEY
from telco_mart.storage.partitions import footer_row_count, partition_path


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
    run_id = uuid.uuid4().hex[:12]
    staged = layout.staging / run_id / "mart" / table
    final = partition_path(layout.mart / table, key, business_date)
    body = frame.drop(key) if key in frame.columns else frame
    try:
        # A range partitioning on the sort key, then a sort inside each file: the same rows land
        # in the same files in the same order on every run.
        body.repartitionByRange(files, *sort_by).sortWithinPartitions(*sort_by).write.mode("overwrite").parquet(
            str(staged)
        )
        PartitionPublisher(frame.sparkSession).replace(staged, final, run_id)
    finally:
        shutil.rmtree(layout.staging / run_id, ignore_errors=True)
    return footer_row_count(final)
