"""Platform goodwill, then a return of the same order's units (docs/settlement.md,
"Platform goodwill, then a return").

Worked numbers (``bought(coupon=False)``: two shirts at 100.00 from a marketplace store,
10% commission, the merchant owed 180.00). The platform grants 30.00 of goodwill; the
customer then returns both shirts: the payment has 170.00 left, so that is refunded, but
the merchant is charged the shirts' full 200.00 (its 180.00 back to 0.00, the 20.00 of
commission reversed) and the 30.00 the platform's goodwill had stood in for goes back to
the platform (its subsidy account back to 0.00). Customer 200.00, merchant 0, platform 0.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from merx import aftersales, settlement
from merx.aftersales import Funder
from merx.app import MemoryApp
from merx.errors import ValidationError
from merx.kernel.ids import PLATFORM, MerchantId, OrderId
from merx.kernel.money import Money
from merx.ledger import SUBSIDY, cash_account
from tests.clearing.test_marketplace_clearing import (
    SHIRT,
    bought,
    cny,
    deliver_and_complete,
    money_of,
    reconciled,
)
from tests.clearing.test_platform_goodwill import balance


def goodwill(app: MemoryApp, order_id: OrderId, amount: Money, funder: Funder, key: str) -> None:
    command = aftersales.GrantRefund(order_id, key, amount, "late", acting=PLATFORM, funder=funder)
    app.handle(command)


def give_back(app: MemoryApp, shop: MerchantId, order_id: OrderId, units: int) -> Money:
    """Return ``units`` shirts; what the customer got back."""
    case = app.handle(aftersales.RequestReturn(order_id, ((SHIRT, units),), "size"))
    app.handle(aftersales.ApproveAfterSale(case, acting=shop))
    app.handle(aftersales.SendReturn(case, "zto", f"Z-back-{case}"))
    app.handle(aftersales.InspectReturn(case, ((SHIRT, units),), acting=shop))
    amount = app.get(aftersales.AfterSale, case).amount
    assert amount is not None
    return amount


def test_a_full_return_after_platform_goodwill_nets_everyone_to_zero() -> None:
    app, shop, order_id = bought(coupon=False)
    deliver_and_complete(app, shop, order_id)
    cash = balance(app, cash_account("alipay"))
    goodwill(app, order_id, cny("30.00"), Funder.PLATFORM, "g-1")
    assert give_back(app, shop, order_id, 2) == cny("170.00")  # what the payment has left
    assert money_of(app, shop).pending == cny("0.00")  # charged the full 200.00, not 170.00
    assert balance(app, SUBSIDY) == cny("0.00")  # the platform's 30.00 reimbursed
    assert balance(app, cash_account("alipay")) == cash - cny("200.00")  # the customer: 200.00
    assert reconciled(app)


def test_a_partial_return_charges_the_units_share_and_reimburses_what_the_cap_cut() -> None:
    app, shop, order_id = bought(coupon=False)
    deliver_and_complete(app, shop, order_id)
    goodwill(app, order_id, cny("150.00"), Funder.PLATFORM, "g-1")
    # one shirt back: 50.00 is left to refund, the merchant gives back the shirt's 100.00
    # (90.00 after the 10.00 of commission reversed), the platform gets 50.00 of its 150.00
    assert give_back(app, shop, order_id, 1) == cny("50.00")
    assert money_of(app, shop).pending == cny("90.00")
    assert balance(app, SUBSIDY) == cny("100.00")
    assert reconciled(app)
    # the other shirt: nothing left to refund, the merchant still gives back its 90.00
    assert give_back(app, shop, order_id, 1) == cny("0.00")
    assert money_of(app, shop).pending == cny("0.00")
    assert balance(app, SUBSIDY) == cny("0.00")
    assert reconciled(app)


def test_a_return_the_cap_does_not_reach_leaves_the_goodwill_with_the_platform() -> None:
    app, shop, order_id = bought(coupon=False)
    deliver_and_complete(app, shop, order_id)
    goodwill(app, order_id, cny("30.00"), Funder.PLATFORM, "g-1")
    assert give_back(app, shop, order_id, 1) == cny("100.00")  # the shirt in full
    assert money_of(app, shop).pending == cny("90.00")
    assert balance(app, SUBSIDY) == cny("30.00")  # the kept shirt's goodwill stays spent
    assert give_back(app, shop, order_id, 1) == cny("70.00")
    assert money_of(app, shop).pending == cny("0.00")
    assert balance(app, SUBSIDY) == cny("0.00")
    assert reconciled(app)


def test_a_return_before_completion_after_platform_goodwill() -> None:
    app, shop, order_id = bought(coupon=False)
    goodwill(app, order_id, cny("27.00"), Funder.PLATFORM, "g-1")
    case = app.handle(aftersales.RequestRefund(order_id, "late"))
    app.handle(aftersales.ApproveAfterSale(case, acting=shop))
    assert app.get(aftersales.AfterSale, case).amount == cny("173.00")
    assert money_of(app, shop).pending == cny("0.00")
    assert balance(app, SUBSIDY) == cny("0.00")
    assert reconciled(app)


def test_seller_goodwill_then_a_return_is_unchanged() -> None:
    app, shop, order_id = bought(coupon=False)
    deliver_and_complete(app, shop, order_id)
    goodwill(app, order_id, cny("30.00"), Funder.SELLER, "g-1")
    assert money_of(app, shop).pending == cny("153.00")
    assert give_back(app, shop, order_id, 2) == cny("170.00")
    assert money_of(app, shop).pending == cny("0.00")
    assert balance(app, SUBSIDY) == cny("0.00")
    assert reconciled(app)


@settings(max_examples=12, deadline=None)
@given(
    platform=st.integers(0, 20000),
    seller=st.integers(0, 20000),
    first=st.integers(1, 2),
    completed=st.booleans(),
)
def test_goodwill_then_returns_balance(
    platform: int, seller: int, first: int, completed: bool
) -> None:
    """Whatever the goodwill and its funders: the customer never gets back more than it
    paid, and once every unit is back the merchant, the platform and the channel's cash are
    where they started; the ledger reconciles at every step."""
    app, shop, order_id = bought(coupon=False)
    if completed:
        deliver_and_complete(app, shop, order_id)
    cash = balance(app, cash_account("alipay"))
    refunded = Money.zero("CNY")
    seller = min(seller, 20000 - platform)
    for key, minor, funder in (("g-p", platform, Funder.PLATFORM), ("g-s", seller, Funder.SELLER)):
        if minor:
            goodwill(app, order_id, Money.from_minor(minor, "CNY"), funder, key)
            refunded += Money.from_minor(minor, "CNY")
    assert reconciled(app)
    if not completed:
        deliver_and_complete(app, shop, order_id)
    for units in (first, 2 - first):
        if units:
            refunded += give_back(app, shop, order_id, units)
            assert reconciled(app)
    assert refunded == cny("200.00")
    assert money_of(app, shop).pending == cny("0.00")
    assert balance(app, SUBSIDY) == cny("0.00")
    assert balance(app, cash_account("alipay")) == cash - refunded


@pytest.mark.parametrize("share", ["-1.00", "100.01"])
def test_a_platform_share_outside_the_refund_is_refused(share: str) -> None:
    app, shop, order_id = bought(coupon=False)
    deliver_and_complete(app, shop, order_id)
    before = {kind: dict(table) for kind, table in app.store.tables.items()}
    command = settlement.BookRefund(
        order_id, "r-1", SHIRT, cny("100.00"), settlement.RefundKind.REFUND, cny(share)
    )
    with pytest.raises(ValidationError):
        app.handle(command)
    assert {kind: dict(table) for kind, table in app.store.tables.items()} == before
