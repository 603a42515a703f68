"""The quote memo never changes an answer: it only skips pricing equal inputs again."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx.kernel.errors import ValidationError
from merx.kernel.money import Money
from merx.pricing import (
    CartLine,
    Customer,
    DirectReduction,
    FreightRule,
    FreightTemplate,
    InvalidCart,
    Promotion,
    QuoteMemo,
    ThresholdOff,
    Tier,
    in_force_window,
    quote,
)
from tests.pricing.strategies import AT, pricing_inputs

CNY = "CNY"
Inputs = tuple[tuple[CartLine, ...], list[Promotion], list[Promotion], Customer, str | None]
LINES = (CartLine("S1", "m1", "phone", Money.of(300, CNY), 1),)
ALICE = Customer("alice")


def threshold(pid: str, **window: object) -> ThresholdOff:
    tier = Tier(Money.of(100, CNY), Money.of(10, CNY))
    return ThresholdOff(id=pid, tiers=(tier,), **window)  # type: ignore[arg-type]


def test_equal_inputs_are_priced_once() -> None:
    memo = QuoteMemo()
    first = memo(LINES, [threshold("P")], [], ALICE, AT, None)
    again = memo(LINES, [threshold("P")], [], ALICE, AT + timedelta(hours=1), None)
    assert again is first
    assert (memo.hits, memo.misses) == (1, 1)
    other = memo(LINES, [threshold("P")], [], Customer("bob"), AT, None)
    assert other is not first  # another customer is another input
    assert memo(LINES, [threshold("P")], [], ALICE, AT, "card") is not first


def test_the_customers_usage_counts_are_part_of_the_input() -> None:
    capped = ThresholdOff(
        id="P", tiers=(Tier(Money.of(100, CNY), Money.of(10, CNY)),), per_customer_limit=1
    )
    memo = QuoteMemo()
    fresh = memo(LINES, [capped], [], ALICE, AT, None)
    used = memo(LINES, [capped], [], Customer("alice", used={"P": 1}), AT, None)
    assert (fresh.applied, used.applied) == (("P",), ())
    assert used == quote(LINES, [capped], [], Customer("alice", used={"P": 1}), AT, None)
    assert memo(LINES, [capped], [], Customer("alice", used={"P": 0}), AT, None) is not fresh


def test_an_entry_holds_only_while_no_promotion_starts_or_ends() -> None:
    ends = AT + timedelta(hours=1)
    promotion = threshold("P", ends_at=ends)
    memo = QuoteMemo()
    inside = memo(LINES, [promotion], [], ALICE, AT, None)
    assert memo(LINES, [promotion], [], ALICE, ends - timedelta(seconds=1), None) is inside
    after = memo(LINES, [promotion], [], ALICE, ends, None)
    assert after == quote(LINES, [promotion], [], ALICE, ends, None)
    assert after.payable == Money.of(300, CNY)  # ended: no discount any more
    assert inside.payable == Money.of(290, CNY)


def test_inputs_with_a_promotion_out_of_force_are_not_remembered() -> None:
    later = threshold("LATER", starts_at=AT + timedelta(days=1))
    memo = QuoteMemo()
    memo(LINES, [later], [], ALICE, AT, None)
    assert len(memo) == 0
    assert in_force_window([later], AT) is None


def test_the_least_recently_used_entry_goes_first() -> None:
    memo = QuoteMemo(size=2)
    a = memo(LINES, [threshold("A")], [], ALICE, AT, None)
    memo(LINES, [threshold("B")], [], ALICE, AT, None)
    assert memo(LINES, [threshold("A")], [], ALICE, AT, None) is a  # A is used again
    memo(LINES, [threshold("C")], [], ALICE, AT, None)  # B goes
    assert len(memo) == 2
    assert memo(LINES, [threshold("A")], [], ALICE, AT, None) is a
    misses = memo.misses
    memo(LINES, [threshold("B")], [], ALICE, AT, None)
    assert memo.misses == misses + 1


def test_malformed_inputs_get_the_engine_s_typed_error() -> None:
    memo = QuoteMemo()
    memo(LINES, [threshold("P")], [], ALICE, AT, None)
    with pytest.raises(InvalidCart):
        memo(LINES, [threshold("P")], [], ALICE, AT.replace(tzinfo=None), None)
    with pytest.raises(InvalidCart):
        memo([{"sku": "S1"}], [threshold("P")], [], ALICE, AT, None)  # type: ignore[list-item]
    assert len(memo) == 1


@pytest.mark.parametrize("size", [0, -1, True, 1.5])
def test_a_memo_needs_room_for_one_quote(size: object) -> None:
    with pytest.raises(ValidationError):
        QuoteMemo(size=size)  # type: ignore[arg-type]


@given(
    st.lists(pricing_inputs(max_lines=3, max_candidates=5), min_size=1, max_size=4),
    st.data(),
)
def test_the_memo_answers_what_quote_answers(carts: list[Inputs], data: st.DataObject) -> None:
    """Any sequence of quotes, repeated or not, at instants around the promotions' windows
    (some end a second after ``AT``, some start a day before): the memo's answer equals the
    engine's."""
    memo = QuoteMemo(size=3)
    calls = st.tuples(st.integers(0, len(carts) - 1), st.integers(-2, 2))
    for k, seconds in data.draw(st.lists(calls, min_size=1, max_size=12)):
        lines, automatic, wallet, customer, method = carts[k]
        at = AT + timedelta(seconds=seconds)
        expected = quote(lines, automatic, wallet, customer, at, method)
        assert memo(lines, automatic, wallet, customer, at, method) == expected


