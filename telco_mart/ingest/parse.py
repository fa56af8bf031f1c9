"""Pure transforms that turn numbered lines into typed rows, each row accepted or given a reason.

Input frame: ``dt`` (business date), ``file_name``, ``part_number``, ``row_number``, ``line``.
Every function here is ``DataFrame -> DataFrame`` with no I/O, so each is tested on tiny
frames built in the test. A row gets the first reason that applies, in the order of
:data:`telco_mart.contract.reasons.ROW_REASONS`; duplicates are judged among clean rows only.
"""

from __future__ import annotations

import re

from pyspark.sql import Column as SparkColumn
from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from telco_mart.contract import Column, Contract, Table, reasons

MSISDN_PATTERN = r"^1[0-9]{10}$"
LINEAGE_COLUMNS = ["source_file_name", "source_row_number"]
QUARANTINE_COLUMNS = [
    "source",
    "table_name",
    "file_name",
    "row_number",
    "reason_code",
    "reason_detail",
    "line",
    "dt",
]
_DATE_FORMATS = {"date": "yyyyMMdd", "timestamp": "yyyyMMddHHmmss", "month": "yyyyMMdd"}
_INTEGER_DIGITS = {"int": 9, "long": 18}


def raw_value(position: int) -> SparkColumn:
    """Field ``position`` (0-based) of the split line; an empty field is missing (null)."""
    field = F.try_element_at(F.col("_fields"), F.lit(position + 1))
    return F.when(field != F.lit(""), field)


def with_fields(delimiter: str):
    """Split ``line`` on the delimiter into ``_fields``, keeping empty trailing fields."""

    def transform(df: DataFrame) -> DataFrame:
        return df.withColumn("_fields", F.split(F.col("line"), re.escape(delimiter), -1))

    return transform


def _typed_value(column: Column, raw: SparkColumn) -> tuple[SparkColumn | None, SparkColumn]:
    """``(is_invalid, typed value)`` for one column; ``is_invalid`` is None for free text."""
    kind = column.type
    if kind in ("string", "msisdn"):
        is_invalid = ~raw.rlike(MSISDN_PATTERN) if kind == "msisdn" else None
        return is_invalid, raw
    if kind in _INTEGER_DIGITS:
        looks_right = raw.rlike(rf"^-?[0-9]{{1,{_INTEGER_DIGITS[kind]}}}$")
        value = F.when(looks_right, raw.cast("int" if kind == "int" else "bigint"))
        return ~looks_right, value
    if column.decimal_precision_scale:
        precision, scale = column.decimal_precision_scale
        looks_right = raw.rlike(rf"^-?[0-9]{{1,{precision - scale}}}(\.[0-9]{{1,{scale}}})?$")
        return ~looks_right, F.when(looks_right, raw.cast(f"decimal({precision},{scale})"))
    if kind in _DATE_FORMATS:
        digits = 6 if kind == "month" else len(_DATE_FORMATS[kind])
        text = F.concat(raw, F.lit("01")) if kind == "month" else raw
        parsed = F.when(raw.rlike(rf"^[0-9]{{{digits}}}$"), F.try_to_timestamp(text, F.lit(_DATE_FORMATS[kind])))
        value = parsed.cast("timestamp_ntz") if kind == "timestamp" else parsed.cast("date")
        return parsed.isNull(), value
    if kind == "flag":
        return ~raw.isin("0", "1"), F.when(raw.isin("0", "1"), raw == F.lit("1"))
    raise ValueError(f"no parser for type {kind!r} of column {column.name}")


def _reason_for(column: Column) -> str:
    if column.type == "msisdn":
        return reasons.INVALID_MSISDN
    if column.type in ("date", "month"):
        return reasons.BAD_DATE
    if column.type == "timestamp":
        return reasons.BAD_TIMESTAMP
    if column.type == "flag":
        return reasons.BAD_FLAG
    return reasons.BAD_NUMBER


