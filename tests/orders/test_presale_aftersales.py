"""After-sales on a pre-sale's goods order once the balance is paid: the units refunded
give back their share of the deposit too, from the deposit's payment, charged to the
merchant in clearing (the deposit was part of the sale, never forfeit income).

Worked numbers (``tests/orders/test_presale.py``'s pre-sale: 50.00 down, worth 100.00
against 1000.00; commission 10%): two watches cost 100.00 of deposit and 1800.00 of balance
(2 x 1000.00 less 2 x 100.00), 1900.00 in all. The merchant is owed 90.00 for the deposit
order and 1620.00 for the goods order (2000.00 less its own 200.00 discount, less 180.00
commission), 1710.00. Returning one watch refunds 900.00 of balance and 50.00 of deposit
(950.00), and takes back 810.00 + 45.00 = 855.00 from the merchant; returning the other
refunds the rest: 1900.00 in all, and the merchant is owed nothing.
"""

from __future__ import annotations

import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from merx import aftersales, fulfillment, orders, payments, settlement
from merx.app import MemoryApp
from merx.catalog import TaxMode
from merx.fulfillment.ports import TrackingStatus
from merx.kernel.ids import PLATFORM, AfterSaleId, CustomerId, MerchantId, OrderId
from merx.kernel.money import Money
from merx.orders import OrderStatus, PresaleStatus
from tests.orders.test_presale import (
    BALANCE_STARTS,
    T0,
    TERMS,
    WATCH,
    cny,
    deposited,
    presale,
    reconciled,
    world,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
from journey_presale import paid  # what was paid for a parent order, net of refunds


def bought(app: MemoryApp, shop: MerchantId, quantity: int) -> tuple[OrderId, OrderId, OrderId]:
    """A pre-sale of ``quantity`` watches, deposit and balance paid, shipped by the
    merchant and delivered: the pre-sale order, the balance's parent order and the goods
    order."""
    presale_id = deposited(app, "ann", quantity)
    app.clock.set(BALANCE_STARTS)
    balance = app.handle(orders.PlaceBalanceOrder(presale_id))
    app.handle(payments.PayOrder(balance.parent_id, "alipay"))
    goods = balance.order_ids[0]
    shipment = app.handle(fulfillment.ShipByMerchant(goods, shop, "zto", "Z-1"))
    app.logistics.advance("Z-1", TrackingStatus.DELIVERED, app.clock.now())
    app.handle(fulfillment.SyncTracking(shipment))
    return presale_id, balance.parent_id, goods


def return_units(
    app: MemoryApp, shop: MerchantId, goods: OrderId, units: int, n: int = 1
) -> AfterSaleId:
    case = app.handle(aftersales.RequestReturn(goods, ((WATCH, units),), "too big"))
    app.handle(aftersales.ApproveAfterSale(case, acting=shop))
    app.handle(aftersales.SendReturn(case, "zto", f"R-{n}"))
    app.handle(aftersales.InspectReturn(case, ((WATCH, units),), acting=shop))
    return case


def owed(app: MemoryApp, shop: MerchantId) -> Money:
    with app.unit_of_work() as uow:
        return settlement.merchant_money(uow, shop, shop, journals=app.journals).pending


def test_returning_after_the_balance_refunds_the_deposits_share_too() -> None:
    app, shop = world("merchant")
    presale_id, balance, goods = bought(app, shop, 2)
    app.handle(orders.ConfirmReceipt(goods))  # both orders cleared to the merchant
    assert paid(app, presale_id) + paid(app, balance) == cny("1900.00")
    assert owed(app, shop) == cny("1710.00")

    first = return_units(app, shop, goods, 1)
    assert app.get(aftersales.AfterSale, first).amount == cny("900.00")
    assert (paid(app, presale_id), paid(app, balance)) == (cny("50.00"), cny("900.00"))
    assert owed(app, shop) == cny("855.00")  # 810.00 + 45.00 taken back
    assert presale(app, presale_id).returns == ((first, 1),)
    assert presale(app, presale_id).status is PresaleStatus.BALANCE_PAID
    assert reconciled(app)

    return_units(app, shop, goods, 1, n=2)
    assert (paid(app, presale_id), paid(app, balance)) == (cny("0.00"), cny("0.00"))
    assert owed(app, shop) == cny("0.00")
    assert app.get(orders.Order, goods).status is OrderStatus.CLOSED
    assert reconciled(app)


def test_a_return_before_the_goods_order_completes_is_charged_to_the_merchant() -> None:
    app, shop = world("merchant")
    presale_id, balance, goods = bought(app, shop, 2)
    # the deposit order completed with the balance (90.00 owed); the goods order has not
    assert owed(app, shop) == cny("90.00")
    return_units(app, shop, goods, 2)
    assert (paid(app, presale_id), paid(app, balance)) == (cny("0.00"), cny("0.00"))
    assert owed(app, shop) == cny("0.00")  # the deposit's 100.00, less its 10.00 commission
    assert reconciled(app)


def test_a_refund_before_shipment_gives_back_the_whole_deposit() -> None:
    app, _ = world()  # the platform's own watch: no clearing, the payments tell
    presale_id = deposited(app, "ann", 2)
    app.clock.set(BALANCE_STARTS)
    balance = app.handle(orders.PlaceBalanceOrder(presale_id))
    app.handle(payments.PayOrder(balance.parent_id, "alipay"))
    case = app.handle(aftersales.RequestRefund(balance.order_ids[0], "changed my mind"))
    app.handle(aftersales.ApproveAfterSale(case))
    assert (paid(app, presale_id), paid(app, balance.parent_id)) == (cny("0.00"), cny("0.00"))


def test_an_exchange_keeps_the_deposit() -> None:
    app, shop = world("merchant")
    presale_id, _, goods = bought(app, shop, 1)
    case = app.handle(aftersales.RequestExchange(goods, ((WATCH, 1),), "scratched"))
    app.handle(aftersales.ApproveAfterSale(case, acting=shop))
    app.handle(aftersales.SendReturn(case, "zto", "R-1"))
    app.handle(aftersales.InspectReturn(case, ((WATCH, 1),), acting=shop))
    app.handle(aftersales.ShipReplacement(case, shop, "zto", "X-1"))
    assert paid(app, presale_id) == cny("50.00")
    assert presale(app, presale_id).returns == ()


def test_the_share_refund_and_its_booking_are_replay_safe() -> None:
    app, shop = world("merchant")
    presale_id, _, goods = bought(app, shop, 2)
    case = return_units(app, shop, goods, 1)
    with app.unit_of_work() as uow:
        again = orders.presale_units_refunded(uow, goods, case, 1, app.clock.now())
    assert again is None  # the case was counted once
    assert paid(app, presale_id) == cny("50.00")
    assert reconciled(app)


@settings(max_examples=25, deadline=None)
@given(
    quantity=st.integers(1, 2),
    returns=st.lists(st.integers(1, 2), max_size=3),
    confirm=st.booleans(),
)
def test_refunded_never_exceeds_deposit_and_balance_paid(
    quantity: int, returns: list[int], confirm: bool
) -> None:
    """Whatever returns come, in whatever sizes, before or after the goods order
    completes: refunded never exceeds deposit + balance paid, each payment's refunds never
    exceed it, a full return refunds both exactly, and the books reconcile."""
    app, shop = world("merchant")
    presale_id, balance, goods = bought(app, shop, quantity)
    if confirm:
        app.handle(orders.ConfirmReceipt(goods))
    deposit_paid, balance_paid = paid(app, presale_id), paid(app, balance)
    left = quantity
    for n, units in enumerate(returns):
        if units > left:
            continue
        return_units(app, shop, goods, units, n=n)
        left -= units
        refunded = (deposit_paid - paid(app, presale_id)) + (balance_paid - paid(app, balance))
        assert refunded <= deposit_paid + balance_paid
        assert not paid(app, presale_id).is_negative()
        assert not paid(app, balance).is_negative()
    share = presale(app, presale_id).quote.deposit_due.allocate([1] * quantity)
    assert paid(app, presale_id) == Money.sum(share[:left], "CNY")
    if left == 0:
        assert (paid(app, presale_id), paid(app, balance)) == (cny("0.00"), cny("0.00"))
        assert owed(app, shop) == cny("0.00")
    assert reconciled(app)


@given(
    deposit_cents=st.integers(1, 99_999),  # below the 1000.00 price
    parts=st.lists(st.integers(1, 5), min_size=1, max_size=8),
    rate_percent=st.integers(0, 20),
    mode=st.sampled_from(TaxMode),
)
def test_the_deposit_shares_of_any_returns_sum_to_the_deposit(
    deposit_cents: int, parts: list[int], rate_percent: int, mode: TaxMode
) -> None:
    """However the units come back, their shares add up to the deposit paid (its tax with
    it when added on top), to the cent, and each unit's share is within a cent of its exact
    part."""
    quantity = sum(parts)
    deposit = Money.from_minor(deposit_cents, "CNY")
    terms = attrs.evolve(TERMS, deposit=deposit, deposit_value=deposit)
    listing = orders.PresaleListing.create(
        listing_id="ps", seller=PLATFORM, terms=terms, rule=orders.DepositRule.FORFEIT,
        limit_per_order=None, at=T0,
    )  # fmt: skip
    order = orders.PresaleOrder.place(
        presale_id=OrderId("pre-1"), listing=listing, customer_id=CustomerId("ann"),
        quantity=quantity, at=T0, tax_rate=Decimal(rate_percent) / 100, tax_mode=mode,
    )  # fmt: skip
    assert order.deposit_tax == mode.tax_on(deposit * quantity, Decimal(rate_percent) / 100)
    assert order.deposit_tax is not None
    charged = order.deposit_charged
    assert charged == order.quote.deposit_due + mode.added(order.deposit_tax)
    before, shares = 0, []
    for units in parts:
        shares.append(order.deposit_share(before, units))
        exact = Fraction(charged.minor * units, quantity)
        assert abs(shares[-1].minor - exact) < units
        before += units
    assert Money.sum(shares, "CNY") == charged
