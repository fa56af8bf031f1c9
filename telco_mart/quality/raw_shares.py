"""Metric frames of the raw suites that need a join: one Spark aggregate each, read by path.

Each frame holds a handful of numbers (shares of the date, the previous partition's, the change)
that GX then validates; raw rows never reach GX and no mobile number leaves Spark.
"""

from __future__ import annotations

import re
from datetime import date
from functools import reduce

from telco_mart.contract import load_contract
from telco_mart.quality.metrics import DEFAULT_LOOKBACK_DAYS, RAW_KEY, Batch, Skipped, metric_frame, ratio
from telco_mart.settings import DataLayout
from telco_mart.storage import partitions


def _table_dir(layout: DataLayout, table: str):
    return layout.raw_table(load_contract().table(table).source, table)


def _present(layout: DataLayout, table: str, day: date) -> bool:
    return bool(partitions.parquet_files(partitions.partition_path(_table_dir(layout, table), RAW_KEY, day)))


def _read(spark, layout: DataLayout, table: str, days: list[date], columns: list[str], max_files: int | None = None):
    """The columns of ``table`` on ``days`` with a ``partition_date`` column, read by path."""
    from pyspark.sql import functions as F

    frames = []
    for day in days:
        files = partitions.parquet_files(partitions.partition_path(_table_dir(layout, table), RAW_KEY, day))
        if max_files is not None:
            files = partitions.sample_files(files, max_files)
        frame = spark.read.parquet(*[str(path) for path in files])
        frames.append(frame.select(F.lit(day).alias("partition_date"), *columns))
    return reduce(lambda left, right: left.unionByName(right), frames)


def _quarantined_keys(spark, layout: DataLayout, table: str, day: date, column: str):
    """The ``column`` of the rows of ``table`` that ingestion quarantined on ``day`` (cut from the
    kept line), or ``None``. CRM did deliver them: they are row-check findings, not unknown keys."""
    from pyspark.sql import functions as F

    contract = load_contract()
    spec = contract.table(table)
    folder = partitions.partition_path(layout.quarantine_table(spec.source, table), RAW_KEY, day)
    if not partitions.parquet_files(folder):
        return None
    fields = F.split(F.col("line"), re.escape(contract.delimiter))
    # try_element_at: under ANSI mode a short, malformed line must give null, not fail the gate.
    field = F.try_element_at(fields, F.lit(spec.column_names.index(column) + 1))
    return spark.read.parquet(str(folder)).select(F.lit(day).alias("partition_date"), field.alias(column))


def _previous(layout: DataLayout, table: str, day: date, monthly: bool, lookback: int) -> date | None:
    found = partitions.previous_partition(_table_dir(layout, table), RAW_KEY, day, monthly, lookback)
    return found if found is not None and _present(layout, table, found) else None


