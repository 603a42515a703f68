"""The revolving limit: the seed's example, temporary and special limits, freezes.

Model: per pool, ``used + frozen + available == granted``; with no freeze that is
``used + available == granted`` (docs/credit.md, "Limits")."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx.credit import AccountFrozen, CreditAccount, LimitExceeded, PlanId, TermNotAllowed
from merx.kernel.errors import MerxError
from merx.kernel.ids import CustomerId, OrderId
from merx.kernel.money import Money
from merx.schedules import GradePricing, ScheduleMethod, TermOffer

TODAY = date(2026, 1, 31)
PRICING = GradePricing("B", (TermOffer(6, ScheduleMethod.FLAT_FEE, Decimal("0.006")),))


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def account(limit: str = "10000.00") -> CreditAccount:
    return CreditAccount.open(CustomerId("alice"), "B", PRICING, cny(limit))


def test_granted_10000_with_4000_used_leaves_6000_and_repayments_restore_it() -> None:
    acc = account()
    acc.draw(PlanId("p1"), OrderId("o1"), cny("4000.00"), 6, on=TODAY)
    position = acc.position(TODAY)
    assert (position.granted, position.used, position.available) == (
        cny("10000.00"),
        cny("4000.00"),
        cny("6000.00"),
    )
    acc.restore(PlanId("p1"), cny("1000.00"))
    assert acc.position(TODAY).available == cny("7000.00")
    acc.restore(PlanId("p1"), cny("3000.00"))
    assert acc.position(TODAY).available == cny("10000.00")
    assert PlanId("p1") not in acc.draws


def test_review_refuses_beyond_the_limit_a_term_not_offered_and_a_frozen_account() -> None:
    acc = account()
    with pytest.raises(LimitExceeded):
        acc.review(cny("10000.01"), 6, TODAY)
    with pytest.raises(TermNotAllowed):
        acc.review(cny("100.00"), 12, TODAY)
    acc.freeze("device fingerprint matches a fraud ring")
    with pytest.raises(AccountFrozen):
        acc.review(cny("100.00"), 6, TODAY)
    position = acc.position(TODAY)
    assert position.frozen == cny("10000.00")
    assert position.available.is_zero()
    acc.unfreeze()
    assert acc.position(TODAY).available == cny("10000.00")


def test_a_temporary_limit_adds_until_it_expires_and_retires_as_it_is_repaid() -> None:
    acc = account()
    acc.grant_temporary(cny("5000.00"), date(2026, 2, 15), "new year campaign", TODAY)
    assert acc.position(TODAY).granted == cny("15000.00")
    acc.draw(PlanId("p1"), OrderId("o1"), cny("12000.00"), 6, on=TODAY)
    after = acc.position(date(2026, 2, 15))
    assert (after.granted, after.used, after.available) == (
        cny("12000.00"),
        cny("12000.00"),
        cny("0.00"),
    )
    acc.restore(PlanId("p1"), cny("4000.00"))
    assert acc.position(date(2026, 2, 15)).granted == cny("10000.00")
    assert acc.position(date(2026, 2, 15)).available == cny("2000.00")


def test_a_special_limit_serves_only_its_scope_and_is_used_first() -> None:
    acc = account("1000.00")
    acc.grant_special("campaign:618", cny("3000.00"), date(2026, 7, 1), "618", TODAY)
    with pytest.raises(LimitExceeded):
        acc.review(cny("2000.00"), 6, TODAY)
    acc.draw(PlanId("p1"), OrderId("o1"), cny("3500.00"), 6, on=TODAY, scope="campaign:618")
    assert acc.special_position("campaign:618", TODAY).available.is_zero()
    assert acc.position(TODAY).used == cny("500.00")
    acc.restore(PlanId("p1"), cny("500.00"))  # the general pool comes back first
    assert acc.position(TODAY).available == cny("1000.00")
    assert acc.special_position("campaign:618", TODAY).used == cny("3000.00")


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["draw", "restore", "freeze", "unfreeze", "limit", "temporary"]),
            st.integers(1, 1_500_000),
            st.integers(0, 60),
        ),
        max_size=30,
    )
)
def test_used_plus_frozen_plus_available_is_granted_at_all_times(
    steps: list[tuple[str, int, int]],
) -> None:
    acc = account()
    n = 0
    for kind, cents, days in steps:
        on = date.fromordinal(TODAY.toordinal() + days)
        amount = Money.from_minor(cents, "CNY")
        try:
            if kind == "draw":
                n += 1
                acc.draw(PlanId(f"p{n}"), OrderId(f"o{n}"), amount, 6, on=TODAY)
            elif kind == "restore" and acc.draws:
                plan_id = next(iter(acc.draws))
                draw = acc.draws[plan_id]
                acc.restore(plan_id, amount.min(Money.from_minor(draw.general, "CNY")))
            elif kind == "freeze":
                acc.freeze("risk event")
            elif kind == "unfreeze":
                acc.unfreeze()
            elif kind == "limit":
                acc.change_limit(amount, "review")
            elif kind == "temporary":
                acc.grant_temporary(amount, date(2026, 3, 1), "campaign", TODAY)
        except MerxError:  # refusals are part of the walk
            pass
        position = acc.position(on)
        assert position.used + position.frozen + position.available == position.granted
        if not position.frozen.is_positive():
            assert position.used + position.available == position.granted
        assert position.used == acc.used
