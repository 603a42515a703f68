"""Where each line ships from: our warehouse, a consignment supplier, or nowhere (virtual)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from merx import (
    aftersales,
    catalog,
    checkout,
    customers,
    fulfillment,
    inventory,
    orders,
    payments,
    suppliers,
)
from merx.app import MemoryApp, build_memory_app
from merx.catalog import Fulfillment, GoodsType
from merx.customers import Address
from merx.errors import ValidationError
from merx.fulfillment.ports import TrackingStatus
from merx.inventory import StockItem
from merx.kernel.ids import PLATFORM, CustomerId, OrderId, SkuId, SupplierId, WarehouseId
from merx.kernel.money import Money

DC = WarehouseId("wh-sh")
PHONE, CASE, TOPUP = SkuId("phone"), SkuId("case"), SkuId("topup-100")


def parent_of(app: MemoryApp, order_id: OrderId) -> OrderId:
    """The parent order a seller's order was placed (and is paid) under."""
    return app.get(orders.Order, order_id).parent_id


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def approved_supplier(app: MemoryApp, kind: suppliers.SupplierType) -> SupplierId:
    supplier = app.handle(suppliers.ApplySupplier(f"{kind.value} co", kind))
    number = f"BL-{supplier}"
    app.handle(
        suppliers.AddQualificationDocument(
            supplier, suppliers.DocumentKind.BUSINESS_LICENCE, number, date(2030, 1, 1)
        )
    )
    app.handle(suppliers.SubmitSupplierApplication(supplier))
    app.handle(suppliers.ReviewQualificationDocument(supplier, number, accepted=True))
    app.handle(suppliers.ApproveSupplier(supplier))
    return supplier


@pytest.fixture
def app() -> MemoryApp:
    app = build_memory_app()
    app.handle(inventory.OpenWarehouse(DC, "Shanghai DC", "-", {"Shanghai": 20}))
    app.handle(catalog.CreateSku(PHONE, "Phone", PLATFORM, "phone", cny("2999.00")))
    app.handle(inventory.ReceiveStock(DC, PHONE, 3, "po"))
    maker = approved_supplier(app, suppliers.SupplierType.CONSIGNMENT)
    app.handle(
        catalog.CreateSku(
            CASE,
            "Case",
            PLATFORM,
            "accessory",
            cny("59.00"),
            fulfillment=Fulfillment.consignment(maker),
        )
    )
    carrier = approved_supplier(app, suppliers.SupplierType.REAL_TIME_API)
    app.handle(
        catalog.CreateSku(
            TOPUP,
            "100 CNY phone credit",
            PLATFORM,
            "topup",
            cny("99.50"),
            goods_type=GoodsType.VIRTUAL_TOPUP,
            face_value=cny("100.00"),
            operator="China Mobile",
            fulfillment=Fulfillment.real_time_supplier(carrier),
        )
    )
    return app


def buy(app: MemoryApp, who: str, *items: tuple[SkuId, int], account: str | None = None) -> OrderId:
    cid = app.handle(customers.RegisterCustomer(CustomerId(who), who, "13800000000"))
    app.handle(
        customers.AddAddress(cid, "home", Address(who, "1", "Shanghai", "road"), default=True)
    )
    for sku, quantity in items:
        app.handle(checkout.AddToCart(cid, sku, quantity))
    order_id = app.handle(orders.PlaceOrder(cid, account=account)).order_ids[0]
    outcome = app.handle(payments.PayOrder(parent_of(app, order_id), "alipay"))
    assert outcome.status is payments.PaymentStatus.SUCCEEDED
    return order_id


def stock_items(app: MemoryApp) -> list[StockItem]:
    with app.unit_of_work() as uow:
        return [uow.repo(StockItem).get(key) for key in uow.repo(StockItem).ids()]


