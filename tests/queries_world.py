"""What every :class:`merx.testing.queries.QueriesWorld` in merx's own tests does the same
way, whatever the store: commands, the clock and the outside world's test hooks through a
wired merx (``app``), and the query ports it wires (``app.queries``, which are the memory
store's or the database's indexed ones)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TypeVar

from merx.adapters.memory import FixedClock
from merx.aftersales import AfterSaleQueries
from merx.app import App
from merx.fulfillment.ports import TrackingStatus
from merx.installments import InstallmentQueries
from merx.inventory import StockQueries
from merx.kernel.bus import Command
from merx.kernel.ids import SupplierId
from merx.kernel.uow import UnitOfWork
from merx.orders import OrderQueries
from merx.payments import AuthFactor, PaymentQueries
from merx.payments.ports import RiskDecision
from merx.procurement import PurchaseOrderQueries
from merx.promotions import VoucherCodeQueries
from merx.reach import ReachQueries
from merx.settlement import SettlementQueries
from merx.traffic import TrafficQueries

R = TypeVar("R")


class AppWorld:
    """A world over ``self.app`` and its clock ``self.clock`` (both set by a subclass)."""

    app: App
    clock: FixedClock

    def handle(self, command: Command[R]) -> R:
        return self.app.handle(command)

    def unit_of_work(self) -> UnitOfWork:
        return self.app.unit_of_work()

    def now(self) -> datetime:
        return self.clock.now()

    def advance_clock(self, by: timedelta) -> None:
        self.clock.advance(by)

    def deliver(self, tracking_number: str) -> None:
        self.app.logistics.advance(tracking_number, TrackingStatus.DELIVERED, self.now())

    def ask_next_payment_for_proof(self) -> None:
        self.app.risk.decide_next(RiskDecision.authenticate(AuthFactor.SMS, "new device"))

    def hold_next_top_up(self, supplier: SupplierId) -> None:
        self.app.virtual_suppliers[supplier].timeout_next(applied=False)

    def script_alipay(self, answer: str, times: int = 1) -> None:
        gateway = self.app.gateways["alipay"]
        if answer == "timeout":
            gateway.timeout_next(times, applied=False)
        else:
            gateway.decline_next(times)

    def hold_next_payout(self) -> None:
        self.app.payout.pending_next()

    def order_queries(self) -> OrderQueries:
        return self.app.queries.orders

    def payment_queries(self) -> PaymentQueries:
        return self.app.queries.payments

    def installment_queries(self) -> InstallmentQueries:
        return self.app.queries.installments

    def stock_queries(self) -> StockQueries:
        return self.app.queries.stock

    def purchase_order_queries(self) -> PurchaseOrderQueries:
        return self.app.queries.purchase_orders

    def settlement_queries(self) -> SettlementQueries:
        return self.app.queries.settlement

    def after_sale_queries(self) -> AfterSaleQueries:
        return self.app.queries.aftersales

    def voucher_code_queries(self) -> VoucherCodeQueries:
        return self.app.queries.vouchers

    def reach_queries(self) -> ReachQueries:
        return self.app.queries.reach

    def traffic_queries(self) -> TrafficQueries:
        return self.app.queries.traffic
