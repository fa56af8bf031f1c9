"""The tag-expression language: parsing, refusals, type checks, and both Spark back ends agreeing."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from decimal import Decimal

import pytest

from telco_mart.errors import TelcoMartError
from telco_mart.tags.compile import to_spark_column, to_spark_sql
from telco_mart.tags.expression import (
    MAX_DEPTH,
    Arithmetic,
    ColumnRef,
    Comparison,
    Literal,
    Logical,
    Not,
    TagExpressionError,
    check_expression,
    parse_expression,
    referenced_columns,
)

TAG_TYPES = {
    "subscriber_id": "string",
    "city": "string",
    "interest_video": "boolean",
    "is_dnd": "boolean",
    "terminal_5g_capable": "boolean",
    "arpu_3m_yuan": "number",
    "months_to_contract_end": "number",
    "share_of_bytes_30d_video": "number",
    "network_generation": "string",
    "terminal_max_generation": "string",
    "age_years": "number",
    "activation_date": "date",
}
SUBSCRIBERS_SCHEMA = (
    "subscriber_id string, city string, interest_video boolean, is_dnd boolean, terminal_5g_capable boolean,"
    " arpu_3m_yuan decimal(10,2), months_to_contract_end int, share_of_bytes_30d_video double,"
    " network_generation string, terminal_max_generation string, age_years int, activation_date date"
)
SUBSCRIBERS = [
    ("S1", "taiyuan", True, False, True, Decimal("80.00"), 2, 0.5, "4G", "5G", 30, dt.date(2025, 3, 1)),
    ("S2", "datong", True, True, True, Decimal("30.00"), 10, 0.1, "3G", "4G", 45, dt.date(2024, 6, 15)),
    ("S3", "a' or 1=1 --", False, False, False, Decimal("55.50"), 0, 0.3, "2G", "4G", None, dt.date(2026, 1, 1)),
    ("S4", None, None, None, None, None, None, None, None, None, None, None),
    ("S5", "c:\\path", True, None, False, Decimal("120.00"), -1, 0.9, "5G", "5G", 22, None),
    ("S6", "{{ x }}", False, True, True, Decimal("10.00"), 3, None, "4G", None, 70, dt.date(2023, 12, 31)),
]


def _sql(text: str) -> str:
    return to_spark_sql(parse_expression(text))


def _error(text: str) -> TagExpressionError:
    with pytest.raises(TagExpressionError) as caught:
        parse_expression(text)
    return caught.value


def test_precedence_not_binds_tighter_than_and_tighter_than_or():
    assert parse_expression("a or b and not c").root == Logical(
        "or", (ColumnRef("a"), Logical("and", (ColumnRef("b"), Not(ColumnRef("c")))))
    )


def test_arithmetic_precedence_and_left_associativity():
    root = parse_expression("a - b - c * 2 > 600").root
    left = Arithmetic("-", Arithmetic("-", ColumnRef("a"), ColumnRef("b")), Arithmetic("*", ColumnRef("c"), Literal(2)))
    assert root == Comparison(">", left, Literal(600))
    assert _sql("arpu_3m_yuan * 12 + 1 > 600 - 2 / 4") == "(((`arpu_3m_yuan` * 12) + 1) > (600 - (2 / 4)))"


def test_keywords_are_case_insensitive_and_names_lower_cased():
    written = parse_expression("Interest_Video AND NOT Is_DND Or CITY iN ('X')")
    assert written.root == parse_expression("interest_video and not is_dnd or city in ('X')").root
    assert _sql("Age_Years IS NOT NULL") == "(`age_years` is not null)"


@pytest.mark.parametrize(
    ("text", "sql"),
    [
        ("city in ('taiyuan','datong')", "(`city` in ('taiyuan', 'datong'))"),
        ("city not in ('taiyuan')", "(not (`city` in ('taiyuan')))"),
        ("months_to_contract_end between 0 and 3", "(`months_to_contract_end` between 0 and 3)"),
        ("age_years between 1 and 3 and is_dnd", "((`age_years` between 1 and 3) and `is_dnd`)"),
        ("age_years not between -1 and 2.50", "(not (`age_years` between (-1) and 2.50))"),
        ("age_years in (-1, 0.5)", "(`age_years` in ((-1), 0.5))"),
        ("- - age_years <> 1", "((-(-`age_years`)) <> 1)"),
        ("age_years == 1 and is_dnd != true", "((`age_years` = 1) and (`is_dnd` <> true))"),
        ("value_segment", "`value_segment`"),
        ("network_generation in ('2G','3G') and terminal_max_generation = '4G'", None),
    ],
)
def test_sql_text_is_fully_parenthesised(text, sql):
    rendered = _sql(text)
    if sql is not None:
        assert rendered == sql
    assert rendered.count("(") == rendered.count(")")


def test_referenced_columns():
    expression = parse_expression("interest_video and not is_dnd and (arpu_3m_yuan * 12 > age_years or city is null)")
    assert referenced_columns(expression) == {"interest_video", "is_dnd", "arpu_3m_yuan", "age_years", "city"}


def test_error_shows_the_expression_and_a_caret():
    error = _error("interest_video ; drop table x")
    assert isinstance(error, TelcoMartError)
    assert error.position == 15
    assert str(error) == "unexpected ';' at position 15\n  interest_video ; drop table x\n                 ^"


@pytest.mark.parametrize(
    ("text", "position", "reason"),
    [
        ("x; drop table dim_subscriber", 1, "unexpected ';'"),
        ("upper(city) = 'X'", 0, "functions are not allowed: 'upper'"),
        ("is_dnd and Upper (city) = 'X'", 11, "functions are not allowed: 'Upper'"),
        ('"city" = 1', 0, "double-quoted strings are not allowed"),
        ("`city` = 'a'", 0, "backticks are not allowed"),
        ("a /* c */ and b", 2, "comments are not allowed"),
        ("a -- comment", 2, "comments are not allowed"),
        ("age_years--1 > 0", 9, "comments are not allowed"),
        ("city = 'abc", 7, "unterminated string"),
        ("", 0, "empty expression"),
        ("   ", 0, "empty expression"),
        ("a and", 5, "unexpected end of expression"),
        ("a b", 2, "unexpected 'b'"),
        ("a = 1 = 2", 6, "unexpected '='"),
        ("a not b", 6, "unexpected 'b'"),
        ("(a and b", 8, "unexpected end of expression"),
        ("a is 1", 5, "unexpected '1'"),
        ("city in ()", 9, "empty IN list"),
        ("city in (other_city)", 9, "IN lists take literals only: 'other_city'"),
        ("city in ('a', 1 + 2)", 16, "unexpected '+'"),
        ("12abc > 1", 0, "malformed number"),
        ("1.2.3 > 1", 0, "malformed number"),
        ("a = 1" + "0" * 40, 4, "number longer than 38 digits"),
        ("a & b", 2, "unexpected '&'"),
        ("city = '\u202edcba'", 8, "invisible or control character U+202E"),
        ("city\x00", 4, "invisible or control character U+0000"),
        ("a or " * 500 + "a", 2000, "expression longer than 2000 characters"),
        ("(" * 60 + "a" + ")" * 60, MAX_DEPTH, "expression nested or chained more than 50"),
        ("not " * 60 + "a", 4 * MAX_DEPTH, "expression nested or chained more than 50"),
        ("1" + " + 1" * 60 + " > 0", 2 + 4 * MAX_DEPTH, "expression nested or chained more than 50"),
    ],
)
def test_refusals_name_the_reason_and_position(text, position, reason):
    error = _error(text)
    assert error.position == position
    assert str(error).startswith(reason)
    assert f"at position {position}" in str(error)


def test_nesting_up_to_the_limit_is_fine():
    text = "(" * (MAX_DEPTH - 1) + "not is_dnd" + ")" * (MAX_DEPTH - 1)
    assert _sql(text) == "(not `is_dnd`)"


def test_tautology_stays_a_literal_comparison():
    """Valid syntax, but the quotes stay values: it is a comparison of two constants."""
    assert _sql("city = 'a' or '1'='1'") == "((`city` = 'a') or ('1' = '1'))"


def test_doubled_quote_keeps_an_injection_attempt_inside_one_string():
    expression = parse_expression("city = 'a'' or 1=1 --'")
    assert expression.root == Comparison("=", ColumnRef("city"), Literal("a' or 1=1 --"))
    assert to_spark_sql(expression) == "(`city` = 'a\\' or 1=1 --')"


def test_hand_built_tree_with_a_bad_name_is_refused():
    with pytest.raises(TagExpressionError, match="invalid tag name 'a.b'"):
        to_spark_sql(Comparison("=", ColumnRef("a.b"), Literal(1)))
    with pytest.raises(TagExpressionError, match="invalid tag name"):
        to_spark_sql(ColumnRef("x` or 1=1 or `y"))
    with pytest.raises(TypeError, match="unsupported literal"):
        to_spark_sql(Literal(0.1))


@pytest.mark.parametrize(
    ("text", "expect_boolean", "value_type"),
    [
        ("interest_video", True, "boolean"),
        ("value_segment", False, "string"),
        ("arpu_3m_yuan * 12", False, "number"),
        ("activation_date", False, "date"),
        ("activation_date >= '2026-01-01' and city in ('taiyuan')", True, "boolean"),
        ("age_years is null or not (is_dnd = false)", True, "boolean"),
    ],
)
def test_check_returns_the_value_type(text, expect_boolean, value_type):
    columns = {**TAG_TYPES, "value_segment": "string"}
    assert check_expression(parse_expression(text), columns, expect_boolean=expect_boolean) == value_type


@pytest.mark.parametrize(
    ("text", "position", "message"),
    [
        ("city", 0, "a condition needs a boolean, but tag 'city' is a string at position 0"),
        ("city = 1", 5, "cannot compare string with number at position 5"),
        ("age_years in (1, 'x')", 10, "cannot compare number with string"),
        ("age_years between 1 and '9'", 10, "cannot compare number with string"),
        ("interest_video and city", 19, "'and' needs a boolean, but tag 'city' is a string"),
        ("not age_years", 4, "'not' needs a boolean, but tag 'age_years' is a number"),
        ("arpu_3m_yuan + city > 1", 15, "'+' needs a number, but tag 'city' is a string"),
        ("-city = 'a'", 1, "'-' needs a number"),
        ("city = null", 7, "NULL is never equal to anything at position 7; use 'is null' or 'is not null'"),
        ("activation_date >= '2026-13-01'", 19, "a date compares only with a date or a 'YYYY-MM-DD' string"),
        ("activation_date = city", 18, "a date compares only with a date"),
        ("intrest_video", 0, "unknown tag 'intrest_video' at position 0; did you mean 'interest_video'?"),
        ("is_dnd or xyzzy", 10, "unknown tag 'xyzzy' at position 10\n"),
    ],
)
def test_type_errors_are_positioned(text, position, message):
    with pytest.raises(TagExpressionError) as caught:
        check_expression(parse_expression(text), TAG_TYPES, expect_boolean=True)
    assert caught.value.position == position
    assert str(caught.value).startswith(message)


def test_unknown_value_type_in_the_column_map_is_refused():
    with pytest.raises(ValueError, match="unknown value types"):
        check_expression(parse_expression("a"), {"a": "integer"}, expect_boolean=False)


def test_parsing_does_not_import_pyspark():
    code = (
        "import sys, telco_mart.tags.expression as e; e.parse_expression('a = 1'); assert 'pyspark' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    "value",
    ["a'b", "c:\\path\\n", "{{ var('x') }}", "{% if 1 %}", "\\'", "\\u0041", "太原", "--", "/* */", "\\%_", "a\nb"],
)
def test_sql_string_literal_round_trips_through_spark(spark, value):
    sql = _sql("'" + value.replace("'", "''") + "'")
    assert "{" not in sql and "}" not in sql  # a generated dbt model must not open Jinja
    assert spark.sql(f"select {sql} as value").first()["value"] == value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("interest_video and terminal_5g_capable and not is_dnd and city in ('taiyuan','datong')", 1),
        ("not is_dnd", 2),
        ("is_dnd or interest_video", 4),
        ("not (is_dnd or interest_video)", 1),
        ("city not in ('taiyuan', 'datong')", 3),
        ("share_of_bytes_30d_video >= 0.3", 3),
        ("months_to_contract_end between 0 and 3", 3),
        ("months_to_contract_end not between 0 and 3", 2),
        ("network_generation in ('2G','3G') and terminal_max_generation = '4G'", 2),
        ("arpu_3m_yuan * 12 > 600", 3),
        ("arpu_3m_yuan / 4 - 5 <= 10 - 2", 2),
        ("-arpu_3m_yuan < -50 and terminal_5g_capable = false", 2),
        ("age_years is not null", 4),
        ("age_years is null or age_years >= 45", 4),
        ("terminal_max_generation <> '5G'", 2),
        ("activation_date >= '2025-01-01'", 2),
        ("city = 'a'' or 1=1 --'", 1),
        ("city = 'c:\\path'", 1),
        ("city = '{{ x }}'", 1),
        ("city = 'a' or '1'='1'", 6),
    ],
)
def test_column_and_sql_back_ends_count_the_same(spark, text, expected):
    expression = parse_expression(text)
    assert check_expression(expression, TAG_TYPES, expect_boolean=True) == "boolean"
    subscribers_df = spark.createDataFrame(SUBSCRIBERS, SUBSCRIBERS_SCHEMA)
    subscribers_df.createOrReplaceTempView("tag_expression_subscribers")
    by_column = subscribers_df.filter(to_spark_column(expression)).count()
    by_sql = spark.sql(f"select count(*) from tag_expression_subscribers where {to_spark_sql(expression)}").first()[0]
    assert (by_column, by_sql) == (expected, expected)


def test_committed_tag_models_match_the_tag_library():
    from telco_mart.tags.dbt_models import stale_tag_models

    assert stale_tag_models() == [], "run `telco-mart tags generate` and commit the result"


def test_a_stale_tag_model_is_named_and_refused(tmp_path):
    from telco_mart.tags.dbt_models import check_tag_models, generate_tag_models
    from telco_mart.tags.library import TagLibraryError

    generate_tag_models(tmp_path)
    (tmp_path / "tag_catalogue.sql").write_text("select 1", encoding="utf-8")
    with pytest.raises(TagLibraryError, match=r"stale \(tag_catalogue.sql in .*telco-mart tags generate"):
        check_tag_models(tmp_path)
