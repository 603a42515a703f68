"""The in-memory merx: every port wired to an in-memory adapter (tests, examples, demos)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from typing import TypeVar

import attrs

from merx import (
    catalog,
    checkout,
    funding,
    ledger,
    orders,
    payments,
    pricing,
    procurement,
    promotions,
    settlement,
)
from merx.adapters.memory import (
    EventLog,
    FixedClock,
    MemoryChannelHealth,
    MemoryConsignmentChannel,
    MemoryCreditScorer,
    MemoryFunder,
    MemoryLogistics,
    MemoryOrderQueries,
    MemoryPaymentGateway,
    MemoryPaymentQueries,
    MemoryPayout,
    MemoryStore,
    MemoryTransactionRisk,
    MemoryUnitOfWork,
    MemoryVirtualGoodsSupplier,
    SequentialIds,
    StoredJournal,
)
from merx.app.wiring import (
    register_aftersales,
    register_cashier,
    register_catalog,
    register_clearing,
    register_credit,
    register_fulfillment,
    register_funding,
    register_installments,
    register_merchants,
    register_procurement,
    register_promotions,
    register_settlement,
    register_shop,
    register_suppliers,
)
from merx.inventory import InventoryPolicy
from merx.kernel.bus import Command, MessageBus
from merx.kernel.ids import CustomerId
from merx.kernel.money import Money
from merx.kernel.uow import Keyed
from merx.ledger import Journals
from merx.payments import installments as payments_installments
from merx.payments import services as payments_services
from merx.procurement import services as procurement_services

R = TypeVar("R")
A = TypeVar("A", bound=Keyed)

#: The payment channels of the seed: WeChat Pay, Alipay and a bound bank card.
DEFAULT_CHANNELS = ("wechat_pay", "alipay", "bank_card")


class VirtualSuppliers(dict[str, MemoryVirtualGoodsSupplier]):
    """Real-time suppliers by supplier id; in memory, one appears the first time it is
    asked for (a host passes the suppliers it has contracts with)."""

    def __missing__(self, supplier_id: str) -> MemoryVirtualGoodsSupplier:
        supplier = self[supplier_id] = MemoryVirtualGoodsSupplier(supplier_id)
        return supplier


@attrs.define
class MemoryApp:
    """A wired in-memory merx: send commands with :meth:`handle`, read with :meth:`get`."""

    bus: MessageBus
    store: MemoryStore
    clock: FixedClock
    ids: SequentialIds
    events: EventLog
    gateways: dict[str, MemoryPaymentGateway]
    logistics: MemoryLogistics
    order_policy: orders.OrderPolicy
    consignment: MemoryConsignmentChannel
    payout: MemoryPayout
    journals: Journals
    scorer: MemoryCreditScorer
    funders: dict[str, MemoryFunder]
    virtual_suppliers: VirtualSuppliers
    inventory: InventoryPolicy
    risk: MemoryTransactionRisk
    channel_health: MemoryChannelHealth
    offers: checkout.Offers = checkout.no_offers
    pricer: pricing.Pricer = pricing.quote

    def handle(self, command: Command[R]) -> R:
        return self.bus.handle(command)

    def unit_of_work(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.store)

    def get(self, kind: type[A], key: str) -> A:
        """A read-only copy of the aggregate ``key`` of type ``kind``."""
        with self.unit_of_work() as uow:
            return uow.repo(kind).get(key)

    def quote(self, customer_id: CustomerId, payment_method: str | None = None) -> checkout.Quote:
        """The trial calculation of the customer's cart now, promotions included."""
        with self.unit_of_work() as uow:
            return checkout.quote_cart(
                uow,
                customer_id,
                at=self.clock.now(),
                offers=self.offers,
                payment_method=payment_method,
                pricer=self.pricer,
            )


