"""Points at checkout: a discount the customer chooses, after promotions, funded by the
platform; spent at placement, given back on cancel and pro rata on refund."""

from __future__ import annotations

import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from merx import (
    aftersales,
    catalog,
    checkout,
    customers,
    orders,
    payments,
    points,
    settlement,
)
from merx.app import MemoryApp, build_memory_app
from merx.customers import Address
from merx.kernel.ids import PLATFORM, CustomerId, MerchantId, SkuId
from merx.kernel.money import Money
from tests.points.held import entries_of

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
import journey_merchant

from tests.clearing.test_marketplace_clearing import (
    PLATFORM_COUPON,
    cny,
    deliver_and_complete,
    money_of,
    reconciled,
)

SHIRT = SkuId("shirt")
BO = CustomerId("bo")


def shop_with_points(earned: int = 10_000, coupon: bool = True) -> tuple[MemoryApp, MerchantId]:
    """A merchant selling shirts at 100.00 (10% commission), Bo with 2 in the cart, a
    platform coupon of 20.00 and ``earned`` points."""
    app = build_memory_app(
        offers=lambda uow, c, at: ((), (PLATFORM_COUPON,) if coupon else ()),
        commission=settlement.CommissionTable(Decimal("0.10")),
    )
    shop = journey_merchant.onboard(app, lambda line: None)
    app.handle(catalog.CreateSku(SHIRT, "Shirt", shop, "shirt", cny("100.00")))
    app.handle(customers.RegisterCustomer(BO, "Bo", "1"))
    app.handle(customers.AddAddress(BO, "home", Address("Bo", "1", "Hangzhou", "r")))
    app.handle(checkout.AddToCart(BO, SHIRT, 2))
    app.handle(points.EarnPoints(BO, earned, "sign_in", "day-1"))
    return app, shop


def balance(app: MemoryApp) -> int:
    with app.unit_of_work() as uow:
        return points.points_balance(uow, BO)


def pending_of(app: MemoryApp, shop: MerchantId) -> Money:
    return money_of(app, shop).pending


def test_the_quote_shows_the_points_line_after_promotions() -> None:
    app, _ = shop_with_points()
    plain = app.quote(BO)
    spent = app.quote(BO, points=5_000)  # 100 points = 1.00: 50.00
    assert plain.payable == cny("180.00")  # 200.00 less the coupon's 20.00
    assert spent.points == 5_000
    assert spent.points_discount == cny("50.00")
    assert spent.payable == cny("130.00")
    assert spent.discount == cny("70.00")  # the coupon, then the points
    (line,) = spent.lines
    assert [(d.promotion_id, d.party, d.amount) for d in line.discounts] == [
        ("P20", PLATFORM, cny("20.00")),
        (checkout.POINTS, PLATFORM, cny("50.00")),
    ]
    assert balance(app) == 10_000  # a quote spends nothing


def test_points_are_capped_at_half_the_goods_after_promotions() -> None:
    app, _ = shop_with_points()
    assert app.quote(BO, points=9_000).payable == cny("90.00")  # 90.00 = half of 180.00
    with pytest.raises(points.PointsOverCap):
        app.quote(BO, points=9_001)
    with pytest.raises(points.PointsOverCap):
        app.handle(orders.PlaceOrder(BO, points=9_100))
    assert balance(app) == 10_000


def test_points_beyond_the_balance_are_refused_and_nothing_changes() -> None:
    app, _ = shop_with_points(earned=300)
    with pytest.raises(points.InsufficientPoints) as raised:
        app.handle(orders.PlaceOrder(BO, points=500))
    assert (raised.value.balance, raised.value.asked) == (300, 500)
    with app.unit_of_work() as uow:
        assert uow.repo(checkout.Cart).get(checkout.Cart.for_customer(BO).id).items  # kept
    assert balance(app) == 300


@pytest.mark.parametrize("bad", [-100, True])
def test_negative_points_are_refused(bad: int) -> None:
    app, _ = shop_with_points()
    with pytest.raises(points.InvalidPoints):
        app.handle(orders.PlaceOrder(BO, points=bad))
    assert balance(app) == 10_000


def test_points_must_be_worth_whole_minor_units() -> None:
    rate = points.PointsRate(points=1_000)  # 1,000 points = 1.00: a point is 0.1 fen
    assert rate.value_of(20, "CNY") == cny("0.02")
    with pytest.raises(points.InvalidPoints):
        rate.value_of(25, "CNY")


def test_paid_with_points_the_seller_is_settled_as_without_them() -> None:
    app, shop = shop_with_points()
    placed = app.handle(orders.PlaceOrder(BO, points=5_000, expected_payable=cny("130.00")))
    assert balance(app) == 5_000  # spent at placement
    app.handle(payments.PayOrder(placed.parent_id, "alipay"))
    (order_id,) = placed.order_ids
    assert app.get(orders.Order, order_id).payable == cny("130.00")
    deliver_and_complete(app, shop, order_id)
    # as test_marketplace_clearing's order without points: 200.00 of goods, commission
    # 20.00, the merchant owed 180.00; the coupon and the points are the platform's subsidy
    assert pending_of(app, shop) == cny("180.00")
    assert reconciled(app)