def test_a_virtual_sku_never_touches_warehouse_stock(app: MemoryApp) -> None:
    before = [(s.id, s.on_hand, s.reserved) for s in stock_items(app)]
    order_id = buy(app, "vic", (TOPUP, 2), account="13900000000")
    order = app.get(orders.Order, order_id)
    assert order.status is orders.OrderStatus.COMPLETED  # bought from the supplier at once
    assert order.account is not None
    assert order.account.masked == "139****0000"  # sealed: the vault keeps the number
    assert app.vault.reveal(order.account.token) == "13900000000"
    assert order.allocations == ()
    assert [(s.id, s.on_hand, s.reserved) for s in stock_items(app)] == before
    assert all(s.sku != TOPUP for s in stock_items(app))


def test_a_virtual_order_needs_an_account_not_an_address(app: MemoryApp) -> None:
    cid = app.handle(customers.RegisterCustomer(CustomerId("nova"), "Nova", "1"))
    app.handle(checkout.AddToCart(cid, TOPUP, 1))
    kept = len(app.vault)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        app.handle(orders.PlaceOrder(cid))
    with pytest.raises(ValidationError):
        app.handle(orders.PlaceOrder(cid, account="  "))
    assert len(app.vault) == kept  # type: ignore[arg-type]  # nothing sealed for a refusal
    order_id = app.handle(orders.PlaceOrder(cid, account="13900000001")).order_ids[0]
    assert app.get(orders.Order, order_id).ship_to is None


def test_a_consignment_order_is_routed_to_its_supplier_and_ships_from_there(app: MemoryApp) -> None:
    order_id = buy(app, "cara", (CASE, 2))
    (pushed,) = app.consignment.pushed
    assert pushed.order_ref == order_id
    assert dict(pushed.items) == {CASE: 2}
    assert all(s.sku != CASE for s in stock_items(app))  # no warehouse stock involved
    dispatch_id = f"cons-{order_id}-{pushed.supplier_id}"
    assert app.handle(fulfillment.SyncConsignment(dispatch_id)) is None  # not shipped yet

    app.consignment.ship(pushed.ack.supplier_order_ref, "zto", "ZTO-1")
    shipment_id = app.handle(fulfillment.SyncConsignment(dispatch_id))
    assert shipment_id is not None
    assert app.get(orders.Order, order_id).status is orders.OrderStatus.SHIPPED
    at = app.clock.advance(timedelta(days=3))
    app.logistics.advance("ZTO-1", TrackingStatus.DELIVERED, at)
    app.handle(fulfillment.SyncTracking(shipment_id))
    assert app.get(orders.Order, order_id).status is orders.OrderStatus.DELIVERED


def test_a_mixed_order_ships_when_both_the_warehouse_and_the_supplier_have_shipped(
    app: MemoryApp,
) -> None:
    order_id = buy(app, "mo", (PHONE, 1), (CASE, 1))
    app.handle(fulfillment.ShipOrder(order_id))
    assert app.get(orders.Order, order_id).status is orders.OrderStatus.PARTIALLY_SHIPPED
    (pushed,) = app.consignment.pushed
    app.consignment.ship(pushed.ack.supplier_order_ref, "zto", "ZTO-2")
    app.handle(fulfillment.SyncConsignment(f"cons-{order_id}-{pushed.supplier_id}"))
    order = app.get(orders.Order, order_id)
    assert order.status is orders.OrderStatus.SHIPPED
    assert len(order.shipment_ids) == 2


def test_routing_again_never_pushes_twice(app: MemoryApp) -> None:
    order_id = buy(app, "rita", (CASE, 1))
    app.handle(fulfillment.RouteConsignment(order_id))
    assert len(app.consignment.pushed) == 1


def test_no_refund_before_shipment_once_part_of_the_order_left(app: MemoryApp) -> None:
    order_id = buy(app, "pat", (PHONE, 1), (CASE, 1))
    with pytest.raises(aftersales.NotEligible):  # the case is already with its supplier
        app.handle(aftersales.RequestRefund(order_id, "changed my mind"))
    warehouse_only = buy(app, "quin", (PHONE, 1))
    app.handle(fulfillment.ShipOrder(warehouse_only))
    with pytest.raises(aftersales.NotEligible):
        app.handle(aftersales.RequestRefund(warehouse_only, "changed my mind"))