def _row_checks(table: Table, contract: Contract) -> tuple[list[tuple[str, SparkColumn, SparkColumn]], dict]:
    """The checks of ``table`` over ``_fields``, in priority order, and each column's typed value.

    Each check is ``(reason, failing condition, detail message)``.
    """
    expected = len(table.columns)
    # A null line (never in a file, but possible in a hand-built frame) has no fields.
    field_count = F.coalesce(F.size("_fields"), F.lit(0))
    by_reason: dict[str, list[tuple[SparkColumn, SparkColumn]]] = {r: [] for r in reasons.ROW_REASONS}
    by_reason[reasons.WRONG_FIELD_COUNT].append(
        (
            field_count != F.lit(expected),
            F.concat(F.lit(f"expected {expected} fields, found "), field_count.cast("string")),
        )
    )
    typed: dict[str, SparkColumn] = {}
    for position, column in enumerate(table.columns):
        raw = raw_value(position)
        if column.required:
            by_reason[reasons.MISSING_REQUIRED].append((raw.isNull(), F.lit(f"{column.name} is empty")))
        if column.codes:
            allowed = contract.codes(column.codes)
            message = F.concat(F.lit(f"{column.name}: '"), raw, F.lit(f"' is not in code list {column.codes}"))
            by_reason[reasons.UNKNOWN_CODE].append((raw.isNotNull() & ~raw.isin(*allowed), message))
        is_invalid, value = _typed_value(column, raw)
        typed[column.name] = value
        if is_invalid is not None:
            message = F.concat(F.lit(f"{column.name}: '"), raw, F.lit(f"' is not a valid {column.type}"))
            by_reason[_reason_for(column)].append((raw.isNotNull() & is_invalid, message))
    checks = [(reason, condition, detail) for reason in reasons.ROW_REASONS for condition, detail in by_reason[reason]]
    return checks, typed


def _first_failing(checks: list[tuple[str, SparkColumn, SparkColumn]], want_detail: bool) -> SparkColumn:
    """One flat CASE WHEN over the checks: the first that fails gives its reason (or detail)."""
    expression = None
    for reason, condition, detail in checks:
        value = detail if want_detail else F.lit(reason)
        expression = F.when(condition, value) if expression is None else expression.when(condition, value)
    return expression if expression is not None else F.lit(None).cast("string")


def with_typed_columns_and_reason(table: Table, contract: Contract):
    """Add the table's typed columns and ``reason_code`` (null when the row is clean).

    The human-readable detail is not built here: it is needed for the few quarantined rows
    only, so :func:`select_quarantined` derives it from their line.
    """

    def transform(df: DataFrame) -> DataFrame:
        checks, typed = _row_checks(table, contract)
        return df.select(
            "*",
            *[value.alias(name) for name, value in typed.items()],
            _first_failing(checks, want_detail=False).alias("reason_code"),
            F.lit(None).cast("string").alias("reason_detail"),
        )

    return transform


def with_duplicate_reason(table: Table):
    """Give ``duplicate_key`` to every clean row but the first of its key (by file, then line)."""

    def transform(df: DataFrame) -> DataFrame:
        if not table.key:
            return df
        is_clean = F.col("reason_code").isNull()
        first_in_file_order = Window.partitionBy("dt", "_is_clean", *table.key).orderBy("part_number", "row_number")
        key_text = F.concat_ws("|", *[F.col(k).cast("string") for k in table.key])
        is_duplicate = F.col("_is_clean") & (F.row_number().over(first_in_file_order) > 1)
        return (
            df.withColumn("_is_clean", is_clean)
            .withColumn("_is_duplicate", is_duplicate)
            .withColumn(
                "reason_detail",
                F.when(
                    F.col("_is_duplicate"),
                    F.concat(F.lit(f"key ({', '.join(table.key)}) = ("), key_text, F.lit(") seen earlier")),
                ).otherwise(F.col("reason_detail")),
            )
            .withColumn(
                "reason_code",
                F.when(F.col("_is_duplicate"), F.lit(reasons.DUPLICATE_KEY)).otherwise(F.col("reason_code")),
            )
            .drop("_is_clean", "_is_duplicate")
        )

    return transform


def validate_lines(table: Table, contract: Contract):
    """All row checks of ``table`` in order: split, type and check, then duplicate keys."""

    def transform(df: DataFrame) -> DataFrame:
        return (
            df.transform(with_fields(contract.delimiter))
            .transform(with_typed_columns_and_reason(table, contract))
            .transform(with_duplicate_reason(table))
        )

    return transform


def select_accepted(table: Table):
    """The accepted rows: the contract's typed columns, lineage, and ``dt``."""

    def transform(df: DataFrame) -> DataFrame:
        return df.filter(F.col("reason_code").isNull()).select(
            *table.column_names,
            F.col("file_name").alias("source_file_name"),
            F.col("row_number").alias("source_row_number"),
            "dt",
        )

    return transform


def select_quarantined(table: Table, contract: Contract):
    """The quarantined rows: where they came from, why (with the detail), and the original line."""

    def transform(df: DataFrame) -> DataFrame:
        checks, _ = _row_checks(table, contract)
        quarantined = df.filter(F.col("reason_code").isNotNull()).transform(with_fields(contract.delimiter))
        return quarantined.select(
            F.lit(table.source).alias("source"),
            F.lit(table.name).alias("table_name"),
            "file_name",
            "row_number",
            "reason_code",
            F.coalesce(F.col("reason_detail"), _first_failing(checks, want_detail=True)).alias("reason_detail"),
            "line",
            "dt",
        )

    return transform
