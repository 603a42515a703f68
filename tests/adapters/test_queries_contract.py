"""The query-port contracts (:mod:`merx.testing.queries`) run against the in-memory
``MemoryOrderQueries`` and ``MemoryPaymentQueries``, over the store of an in-memory merx."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TypeVar

import attrs
import pytest

from merx.adapters.memory import MemoryOrderQueries, MemoryPaymentQueries, MemoryUnitOfWork
from merx.app import MemoryApp, build_memory_app
from merx.fulfillment.ports import TrackingStatus
from merx.kernel.bus import Command
from merx.orders import OrderQueries
from merx.payments import AuthFactor, PaymentQueries
from merx.payments.ports import RiskDecision
from merx.testing.queries import (
    OrderQueriesContract,
    PaymentQueriesContract,
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

    def order_queries(self) -> OrderQueries:
        return MemoryOrderQueries(self.app.store)

    def payment_queries(self) -> PaymentQueries:
        return MemoryPaymentQueries(self.app.store)


class TestMemoryOrderQueries(OrderQueriesContract):
    @pytest.fixture
    def make_queries_world(self) -> WorldFactory:
        return MemoryWorld


class TestMemoryPaymentQueries(PaymentQueriesContract):
    @pytest.fixture
    def make_queries_world(self) -> WorldFactory:
        return MemoryWorld
