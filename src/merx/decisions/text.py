"""The readable text form of a rule, and its parser.

``new_user = true and region in ["north", "east"]``;
``(orders_90d >= 3 or @vip) and not context.channel = "mini_program"``;
``age between 18 and 30``; ``first_order_on >= 2026-01-01``; ``interests contains "tea"``;
``phone_bound exists``.

Operators: ``=``, ``!=``, ``in [..]``, ``contains``, ``>``, ``>=``, ``<``, ``<=``,
``between .. and ..``, ``exists``. ``not`` binds tighter than ``and``, ``and`` tighter than
``or``; ``@name`` is a saved rule, ``context.name`` a field of the decision's context.
Strings are JSON strings, numbers decimals, dates ``YYYY-MM-DD``. ``all(..)`` and
``any(..)`` write a group of one.

:func:`rule_text` writes the canonical text: a rule read back from it is equal to the
rule, and canonical text read and written again is the same text.
"""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal

from merx.decisions.errors import RuleInvalid, RuleSyntaxError
from merx.decisions.rules import (
    AllOf,
    AnyOf,
    Condition,
    Expr,
    Not,
    Op,
    RuleRef,
    Scalar,
    Source,
    Value,
)

_SYMBOLS = {
    Op.EQUAL: "=",
    Op.NOT_EQUAL: "!=",
    Op.GT: ">",
    Op.GTE: ">=",
    Op.LT: "<",
    Op.LTE: "<=",
    Op.IN: "in",
    Op.CONTAINS: "contains",
}
_OPS = {symbol: op for op, symbol in _SYMBOLS.items()}

# -- writing ------------------------------------------------------------------------------


def _literal(value: Scalar) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if type(value) is date:
        return value.isoformat()
    return str(value)


def _value(op: Op, value: Value) -> str:
    if op is Op.EXISTS:
        return ""
    assert value is not None
    if op is Op.BETWEEN:
        low, high = value  # type: ignore[misc,str-unpack]
        return f" {_literal(low)} and {_literal(high)}"
    if op is Op.IN:
        return " [" + ", ".join(_literal(item) for item in value) + "]"  # type: ignore[union-attr]
    return " " + _literal(value)  # type: ignore[arg-type]


def _group(expr: Expr) -> bool:
    return isinstance(expr, AllOf | AnyOf) and len(expr.items) > 1


def _inner(expr: Expr) -> str:
    return f"({rule_text(expr)})" if _group(expr) else rule_text(expr)


def rule_text(expr: Expr) -> str:
    """The canonical text form of ``expr``."""
    match expr:
        case Condition(source=source, name=name, op=op, value=value):
            operand = f"context.{name}" if source is Source.CONTEXT else name
            word = "between" if op is Op.BETWEEN else "exists" if op is Op.EXISTS else _SYMBOLS[op]
            return f"{operand} {word}{_value(op, value)}"
        case AllOf(items=items) | AnyOf(items=items):
            word = "all" if isinstance(expr, AllOf) else "any"
            if len(items) == 1:
                return f"{word}({rule_text(items[0])})"
            joiner = " and " if word == "all" else " or "
            return joiner.join(_inner(item) for item in items)
        case Not(item=item):
            return f"not {_inner(item)}"
        case RuleRef(name=name):
            return f"@{name}"


