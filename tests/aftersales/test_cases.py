"""After-sales on delivered goods: returns, exchanges, refund only, windows, reviewers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx import aftersales, catalog, checkout, customers, fulfillment, inventory, orders, payments
from merx.aftersales import AfterSaleStatus, NotEligible
from merx.app import MemoryApp, build_memory_app
from merx.customers import Address
from merx.errors import IllegalTransition, Unauthorized
from merx.fulfillment.ports import TrackingStatus
from merx.inventory import StockItem, stock_key
from merx.kernel.ids import PLATFORM, CustomerId, MerchantId, OrderId, SkuId, WarehouseId
from merx.kernel.money import Money
from merx.orders import ClaimExceedsOrder, OrderStatus

SHIRT, CHEAP, DC = SkuId("shirt"), SkuId("tee"), WarehouseId("wh")


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def make_app(price: str = "100.00") -> MemoryApp:
    app = build_memory_app()
    app.handle(catalog.CreateSku(SHIRT, "Shirt", PLATFORM, "shirt", cny(price)))
    app.handle(catalog.CreateSku(CHEAP, "Tee", PLATFORM, "shirt", cny("60.00")))
    app.handle(inventory.OpenWarehouse(DC, "DC", "-", {"sh": 1}))
    app.handle(inventory.ReceiveStock(DC, SHIRT, 20, "po"))
    app.handle(inventory.ReceiveStock(DC, CHEAP, 20, "po"))
    return app


@pytest.fixture
def app() -> MemoryApp:
    return make_app()


def delivered(app: MemoryApp, quantity: int = 3, who: str = "amy") -> tuple[OrderId, str]:
    cid = app.handle(customers.RegisterCustomer(CustomerId(who), who, "1"))
    app.handle(customers.AddAddress(cid, "home", Address(who, "1", "sh", "road"), default=True))
    app.handle(checkout.AddToCart(cid, SHIRT, quantity))
    placed = app.handle(orders.PlaceOrder(cid))
    outcome = app.handle(payments.PayOrder(placed.parent_id, "alipay"))
    order_id = placed.order_ids[0]
    (shipment_id,) = app.handle(fulfillment.ShipOrder(order_id))
    tracking = app.get(fulfillment.Shipment, shipment_id).tracking_number
    app.logistics.advance(tracking, TrackingStatus.DELIVERED, app.clock.now())
    app.handle(fulfillment.SyncTracking(shipment_id))
    return order_id, outcome.payment_id


def refunded(app: MemoryApp, payment_id: str) -> Money:
    return app.get(payments.Payment, payment_id).refunded


def on_hand(app: MemoryApp, sku: SkuId = SHIRT) -> int:
    return app.get(StockItem, stock_key(DC, sku)).on_hand


def test_return_refunds_only_the_accepted_units_and_restocks_them(app: MemoryApp) -> None:
    order_id, payment_id = delivered(app)
    case = app.handle(aftersales.RequestReturn(order_id, ((SHIRT, 2),), "too small"))
    assert app.handle(aftersales.ApproveAfterSale(case)) is AfterSaleStatus.AWAITING_RETURN
    app.handle(aftersales.SendReturn(case, "sf_express", "SF-RET-1"))
    before = on_hand(app)
    status = app.handle(aftersales.InspectReturn(case, ((SHIRT, 1),)))  # one came back torn
    assert status is AfterSaleStatus.COMPLETED
    assert refunded(app, payment_id) == cny("100.00")
    assert on_hand(app) == before + 1
    order = app.get(orders.Order, order_id)
    assert order.claimable(SHIRT) == 2  # the refused unit may be claimed again
    assert order.status is OrderStatus.DELIVERED


def test_refund_only_keeps_the_goods_and_closing_follows_the_last_unit(app: MemoryApp) -> None:
    order_id, payment_id = delivered(app, quantity=2)
    for _ in range(2):
        case = app.handle(aftersales.RequestRefundOnly(order_id, ((SHIRT, 1),), "faded"))
        app.handle(aftersales.ApproveAfterSale(case))
    assert refunded(app, payment_id) == cny("200.00")
    assert app.get(orders.Order, order_id).status is OrderStatus.CLOSED


def test_exchange_ships_a_replacement_and_refunds_a_cheaper_ones_difference(
    app: MemoryApp,
) -> None:
    order_id, payment_id = delivered(app)
    case = app.handle(aftersales.RequestExchange(order_id, ((SHIRT, 1),), "colour", CHEAP))
    app.handle(aftersales.ApproveAfterSale(case))
    app.handle(aftersales.SendReturn(case, "zto", "ZTO-RET-1"))
    assert app.handle(aftersales.InspectReturn(case, ((SHIRT, 1),))) is AfterSaleStatus.COMPLETED
    assert refunded(app, payment_id) == cny("40.00")
    assert on_hand(app, CHEAP) == 19
    shipment = app.get(aftersales.AfterSale, case).replacement_shipment
    assert shipment is not None
    assert app.get(fulfillment.Shipment, shipment).items == ((CHEAP, 1),)


def test_an_exchange_for_a_dearer_sku_is_refused(app: MemoryApp) -> None:
    app.handle(catalog.CreateSku(SkuId("coat"), "Coat", PLATFORM, "coat", cny("300.00")))
    order_id, _ = delivered(app)
    with pytest.raises(NotEligible):
        app.handle(aftersales.RequestExchange(order_id, ((SHIRT, 1),), "upgrade", SkuId("coat")))


def test_claims_never_exceed_the_units_bought(app: MemoryApp) -> None:
    order_id, _ = delivered(app, quantity=2)
    app.handle(aftersales.RequestReturn(order_id, ((SHIRT, 2),), "no"))
    with pytest.raises(ClaimExceedsOrder):
        app.handle(aftersales.RequestRefundOnly(order_id, ((SHIRT, 1),), "again"))


def test_a_rejected_case_frees_its_units(app: MemoryApp) -> None:
    order_id, _ = delivered(app, quantity=1)
    case = app.handle(aftersales.RequestRefundOnly(order_id, ((SHIRT, 1),), "meh"))
    app.handle(aftersales.RejectAfterSale(case, "no defect found"))
    assert app.get(orders.Order, order_id).claimable(SHIRT) == 1
    with pytest.raises(IllegalTransition):
        app.handle(aftersales.ApproveAfterSale(case))


def test_the_window_closes_seven_days_after_delivery(app: MemoryApp) -> None:
    order_id, _ = delivered(app)
    app.clock.advance(timedelta(days=7))
    app.handle(aftersales.RequestReturn(order_id, ((SHIRT, 1),), "last day"))
    app.clock.advance(timedelta(seconds=1))
    with pytest.raises(NotEligible):
        app.handle(aftersales.RequestReturn(order_id, ((SHIRT, 1),), "too late"))


def test_only_the_seller_or_the_platform_reviews(app: MemoryApp) -> None:
    order_id, _ = delivered(app)
    case = app.handle(aftersales.RequestRefundOnly(order_id, ((SHIRT, 1),), "stain"))
    with pytest.raises(Unauthorized):
        app.handle(aftersales.ApproveAfterSale(case, acting=MerchantId("another-shop")))
    assert app.handle(aftersales.ApproveAfterSale(case, acting=PLATFORM)).value == "completed"


@given(
    price=st.integers(1, 100_00),
    quantity=st.integers(1, 6),
    cuts=st.lists(st.integers(1, 6), min_size=1, max_size=6),
)
def test_partial_refunds_of_a_line_add_up_to_its_net_exactly(
    price: int, quantity: int, cuts: list[int]
) -> None:
    from merx.checkout import QuotedLine

    line = QuotedLine(
        sku=SHIRT,
        title="Shirt",
        merchant=PLATFORM,
        category="shirt",
        goods_type=catalog.GoodsType.PHYSICAL,
        unit_price=Money.from_minor(price, "CNY"),
        quantity=quantity,
        discount=Money.from_minor(min(price * quantity, price // 3 + 1), "CNY"),
    )
    order = orders.Order.place(
        order_id=OrderId("o-1"),
        parent_id=OrderId("o"),
        customer_id=CustomerId("c"),
        lines=[line],
        ship_to=Address("a", "1", "sh", "r"),
        at=build_memory_app().clock.now(),
    )
    total = Money.zero("CNY")
    for cut in cuts:
        take = min(cut, order.claimable(SHIRT))
        if not take:
            break
        order.claim([(SHIRT, take)])
        ((_, amount),) = order.refund_units([(SHIRT, take)])
        assert amount <= line.net
        total += amount
    if order.fully_refunded:
        assert total == line.net
    assert total <= line.net


def test_exchanging_for_the_same_sku_costs_nothing_even_when_it_was_discounted() -> None:
    from merx.pricing import DirectReduction, Scope

    sale = DirectReduction(id="D", scope=Scope(skus=(SHIRT,)), off=cny("10.00"))
    app = build_memory_app(offers=lambda uow, c, at: ((sale,), ()))
    app.handle(catalog.CreateSku(SHIRT, "Shirt", PLATFORM, "shirt", cny("100.00")))
    app.handle(inventory.OpenWarehouse(DC, "DC", "-", {"sh": 1}))
    app.handle(inventory.ReceiveStock(DC, SHIRT, 5, "po"))
    order_id, payment_id = delivered(app, quantity=1)
    case = app.handle(aftersales.RequestExchange(order_id, ((SHIRT, 1),), "size"))
    app.handle(aftersales.ApproveAfterSale(case))
    app.handle(aftersales.SendReturn(case, "zto", "Z-1"))
    assert app.handle(aftersales.InspectReturn(case, ((SHIRT, 1),))) is AfterSaleStatus.COMPLETED
    assert refunded(app, payment_id).is_zero()
    assert app.get(aftersales.AfterSale, case).replacement_shipment is not None
