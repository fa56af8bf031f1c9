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

import re
import unicodedata
from dataclasses import dataclass
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
    referenced_columns,
)
from telco_mart.tags.typecheck import VALUE_TYPES, check_expression

__all__ = [
    "MAX_DEPTH",
    "MAX_LENGTH",
    "VALUE_TYPES",
    "Arithmetic",
    "Between",
    "ColumnRef",
    "Comparison",
    "Expression",
    "InList",
    "IsNull",
    "Literal",
    "Logical",
    "Negate",
    "Node",
    "Not",
    "TagExpressionError",
    "as_expression",
    "check_expression",
    "children",
    "parse_expression",
    "referenced_columns",
]

MAX_LENGTH = 2000
MAX_DEPTH = 50  # keeps every tree walk far from Python's recursion limit
MAX_NUMBER_DIGITS = 38  # Spark's widest decimal
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
