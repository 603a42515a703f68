"""Points on a pre-sale's balance (issue 17's gaps): the final payment spends points as
``PlaceOrder(points=)`` does, on what the balance's goods still cost after the campaigns
and the deposit's value (the deposit itself is never paid with points); an unpaid
balance closed gives them back, and a refund of the goods order its share."""

from __future__ import annotations

from datetime import timedelta

import pytest

from merx import aftersales, fulfillment, orders, payments, points
from merx.app import MemoryApp
from merx.fulfillment.ports import TrackingStatus
from merx.kernel.ids import CustomerId, OrderId
from merx.orders import OrderStatus, PresaleStatus
from tests.orders.test_presale import (
    BALANCE_STARTS,
    WATCH,
    cny,
    deposited,
    presale,
    reconciled,
    world,
)
from tests.points.held import entries_of

ANN = CustomerId("ann")


def balance(app: MemoryApp) -> int:
    return app.points_balance(ANN)


def with_points(seller: str = "platform", earned: int = 50_000) -> tuple[MemoryApp, OrderId]:
    app, _ = world(seller)
    presale_id = deposited(app, "ann", 2)  # 2 x 50.00 of deposit, worth 2 x 100.00
    app.handle(points.EarnPoints(ANN, earned, "task", "t1"))
    app.clock.set(BALANCE_STARTS + timedelta(hours=1))
    return app, presale_id


def test_the_balance_spends_points_after_the_deposit_s_value() -> None:
    app, presale_id = with_points()
    placed = app.handle(orders.PlaceBalanceOrder(presale_id, points=20_000))
    (goods,) = placed.order_ids
    order = app.get(orders.Order, goods)
    # 2 x 1000.00, less the deposit's 2 x 100.00: 1800.00, less 200.00 of points
    assert order.payable == cny("1600.00")
    assert order.points_paid() == cny("200.00")
    assert balance(app) == 30_000
    assert [(e.kind, e.ref) for e in entries_of(app, ANN)][-1] == (
        points.PointsEntryKind.SPENT,
        goods,
    )
    app.handle(payments.PayOrder(placed.parent_id, "alipay"))
    assert presale(app, presale_id).status is PresaleStatus.BALANCE_PAID


def test_points_pay_at_most_half_the_balance_s_goods_never_the_deposit() -> None:
    app, presale_id = with_points(earned=100_000)
    with pytest.raises(points.PointsOverCap):  # half of 1800.00 is 900.00
        app.handle(orders.PlaceBalanceOrder(presale_id, points=90_001))
    with pytest.raises(points.InvalidPoints):
        app.handle(orders.PlaceBalanceOrder(presale_id, points=-1))
    assert balance(app) == 100_000
    assert presale(app, presale_id).balance_parent_id is None
    placed = app.handle(orders.PlaceBalanceOrder(presale_id, points=90_000))
    assert app.get(orders.ParentOrder, placed.parent_id).payable == cny("900.00")


def test_too_few_points_refuse_the_balance_and_change_nothing() -> None:
    app, presale_id = with_points(earned=1_000)
    with pytest.raises(points.InsufficientPoints) as raised:
        app.handle(orders.PlaceBalanceOrder(presale_id, points=2_000))
    assert (raised.value.balance, raised.value.asked) == (1_000, 2_000)
    assert presale(app, presale_id).status is PresaleStatus.AWAITING_BALANCE
    assert presale(app, presale_id).balance_parent_id is None
    assert balance(app) == 1_000


def test_an_unpaid_balance_closed_gives_the_points_back_and_may_spend_them_again() -> None:
    app, presale_id = with_points()
    first = app.handle(orders.PlaceBalanceOrder(presale_id, points=20_000))
    app.clock.advance(timedelta(hours=1))
    assert app.handle(orders.CloseUnpaidOrders()) == [first.parent_id]
    assert balance(app) == 50_000
    second = app.handle(orders.PlaceBalanceOrder(presale_id, points=10_000))
    assert second.parent_id != first.parent_id
    assert balance(app) == 40_000


def test_a_refund_of_the_goods_order_gives_back_its_share_and_books_reconcile() -> None:
    app, presale_id = with_points()
    placed = app.handle(orders.PlaceBalanceOrder(presale_id, points=20_001))
    app.handle(payments.PayOrder(placed.parent_id, "alipay"))
    (goods,) = placed.order_ids
    (shipment,) = app.handle(fulfillment.ShipOrder(goods))
    tracking = app.get(fulfillment.Shipment, shipment).tracking_number
    app.logistics.advance(tracking, TrackingStatus.DELIVERED, app.clock.now())
    app.handle(fulfillment.SyncTracking(shipment))
    app.handle(orders.ConfirmReceipt(goods))
    assert app.get(orders.Order, goods).status is OrderStatus.COMPLETED
    case = app.handle(aftersales.RequestRefundOnly(goods, ((WATCH, 1),), "scratch"))
    app.handle(aftersales.ApproveAfterSale(case))
    # the first unit's share of the points' 200.01 is 100.01 (largest remainder)
    assert balance(app) == 50_000 - 20_001 + 10_001
    assert reconciled(app)
