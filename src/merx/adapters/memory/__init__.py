"""In-memory adapters for every merx port: the library runs and is tested with no server."""

from merx.adapters.memory.basics import EventLog, FixedClock, SeededRandomSource, SequentialIds
from merx.adapters.memory.calendar import MemoryBusinessCalendar
from merx.adapters.memory.consignment import MemoryConsignmentChannel
from merx.adapters.memory.decision_tags import MemoryTagCatalog, MemoryTagValues
from merx.adapters.memory.funder import MemoryFunder
from merx.adapters.memory.journal import MemoryJournal, StoredJournal
from merx.adapters.memory.logistics import MemoryLogistics
from merx.adapters.memory.messenger import DeliveredMessage, MemoryMessenger
from merx.adapters.memory.metrics import MemoryMetricSource
from merx.adapters.memory.notifier import MemoryNotifier
from merx.adapters.memory.payment_gateway import MemoryPaymentGateway
from merx.adapters.memory.payout import MemoryPayout
from merx.adapters.memory.queries import (
    MemoryAfterSaleQueries,
    MemoryCommandRecordQueries,
    MemoryInstallmentQueries,
    MemoryOrderQueries,
    MemoryPaymentQueries,
    MemoryPointsQueries,
    MemoryPurchaseOrderQueries,
    MemoryReachQueries,
    MemoryReviewQueries,
    MemorySettlementQueries,
    MemoryStockQueries,
    MemoryTrafficQueries,
    MemoryVoucherCodeQueries,
)
from merx.adapters.memory.risk import MemoryChannelHealth, MemoryTransactionRisk, RiskRules
from merx.adapters.memory.scorer import MemoryCreditScorer
from merx.adapters.memory.store import MemoryRepository, MemoryStore, MemoryUnitOfWork
from merx.adapters.memory.supplier import MemoryVirtualGoodsSupplier
from merx.adapters.memory.vault import MemoryVault

__all__ = [
    "DeliveredMessage",
    "EventLog",
    "FixedClock",
    "MemoryAfterSaleQueries",
    "MemoryBusinessCalendar",
    "MemoryChannelHealth",
    "MemoryCommandRecordQueries",
    "MemoryConsignmentChannel",
    "MemoryCreditScorer",
    "MemoryFunder",
    "MemoryInstallmentQueries",
    "MemoryJournal",
    "MemoryLogistics",
    "MemoryMessenger",
    "MemoryMetricSource",
    "MemoryNotifier",
    "MemoryOrderQueries",
    "MemoryPaymentGateway",
    "MemoryPaymentQueries",
    "MemoryPayout",
    "MemoryPointsQueries",
    "MemoryPurchaseOrderQueries",
    "MemoryReachQueries",
    "MemoryRepository",
    "MemoryReviewQueries",
    "MemorySettlementQueries",
    "MemoryStockQueries",
    "MemoryStore",
    "MemoryTagCatalog",
    "MemoryTagValues",
    "MemoryTrafficQueries",
    "MemoryTransactionRisk",
    "MemoryUnitOfWork",
    "MemoryVault",
    "MemoryVirtualGoodsSupplier",
    "MemoryVoucherCodeQueries",
    "RiskRules",
    "SeededRandomSource",
    "SequentialIds",
    "StoredJournal",
]
