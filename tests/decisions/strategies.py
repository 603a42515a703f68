"""Hypothesis strategies for rules (any well-formed rule, and rules over the test world's
tags)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from merx.decisions import AllOf, AnyOf, Condition, Expr, Not, Op, RuleRef, Source
from merx.decisions.rules import KEYWORDS

names = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True).filter(lambda n: n not in KEYWORDS)
numbers = st.decimals(allow_nan=False, allow_infinity=False, places=None).map(
    lambda d: d if d.is_finite() else Decimal(0)
)
scalars = st.one_of(st.booleans(), numbers, st.text(max_size=12), st.dates())
sources = st.sampled_from(Source)


@st.composite
def conditions(draw: st.DrawFn) -> Condition:
    op = draw(st.sampled_from(Op))
    source, name = draw(sources), draw(names)
    if op is Op.EXISTS:
        return Condition(source, name, op)
    if op is Op.IN:
        return Condition(source, name, op, tuple(draw(st.lists(scalars, min_size=1, max_size=3))))
    if op is Op.BETWEEN:
        pair = st.lists(numbers, min_size=2, max_size=2) | st.lists(
            st.dates(), min_size=2, max_size=2
        )
        ends: list[Any] = sorted(draw(pair))
        return Condition(source, name, op, (ends[0], ends[1]))
    return Condition(source, name, op, draw(scalars))


def _groups(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    items = st.lists(children, min_size=1, max_size=3)
    return st.one_of(items.map(AllOf), items.map(AnyOf), children.map(Not))


rules: st.SearchStrategy[Expr] = st.recursive(
    st.one_of(conditions(), names.map(RuleRef)), _groups, max_leaves=8
)


# -- rules over the test world's tags (tests/decisions/world.py) --------------------------

_WORLD_CONDITIONS = st.sampled_from(
    [
        Condition(Source.TAG, "new_user", Op.EQUAL, True),
        Condition(Source.TAG, "new_user", Op.NOT_EQUAL, True),
        Condition(Source.TAG, "region", Op.IN, ("north", "east")),
        Condition(Source.TAG, "region", Op.EQUAL, "west"),
        Condition(Source.TAG, "orders_90d", Op.GTE, Decimal(5)),
        Condition(Source.TAG, "orders_90d", Op.BETWEEN, (Decimal(0), Decimal(2))),
        Condition(Source.TAG, "spend_365d", Op.GT, Decimal("1000.00")),
        Condition(Source.TAG, "last_order_on", Op.LT, date(2026, 6, 1)),
        Condition(Source.TAG, "categories", Op.CONTAINS, "tea"),
        Condition(Source.TAG, "credit_grade", Op.EXISTS),
        Condition(Source.CONTEXT, "channel", Op.EQUAL, "app"),
    ]
)
world_rules: st.SearchStrategy[Expr] = st.recursive(_WORLD_CONDITIONS, _groups, max_leaves=5)
