"""Check, then change, then record: a refused command leaves no trace.

Random sequences of commands run against random valid SKUs (SPUs and category trees:
tests/products/test_failed_commands.py). Every command that
raises a MerxError must leave the aggregate exactly as it was (``attrs.asdict`` before
and after, events included); after every command the aggregate still satisfies its
invariants (it survives a round trip through the converter, which re-runs them).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import attrs
from hypothesis import event, given
from hypothesis import strategies as st

from merx.catalog import Placement, ProfitPolicy, Sku
from merx.catalog.serde import structure, unstructure
from merx.errors import MerxError
from merx.kernel.money import Money
from tests.catalog.strategies import instants, restrictions, skus

Op = Callable[[], None]
SLOTS = st.sampled_from(["home", "phones/top"])
REASONS = st.sampled_from([None, "", " ", "clearance"])
POLICIES = st.sampled_from([Decimal(0), Decimal("0.05"), Decimal("0.5")]).map(ProfitPolicy)
AMOUNTS = st.integers(-200, 10**6)
CURRENCIES = st.sampled_from(["CNY", "CNY", "CNY", "USD"])


def through_catalog_serde(aggregate: Any) -> Any:
    return structure(unstructure(aggregate), type(aggregate))


def attempt(
    aggregate: Any, op: Op, round_trip: Callable[[Any], Any] = through_catalog_serde
) -> bool:
    """Run ``op``: refused, ``aggregate`` is unchanged; accepted, it survives ``round_trip``
    (the converter, which re-runs its invariants)."""
    before = attrs.asdict(aggregate)
    try:
        op()
    except MerxError as refused:
        event(f"refused: {type(refused).__name__}")
        assert attrs.asdict(aggregate) == before
        return False
    event("accepted")
    assert round_trip(aggregate) == aggregate
    return True


@st.composite
def money_any(draw: st.DrawFn) -> Money:
    return Money.from_minor(draw(AMOUNTS), draw(CURRENCIES))


@st.composite
def placement_near(draw: st.DrawFn) -> Placement:
    start = draw(instants)
    return Placement(
        draw(SLOTS), draw(st.integers(1, 3)), start, start + timedelta(days=draw(st.integers(1, 9)))
    )


def sku_op(sku: Sku, draw: st.DrawFn) -> Op:
    kind = draw(st.integers(0, 9))
    if kind == 0:
        policy, reason = draw(POLICIES), draw(REASONS)
        return lambda: sku.list(policy=policy, override_reason=reason)
    if kind == 1:
        reason_text = draw(st.sampled_from(["", "recalled"]))
        return lambda: sku.delist(reason_text)
    if kind == 2:
        price, policy, reason = draw(money_any()), draw(POLICIES), draw(REASONS)
        return lambda: sku.change_price(price, policy=policy, override_reason=reason)
    if kind == 3:
        cost, policy = draw(money_any()), draw(POLICIES)
        return lambda: sku.set_cost(cost, policy=policy)
    if kind == 4:
        placement = draw(placement_near())
        return lambda: sku.place(placement)
    if kind == 5:
        existing = draw(st.sampled_from(sku.placements)) if sku.placements else None
        fallback = draw(placement_near())
        target = existing or fallback
        return lambda: sku.remove_placement(target.slot, target.starts_at)
    if kind == 6:
        labels = draw(st.frozensets(st.sampled_from(["", "new", "hot"]), max_size=2))
        return lambda: sku.set_labels(labels)
    if kind == 7:
        rules = draw(restrictions)
        return lambda: sku.set_restrictions(rules)
    if kind == 8:
        sizes: st.SearchStrategy[Any] = (
            st.none() | st.integers(-2, 3) | st.sampled_from([True, 1.5, "2"])
        )
        weight, volume = draw(sizes), draw(sizes)
        origin: Any = draw(st.sampled_from([None, "hangzhou", "", " ", 3]))
        return lambda: sku.set_shipping(weight, volume, origin)
    eligible = draw(st.booleans())
    return lambda: sku.set_installment_eligible(eligible)


@given(skus(), st.data())
def test_a_refused_sku_command_changes_nothing(sku: Sku, data: st.DataObject) -> None:
    for _ in range(data.draw(st.integers(1, 8))):
        attempt(sku, data.draw(st.composite(lambda draw: sku_op(sku, draw))()))
