"""The orders' rules live on the aggregates: each checks, changes and records its event,
and a rule that does not apply (or a refused command) leaves the aggregate as it was."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from merx.catalog import Fulfillment, GoodsType
from merx.checkout import QuotedLine
from merx.customers import Address
from merx.errors import IllegalTransition, Unauthorized, ValidationError
from merx.inventory import Allocation
from merx.kernel.ids import (
    PLATFORM,
    CustomerId,
    MerchantId,
    OrderId,
    SkuId,
    SupplierId,
    WarehouseId,
)
from merx.kernel.money import Money
from merx.kernel.vault import Sealed
from merx.orders import (
    Order,
    OrderClosed,
    OrderCompleted,
    OrderDelivered,
    OrderFulfilled,
    OrderPolicy,
    OrderProcurementFailed,
    OrderStatus,
    ParentOrder,
    ParentOrderCancelled,
    ParentStatus,
    PaymentInFlight,
)
from merx.orders.model import UNPAID_IN_TIME

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
POLICY = OrderPolicy(
    unpaid_ttl=timedelta(minutes=30),
    confirm_after_delivery=timedelta(days=7),
    confirm_after_shipment=timedelta(days=15),
)
SHOP = MerchantId("m-shop")
HOME = Address("Amy", "1", "sh", "1 Road")


def line(sku: str = "phone", quantity: int = 2, **changes: Any) -> QuotedLine:
    fields: dict[str, Any] = {
        "sku": SkuId(sku),
        "title": sku,
        "merchant": PLATFORM,
        "category": "c",
        "goods_type": GoodsType.PHYSICAL,
        "unit_price": Money.of("10.00", "CNY"),
        "quantity": quantity,
        "discount": Money.zero("CNY"),
    }
    return QuotedLine(**{**fields, **changes})


def order(*lines: QuotedLine, account: Sealed | None = None) -> Order:
    placed = Order.place(
        order_id=OrderId("o-1"),
        parent_id=OrderId("p-1"),
        customer_id=CustomerId("amy"),
        lines=lines or (line(),),
        ship_to=None if account else HOME,
        account=account,
        at=T0,
    )
    placed.pull_events()
    return placed


def parent() -> ParentOrder:
    placed = ParentOrder.place(
        parent_id=OrderId("p-1"), customer_id=CustomerId("amy"), orders=[order()], at=T0
    )
    placed.pull_events()
    return placed


def paid(target: Order) -> Order:
    target.mark_paid("pay-1", T0)
    target.pull_events()
    return target


def unchanged(aggregate: Any, act: Any) -> None:
    """``act`` is refused (or does not apply): nothing changed, nothing was recorded."""
    before = attrs.asdict(aggregate)
    try:
        result = act()
    except (IllegalTransition, PaymentInFlight, Unauthorized, ValidationError):
        result = None
    assert result in (None, False, ())
    assert attrs.asdict(aggregate) == before
    assert aggregate.pending_events == []


# -- the auto-close rule -----------------------------------------------------------------


def test_an_order_unpaid_past_the_ttl_closes_and_records_its_cancellation() -> None:
    unpaid = parent()
    assert unpaid.close_unpaid(T0 + timedelta(minutes=30), POLICY)
    assert unpaid.status is ParentStatus.CANCELLED
    assert unpaid.pull_events() == [
        ParentOrderCancelled(unpaid.id, UNPAID_IN_TIME, T0 + timedelta(minutes=30))
    ]


def test_the_auto_close_rule_leaves_other_orders_as_they_were() -> None:
    unpaid = parent()
    unchanged(unpaid, lambda: unpaid.close_unpaid(T0 + timedelta(minutes=29), POLICY))
    in_flight = parent()
    in_flight.start_payment("pay-1", T0)
    in_flight.pull_events()
    unchanged(in_flight, lambda: in_flight.close_unpaid(T0 + timedelta(hours=2), POLICY))
    settled = parent()
    settled.start_payment("pay-1", T0)
    settled.mark_paid("pay-1", settled.payable, T0)
    settled.pull_events()
    unchanged(settled, lambda: settled.close_unpaid(T0 + timedelta(hours=2), POLICY))
    assert not settled.unpaid_since(T0 + timedelta(hours=2))


def test_a_payment_is_taken_only_by_the_order_waiting_for_it() -> None:
    waiting = parent()
    waiting.start_payment("pay-1", T0)
    waiting.pull_events()
    unchanged(waiting, lambda: waiting.check_accepts("pay-2"))
    assert not waiting.payment_failed("pay-2", "declined", T0)
    assert waiting.pull_events() == []
    assert waiting.payment_failed("pay-1", "declined", T0)
    assert waiting.payment_attempt is None


# -- the auto-confirm rule ---------------------------------------------------------------


def shipped(at: datetime = T0) -> Order:
    target = paid(order())
    target.assign_stock((Allocation(WarehouseId("wh"), SkuId("phone"), 2),))
    target.add_parcel("shp-1", "wh", at)
    target.pull_events()
    return target


def test_receipt_confirms_itself_after_the_delivery_scan_and_records_the_completion() -> None:
    target = shipped()
    target.mark_delivered(T0 + timedelta(days=1))
    target.pull_events()
    unchanged(target, lambda: target.confirm_receipt_for_customer(T0 + timedelta(days=7), POLICY))
    now = T0 + timedelta(days=8)
    assert target.confirm_receipt_for_customer(now, POLICY)
    assert target.status is OrderStatus.COMPLETED
    assert target.pull_events() == [OrderCompleted(target.id, now, target.customer_id)]


def test_without_a_scan_receipt_confirms_itself_after_shipment() -> None:
    target = shipped()
    unchanged(target, lambda: target.confirm_receipt_for_customer(T0 + timedelta(days=14), POLICY))
    assert target.confirm_receipt_for_customer(T0 + timedelta(days=15), POLICY)
    assert target.status is OrderStatus.COMPLETED


def test_an_order_not_shipped_is_never_confirmed_for_its_customer() -> None:
    target = paid(order())
    unchanged(target, lambda: target.confirm_receipt_for_customer(T0 + timedelta(days=99), POLICY))


# -- parcels -----------------------------------------------------------------------------


def test_parcels_leave_one_per_warehouse_holding_stock() -> None:
    target = paid(order(line("phone", 3), line("case", 1)))
    target.assign_stock(
        (
            Allocation(WarehouseId("wh-b"), SkuId("phone"), 1),
            Allocation(WarehouseId("wh-a"), SkuId("phone"), 2),
            Allocation(WarehouseId("wh-a"), SkuId("case"), 1),
        )
    )
    assert target.warehouse_parcels() == (
        (WarehouseId("wh-a"), ((SkuId("phone"), 2), (SkuId("case"), 1))),
        (WarehouseId("wh-b"), ((SkuId("phone"), 1),)),
    )


def test_an_order_without_stock_or_not_paid_has_no_warehouse_parcel() -> None:
    nothing_held = paid(order())
    unchanged(nothing_held, nothing_held.warehouse_parcels)
    unpaid = order()
    unpaid.assign_stock((Allocation(WarehouseId("wh"), SkuId("phone"), 2),))
    unchanged(unpaid, unpaid.warehouse_parcels)


def test_only_the_seller_ships_its_own_lines() -> None:
    own = paid(order(line(merchant=SHOP, fulfillment=Fulfillment.merchant())))
    assert own.merchant_parcel(SHOP) == ((SkuId("phone"), 2),)
    unchanged(own, lambda: own.merchant_parcel(MerchantId("m-other")))
    platform = paid(order())
    unchanged(platform, lambda: platform.merchant_parcel(PLATFORM))


def test_an_order_is_delivered_when_its_last_parcel_arrives() -> None:
    target = shipped()
    unchanged(target, lambda: target.parcels_arrived([T0, None]))
    last = T0 + timedelta(days=2)
    assert target.parcels_arrived([T0 + timedelta(days=1), last])
    assert target.delivered_at == last
    assert target.pull_events() == [OrderDelivered(target.id, last)]
    unchanged(target, lambda: target.parcels_arrived([last]))


# -- top-ups and refunds -----------------------------------------------------------------


def topup() -> Order:
    credit = line(
        "cm-100",
        1,
        goods_type=GoodsType.VIRTUAL_TOPUP,
        fulfillment=Fulfillment.real_time_supplier(SupplierId("telco")),
        face_value=Money.of("100.00", "CNY"),
    )
    target = paid(order(credit, account=Sealed("vt-account-1", "138****0000")))
    target.start_procurement(T0)
    target.pull_events()
    return target


def test_a_credited_top_up_is_fulfilled_and_completes() -> None:
    target = topup()
    target.procurement_ended(credited=True, failure="", at=T0)
    assert target.status is OrderStatus.COMPLETED
    assert target.pull_events() == [
        OrderFulfilled(target.id, T0),
        OrderCompleted(target.id, T0, target.customer_id),
    ]


def test_a_top_up_nothing_was_credited_for_fails_then_closes_once_refunded() -> None:
    target = topup()
    target.procurement_ended(credited=False, failure="out of stock", at=T0)
    assert target.pull_events() == [OrderProcurementFailed(target.id, "out of stock", T0)]
    assert target.close_if_refunded("refunded", T0)
    assert target.pull_events() == [OrderClosed(target.id, "refunded", T0)]


def test_an_order_with_units_still_paid_for_stays_open() -> None:
    target = shipped()
    target.claim([(SkuId("phone"), 1)])
    target.refund_units([(SkuId("phone"), 1)])
    target.pull_events()
    unchanged(target, lambda: target.close_if_refunded("refunded", T0))
    target.claim([(SkuId("phone"), 1)])
    target.refund_units([(SkuId("phone"), 1)])
    assert target.close_if_refunded("every unit refunded", T0)
    assert target.status is OrderStatus.CLOSED
