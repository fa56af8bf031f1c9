"""Type-checking a tag expression against the value types of the tags (columns) it reads."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from telco_mart.tags.errors import TagExpressionError
from telco_mart.tags.tree import (
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
    as_expression,
    children,
)

VALUE_TYPES = frozenset({"boolean", "string", "number", "date"})
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def check_expression(expression: Expression | Node, columns: Mapping[str, str], *, expect_boolean: bool) -> str:
    """Type-check against ``columns`` (name -> boolean, string, number or date); returns the value type.

    Refuses unknown tags (suggesting close names), mixed-type comparisons, non-boolean operands of
    AND/OR/NOT, and NULL literals (``x = null`` is never true: write ``x is null``).
    """
    types = {name.lower(): value_type for name, value_type in columns.items()}
    if bad := sorted(set(types.values()) - VALUE_TYPES):
        raise ValueError(f"unknown value types {bad}; expected some of {sorted(VALUE_TYPES)}")
    expression = as_expression(expression)
    checker = _Checker(expression.text, types)
    if expect_boolean:
        checker.expect(expression.root, "boolean", "a condition")
        return "boolean"
    return checker.type_of(expression.root)


class _Checker:
    """Computes the value type of each node, raising at the first misuse."""

    def __init__(self, text: str, types: Mapping[str, str]) -> None:
        self.text, self.types = text, types

    def error(self, reason: str, node: Node, hint: str = "") -> TagExpressionError:
        return TagExpressionError(reason, self.text, node.position, hint)

    def type_of(self, node: Node) -> str:
        match node:
            case ColumnRef(name=name) if name in self.types:
                return self.types[name]
            case ColumnRef(name=name):
                close = difflib.get_close_matches(name, list(self.types), n=3)
                hint = "did you mean " + " or ".join(repr(match) for match in close) + "?" if close else ""
                raise self.error(f"unknown tag {name!r}", node, hint)
            case Literal(value=None):
                raise self.error("NULL is never equal to anything", node, "use 'is null' or 'is not null'")
            case Literal(value=bool()):
                return "boolean"
            case Literal(value=str()):
                return "string"
            case Literal(value=int() | Decimal()):
                return "number"
            case Negate(operand=operand):
                return self.expect(operand, "number", "'-'")
            case Arithmetic(op=op, left=left, right=right):
                self.expect(left, "number", repr(op))
                return self.expect(right, "number", repr(op))
            case Comparison() | Between() | InList():
                self.comparable(node, *children(node))
                return "boolean"
            case IsNull(operand=operand):
                self.type_of(operand)
                return "boolean"
            case Not() | Logical():
                for operand in children(node):
                    self.expect(operand, "boolean", repr(getattr(node, "op", "not")))
                return "boolean"
        raise TypeError(f"not a tag-expression node: {node!r}")

    def expect(self, node: Node, wanted: str, context: str) -> str:
        found = self.type_of(node)
        if found != wanted:
            what = f"tag {node.name!r}" if isinstance(node, ColumnRef) else "this"
            raise self.error(f"{context} needs a {wanted}, but {what} is a {found}", node)
        return found

    def comparable(self, at: Node, *nodes: Node) -> None:
        """All ``nodes`` share one type; a date also compares with a 'YYYY-MM-DD' string literal."""
        typed = [(node, self.type_of(node)) for node in nodes]
        kinds = list(dict.fromkeys(kind for _, kind in typed))
        if len(kinds) == 1:
            return
        if set(kinds) == {"date", "string"}:
            for node, kind in typed:
                if kind == "string" and not (isinstance(node, Literal) and _is_iso_date(node.value)):
                    raise self.error("a date compares only with a date or a 'YYYY-MM-DD' string", node)
            return
        raise self.error(f"cannot compare {' with '.join(kinds)}", at)


def _is_iso_date(text: str) -> bool:
    """Whether ``text`` is a real calendar date written YYYY-MM-DD (as Spark casts it)."""
    try:
        return bool(_ISO_DATE.fullmatch(text)) and date.fromisoformat(text) is not None
    except ValueError:
        return False
