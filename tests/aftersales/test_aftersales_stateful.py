"""A stateful test of after-sales against a reference model of units and money.

Customers open returns, exchanges and refund-only cases on a delivered order; the seller
approves or rejects, inspects and accepts any part; the channel sometimes times out on a
refund. Whatever happens: no unit is claimed twice or refunded beyond what was bought,
the refunds of a line never exceed its net, and merx's refunds are exactly the channel's.
"""

from __future__ import annotations

import contextlib

from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from merx import aftersales, catalog, checkout, customers, fulfillment, inventory, orders, payments
from merx.aftersales import AfterSaleStatus
from merx.app import build_memory_app
from merx.customers import Address
from merx.errors import MerxError
from merx.fulfillment.ports import TrackingStatus
from merx.kernel.ids import PLATFORM, AfterSaleId, CustomerId, OrderId, SkuId, WarehouseId
from merx.kernel.money import Money

SHIRT, TEE, DC = SkuId("shirt"), SkuId("tee"), WarehouseId("wh")
QUANTITY = 4


class AfterSales(RuleBasedStateMachine):
    cases = Bundle("cases")

    def __init__(self) -> None:
        super().__init__()
        app = self.app = build_memory_app()
        app.handle(catalog.CreateSku(SHIRT, "Shirt", PLATFORM, "shirt", Money.of("33.33", "CNY")))
        app.handle(catalog.CreateSku(TEE, "Tee", PLATFORM, "shirt", Money.of("20.00", "CNY")))
        app.handle(inventory.OpenWarehouse(DC, "DC", "-", {"sh": 1}))
        app.handle(inventory.ReceiveStock(DC, SHIRT, 50, "po"))
        app.handle(inventory.ReceiveStock(DC, TEE, 50, "po"))
        cid = app.handle(customers.RegisterCustomer(CustomerId("c"), "C", "1"))
        app.handle(customers.AddAddress(cid, "home", Address("C", "1", "sh", "r"), True))
        app.handle(checkout.AddToCart(cid, SHIRT, QUANTITY))
        placed = app.handle(orders.PlaceOrder(cid))
        self.payment = app.handle(payments.PayOrder(placed.parent_id, "alipay")).payment_id
        self.order_id: OrderId = placed.order_ids[0]
        (shipment,) = app.handle(fulfillment.ShipOrder(self.order_id))
        tracking = app.get(fulfillment.Shipment, shipment).tracking_number
        app.logistics.advance(tracking, TrackingStatus.DELIVERED, app.clock.now())
        app.handle(fulfillment.SyncTracking(shipment))
        self.gateway = app.gateways["alipay"]

    @rule(
        target=cases,
        kind=st.sampled_from(["return", "exchange", "refund_only"]),
        quantity=st.integers(1, QUANTITY),
    )
    def request(self, kind: str, quantity: int) -> AfterSaleId:
        items = ((SHIRT, quantity),)
        command = {
            "return": aftersales.RequestReturn(self.order_id, items, "r"),
            "exchange": aftersales.RequestExchange(self.order_id, items, "r", TEE),
            "refund_only": aftersales.RequestRefundOnly(self.order_id, items, "r"),
        }[kind]
        try:
            return self.app.handle(command)
        except MerxError:
            return AfterSaleId("none")

    @rule(case=cases, approve=st.booleans(), timeout=st.booleans())
    def review(self, case: AfterSaleId, approve: bool, timeout: bool) -> None:
        if case == "none":
            return
        if timeout:
            self.gateway.timeout_next(applied=False)
        with contextlib.suppress(MerxError):
            if approve:
                self.app.handle(aftersales.ApproveAfterSale(case))
            else:
                self.app.handle(aftersales.RejectAfterSale(case, "no"))
        self.gateway.clear_script()

    @rule(case=cases, accept=st.integers(0, QUANTITY), timeout=st.booleans())
    def goods_come_back(self, case: AfterSaleId, accept: int, timeout: bool) -> None:
        if case == "none":
            return
        asked = dict(self.app.get(aftersales.AfterSale, case).items)[SHIRT]
        if timeout:
            self.gateway.timeout_next(applied=True)
        with contextlib.suppress(MerxError):
            self.app.handle(aftersales.SendReturn(case, "zto", f"Z-{case}"))
            accepted = ((SHIRT, min(accept, asked)),) if accept else ()
            self.app.handle(aftersales.InspectReturn(case, accepted))
        self.gateway.clear_script()

    @rule(case=cases)
    def sync(self, case: AfterSaleId) -> None:
        if case != "none":
            self.app.handle(aftersales.SyncAfterSaleRefund(case))

    # -- laws ----------------------------------------------------------------------------

    @invariant()
    def units_are_never_claimed_or_refunded_twice(self) -> None:
        order = self.app.get(orders.Order, self.order_id)
        claimed = order.claimed.get(SHIRT, 0)
        done = order.refunded_units.get(SHIRT, 0) + order.exchanged_units.get(SHIRT, 0)
        assert 0 <= claimed + done <= QUANTITY
        with self.app.unit_of_work() as uow:
            repo = uow.repo(aftersales.AfterSale)
            open_cases = [
                c
                for key in repo.ids()
                if (c := repo.get(key)).status
                in (
                    AfterSaleStatus.REQUESTED,
                    AfterSaleStatus.AWAITING_RETURN,
                    AfterSaleStatus.RETURNING,
                    AfterSaleStatus.REPLACING,
                )
            ]
        assert claimed == sum(dict(c.items)[SHIRT] for c in open_cases)

    @invariant()
    def money_back_never_exceeds_the_line_and_matches_the_channel(self) -> None:
        payment = self.app.get(payments.Payment, self.payment)
        line_net = self.app.get(orders.Order, self.order_id).line(SHIRT).net
        assert payment.refunded + payment.refund_pending <= line_net
        channel = self.gateway.query(payment_id=self.payment)
        assert payment.refunded <= channel.refunded <= payment.refunded + payment.refund_pending

    def teardown(self) -> None:
        with self.app.unit_of_work() as uow:
            cases = list(uow.repo(aftersales.AfterSale).ids())
        for case in cases:
            self.app.handle(aftersales.SyncAfterSaleRefund(AfterSaleId(case)))
        payment = self.app.get(payments.Payment, self.payment)
        assert payment.refunded == self.gateway.query(payment_id=self.payment).refunded
        assert payment.refund_pending.is_zero()


TestAfterSales = AfterSales.TestCase
