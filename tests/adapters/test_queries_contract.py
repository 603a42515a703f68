"""The query-port contracts (:mod:`merx.testing.queries`) run against the in-memory
adapters (``MemoryOrderQueries``, ``MemoryPaymentQueries``, ``MemoryInstallmentQueries``,
``MemoryStockQueries``, ``MemoryPurchaseOrderQueries``, ``MemorySettlementQueries``,
``MemoryAfterSaleQueries``, ``MemoryVoucherCodeQueries``), over
the store of an in-memory merx."""

from __future__ import annotations

import attrs
import pytest

from merx.adapters.memory import (
    FixedClock,
)
from merx.app import MemoryApp, build_memory_app
from merx.testing.marketing_queries import (
    MarketingWorldFactory,
    ReachQueriesContract,
    TrafficQueriesContract,
)
from merx.testing.queries import (
    AfterSaleQueriesContract,
    InstallmentQueriesContract,
    OrderQueriesContract,
    PaymentQueriesContract,
    PurchaseOrderQueriesContract,
    SettlementQueriesContract,
    StockQueriesContract,
    VoucherCodeQueriesContract,
    WorldFactory,
)
from tests.queries_world import AppWorld


@attrs.define
class MemoryWorld(AppWorld):
    """A :class:`merx.testing.queries.QueriesWorld` over a fresh in-memory merx (its
    queries are the ``Memory*Queries`` over its store)."""

    app: MemoryApp = attrs.field(factory=build_memory_app)

    @property
    def clock(self) -> FixedClock:  # type: ignore[override]
        return self.app.clock


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


class TestMemoryVoucherCodeQueries(VoucherCodeQueriesContract):
    @pytest.fixture
    def make_queries_world(self) -> WorldFactory:
        return MemoryWorld


class TestMemoryReachQueries(ReachQueriesContract):
    @pytest.fixture
    def make_queries_world(self) -> MarketingWorldFactory:
        return MemoryWorld


class TestMemoryTrafficQueries(TrafficQueriesContract):
    @pytest.fixture
    def make_queries_world(self) -> MarketingWorldFactory:
        return MemoryWorld