def test_the_destination_the_freight_templates_and_the_tax_mode_are_inputs() -> None:
    fee = Money.of(8, CNY)
    near = FreightRule(("sh",), 1, fee, 1, Money.zero(CNY))
    far = FreightRule(("*",), 1, fee * 2, 1, Money.zero(CNY))
    template = FreightTemplate("m1", "piece", (near, far))
    taxed = (CartLine("S1", "m1", "phone", Money.of(300, CNY), 1, tax_rate=Decimal("0.13")),)
    memo = QuoteMemo()
    shanghai = memo(taxed, [], [], ALICE, AT, None, destination="sh", freight=[template])
    assert memo(taxed, [], [], ALICE, AT, None, destination="sh", freight=[template]) is shanghai
    beijing = memo(taxed, [], [], ALICE, AT, None, destination="bj", freight=[template])
    assert (shanghai.payable, beijing.payable) == (Money.of(308, CNY), Money.of(316, CNY))
    bare = memo(taxed, [], [], ALICE, AT, None, destination="sh")
    on_top = memo(taxed, [], [], ALICE, AT, None, destination="sh", tax_mode="exclusive")
    assert (bare.payable, on_top.payable) == (Money.of(300, CNY), Money.of(339, CNY))
    assert (memo.hits, memo.misses) == (1, 4)


def test_everyones_usage_and_the_named_caps_are_inputs() -> None:
    rare = DirectReduction(id="D", off=Money.of(1, CNY), global_limit=2)
    cart = (CartLine("S1", "m1", "phone", Money.of(300, CNY), 1),)
    memo = QuoteMemo()
    assert memo(cart, [rare], [], ALICE, AT, None, usage={"D": 1}).applied == ("D",)
    held = memo(cart, [rare], [], ALICE, AT, None, usage={"D": 2})
    assert [r.code for r in held.rejections] == ["usage_cap"]
    named = memo(cart, [rare], [], ALICE, AT, None, usage={"D": 1}, capped={"D": "per_order_units"})
    assert [r.text for r in named.rejections] == ["per_order_units"]
    assert memo(cart, [rare], [], ALICE, AT, None, usage={"D": 1}).applied == ("D",)
    assert (memo.hits, memo.misses) == (1, 3)
