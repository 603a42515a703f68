"""A stateful test of the cashier against a reference model of the money.

Customers place and pay orders while the channel declines, times out (with or without
having acted), leaves operations pending, and sends notifications late, twice and out of
order. Whatever happens: merx never records more refunded than captured, never pays a
parent order twice, agrees with the channel's books once everything is synced, and
holds stock only for orders that are paid or being paid.
"""

from __future__ import annotations

import contextlib

from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from merx import aftersales, catalog, checkout, customers, inventory, orders, payments
from merx.app import build_memory_app
from merx.customers import Address
from merx.errors import MerxError
from merx.inventory import StockItem, stock_key
from merx.kernel.ids import PLATFORM, CustomerId, OrderId, PaymentId, SkuId, WarehouseId
from merx.kernel.money import Money
from merx.payments import PaymentStatus

SKU, DC = SkuId("phone"), WarehouseId("wh")
CHANNEL = "alipay"
SCRIPTS = ("ok", "decline", "timeout_applied", "timeout_lost", "pending")


class Cashier(RuleBasedStateMachine):
    parents = Bundle("parents")
    attempts = Bundle("attempts")

    def __init__(self) -> None:
        super().__init__()
        self.app = build_memory_app()
        self.gateway = self.app.gateways[CHANNEL]
        self.app.handle(
            catalog.CreateSku(SKU, "Phone", PLATFORM, "phone", Money.of("10.00", "CNY"))
        )
        self.app.handle(inventory.OpenWarehouse(DC, "DC", "-", {"sh": 1}))
        self.app.handle(inventory.ReceiveStock(DC, SKU, 1000, "po"))
        self.customers = 0
        self.held_back: list[payments.PaymentNotification] = []

    @rule(target=parents, quantity=st.integers(1, 3))
    def place(self, quantity: int) -> OrderId:
        self.customers += 1
        cid = CustomerId(f"c{self.customers}")
        self.app.handle(customers.RegisterCustomer(cid, "C", "1"))
        self.app.handle(customers.AddAddress(cid, "home", Address("C", "1", "sh", "r"), True))
        self.app.handle(checkout.AddToCart(cid, SKU, quantity))
        return self.app.handle(orders.PlaceOrder(cid)).parent_id

    def _script(self, script: str) -> None:
        if script == "decline":
            self.gateway.decline_next()
        elif script == "timeout_applied":
            self.gateway.timeout_next(applied=True)
        elif script == "timeout_lost":
            self.gateway.timeout_next(applied=False)
        elif script == "pending":
            self.gateway.pending_next()

    @rule(target=attempts, parent=parents, script=st.sampled_from(SCRIPTS))
    def pay(self, parent: OrderId, script: str) -> PaymentId:
        self._script(script)
        try:
            return self.app.handle(payments.PayOrder(parent, CHANNEL)).payment_id
        except MerxError:  # paid, cancelled, or an attempt in flight: refused, nothing moved
            self.gateway.clear_script()
            return PaymentId("none")

    @rule(attempt=attempts, script=st.sampled_from(SCRIPTS))
    def sync(self, attempt: PaymentId, script: str) -> None:
        if attempt == "none":
            return
        self._script(script)
        self.app.handle(payments.SyncPayment(attempt))
        self.gateway.clear_script()

    @rule(attempt=attempts, succeeded=st.booleans())
    def channel_settles(self, attempt: PaymentId, succeeded: bool) -> None:
        if attempt == "none":
            return
        for reference in self.gateway.pending(attempt)[:1]:
            self.gateway.settle(reference, succeeded=succeeded)

    @rule(data=st.data())
    def deliver_notifications(self, data: st.DataObject) -> None:
        queued = self.held_back + self.gateway.take_notifications()
        shuffled = data.draw(st.permutations(queued))
        keep = data.draw(st.integers(0, len(shuffled)))
        delivered, self.held_back = shuffled[:keep], shuffled[keep:]
        for note in delivered:
            for _ in range(data.draw(st.integers(1, 2))):  # sometimes twice
                self.app.handle(payments.HandlePaymentNotification(note))

    @rule(parent=parents)
    def cancel(self, parent: OrderId) -> None:
        with contextlib.suppress(MerxError):
            self.app.handle(orders.CancelOrder(parent, "changed mind"))

    @rule(parent=parents)
    def refund_before_shipment(self, parent: OrderId) -> None:
        order_id = self.app.get(orders.ParentOrder, parent).order_ids[0]
        with contextlib.suppress(MerxError):
            case = self.app.handle(aftersales.RequestRefund(order_id, "no"))
            self.app.handle(aftersales.ApproveAfterSale(case))

    # -- laws ----------------------------------------------------------------------------

    def _payments(self) -> list[payments.Payment]:
        with self.app.unit_of_work() as uow:
            repo = uow.repo(payments.Payment)
            return [repo.get(key) for key in repo.ids()]

    @invariant()
    def refunds_never_exceed_captures(self) -> None:
        for payment in self._payments():
            assert payment.refunded + payment.refund_pending <= payment.captured
            channel = self.gateway.query(payment_id=payment.id) if payment.facts else None
            if channel is not None:
                # merx never believes more money moved than the channel says
                assert payment.captured <= channel.captured
                assert payment.refunded <= channel.refunded

    @invariant()
    def each_parent_is_paid_at_most_once_and_only_by_captured_money(self) -> None:
        paid = [e for e in self.app.events.events if isinstance(e, orders.ParentOrderPaid)]
        assert len({e.parent_id for e in paid}) == len(paid)
        by_id = {p.id: p for p in self._payments()}
        for event in paid:
            assert by_id[PaymentId(event.payment_id)].status is PaymentStatus.SUCCEEDED

    @invariant()
    def stock_is_held_only_for_orders_paid_or_being_paid(self) -> None:
        with self.app.unit_of_work() as uow:
            item = uow.repo(StockItem).get(stock_key(DC, SKU))
            for order_id, hold in item.holds.items():
                order = uow.repo(orders.Order).get(order_id)
                parent = uow.repo(orders.ParentOrder).get(order.parent_id)
                assert parent.payment_attempt is not None or order.status is orders.OrderStatus.PAID
                assert hold.quantity == order.lines[0].quantity

    def teardown(self) -> None:
        """Once every attempt is synced and every notice delivered, the books agree."""
        for payment in self._payments():
            for reference in self.gateway.pending(payment.id):
                self.gateway.settle(reference, succeeded=True)
            self.app.handle(payments.SyncPayment(payment.id))
        for note in self.held_back + self.gateway.take_notifications():
            self.app.handle(payments.HandlePaymentNotification(note))
        for payment in self._payments():
            channel = self.gateway.query(payment_id=payment.id) if payment.facts else None
            if channel is None:
                continue
            assert payment.captured == channel.captured
            assert payment.refunded == channel.refunded


TestCashier = Cashier.TestCase
