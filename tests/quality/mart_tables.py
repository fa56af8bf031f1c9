"""Tiny hand-made mart partitions, in the shape the dbt mart writes them (Parquet by path)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

MONEY = pa.decimal128(12, 2)
SCHEMAS = {
    "fct_subscriber_app_usage": pa.schema(
        [
            ("subscriber_id", pa.string()),
            ("app_category", pa.string()),
            ("sessions_7d", pa.int64()),
            ("bytes_7d", pa.int64()),
            ("bytes_30d", pa.int64()),
            ("share_of_bytes_7d", pa.float64()),
            ("share_of_bytes_30d", pa.float64()),
            ("active_days_30d", pa.int32()),
        ]
    ),
    "fct_subscriber_monthly_usage": pa.schema(
        [("subscriber_id", pa.string()), ("billing_month", pa.date32())]
        + [
            (name, MONEY)
            for name in (
                "total_fee_yuan",
                "package_fee_yuan",
                "overage_fee_yuan",
                "value_added_fee_yuan",
                "balance_yuan",
                "arrears_yuan",
            )
        ]
        + [("forwarded_minutes_share", pa.float64())]
    ),
    "dim_subscriber": pa.schema(
        [("subscriber_id", pa.string()), ("msisdn_masked", pa.string()), ("arpu_3m_yuan", MONEY)]
    ),
    "tag_catalogue": pa.schema(
        [
            ("tag_id", pa.string()),
            ("category", pa.string()),
            ("value_type", pa.string()),
            ("coverage_count", pa.int64()),
            ("coverage_share", pa.float64()),
            ("previous_coverage_share", pa.float64()),
            ("coverage_share_change", pa.float64()),
        ]
    ),
}


def _money(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def good_rows(model: str) -> list[dict]:
    """Valid rows of ``model``, each set with a null row."""
    if model == "fct_subscriber_app_usage":
        return [
            {
                "subscriber_id": "S01",
                "app_category": "video",
                "sessions_7d": 12,
                "bytes_7d": 9_000,
                "bytes_30d": 40_000,
                "share_of_bytes_7d": 0.9,
                "share_of_bytes_30d": 0.8,
                "active_days_30d": 20,
            },
            {
                "subscriber_id": "S01",
                "app_category": "news",
                "sessions_7d": 3,
                "bytes_7d": 1_000,
                "bytes_30d": 10_000,
                "share_of_bytes_7d": 0.1,
                "share_of_bytes_30d": 0.2,
                "active_days_30d": 9,
            },
            {
                "subscriber_id": "S02",
                "app_category": "games",
                "sessions_7d": None,
                "bytes_7d": None,
                "bytes_30d": None,
                "share_of_bytes_7d": None,
                "share_of_bytes_30d": None,
                "active_days_30d": None,
            },
        ]
    if model == "fct_subscriber_monthly_usage":
        fees = ("88.00", "58.00", "20.00", "10.00", "12.50", "0.00")
        names = [field.name for field in SCHEMAS[model]][2:8]
        return [
            {
                "subscriber_id": "S01",
                "billing_month": date(2026, 10, 1),
                **{n: _money(v) for n, v in zip(names, fees, strict=True)},
                "forwarded_minutes_share": 0.6,
            },
            {
                "subscriber_id": "S02",
                "billing_month": date(2026, 10, 1),
                **dict.fromkeys(names),
                "forwarded_minutes_share": None,
            },
        ]
    if model == "dim_subscriber":
        return [
            {"subscriber_id": "S01", "msisdn_masked": "138****5678", "arpu_3m_yuan": _money("76.40")},
            {"subscriber_id": "S02", "msisdn_masked": "159****0001", "arpu_3m_yuan": None},
            {"subscriber_id": "S03", "msisdn_masked": None, "arpu_3m_yuan": _money("0.00")},
        ]
    return [
        {
            "tag_id": "interest_video",
            "category": "preference",
            "value_type": "flag",
            "coverage_count": 120,
            "coverage_share": 0.24,
            "previous_coverage_share": 0.22,
            "coverage_share_change": 0.02,
        },
        {
            "tag_id": "terminal_4g_capable",
            "category": "terminal",
            "value_type": "flag",
            "coverage_count": 300,
            "coverage_share": 0.6,
            "previous_coverage_share": None,
            "coverage_share_change": None,
        },
    ]


def write_partition(mart: Path, model: str, partition: str, rows: list[dict]) -> Path:
    """Write ``rows`` as the one file of ``<mart>/<model>/<partition>``."""
    folder = mart / model / partition
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMAS[model]), folder / "part-00000.parquet")
    return folder


def write_good_mart(mart: Path, business_date: date) -> None:
    """A valid partition of every mart model checked on ``business_date``, and the previous
    day's dim_subscriber for the row-count comparison."""
    day = f"business_date={business_date:%Y-%m-%d}"
    write_partition(mart, "fct_subscriber_app_usage", day, good_rows("fct_subscriber_app_usage"))
    write_partition(
        mart,
        "fct_subscriber_monthly_usage",
        f"billing_month={business_date:%Y-%m}",
        good_rows("fct_subscriber_monthly_usage"),
    )
    write_partition(mart, "dim_subscriber", day, good_rows("dim_subscriber"))
    write_partition(
        mart,
        "dim_subscriber",
        f"business_date={date.fromordinal(business_date.toordinal() - 1)}",
        good_rows("dim_subscriber"),
    )
    write_partition(mart, "tag_catalogue", day, good_rows("tag_catalogue"))
