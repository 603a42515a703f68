"""The cattrs converter for the decisions context's aggregates and events.

A rule is stored as its canonical text (:func:`merx.decisions.text.rule_text`), which
reads back to an equal rule; :func:`structure` raises
:class:`~merx.kernel.errors.ValidationError` on malformed data.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeVar

import cattrs

from merx.decisions.errors import RuleInvalid
from merx.decisions.model import NamedRule, OutputValue, Scenario
from merx.decisions.rules import Expr
from merx.decisions.text import parse_rule, rule_text
from merx.kernel import serde as base
from merx.kernel.errors import ValidationError

T = TypeVar("T")

AGGREGATES: tuple[type[Any], ...] = (NamedRule, Scenario)


def _read_rule(data: Any, _: Any) -> Expr:
    if not isinstance(data, str):
        raise ValidationError(f"a stored rule is its text, got {data!r}")
    try:
        return parse_rule(data)
    except RuleInvalid as error:
        raise ValidationError(f"stored rule {data!r}: {error}") from None


def _write_value(value: OutputValue) -> Any:
    return {"decimal": str(value)} if isinstance(value, Decimal) else value


def _read_value(data: Any, _: Any) -> OutputValue:
    if isinstance(data, dict) and set(data) == {"decimal"}:
        return base.structure_decimal(data["decimal"], Decimal)
    if data is None or isinstance(data, bool | str):
        return data
    raise ValidationError(f"an output value is a bool, a string or a decimal, got {data!r}")


def make_converter() -> cattrs.Converter:
    """A fresh converter for the decisions context's types."""
    converter = base.make_converter()
    converter.register_unstructure_hook_func(lambda kind: kind == Expr, rule_text)
    converter.register_structure_hook_func(lambda kind: kind == Expr, _read_rule)
    converter.register_unstructure_hook_func(lambda kind: kind == OutputValue, _write_value)
    converter.register_structure_hook_func(lambda kind: kind == OutputValue, _read_value)
    base.register_aggregates(converter, AGGREGATES)
    return converter


converter = make_converter()


def unstructure(value: object) -> Any:
    """``value`` as plain dicts, lists, strings, numbers and booleans."""
    return converter.unstructure(value)


def structure(data: Any, kind: type[T]) -> T:
    """Rebuild a ``kind`` from :func:`unstructure`'s output; refuse malformed data."""
    return base.structure_or_raise(converter, data, kind)