def dm_subscriber_imei_batch(spark, layout: DataLayout, day: date, parameters: dict) -> Batch | Skipped:
    """Share of distinct IMEIs whose TAC is not in DM_TERMINAL of the same date, and its increase."""
    from pyspark.sql import functions as F

    if not (_present(layout, "DM_SUBSCRIBER_IMEI", day) and _present(layout, "DM_TERMINAL", day)):
        return Skipped(f"DM_SUBSCRIBER_IMEI or DM_TERMINAL has no partition on {day}")
    lookback = int(parameters.get("daily_lookback_days", DEFAULT_LOOKBACK_DAYS))
    previous = _previous(layout, "DM_SUBSCRIBER_IMEI", day, False, lookback)
    if previous is not None and not _present(layout, "DM_TERMINAL", previous):
        previous = None
    days = [day] if previous is None else [day, previous]
    imei_df = _read(spark, layout, "DM_SUBSCRIBER_IMEI", days, ["imei"]).where(F.col("imei").isNotNull()).distinct()
    terminal_df = _read(spark, layout, "DM_TERMINAL", days, ["tac"]).distinct().withColumn("is_known_tac", F.lit(True))
    counts = {
        row["partition_date"]: row
        for row in imei_df.withColumn("tac", F.substring("imei", 1, 8))
        .join(F.broadcast(terminal_df), on=["partition_date", "tac"], how="left")
        .groupBy("partition_date")
        .agg(F.count("*").alias("imei_count"), F.count_if(F.col("is_known_tac").isNull()).alias("unmatched_count"))
        .collect()
    }
    today = counts.get(day)
    share = ratio(today["unmatched_count"], today["imei_count"]) if today else None
    note = (
        f"{today['unmatched_count'] if today else 0} of {today['imei_count'] if today else 0} IMEIs unmatched on {day}"
    )
    before = counts.get(previous) if previous else None
    previous_share = ratio(before["unmatched_count"], before["imei_count"]) if before else None
    if previous_share is None:
        note += "; no previous partition of both tables: increase not compared"
    else:
        note += f"; {previous_share:.4f} on {previous}"
    increase = share - previous_share if share is not None and previous_share is not None else None
    row = {
        "subject": "dm/dm_subscriber_imei",
        "unmatched_tac_share": share,
        "previous_unmatched_tac_share": previous_share,
        "unmatched_tac_share_increase": increase,
        "note": note,
    }
    columns = ["unmatched_tac_share", "previous_unmatched_tac_share", "unmatched_tac_share_increase"]
    return Batch(metric_frame([row], columns), "pandas")


def gn_traffic_batch(spark, layout: DataLayout, day: date, parameters: dict) -> Batch | Skipped:
    """Sessions whose app_id is unknown to GN_APP_RULE, and sessions with neither app_id nor host."""
    from pyspark.sql import functions as F

    if not (_present(layout, "GN_TRAFFIC", day) and _present(layout, "GN_APP_RULE", day)):
        return Skipped(f"GN_TRAFFIC or GN_APP_RULE has no partition on {day}")
    max_files = int(parameters.get("max_files", 64))
    all_files = partitions.parquet_files(partitions.partition_path(_table_dir(layout, "GN_TRAFFIC"), RAW_KEY, day))
    read_files = min(len(all_files), max_files)
    traffic_df = _read(spark, layout, "GN_TRAFFIC", [day], ["app_id", "host"], max_files=max_files)
    app_df = _read(spark, layout, "GN_APP_RULE", [day], ["app_id"]).distinct().withColumn("is_known_app", F.lit(True))
    has_app = F.col("app_id").isNotNull()
    totals = (
        traffic_df.join(F.broadcast(app_df), on=["partition_date", "app_id"], how="left")
        .agg(
            F.count("*").alias("session_count"),
            F.count_if(has_app).alias("app_sessions"),
            F.count_if(has_app & F.col("is_known_app").isNull()).alias("unmatched_app_sessions"),
            F.count_if(~has_app & F.col("host").isNull()).alias("no_app_or_host_sessions"),
        )
        .first()
    )
    note = (
        f"{totals['unmatched_app_sessions']} of {totals['app_sessions']} sessions with an app_id unknown, "
        f"{totals['no_app_or_host_sessions']} of {totals['session_count']} with neither app_id nor host"
        f" ({read_files} of {len(all_files)} files read)"
    )
    row = {
        "subject": "gn/gn_traffic",
        "unmatched_app_share": ratio(totals["unmatched_app_sessions"], totals["app_sessions"]),
        "no_app_or_host_share": ratio(totals["no_app_or_host_sessions"], totals["session_count"]),
        "note": note,
    }
    return Batch(metric_frame([row], ["unmatched_app_share", "no_app_or_host_share"]), "pandas")


