"""Ingestion benchmark: the Spark path beside a plain single-machine reference, same files, same run.

    python benchmarks/bench_ingest.py [--subscribers 1000000] [--sessions-per-day 50] [--data-root DIR]

Generates one business date (unless the data root already holds it), then times:
  1. the Spark ingestion of GN_TRAFFIC (control checks, typed parse, quarantine, atomic publish, audit);
  2. the Spark ingestion of every other source for the date;
  3. the reference: DuckDB parsing the same GN_TRAFFIC parts to Parquet with the same column types.
Prints rows/s, MB/s of text and peak memory (this process and the Spark JVM).
"""

from __future__ import annotations

import argparse
import gzip
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from peak_memory import peak_rss_mb

BUSINESS_DATE = date(2026, 11, 30)
DUCKDB_TYPES = {"string": "VARCHAR", "msisdn": "VARCHAR", "long": "BIGINT", "int": "INTEGER", "timestamp": "TIMESTAMP"}


def _text_megabytes(paths: list[Path]) -> float:
    total = 0
    for path in paths:
        with gzip.open(path, "rb") as stream:
            while chunk := stream.read(1 << 24):
                total += len(chunk)
    return total / 1e6


def _duckdb_reference(paths: list[Path], table, out_dir: Path) -> tuple[float, int]:
    import duckdb

    columns = {}
    for column in table.columns:
        if column.decimal_precision_scale:
            columns[column.name] = "DECIMAL({},{})".format(*column.decimal_precision_scale)
        else:
            columns[column.name] = DUCKDB_TYPES.get(column.type, "VARCHAR")
    files = [str(p) for p in paths]
    started = time.perf_counter()
    connection = duckdb.connect()
    connection.execute(f"SET threads TO {os.cpu_count()}")
    relation = connection.read_csv(
        files, delimiter="|", header=False, columns=columns, quotechar="", timestamp_format="%Y%m%d%H%M%S"
    )
    relation.write_parquet(str(out_dir / "gn_traffic_reference.parquet"))
    rows = connection.execute(
        f"select count(*) from read_parquet('{out_dir}/gn_traffic_reference.parquet')"
    ).fetchone()[0]
    return time.perf_counter() - started, rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=1_000_000)
    parser.add_argument("--sessions-per-day", type=int, default=50)
    parser.add_argument("--data-root", type=Path, default=None)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    root = args.data_root or Path(tempfile.mkdtemp(prefix="bench_ingest_"))
    os.environ["TELCO_MART_HOME"] = str(root)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from telco_mart.contract import load_contract
    from telco_mart.ingest.runner import ingest_source
    from telco_mart.settings import DataLayout
    from telco_mart.spark_session import get_spark
    from telco_mart.synthetic.generate import GenerateOptions, generate

    layout = DataLayout(root)
    contract = load_contract()
    traffic = contract.table("GN_TRAFFIC")
    landing = layout.landing_dir("gn", BUSINESS_DATE)
    if not (landing / contract.control_file_name(traffic.name, BUSINESS_DATE)).exists():
        print(f"generating {args.subscribers:,} subscribers x {args.sessions_per_day} sessions under {root} ...")
        generate(
            layout,
            GenerateOptions(
                BUSINESS_DATE, BUSINESS_DATE, args.subscribers, args.sessions_per_day, args.seed, 0.0, 1, 0, None
            ),
        )
    parts = sorted(landing.glob(f"{traffic.name}_*.dat.gz"))
    text_mb = _text_megabytes(parts)
    print(
        f"GN_TRAFFIC: {len(parts)} parts, {text_mb:,.0f} MB of text, {sum(p.stat().st_size for p in parts) / 1e6:,.0f} MB gz"
    )

    started = time.perf_counter()
    spark = get_spark("bench-ingest")
    spark.range(1).count()
    start_up = time.perf_counter() - started
    jvm_pid = spark.sparkContext._jvm.ProcessHandle.current().pid()

    started = time.perf_counter()
    [result] = ingest_source(spark, "gn", [BUSINESS_DATE], layout, contract, tables=["GN_TRAFFIC"]).tables
    spark_seconds = time.perf_counter() - started
    rows = result.rows_read

    started = time.perf_counter()
    others = [
        ingest_source(
            spark,
            s.name,
            [BUSINESS_DATE],
            layout,
            contract,
            tables=[t.name for t in s.tables if t.name != "GN_TRAFFIC"],
        )
        for s in contract.sources
    ]
    other_seconds = time.perf_counter() - started
    other_rows = sum(t.rows_read for r in others for t in r.tables)
    jvm_peak = peak_rss_mb(jvm_pid)
    spark.stop()
    print(
        f"Spark: GN_TRAFFIC {rows:,} rows in {spark_seconds:.1f} s; other tables {other_rows:,} rows in "
        f"{other_seconds:.1f} s; JVM peak {jvm_peak:,.0f} MB",
        flush=True,
    )

    with tempfile.TemporaryDirectory(dir=root) as scratch:
        reference_seconds, reference_rows = _duckdb_reference(parts, traffic, Path(scratch))

    print()
    print(f"{'stage':<44}{'rows':>14}{'seconds':>10}{'rows/s':>14}{'MB/s text':>11}")
    print(f"{'Spark start-up (reported apart)':<44}{'':>14}{start_up:>10.1f}")
    print(
        f"{'Spark ingest GN_TRAFFIC (checks+parse+publish)':<44}{rows:>14,}{spark_seconds:>10.1f}"
        f"{rows / spark_seconds:>14,.0f}{text_mb / spark_seconds:>11.1f}"
    )
    print(
        f"{'Spark ingest all other tables of the date':<44}{other_rows:>14,}{other_seconds:>10.1f}"
        f"{other_rows / other_seconds:>14,.0f}"
    )
    print(
        f"{'reference: DuckDB gz -> Parquet GN_TRAFFIC':<44}{reference_rows:>14,}{reference_seconds:>10.1f}"
        f"{reference_rows / reference_seconds:>14,.0f}{text_mb / reference_seconds:>11.1f}"
    )
    print(f"Spark / reference time ratio: {spark_seconds / reference_seconds:.1f}x")
    print(f"accepted {result.rows_accepted:,}, quarantined {result.rows_quarantined:,}, status {result.status}")
    print(f"peak memory: python {peak_rss_mb():,.0f} MB, Spark JVM {jvm_peak:,.0f} MB (cores: {os.cpu_count()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