def build_memory_app(
    *,
    clock: FixedClock | None = None,
    channels: Sequence[str] = DEFAULT_CHANNELS,
    inventory_policy: InventoryPolicy | None = None,
    profit_policy: catalog.ProfitPolicy = catalog.AT_COST,
    order_policy: orders.OrderPolicy | None = None,
    offers: checkout.Offers | None = None,
    currency: str = "CNY",
    commission: settlement.CommissionTable | None = None,
    self_held_funds: Money | None = None,
    check_views: bool = True,
) -> MemoryApp:
    """Build a merx whose every port is an in-memory adapter.

    ``offers`` is where quotes find promotions: by default the campaigns in force and the
    customer's wallet (:func:`merx.promotions.campaign_offers`). The platform's self-held funds
    (``self_held_funds``, 10,000,000 by default) finance installment orders no funder
    takes.

    The settlement ledger of ``currency`` is opened with a cash account per channel, and
    ``commission`` (5% by default) is the marketplace commission table.

    ``check_views`` makes the store verify that no read-only view of an aggregate is ever
    changed (see :class:`merx.adapters.memory.MemoryStore`); it costs time, so the
    benchmarks and the simulation turn it off.
    """
    clock = clock or FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    offers = offers or promotions.campaign_offers
    store = MemoryStore(check_views=check_views)
    ids = SequentialIds()
    events = EventLog()
    gateways = {channel: MemoryPaymentGateway(channel) for channel in channels}
    logistics = MemoryLogistics()
    consignment = MemoryConsignmentChannel()
    payout = MemoryPayout()
    journals = StoredJournal
    scorer = MemoryCreditScorer()
    funders: dict[str, MemoryFunder] = {}
    virtual_suppliers = VirtualSuppliers()
    risk = MemoryTransactionRisk()
    health = MemoryChannelHealth()
    policy = inventory_policy or InventoryPolicy()
    profit = profit_policy
    timing = order_policy or orders.OrderPolicy()
    bus = MessageBus(lambda: MemoryUnitOfWork(store), events)

    register_catalog(bus, policy=profit)
    pricer = pricing.QuoteMemo()
    register_shop(
        bus, clock=clock, ids=ids, stock_policy=policy, order_policy=timing, offers=offers,
        queries=MemoryOrderQueries(store), pricer=pricer,
    )  # fmt: skip
    finance = partial(
        payments_installments.finance_installment_payment,
        clock=clock,
        ids=ids,
        scorer=scorer,
        funders=funders,
    )
    register_cashier(
        bus, clock=clock, ids=ids, gateways=gateways, inventory=policy, risk=risk, health=health,
        finance=finance, queries=MemoryPaymentQueries(store),
    )  # fmt: skip
    bus.register(
        payments.SyncPayment,
        partial(payments_services.sync_payment, gateways=gateways, clock=clock),
    )
    bus.register(
        payments.HandlePaymentNotification,
        partial(payments_services.handle_payment_notification, gateways=gateways, clock=clock),
    )
    register_fulfillment(
        bus, clock=clock, logistics=logistics, consignment=consignment,
        suppliers=virtual_suppliers, gateways=gateways,
    )  # fmt: skip
    register_aftersales(
        bus, clock=clock, ids=ids, gateways=gateways, logistics=logistics,
        inventory_policy=policy, order_policy=timing,
    )  # fmt: skip

    register_suppliers(bus, clock=clock, ids=ids, channel=consignment)
    register_procurement(bus, clock=clock, ids=ids)
    register_merchants(bus, clock=clock, ids=ids)
    register_settlement(bus, clock=clock, payout=payout, journals=journals)
    register_credit(bus, clock=clock, ids=ids, scorer=scorer)
    register_installments(bus, clock=clock, ids=ids, scorer=scorer)
    register_clearing(bus, clock=clock, journals=journals)
    register_promotions(bus, clock=clock)
    register_funding(bus, clock=clock, ids=ids, scorer=scorer, funders=funders)
    bus.register(
        payments.PayByInstallments,
        partial(
            payments_installments.pay_by_installments, clock=clock, ids=ids, inventory=policy,
            scorer=scorer, funders=funders, risk=risk,
        ),
    )  # fmt: skip
    bus.subscribe(
        procurement.ContractSigned,
        partial(procurement_services.copy_costs_to_catalog, policy=profit),
    )
    bus.handle(ledger.OpenLedger(currency, (*channels, payments.INSTALLMENTS, "payout")))
    bus.handle(
        funding.RegisterInvestor(
            funding.PLATFORM_FUNDER,
            "the platform's own funds",
            funding.FundingChannel.SELF_HELD,
            Decimal("0.00"),
            self_held_funds or Money.of("10000000.00", currency),
        )
    )
    bus.handle(
        settlement.SetCommissionTable(commission or settlement.CommissionTable(Decimal("0.05")))
    )
    return MemoryApp(
        bus=bus,
        store=store,
        clock=clock,
        ids=ids,
        events=events,
        gateways=gateways,
        logistics=logistics,
        order_policy=timing,
        consignment=consignment,
        payout=payout,
        journals=journals,
        scorer=scorer,
        funders=funders,
        virtual_suppliers=virtual_suppliers,
        inventory=policy,
        risk=risk,
        channel_health=health,
        offers=offers,
        pricer=pricer,
    )
