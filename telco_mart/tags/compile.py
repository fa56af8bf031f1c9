"""Compile a tag expression into Spark: a Column for jobs, Spark SQL text for generated dbt models.

Both back ends walk the same tree, and neither ever splices user text into code: tag names are
checked against ``^[a-z_][a-z0-9_]*$`` and reach Spark as ``F.col(name)`` or back-quoted
identifiers; values reach it as ``F.lit(value)`` or literals rendered from the parsed value. The
SQL is fully parenthesised so that Spark's precedence can never regroup it, and it keeps the same
three-valued logic as the Column (``NOT IN``, ``NOT BETWEEN`` and ``<>`` are negations of the
positive forms in both). String literals assume Spark's default
``spark.sql.parser.escapedStringLiterals=false`` (backslash escapes are processed).
"""

from __future__ import annotations

import operator
import re
from decimal import Decimal
from typing import TYPE_CHECKING

from telco_mart.tags.expression import (
    Arithmetic,
    Between,
    ColumnRef,
    Comparison,
    Expression,
    InList,
    IsNull,
    Literal,
    Logical,
    Negate,
    Node,
    Not,
    TagExpressionError,
    as_expression,
)

if TYPE_CHECKING:
    from pyspark.sql import Column

IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
_ARITHMETIC = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}
_COMPARE = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_SQL_COMPARE = {"=": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
# Backslash and quote end or bend a Spark string literal; braces would open Jinja in a dbt model.
_SQL_STRING_ESCAPES = str.maketrans({"\\": "\\\\", "'": "\\'", "{": "\\u007B", "}": "\\u007D"})


def to_spark_column(expression: Expression | Node) -> Column:
    """The expression as a ``pyspark.sql.Column``, built from ``F.col``, ``F.lit`` and operators."""
    from pyspark.sql import functions as F

    def build(node: Node) -> Column:
        match node:
            case ColumnRef():
                return F.col(_identifier(node))
            case Literal(value=value):
                return F.lit(_checked_value(value))
            case Negate(operand=operand):
                return -build(operand)
            case Arithmetic(op=op, left=left, right=right):
                return _ARITHMETIC[op](build(left), build(right))
            case Comparison(op=op, left=left, right=right):
                return _COMPARE[op](build(left), build(right))
            case InList(operand=operand, values=values, negated=negated):
                column = build(operand).isin(*(build(value) for value in values))
                return ~column if negated else column
            case IsNull(operand=operand, negated=negated):
                return build(operand).isNotNull() if negated else build(operand).isNull()
            case Between(operand=operand, low=low, high=high, negated=negated):
                column = build(operand).between(build(low), build(high))
                return ~column if negated else column
            case Not(operand=operand):
                return ~build(operand)
            case Logical(op=op, operands=operands):
                return _balanced(operator.and_ if op == "and" else operator.or_, [build(part) for part in operands])
        raise TypeError(f"not a tag-expression node: {node!r}")

    return build(as_expression(expression).root)


def _balanced(combine, columns: list[Column]) -> Column:
    """Combine as a balanced tree: a long AND chain then nests log(n) deep, not n."""
    if len(columns) == 1:
        return columns[0]
    middle = len(columns) // 2
    return combine(_balanced(combine, columns[:middle]), _balanced(combine, columns[middle:]))


def to_spark_sql(expression: Expression | Node) -> str:
    """The expression as Spark SQL text, every compound part in parentheses."""
    return _sql(as_expression(expression).root)


def _sql(node: Node) -> str:
    """Render one node; the result is an atom or starts with '(' (so never forms '--' or '/*')."""
    match node:
        case ColumnRef():
            return f"`{_identifier(node)}`"
        case Literal(value=value):
            return _sql_literal(_checked_value(value))
        case Negate(operand=operand):
            return f"(-{_sql(operand)})"
        case Arithmetic(op=op, left=left, right=right) if op in _ARITHMETIC:
            return f"({_sql(left)} {op} {_sql(right)})"
        case Comparison(op=op, left=left, right=right):
            return f"({_sql(left)} {_SQL_COMPARE[op]} {_sql(right)})"
        case InList(operand=operand, values=values, negated=negated):
            text = f"({_sql(operand)} in ({', '.join(_sql(value) for value in values)}))"
            return f"(not {text})" if negated else text
        case IsNull(operand=operand, negated=negated):
            return f"({_sql(operand)} is {'not ' if negated else ''}null)"
        case Between(operand=operand, low=low, high=high, negated=negated):
            text = f"({_sql(operand)} between {_sql(low)} and {_sql(high)})"
            return f"(not {text})" if negated else text
        case Not(operand=operand):
            return f"(not {_sql(operand)})"
        case Logical(op="and" | "or" as op, operands=operands):
            return "(" + f" {op} ".join(_sql(part) for part in operands) + ")"
    raise TypeError(f"not a tag-expression node: {node!r}")


def _identifier(node: ColumnRef) -> str:
    """The column name, refused unless it is a plain lower-case identifier (no dots, quotes)."""
    if not isinstance(node.name, str) or not IDENTIFIER.fullmatch(node.name):
        raise TagExpressionError(f"invalid tag name {node.name!r}", "", node.position)
    return node.name


def _checked_value(value: object) -> bool | int | Decimal | str | None:
    """A literal value of a type both back ends render the same way (no floats: 0.1 is inexact)."""
    if value is None or isinstance(value, bool | int | str) or (isinstance(value, Decimal) and value.is_finite()):
        return value
    raise TypeError(f"unsupported literal value {value!r}; use bool, int, Decimal, str or None")


def sql_string_literal(text: str) -> str:
    """A Spark SQL string literal: quotes and backslashes escaped, Jinja braces made inert for dbt."""
    return "'" + text.translate(_SQL_STRING_ESCAPES) + "'"


def _sql_literal(value: bool | int | Decimal | str | None) -> str:
    """A Spark SQL literal; Spark types ``12`` as int and ``0.30`` as decimal(2,2), as ``F.lit`` does."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return sql_string_literal(value)
    text = format(value, "f") if isinstance(value, Decimal) else str(value)
    return f"({text})" if text.startswith("-") else text
