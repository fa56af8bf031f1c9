"""The tree of a parsed tag expression: immutable nodes, and walks over them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from decimal import Decimal


@dataclass(frozen=True)
class _Positioned:
    """A tree node; ``position`` (its offset in the text) takes no part in equality."""

    position: int = field(default=0, compare=False, kw_only=True)


@dataclass(frozen=True)
class ColumnRef(_Positioned):
    """A tag (column) by its lower-case name."""

    name: str


@dataclass(frozen=True)
class Literal(_Positioned):
    """A constant: bool, int, Decimal, str, or None for NULL."""

    value: bool | int | Decimal | str | None


@dataclass(frozen=True)
class Negate(_Positioned):
    """Unary minus."""

    operand: Node


@dataclass(frozen=True)
class Arithmetic(_Positioned):
    """``left op right`` with op one of ``+ - * /``."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Comparison(_Positioned):
    """``left op right`` with op one of ``= != < <= > >=`` (``==`` and ``<>`` are normalised)."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class InList(_Positioned):
    """``operand [not] in (values)``."""

    operand: Node
    values: tuple[Node, ...]
    negated: bool = False


@dataclass(frozen=True)
class IsNull(_Positioned):
    """``operand is [not] null``."""

    operand: Node
    negated: bool = False


@dataclass(frozen=True)
class Between(_Positioned):
    """``operand [not] between low and high`` (both bounds included)."""

    operand: Node
    low: Node
    high: Node
    negated: bool = False


@dataclass(frozen=True)
class Not(_Positioned):
    """Logical negation."""

    operand: Node


@dataclass(frozen=True)
class Logical(_Positioned):
    """``and`` / ``or`` over two or more operands, kept flat so long chains stay shallow."""

    op: str
    operands: tuple[Node, ...]


Node = ColumnRef | Literal | Negate | Arithmetic | Comparison | InList | IsNull | Between | Not | Logical
_NODE_TYPES = (ColumnRef, Literal, Negate, Arithmetic, Comparison, InList, IsNull, Between, Not, Logical)


@dataclass(frozen=True)
class Expression:
    """A parsed expression: its source text (for error messages) and the root of its tree."""

    text: str
    root: Node


def as_expression(expression: Expression | Node) -> Expression:
    """``expression`` itself, or a hand-built tree wrapped without source text."""
    return expression if isinstance(expression, Expression) else Expression("", expression)


def children(node: Node) -> Iterator[Node]:
    """The direct sub-nodes of ``node``."""
    for item in fields(node):
        value = getattr(node, item.name)
        yield from (part for part in (value if isinstance(value, tuple) else (value,)) if isinstance(part, _Positioned))


def referenced_columns(expression: Expression | Node) -> set[str]:
    """The names of all tags (columns) the expression reads."""
    pending, names = [as_expression(expression).root], set()
    while pending:
        node = pending.pop()
        if isinstance(node, ColumnRef):
            names.add(node.name)
        pending.extend(children(node))
    return names