# -- reading ------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""(?P<space>\s+)
    |(?P<string>"(?:[^"\\]|\\.)*")
    |(?P<date>\d{4}-\d{2}-\d{2}(?![\w.]))
    |(?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w.]))
    |(?P<symbol>!=|>=|<=|=|>|<|[()\[\],@.])
    |(?P<word>[A-Za-z_][A-Za-z0-9_]*)""",
    re.VERBOSE,
)


def _tokens(text: str) -> list[tuple[str, str, int]]:
    found: list[tuple[str, str, int]] = []
    at = 0
    while at < len(text):
        match = _TOKEN.match(text, at)
        if match is None:
            raise RuleSyntaxError(f"unexpected {text[at]!r}", at)
        kind = match.lastgroup
        assert kind is not None
        if kind != "space":
            found.append((kind, match.group(), at))
        at = match.end()
    found.append(("end", "", len(text)))
    return found


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.at = 0

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.at]

    def take(self) -> tuple[str, str, int]:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def is_word(self, word: str) -> bool:
        kind, text, _ = self.peek()
        return kind == "word" and text == word

    def expect(self, text: str) -> None:
        _, found, position = self.take()
        if found != text:
            raise RuleSyntaxError(f"expected {text!r}, found {found or 'the end'!r}", position)

    def expr(self) -> Expr:
        items = [self.conjunction()]
        while self.is_word("or"):
            self.take()
            items.append(self.conjunction())
        return items[0] if len(items) == 1 else AnyOf(items)

    def conjunction(self) -> Expr:
        items = [self.unary()]
        while self.is_word("and"):
            self.take()
            items.append(self.unary())
        return items[0] if len(items) == 1 else AllOf(items)

    def unary(self) -> Expr:
        if self.is_word("not"):
            self.take()
            return Not(self.unary())
        return self.primary()

    def primary(self) -> Expr:
        kind, text, position = self.peek()
        if text == "(" and kind == "symbol":
            self.take()
            inner = self.expr()
            self.expect(")")
            return inner
        if kind == "word" and text in ("all", "any"):
            self.take()
            self.expect("(")
            inner = self.expr()
            self.expect(")")
            return AllOf((inner,)) if text == "all" else AnyOf((inner,))
        if text == "@" and kind == "symbol":
            self.take()
            return self.guard(lambda: RuleRef(self.name()), position)
        source = Source.TAG
        if kind == "word" and text == "context":
            self.take()
            self.expect(".")
            source = Source.CONTEXT
        name = self.name()
        return self.condition(source, name, position)

    def name(self) -> str:
        kind, text, position = self.take()
        if kind != "word":
            raise RuleSyntaxError(f"expected a name, found {text or 'the end'!r}", position)
        return text

    def condition(self, source: Source, name: str, position: int) -> Expr:
        kind, text, at = self.take()
        if kind == "word" and text == "exists":
            return self.guard(lambda: Condition(source, name, Op.EXISTS), position)
        if kind == "word" and text == "between":
            low = self.literal()
            self.expect("and")
            high = self.literal()
            return self.guard(lambda: Condition(source, name, Op.BETWEEN, (low, high)), position)
        op = _OPS.get(text) if kind in ("symbol", "word") else None
        if op is None:
            raise RuleSyntaxError(f"expected an operator after {name!r}, found {text!r}", at)
        value: Value = self.list() if op is Op.IN else self.literal()
        return self.guard(lambda: Condition(source, name, op, value), position)

    def list(self) -> tuple[Scalar, ...]:
        self.expect("[")
        items = [self.literal()]
        while self.peek()[1] == ",":
            self.take()
            items.append(self.literal())
        self.expect("]")
        return tuple(items)

    def literal(self) -> Scalar:
        kind, text, position = self.take()
        if kind == "string":
            try:
                decoded: str = json.loads(text)
            except ValueError:
                raise RuleSyntaxError(f"{text} is not a valid string", position) from None
            return decoded
        if kind == "number":
            return Decimal(text)
        if kind == "date":
            try:
                return date.fromisoformat(text)
            except ValueError:
                raise RuleSyntaxError(f"{text!r} is not a date", position) from None
        if kind == "word" and text in ("true", "false"):
            return text == "true"
        raise RuleSyntaxError(f"expected a value, found {text or 'the end'!r}", position)

    def guard(self, build: object, position: int) -> Expr:
        try:
            return build()  # type: ignore[operator,no-any-return]
        except RuleSyntaxError:
            raise
        except RuleInvalid as error:
            raise RuleSyntaxError(error.detail, position) from None


def parse_rule(text: str) -> Expr:
    """The rule written as ``text``; :class:`RuleSyntaxError` naming the position of the
    first fault."""
    parser = _Parser(text)
    expr = parser.expr()
    kind, found, position = parser.peek()
    if kind != "end":
        raise RuleSyntaxError(f"unexpected {found!r} after the rule", position)
    return expr
