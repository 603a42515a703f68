"""A wired, in-memory merchants + settlement world for the tests.

:func:`register_merchants` and :func:`register_settlement` are the wiring ``merx.app``
needs (see docs/settlement.md); the journey methods build the usual starting points
through commands.
"""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, TypeVar

import attrs

from merx import ledger, merchants, settlement
from merx.adapters.memory import (
    EventLog,
    FixedClock,
    MemorySettlementQueries,
    MemoryStore,
    MemoryUnitOfWork,
    SequentialIds,
    StoredJournal,
)
from merx.adapters.memory.payout import MemoryPayout
from merx.app import register_merchants, register_settlement
from merx.kernel.bus import Command, MessageBus
from merx.kernel.ids import MerchantId, OrderId
from merx.kernel.money import Money
from merx.kernel.uow import Keyed
from merx.ledger import AccountId, Entry, Ledger
from merx.merchants import DocumentKind
from merx.settlement import (
    CommissionTable,
    CycleKind,
    NegativeBalancePolicy,
    SaleLine,
    SettlementCycle,
    SettlementTerms,
    WithdrawalLimits,
)

R = TypeVar("R")
A = TypeVar("A", bound=Keyed)

#: A Monday.
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CHANNELS = ("wechat_pay", "alipay", "payout")


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def cny_minor(minor: int) -> Money:
    return Money.from_minor(minor, "CNY")


T_PLUS_7 = SettlementCycle(CycleKind.T_PLUS_N, 7)


def terms(
    cycle: SettlementCycle = T_PLUS_7,
    policy: NegativeBalancePolicy = NegativeBalancePolicy.OFFSET_NEXT_SETTLEMENT,
    fee: str = "0.006",
) -> SettlementTerms:
    return SettlementTerms(
        cycle=cycle,
        negative_policy=policy,
        limits=WithdrawalLimits(cny("1.00"), cny("50000.00"), cny("100000.00")),
        presettle_fee_rate=Decimal(fee),
    )


@attrs.define
class SettlementWorld:
    store: MemoryStore
    clock: FixedClock
    ids: SequentialIds
    events: EventLog
    payout: MemoryPayout
    bus: MessageBus

    def handle(self, command: Command[R]) -> R:
        return self.bus.handle(command)

    def get(self, kind: type[A], key: str) -> A:
        with MemoryUnitOfWork(self.store) as uow:
            return uow.repo(kind).get(key)

    def ledger(self) -> Ledger:
        """The ledger of CNY as committed (read only)."""
        return self.get(Ledger, "CNY")

    def balance(self, account: AccountId) -> int:
        """The committed posted balance of ``account`` in the CNY book, in minor units."""
        with MemoryUnitOfWork(self.store) as uow:
            return self.ledger().balance(StoredJournal(uow, "CNY"), account)

    def entry_for(self, key: str) -> Entry | None:
        """The committed entry of the CNY book posted under ``key``, if any."""
        with MemoryUnitOfWork(self.store) as uow:
            return self.ledger().entry_for(StoredJournal(uow, "CNY"), key)

    def snapshot(self) -> tuple[dict[type[Any], dict[str, tuple[int, Any]]], Any]:
        """The committed aggregates, and each book's entries, balances and versions."""
        journals = {
            book: (list(journal.entries()), journal.balances(), dict(journal.versions))
            for book, journal in self.store.extensions.get("journals", {}).items()
        }
        return copy.deepcopy(self.store.tables), journals

    def balances(self, merchant_id: MerchantId) -> settlement.MerchantBalances:
        with MemoryUnitOfWork(self.store) as uow:
            return settlement.merchant_money(uow, merchant_id, merchant_id, journals=StoredJournal)

    def report(self) -> settlement.ReconciliationReport:
        with MemoryUnitOfWork(self.store) as uow:
            return settlement.reconciliation_report(uow, "CNY", journals=StoredJournal)

    # -- journeys ----------------------------------------------------------------------

    def approved_merchant(
        self, name: str = "Shirt Shop", categories: tuple[str, ...] = ("shirt", "coat")
    ) -> MerchantId:
        merchant_id = self.handle(merchants.ApplyMerchant(name))
        number = f"BL-{merchant_id}"
        self.handle(
            merchants.AddMerchantDocument(
                merchant_id,
                merchant_id,
                DocumentKind.BUSINESS_LICENCE,
                number,
                date(2030, 1, 1),
            )
        )
        self.handle(merchants.SetGoodsScope(merchant_id, merchant_id, categories))
        self.handle(merchants.SubmitMerchantApplication(merchant_id, merchant_id))
        self.handle(merchants.ReviewMerchantDocument(merchant_id, number, accepted=True))
        self.handle(merchants.ApproveMerchant(merchant_id, cny("1000.00")))
        return merchant_id

    def active_merchant(
        self,
        name: str = "Shirt Shop",
        merchant_terms: SettlementTerms | None = None,
    ) -> MerchantId:
        merchant_id = self.approved_merchant(name)
        self.handle(settlement.OpenMerchantAccount(merchant_id, merchant_terms or terms()))
        self.handle(
            settlement.PayDeposit(
                merchant_id, merchant_id, f"dep-{merchant_id}", cny("1000.00"), "alipay"
            )
        )
        self.handle(merchants.OpenStore(merchant_id, merchant_id, f"{name} flagship"))
        return merchant_id

    def paid_order(
        self,
        order_id: str,
        merchant_id: MerchantId,
        amount: str,
        *,
        sku: str = "A",
        category: str = "shirt",
        merchant_discount: str = "0.00",
        platform_discount: str = "0.00",
    ) -> OrderId:
        line = SaleLine(
            sku, merchant_id, category, cny(amount), cny(merchant_discount), cny(platform_discount)
        )
        self.handle(settlement.BookOrderPayment(OrderId(order_id), "wechat_pay", (line,)))
        return OrderId(order_id)


def make_world(
    table: CommissionTable | None = None,
    start: datetime = START,
    screen: settlement.WithdrawalScreen = settlement.NO_SCREEN,
) -> SettlementWorld:
    store = MemoryStore()
    clock = FixedClock(start)
    ids = SequentialIds()
    events = EventLog()
    payout = MemoryPayout()
    bus = MessageBus(lambda: MemoryUnitOfWork(store), events)
    register_merchants(bus, clock=clock, ids=ids)
    register_settlement(
        bus,
        clock=clock,
        payout=payout,
        journals=StoredJournal,
        queries=MemorySettlementQueries(store),
        screen=screen,
    )
    world = SettlementWorld(store, clock, ids, events, payout, bus)
    world.handle(ledger.OpenLedger("CNY", CHANNELS))
    world.handle(settlement.SetCommissionTable(table or CommissionTable(default=Decimal("0.05"))))
    return world