def boss_bill_monthly_batch(spark, layout: DataLayout, day: date, parameters: dict) -> Batch | Skipped:
    """Bills of subscribers unknown to CRM_SUBSCRIBER, and the mean bill against the previous month."""
    from pyspark.sql import functions as F

    if not _present(layout, "BOSS_BILL_MONTHLY", day):
        return Skipped(f"no BOSS_BILL_MONTHLY partition on {day}")
    previous = _previous(layout, "BOSS_BILL_MONTHLY", day, True, 0)
    days = [day] if previous is None else [day, previous]
    bill_df = _read(spark, layout, "BOSS_BILL_MONTHLY", days, ["subscriber_id", "total_fee_yuan"])
    has_crm = _present(layout, "CRM_SUBSCRIBER", day)
    if has_crm:
        subscriber_df = _read(spark, layout, "CRM_SUBSCRIBER", [day], ["subscriber_id"])
        quarantined_df = _quarantined_keys(spark, layout, "CRM_SUBSCRIBER", day, "subscriber_id")
        if quarantined_df is not None:
            subscriber_df = subscriber_df.unionByName(quarantined_df)
        bill_df = bill_df.join(
            subscriber_df.distinct().withColumn("is_known_subscriber", F.lit(True)),
            on=["partition_date", "subscriber_id"],
            how="left",
        )
    else:
        bill_df = bill_df.withColumn("is_known_subscriber", F.lit(None).cast("boolean"))
    by_date = {
        row["partition_date"]: row
        for row in bill_df.groupBy("partition_date")
        .agg(
            F.count("*").alias("bill_count"),
            F.count_if(F.col("is_known_subscriber").isNull()).alias("unknown_count"),
            F.avg(F.col("total_fee_yuan").cast("double")).alias("mean_fee_yuan"),
        )
        .collect()
    }
    today, before = by_date[day], by_date.get(previous) if previous else None
    note = f"{today['bill_count']} bills, mean {today['mean_fee_yuan']:.2f} yuan"
    note += (
        f", {today['unknown_count']} unknown to CRM (quarantined rows count as known)"
        if has_crm
        else "; no CRM_SUBSCRIBER partition: not compared"
    )
    note += (
        f"; mean {before['mean_fee_yuan']:.2f} yuan on {previous}" if before else "; no previous month: not compared"
    )
    row = {
        "subject": "boss/boss_bill_monthly",
        "unknown_subscriber_share": ratio(today["unknown_count"], today["bill_count"]) if has_crm else None,
        "mean_fee_ratio": ratio(today["mean_fee_yuan"], before["mean_fee_yuan"]) if before else None,
        "note": note,
    }
    return Batch(metric_frame([row], ["unknown_subscriber_share", "mean_fee_ratio"]), "pandas")


def bi_value_segment_batch(spark, layout: DataLayout, day: date, parameters: dict) -> Batch | Skipped:
    """Share of subscribers per value segment against the previous month end: one row per segment."""
    if not _present(layout, "BI_VALUE_SEGMENT", day):
        return Skipped(f"no BI_VALUE_SEGMENT partition on {day}")
    previous = _previous(layout, "BI_VALUE_SEGMENT", day, True, 0)
    days = [day] if previous is None else [day, previous]
    counts = (
        _read(spark, layout, "BI_VALUE_SEGMENT", days, ["value_segment"])
        .groupBy("partition_date", "value_segment")
        .count()
        .collect()
    )
    totals = {d: sum(r["count"] for r in counts if r["partition_date"] == d) for d in days}
    shares = {(r["partition_date"], r["value_segment"]): r["count"] / totals[r["partition_date"]] for r in counts}
    rows = []
    for segment in sorted({r["value_segment"] for r in counts}, key=str):
        share = shares.get((day, segment), 0.0)
        previous_share = shares.get((previous, segment), 0.0) if previous else None
        change = abs(share - previous_share) if previous_share is not None else None
        note = f"{share:.4f} on {day}" + (
            f" vs {previous_share:.4f} on {previous}" if previous else "; no previous month end: not compared"
        )
        row = {"share": share, "previous_share": previous_share, "share_change_abs": change, "note": note}
        rows.append({"subject": f"value_segment={segment}", **row})
    return Batch(metric_frame(rows, ["share", "previous_share", "share_change_abs"]), "pandas")
