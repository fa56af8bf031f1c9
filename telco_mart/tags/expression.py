"""The tag-expression language: parse, inspect and type-check; compiling is in ``compile``.

Planners count target groups with ``interest_video and not is_dnd and city in ('taiyuan')`` and
the tag library defines tags the same way. The text is never pasted into SQL: it is parsed into
an immutable tree and compiled from that, so anything outside this grammar is refused with the
place it went wrong (keywords case-insensitive, identifiers lower-cased)::

    expression := or
    or         := and ( OR and )*
    and        := not ( AND not )*
    not        := NOT not | predicate
    predicate  := sum [ compare_op sum | [NOT] IN '(' literal (',' literal)* ')'
                      | IS [NOT] NULL | [NOT] BETWEEN sum AND sum ]
    compare_op := '=' | '==' | '!=' | '<>' | '<' | '<=' | '>' | '>='
    sum        := product ( ('+'|'-') product )*
    product    := unary ( ('*'|'/') unary )*
    unary      := '-' unary | primary
    primary    := number | 'string' | TRUE | FALSE | NULL | identifier | '(' expression ')'
    literal    := ['-'] number | 'string' | TRUE | FALSE | NULL
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal

from telco_mart.errors import TelcoMartError

MAX_LENGTH = 2000
MAX_DEPTH = 50  # keeps every tree walk far from Python's recursion limit
MAX_NUMBER_DIGITS = 38  # Spark's widest decimal
VALUE_TYPES = frozenset({"boolean", "string", "number", "date"})
KEYWORDS = frozenset({"and", "or", "not", "in", "is", "null", "between", "true", "false"})
COMPARISONS = {"=": "=", "==": "=", "!=": "!=", "<>": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}

_TOKEN = re.compile(
    r"(?P<space>[ \t\r\n]+)|(?P<number>[0-9]+(?:\.[0-9]+)?)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<string>'(?:[^']|'')*')|(?P<op><>|<=|>=|==|!=|[=<>+*/(),-])"
)
_REFUSED = {
    '"': "double-quoted strings are not allowed; use single quotes",
    "`": "backticks are not allowed; write the tag name as it is",
    "'": "unterminated string",
}
_WORD_CHAR = re.compile(r"[A-Za-z0-9_.]")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class TagExpressionError(TelcoMartError):
    """A tag expression that cannot be parsed, typed or compiled; the message points at the place."""

    def __init__(self, reason: str, text: str, position: int, hint: str = "") -> None:
        self.reason, self.text, self.position = reason, text, position
        message = f"{reason} at position {position}" + (f"; {hint}" if hint else "")
        super().__init__(message + ("\n" + _pointer(text, position) if text else ""))


def _pointer(text: str, position: int) -> str:
    """The line around ``position`` (80 characters at most) and a caret under the position."""
    start = text.rfind("\n", 0, position) + 1
    end = len(text) if text.find("\n", position) < 0 else text.find("\n", position)
    left = max(start, position - 40)
    right = min(end, left + 80)
    line = "".join(char if char.isprintable() else " " for char in text[left:right])
    prefix, suffix = ("..." if left > start else ""), ("..." if right < end else "")
    # Chinese city names are two columns wide on a terminal: pad the caret to match.
    width = sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text[left:position])
    return f"  {prefix}{line}{suffix}\n  {' ' * (len(prefix) + width)}^"


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


@dataclass(frozen=True)
class _Token:
    kind: str  # space, number, string, name, keyword, op or end
    text: str  # as written, for messages
    value: object  # number, string contents, lower-case word or operator
    position: int


def _tokenize(text: str) -> list[_Token]:
    """Split ``text`` into tokens, refusing comments, other quotes and unknown characters."""
    tokens, position = [], 0
    while position < len(text):
        char = text[position]
        if text.startswith(("--", "/*"), position):
            raise TagExpressionError("comments are not allowed", text, position)
        match = _TOKEN.match(text, position)
        if match is None:
            raise TagExpressionError(_REFUSED.get(char, f"unexpected {char!r}"), text, position)
        kind, word = match.lastgroup, match.group()
        value: object = word
        if kind == "number":
            if _WORD_CHAR.match(text, match.end()):
                raise TagExpressionError("malformed number", text, position)
            if len(word.replace(".", "")) > MAX_NUMBER_DIGITS:
                raise TagExpressionError(f"number longer than {MAX_NUMBER_DIGITS} digits", text, position)
            value = Decimal(word) if "." in word or int(word) >= 2**63 else int(word)
        elif kind == "string":
            value = word[1:-1].replace("''", "'")
        elif kind == "name":
            value = word.lower()
            kind = "keyword" if value in KEYWORDS else "name"
        if kind != "space":
            tokens.append(_Token(kind, word, value, position))
        position = match.end()
    return [*tokens, _Token("end", "", None, len(text))]


def parse_expression(text: str) -> Expression:
    """Parse ``text`` into an :class:`Expression`; raises :class:`TagExpressionError` with the place."""
    if len(text) > MAX_LENGTH:
        raise TagExpressionError(f"expression longer than {MAX_LENGTH} characters", text, MAX_LENGTH)
    for position, char in enumerate(text):
        # Control and invisible formatting characters (bidi overrides) would make the text lie.
        if unicodedata.category(char) in ("Cc", "Cf") and char not in "\t\r\n":
            raise TagExpressionError(f"invisible or control character U+{ord(char):04X}", text, position)
    if not text.strip():
        raise TagExpressionError("empty expression", text, 0)
    return Expression(text, _Parser(text).parse())


class _Parser:
    """Recursive descent over the token list, one method per grammar rule."""

    def __init__(self, text: str) -> None:
        self.text, self.tokens, self.index, self.depth = text, _tokenize(text), 0, 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def parse(self) -> Node:
        root = self.disjunction()
        if self.token.kind != "end":
            raise self.unexpected()
        return root

    def accept(self, kind: str, *values: str) -> _Token | None:
        token = self.token
        if token.kind == kind and (not values or token.value in values):
            self.index += 1
            return token
        return None

    def expect(self, kind: str, value: str, expected: str) -> None:
        if self.accept(kind, value) is None:
            raise self.unexpected(expected)

    def error(self, reason: str, token: _Token, hint: str = "") -> TagExpressionError:
        return TagExpressionError(reason, self.text, token.position, hint)

    def unexpected(self, expected: str = "") -> TagExpressionError:
        found = "end of expression" if self.token.kind == "end" else repr(self.token.text)
        return self.error(f"unexpected {found}", self.token, f"expected {expected}" if expected else "")

    def enter(self, token: _Token) -> None:
        """One level deeper; callers step back out with ``self.depth -= 1`` (errors end the parse)."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"expression nested or chained more than {MAX_DEPTH} levels deep", token)

    def disjunction(self) -> Node:
        return self.logical("or", self.conjunction)

    def conjunction(self) -> Node:
        return self.logical("and", self.negation)

    def logical(self, op: str, operand) -> Node:
        first = self.token
        operands = [operand()]
        while self.accept("keyword", op):
            operands.append(operand())
        return operands[0] if len(operands) == 1 else Logical(op, tuple(operands), position=first.position)

    def negation(self) -> Node:
        token = self.accept("keyword", "not")
        if token is None:
            return self.predicate()
        self.enter(token)
        node = Not(self.negation(), position=token.position)
        self.depth -= 1
        return node

    def predicate(self) -> Node:
        left = self.sum()
        if token := self.accept("op", *COMPARISONS):
            return Comparison(COMPARISONS[token.value], left, self.sum(), position=token.position)
        if token := self.accept("keyword", "is"):
            negated = self.accept("keyword", "not") is not None
            self.expect("keyword", "null", "NULL")
            return IsNull(left, negated, position=token.position)
        negation = self.accept("keyword", "not")
        keyword = self.accept("keyword", "in", "between")
        if keyword is None:
            if negation:
                raise self.unexpected("IN or BETWEEN after NOT")
            return left
        position = (negation or keyword).position
        if keyword.value == "in":
            return InList(left, self.in_list(), negation is not None, position=position)
        low = self.sum()
        self.expect("keyword", "and", "AND in BETWEEN")
        return Between(left, low, self.sum(), negation is not None, position=position)

    def in_list(self) -> tuple[Node, ...]:
        self.expect("op", "(", "'(' after IN")
        if self.token.value == ")":
            raise self.error("empty IN list", self.token)
        values = [self.literal()]
        while self.accept("op", ","):
            values.append(self.literal())
        self.expect("op", ")", "',' or ')'")
        return tuple(values)

    def literal(self) -> Node:
        token = self.token
        if token.kind == "string" or (token.kind == "keyword" and token.value in ("true", "false", "null")):
            return self.primary()
        sign = self.accept("op", "-")
        if number := self.accept("number"):
            return Literal(-number.value if sign else number.value, position=token.position)
        if self.token.kind == "name" or self.token.value == "(":
            raise self.error(f"IN lists take literals only: {self.token.text!r}", self.token)
        raise self.unexpected("a literal")

    def sum(self) -> Node:
        return self.binary(("+", "-"), self.product)

    def product(self) -> Node:
        return self.binary(("*", "/"), self.unary)

    def binary(self, ops: tuple[str, ...], operand) -> Node:
        left, chained = operand(), 0
        while token := self.accept("op", *ops):
            self.enter(token)  # a left-deep chain is as deep as it is long
            chained += 1
            left = Arithmetic(token.value, left, operand(), position=token.position)
        self.depth -= chained
        return left

    def unary(self) -> Node:
        token = self.accept("op", "-")
        if token is None:
            return self.primary()
        self.enter(token)
        node = Negate(self.unary(), position=token.position)
        self.depth -= 1
        return node

    def primary(self) -> Node:
        token = self.token
        self.index += 1
        if token.kind in ("number", "string"):
            return Literal(token.value, position=token.position)
        if token.kind == "keyword" and token.value in ("true", "false", "null"):
            return Literal({"true": True, "false": False, "null": None}[token.value], position=token.position)
        if token.kind == "name":
            if self.token.value == "(":
                raise self.error(f"functions are not allowed: {token.text!r}", token)
            return ColumnRef(token.value, position=token.position)
        if token.kind == "op" and token.value == "(":
            self.enter(token)
            inner = self.disjunction()
            self.expect("op", ")", "')'")
            self.depth -= 1
            return inner
        self.index -= 1
        raise self.unexpected("a value, a tag or '('")


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
