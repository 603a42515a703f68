"""A stateful test of orders against a reference model of their states and stock.

Orders are placed (stock reserved at placement), paid (sometimes declined), cancelled,
closed when unpaid too long, shipped, delivered and confirmed, in any order. Whatever
happens: each order is where the reference model says, paid at most once, and the stock
held equals what the live orders hold; nothing ships that was not paid.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta

from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from merx import catalog, checkout, customers, fulfillment, inventory, orders, payments
from merx.app import build_memory_app
from merx.customers import Address
from merx.errors import MerxError
from merx.fulfillment.ports import TrackingStatus
from merx.inventory import InventoryPolicy, LockPolicy, StockItem, stock_key
from merx.kernel.ids import PLATFORM, CustomerId, OrderId, SkuId, WarehouseId
from merx.kernel.money import Money
from merx.orders import OrderPolicy, OrderStatus, PlacedOrder

SKU, DC = SkuId("phone"), WarehouseId("wh")
STOCK = 12
TTL = timedelta(minutes=30)


class Orders(RuleBasedStateMachine):
    placed = Bundle("placed")

    def __init__(self) -> None:
        super().__init__()
        self.app = build_memory_app(
            inventory_policy=InventoryPolicy(LockPolicy.AT_PLACEMENT, timedelta(hours=1)),
            order_policy=OrderPolicy(unpaid_ttl=TTL),
        )
        self.app.handle(catalog.CreateSku(SKU, "Phone", PLATFORM, "phone", Money.of("9.99", "CNY")))
        self.app.handle(inventory.OpenWarehouse(DC, "DC", "-", {"sh": 1}))
        self.app.handle(inventory.ReceiveStock(DC, SKU, STOCK, "po"))
        self.model: dict[OrderId, tuple[OrderStatus, int]] = {}
        self.parents: dict[OrderId, OrderId] = {}
        self.customers = 0

    @rule(target=placed, quantity=st.integers(1, 3))
    def place(self, quantity: int) -> OrderId:
        self.customers += 1
        cid = CustomerId(f"c{self.customers}")
        self.app.handle(customers.RegisterCustomer(cid, "C", "1"))
        self.app.handle(customers.AddAddress(cid, "h", Address("C", "1", "sh", "r"), True))
        self.app.handle(checkout.AddToCart(cid, SKU, quantity))
        held = sum(q for s, q in self.model.values() if s in _HOLDING)
        shipped = sum(q for s, q in self.model.values() if s is OrderStatus.COMPLETED)
        try:
            result: PlacedOrder = self.app.handle(orders.PlaceOrder(cid))
        except inventory.OutOfStock:
            assert held + quantity > STOCK - shipped
            return OrderId("none")
        (order_id,) = result.order_ids
        self.model[order_id] = (OrderStatus.PENDING_PAYMENT, quantity)
        self.parents[order_id] = result.parent_id
        return order_id

    def _move(self, order_id: OrderId, expected: OrderStatus | None, command: object) -> None:
        try:
            self.app.handle(command)  # type: ignore[arg-type]
        except MerxError:
            assert expected is None, f"{command} refused"
            return
        assert expected is not None, f"{command} accepted in {self.model[order_id][0]}"
        self.model[order_id] = (expected, self.model[order_id][1])

    @rule(order=placed, declined=st.booleans())
    def pay(self, order: OrderId, declined: bool) -> None:
        if order == "none":
            return
        status, _ = self.model[order]
        if declined:
            self.app.gateways["alipay"].decline_next()
        expected = OrderStatus.PAID if status is OrderStatus.PENDING_PAYMENT else None
        try:
            outcome = self.app.handle(payments.PayOrder(self.parents[order], "alipay"))
        except MerxError:
            assert expected is None
        else:
            assert expected is not None
            if not declined:
                assert outcome.status.value == "succeeded"
                self.model[order] = (OrderStatus.PAID, self.model[order][1])
        self.app.gateways["alipay"].clear_script()

    @rule(order=placed)
    def cancel(self, order: OrderId) -> None:
        if order == "none":
            return
        ok = self.model[order][0] is OrderStatus.PENDING_PAYMENT
        self._move(
            order,
            OrderStatus.CANCELLED if ok else None,
            orders.CancelOrder(self.parents[order], "x"),
        )

    @rule(minutes=st.integers(1, 40))
    def time_passes_and_unpaid_orders_close(self, minutes: int) -> None:
        self.app.clock.advance(timedelta(minutes=minutes))
        closed = self.app.handle(orders.CloseUnpaidOrders())
        for parent in closed:
            (order_id,) = [o for o, p in self.parents.items() if p == parent]
            assert self.model[order_id][0] is OrderStatus.PENDING_PAYMENT
            self.model[order_id] = (OrderStatus.CANCELLED, self.model[order_id][1])

    @rule(order=placed)
    def ship_deliver_confirm(self, order: OrderId) -> None:
        if order == "none":
            return
        status, _ = self.model[order]
        if status is not OrderStatus.PAID:
            with contextlib.suppress(MerxError):
                self.app.handle(fulfillment.ShipOrder(order))
                raise AssertionError(f"shipped an order in {status}")
            return
        (shipment,) = self.app.handle(fulfillment.ShipOrder(order))
        tracking = self.app.get(fulfillment.Shipment, shipment).tracking_number
        self.app.logistics.advance(tracking, TrackingStatus.DELIVERED, self.app.clock.now())
        self.app.handle(fulfillment.SyncTracking(shipment))
        self.app.handle(orders.ConfirmReceipt(order))
        self.model[order] = (OrderStatus.COMPLETED, self.model[order][1])

    @invariant()
    def orders_are_where_the_model_says_and_paid_once(self) -> None:
        for order_id, (status, _) in self.model.items():
            assert self.app.get(orders.Order, order_id).status is status
        paid = [e.order_id for e in self.app.events.events if isinstance(e, orders.OrderPaid)]
        assert len(paid) == len(set(paid))

    @invariant()
    def stock_held_is_what_live_orders_hold(self) -> None:
        item = self.app.get(StockItem, stock_key(DC, SKU))
        holding = sum(q for s, q in self.model.values() if s in _HOLDING)
        shipped = sum(q for s, q in self.model.values() if s is OrderStatus.COMPLETED)
        assert item.reserved == holding
        assert item.on_hand == STOCK - shipped == STOCK - item.shipped


_HOLDING = (OrderStatus.PENDING_PAYMENT, OrderStatus.PAID)

TestOrders = Orders.TestCase