def test_a_cancelled_order_gives_the_points_back() -> None:
    app, _ = shop_with_points()
    placed = app.handle(orders.PlaceOrder(BO, points=5_000))
    assert balance(app) == 5_000
    app.handle(orders.CancelOrder(placed.parent_id, "changed my mind"))
    assert balance(app) == 10_000
    kinds = [(e.kind, e.points, e.ref) for e in entries_of(app, BO)]
    assert kinds[1:] == [
        (points.PointsEntryKind.SPENT, -5_000, placed.order_ids[0]),
        (points.PointsEntryKind.RETURNED, 5_000, placed.order_ids[0]),
    ]


def test_an_unpaid_order_closed_by_the_timer_gives_the_points_back() -> None:
    app, _ = shop_with_points()
    app.handle(orders.PlaceOrder(BO, points=2_000))
    app.clock.advance(timedelta(days=2))
    app.handle(orders.CloseUnpaidOrders())
    assert balance(app) == 10_000


def test_a_refund_gives_back_the_refunded_units_share() -> None:
    app, shop = shop_with_points()
    placed = app.handle(orders.PlaceOrder(BO, points=5_001))  # 50.01 over two units
    app.handle(payments.PayOrder(placed.parent_id, "alipay"))
    (order_id,) = placed.order_ids
    deliver_and_complete(app, shop, order_id)
    case = app.handle(aftersales.RequestRefundOnly(order_id, ((SHIRT, 1),), "stain"))
    app.handle(aftersales.ApproveAfterSale(case, acting=shop))
    # the first unit's share of the points' 50.01 is 25.01 (largest remainder): 2,501
    assert balance(app) == 10_000 - 5_001 + 2_501
    second = app.handle(aftersales.RequestRefundOnly(order_id, ((SHIRT, 1),), "stain"))
    app.handle(aftersales.ApproveAfterSale(second, acting=shop))
    assert balance(app) == 10_000  # a full refund gives every point back, never more
    assert pending_of(app, shop) == cny("0.00")
    assert reconciled(app)


def test_with_tax_added_on_top_the_tax_is_taken_after_the_points() -> None:
    app = build_memory_app(
        tax_policy=catalog.TaxPolicy(catalog.TaxMode.EXCLUSIVE, default_rate=Decimal("0.13"))
    )
    app.handle(catalog.CreateSku(SHIRT, "Shirt", PLATFORM, "shirt", cny("100.00")))
    app.handle(customers.RegisterCustomer(BO, "Bo", "1"))
    app.handle(checkout.AddToCart(BO, SHIRT, 2))
    app.handle(points.EarnPoints(BO, 5_000, "task", "t1"))
    plain = app.quote(BO)
    spent = app.quote(BO, points=3_000)
    assert (plain.tax, plain.payable) == (cny("26.00"), cny("226.00"))
    # 30.00 off the goods before tax: 170.00 + 13% = 22.10 of tax
    assert (spent.goods, spent.tax, spent.payable) == (cny("170.00"), cny("22.10"), cny("192.10"))


def test_a_multi_seller_order_spends_each_order_its_share() -> None:
    app, shop = shop_with_points(coupon=False)
    hat = SkuId("hat")
    other = journey_merchant.onboard(app, lambda line: None)
    app.handle(catalog.CreateSku(hat, "Hat", other, "shirt", cny("50.00")))
    app.handle(checkout.AddToCart(BO, hat, 1))
    placed = app.handle(orders.PlaceOrder(BO, points=2_501))  # 25.01 over 200.00 and 50.00
    with app.unit_of_work() as uow:
        paid = {o: uow.repo(orders.Order).get(o).points_paid() for o in placed.order_ids}
    spends = {
        e.ref: -e.points for e in entries_of(app, BO) if e.kind is points.PointsEntryKind.SPENT
    }
    assert spends == {o: p.minor for o, p in paid.items()}
    assert sorted(spends.values()) == [500, 2_001]  # 20.01 on the shirts, 5.00 on the hat
    app.handle(payments.PayOrder(placed.parent_id, "alipay"))
    shirts = next(o for o in placed.order_ids if app.get(orders.Order, o).seller == shop)
    deliver_and_complete(app, shop, shirts)
    case = app.handle(aftersales.RequestRefundOnly(shirts, ((SHIRT, 2),), "stain"))
    app.handle(aftersales.ApproveAfterSale(case, acting=shop))
    assert balance(app) == 10_000 - 500  # the shirts' points back, the hat's still spent


def test_lapsed_points_cannot_be_spent() -> None:
    app, _ = shop_with_points(earned=1_000)
    app.handle(points.EarnPoints(BO, 2_000, "task", "soon", app.clock.now().date() + timedelta(1)))
    assert app.quote(BO, points=3_000).points_discount == cny("30.00")
    app.clock.advance(timedelta(days=1))
    with pytest.raises(points.InsufficientPoints) as raised:
        app.quote(BO, points=3_000)
    assert (raised.value.balance, raised.value.asked) == (1_000, 3_000)
