"""The query-port contracts (:mod:`merx.testing.queries`) run against the in-memory
adapters (``MemoryOrderQueries``, ``MemoryPaymentQueries``, ``MemoryInstallmentQueries``,
``MemoryStockQueries``, ``MemoryPurchaseOrderQueries``, ``MemorySettlementQueries``), over
the store of an in-memory merx."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TypeVar

import attrs
import pytest

from merx.adapters.memory import (
    MemoryAfterSaleQueries,
    MemoryInstallmentQueries,
    MemoryOrderQueries,
    MemoryPaymentQueries,
    MemoryPurchaseOrderQueries,
    MemorySettlementQueries,
    MemoryStockQueries,
    MemoryUnitOfWork,
)
from merx.aftersales import AfterSaleQueries
from merx.app import MemoryApp, build_memory_app
from merx.fulfillment.ports import TrackingStatus
from merx.installments import InstallmentQueries
from merx.inventory import StockQueries
from merx.kernel.bus import Command
from merx.kernel.ids import SupplierId
from merx.orders import OrderQueries
from merx.payments import AuthFactor, PaymentQueries
from merx.payments.ports import RiskDecision
from merx.procurement import PurchaseOrderQueries
from merx.settlement import SettlementQueries
from merx.testing.queries import (
    AfterSaleQueriesContract,
    InstallmentQueriesContract,
    OrderQueriesContract,
    PaymentQueriesContract,
    PurchaseOrderQueriesContract,
    SettlementQueriesContract,
    StockQueriesContract,
    WorldFactory,
)

R = TypeVar("R")


@attrs.define
class MemoryWorld:
    """A :class:`merx.testing.queries.QueriesWorld` over a fresh in-memory merx."""

    app: MemoryApp = attrs.field(factory=build_memory_app)

    def handle(self, command: Command[R]) -> R:
        return self.app.handle(command)

    def unit_of_work(self) -> MemoryUnitOfWork:
        return self.app.unit_of_work()

    def now(self) -> datetime:
        return self.app.clock.now()

    def advance_clock(self, by: timedelta) -> None:
        self.app.clock.advance(by)

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

    def order_queries(self) -> OrderQueries:
        return MemoryOrderQueries(self.app.store)

    def payment_queries(self) -> PaymentQueries:
        return MemoryPaymentQueries(self.app.store)

    def hold_next_payout(self) -> None:
        self.app.payout.pending_next()

    def installment_queries(self) -> InstallmentQueries:
        return MemoryInstallmentQueries(self.app.store)

    def stock_queries(self) -> StockQueries:
        return MemoryStockQueries(self.app.store)

    def purchase_order_queries(self) -> PurchaseOrderQueries:
        return MemoryPurchaseOrderQueries(self.app.store)

    def settlement_queries(self) -> SettlementQueries:
        return MemorySettlementQueries(self.app.store)

    def after_sale_queries(self) -> AfterSaleQueries:
        return MemoryAfterSaleQueries(self.app.store)


class TestMemoryOrderQueries(OrderQueriesContract):
    @pytest.fixture
    def make_queries_world(self) -> WorldFactory:
        return MemoryWorld


class TestMemoryPaymentQueries(PaymentQueriesContract):
    @pytest.fixture
    def make_queries_world(self) -> WorldFactory:
        return MemoryWorld


class TestMemoryInstallmentQueries(InstallmentQueriesContract):
    @pytest.fixture
    def make_queries_world(self) -> WorldFactory:
        return MemoryWorld


class TestMemoryStockQueries(StockQueriesContract):
    @pytest.fixture
    def make_queries_world(self) -> WorldFactory:
        return MemoryWorld


class TestMemoryPurchaseOrderQueries(PurchaseOrderQueriesContract):
    @pytest.fixture
    def make_queries_world(self) -> WorldFactory:
        return MemoryWorld


class TestMemorySettlementQueries(SettlementQueriesContract):
    @pytest.fixture
    def make_queries_world(self) -> WorldFactory:
        return MemoryWorld


class TestMemoryAfterSaleQueries(AfterSaleQueriesContract):
    @pytest.fixture
    def make_queries_world(self) -> WorldFactory:
        return MemoryWorld
