"""One merx, whatever its store: every context's handlers on one bus, wired to adapters.

:func:`assemble` registers every command and subscriber on a bus over a unit-of-work
factory; :func:`seed_reference_data` opens the ledger, registers the platform's own funds
and sets the commission table, each only if it is not there yet, so a second start over
the same data changes nothing. The outside world (payment channels, carriers, suppliers,
funders, payouts, risk) is the in-memory sandbox adapters by default; a host with real
ones writes its own root with the ``register_*`` functions of :mod:`merx.app.wiring`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import TypeVar

import attrs

from merx import (
    ads,
    aftersales,
    behaviour,
    catalog,
    checkout,
    decisions,
    experiments,
    funding,
    installments,
    inventory,
    ledger,
    orders,
    payments,
    play,
    points,
    pricing,
    procurement,
    promotions,
    reach,
    recommendation,
    search,
    settlement,
    tags,
    traffic,
)
from merx import risk as risk_context
from merx.adapters.memory import (
    EventLog,
    MemoryBusinessCalendar,
    MemoryChannelHealth,
    MemoryConsignmentChannel,
    MemoryCreditScorer,
    MemoryFunder,
    MemoryLogistics,
    MemoryMessenger,
    MemoryPaymentGateway,
    MemoryPayout,
    MemoryTransactionRisk,
    MemoryVault,
    MemoryVirtualGoodsSupplier,
    StoredJournal,
)
from merx.adapters.memory.search import MemorySearchIndex
from merx.adapters.system import SystemRandomSource
from merx.app.decisions import (
    DecidedTransactionRisk,
    decider,
    in_audience,
    offered_terms,
    register_decisions,
)
from merx.app.discovery import logged_searches, register_discovery
from merx.app.play import register_play
from merx.app.risk import claim_screen, refund_screen, register_risk, withdrawal_screen
from merx.app.tagports import StoredTagCatalog, StoredTagValues
from merx.app.traffic import DecidedTargeting, register_traffic
from merx.app.wiring import (
    register_aftersales,
    register_cashier,
    register_catalog,
    register_clearing,
    register_credit,
    register_experiments,
    register_fulfillment,
    register_funding,
    register_installments,
    register_merchants,
    register_people,
    register_points,
    register_presale,
    register_procurement,
    register_promotions,
    register_reach,
    register_search,
    register_settlement,
    register_shop,
    register_suppliers,
    register_tags,
)
from merx.inventory import InventoryPolicy
from merx.kernel.bus import Backoff, Command, MessageBus
from merx.kernel.clock import Clock
from merx.kernel.command_records import (
    CommandRecordQueries,
    PurgeCommandRecords,
    purge_command_records,
)
from merx.kernel.ids import CustomerId, IdSource
from merx.kernel.money import Money
from merx.kernel.replies import KEPT_FOR, Replies
from merx.kernel.serde import make_converter
from merx.kernel.uow import Keyed, UnitOfWork
from merx.ledger import Journals
from merx.payments import installments as payments_installments
from merx.payments import services as payments_services
from merx.people import Vault
from merx.procurement import services as procurement_services
from merx.search.services import search_on_sale
from merx.settlement.model import COMMISSION_SCHEDULE_ID, CommissionSchedule

R = TypeVar("R")
#: the caller the hidden-word scenario must permit (``Permission("search")``)
SEARCH_CALLER = "search"
A = TypeVar("A", bound=Keyed)

#: The payment channels of the seed: WeChat Pay, Alipay and a bound bank card.
DEFAULT_CHANNELS = ("wechat_pay", "alipay", "bank_card")


class VirtualSuppliers(dict[str, MemoryVirtualGoodsSupplier]):
    """Real-time suppliers by supplier id; in memory, one appears the first time it is
    asked for (a host passes the suppliers it has contracts with)."""

    def __missing__(self, supplier_id: str) -> MemoryVirtualGoodsSupplier:
        supplier = self[supplier_id] = MemoryVirtualGoodsSupplier(supplier_id)
        return supplier


@attrs.frozen(kw_only=True)
class Queries:
    """The query ports of a store: what the timers, the batch runs and the merchants' reads
    ask, each answered from what the store keeps (the memory store's committed snapshots,
    a database's indexes), never by loading every aggregate of a kind."""

    orders: orders.OrderQueries
    payments: payments.PaymentQueries
    installments: installments.InstallmentQueries
    stock: inventory.StockQueries
    purchase_orders: procurement.PurchaseOrderQueries
    settlement: settlement.SettlementQueries
    aftersales: aftersales.AfterSaleQueries
    vouchers: promotions.VoucherCodeQueries
    command_records: CommandRecordQueries
    points: points.PointsQueries
    risk: risk_context.ReviewQueries
    reach: reach.ReachQueries
    traffic: traffic.TrafficQueries


@attrs.define(kw_only=True)
class App:
    """A wired merx: send commands with :meth:`handle`, read with :meth:`get`; the store's
    query ports are :attr:`queries` (``merchant_orders(uow, seller, app.queries.orders)``)."""

    bus: MessageBus
    new_unit_of_work: Callable[[], UnitOfWork]
    queries: Queries
    clock: Clock
    ids: IdSource
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
    #: working days for installment due dates (by default every day is one)
    calendar: MemoryBusinessCalendar = attrs.field(factory=MemoryBusinessCalendar)
    tax_policy: catalog.TaxPolicy = catalog.INCLUSIVE
    #: the decisions of the live scenario versions (its tag ports: ``decider.catalog``,
    #: ``decider.values``; in memory by default)
    decider: decisions.Decider
    #: where personal values are kept (the app's documents hold only tokens and masks)
    vault: Vault = attrs.field(factory=MemoryVault)
    #: the default assigner, whose deferred first exposures :meth:`record_exposures` sends
    #: (``None`` when the host gave its own)
    exposures: experiments.StoredAssigner | None = None
    #: the search index, following the catalog (:mod:`merx.search`)
    search_index: search.SearchIndex = attrs.field(factory=MemorySearchIndex)
    #: the SMS, push and email providers in memory (what reach campaigns delivered)
    messenger: MemoryMessenger
    #: the platform's reach rules (``Settings.reach_policy``)
    reach_policy: reach.ReachPolicy = attrs.field(factory=reach.ReachPolicy)
    #: what points spent at checkout are worth (:attr:`Settings.points_rate`)
    points_rate: points.PointsRate = attrs.field(factory=points.PointsRate)
    #: merchants' marketing balances, which search ads check and charge (settlement's)
    marketing: ads.MarketingAccount | None = None

    def handle(self, command: Command[R], *, idempotency_key: str | None = None) -> R:
        """Run ``command``; with ``idempotency_key``, a re-send of the same command gets
        the first reply and changes nothing (:mod:`merx.kernel.replies`)."""
        result = self.bus.handle(command, idempotency_key=idempotency_key)
        self.record_exposures()
        return result

    def record_exposures(self) -> None:
        """Record the experiments' first exposures the default assigner deferred
        (:class:`merx.experiments.StoredAssigner`): done after each command and decision
        sent through the app; a host that sends commands to :attr:`bus` directly calls it."""
        if self.exposures is not None and self.exposures.pending:
            self.exposures.flush(self.bus)

    def unit_of_work(self) -> UnitOfWork:
        return self.new_unit_of_work()

    def decide(
        self,
        scenario: str,
        subject_id: str,
        context: Mapping[str, object] | None = None,
        *,
        caller: str,
        access: decisions.Access = decisions.Access.API,
    ) -> decisions.Decision:
        """The live version of ``scenario``'s decision for ``subject_id`` (a read, but for
        a first exposure to an experiment, recorded after it)."""
        decision = self.decider.decide(scenario, subject_id, context, caller=caller, access=access)
        self.record_exposures()
        return decision

    def search_page(self, query: search.SearchQuery, *, cap: int = ads.AD_CAP) -> ads.SearchPage:
        """:meth:`search`'s page with at most ``cap`` ads above it, marked
        (:func:`merx.ads.sponsored_page`)."""
        assert self.marketing is not None, "search ads need the merchants' marketing account"
        with self.unit_of_work() as uow:
            results = search_on_sale(uow, self.search_index, query)
            return ads.sponsored_page(
                uow, query, results, marketing=self.marketing, clock=self.clock, cap=cap
            )

    def track(self, command: behaviour.TrackBehaviour) -> bool:
        """Track a shopper's behaviour, once per event id (the bus's idempotency key)."""
        return self.handle(command, idempotency_key=f"behaviour/{command.event_id}")

    def hot_words(
        self,
        *,
        window: timedelta = timedelta(hours=24),
        top: int = 10,
        blocked: Collection[str] = (),
    ) -> list[tuple[str, int]]:
        """The hot words of the behaviour query log (:func:`merx.search.hot_words`)."""
        now = self.clock.now()
        with self.unit_of_work() as uow:
            logged = logged_searches(uow, now, window)
        return search.hot_words(logged, now=now, window=window, top=top, blocked=blocked)

    def related_words(
        self, query: str, *, window: timedelta = timedelta(days=7), top: int = 5
    ) -> list[tuple[str, int]]:
        """The words co-queried with ``query`` in the behaviour query log
        (:func:`merx.search.related_words`)."""
        now = self.clock.now()
        with self.unit_of_work() as uow:
            logged = logged_searches(uow, now, window)
        return search.related_words(query, logged, now=now, window=window, top=top)

    def recommend(
        self,
        customer_id: str,
        pipeline: recommendation.Pipeline,
        *,
        experiment: str | None = None,
        variations: Mapping[str, recommendation.Pipeline] | None = None,
        region: str | None = None,
        tags: Mapping[str, object] | None = None,
        count: int = 20,
        ranker: recommendation.Ranker | None = None,
    ) -> recommendation.Recommendation:
        """Recommend ``count`` SKUs to ``customer_id`` through ``pipeline``; under a
        running ``experiment``, through the pipeline of the customer's variation in
        ``variations`` (assigned and its exposure recorded by :mod:`merx.experiments`)."""
        variation = None
        if experiment is not None:
            variation = self.handle(experiments.AssignVariation(experiment, customer_id))
            if variation is not None and variation in (variations or {}):
                pipeline = (variations or {})[variation]
        context = recommendation.RankingContext(customer_id, region, self.clock.now(), tags or {})
        with self.unit_of_work() as uow:
            return recommendation.recommend(
                uow, context, pipeline=pipeline, ranker=ranker or recommendation.DefaultRanker(),
                count=count, experiment=experiment if variation is not None else None,
                variation=variation,
            )  # fmt: skip

    def hidden_word(
        self, customer_id: str, at: datetime | None = None, *, fallback: str | None = None
    ) -> search.HiddenWord:
        """The placeholder in ``customer_id``'s search box at ``at`` (now by default),
        chosen through the strategy scenario ``search.hidden_word`` asked as caller
        ``search`` with the context fields it declares, and why
        (:func:`merx.search.hidden_word`; ``fallback`` when it cannot decide)."""
        return search.hidden_word(
            customer_id, self.clock.now() if at is None else at, self._decide_for_search,
            fallback=fallback,
        )  # fmt: skip

    def _decide_for_search(
        self, scenario: str, customer_id: str, context: Mapping[str, object]
    ) -> decisions.Decision:
        compiled, _ = self.decider.compiled(scenario)
        facts = {name: value for name, value in context.items() if name in compiled.input_names}
        return self.decide(scenario, customer_id, facts, caller=SEARCH_CALLER)

    def search(self, query: search.SearchQuery) -> search.SearchResults:
        """The page of SKUs on sale matching ``query``: the index's answer, each hit
        checked against the store (:func:`merx.search.services.search_on_sale`)."""
        with self.unit_of_work() as uow:
            return search_on_sale(uow, self.search_index, query)

    def reach_report(self, campaign_id: str) -> reach.ReachReport:
        """The reach campaign's report (:func:`merx.reach.reach_report`, its touches found
        through :attr:`queries`)."""
        with self.unit_of_work() as uow:
            return reach.reach_report(uow, self.queries.reach, campaign_id)

    def held_messages(self, campaign_id: str) -> tuple[reach.HeldMessage, ...]:
        """The reach campaign's messages held for the quiet hours
        (:func:`merx.reach.held_messages`)."""
        with self.unit_of_work() as uow:
            return reach.held_messages(uow, self.queries.reach, campaign_id)

    def traffic_view(
        self,
        customer_id: str,
        position_id: str,
        at: datetime | None = None,
        *,
        record: bool = True,
        context: Mapping[str, object] | None = None,
    ) -> traffic.TrafficView:
        """What ``customer_id`` sees on ``position_id`` at ``at`` (now by default), each
        placement left out with its reason; the placements shown count against their
        per-user daily caps unless ``record`` is false (:class:`merx.traffic.ViewPosition`)."""
        return self.handle(
            traffic.ViewPosition(customer_id, position_id, at, record, dict(context or {}))
        )

    def points_balance(self, customer_id: CustomerId) -> int:
        """The customer's points now (:func:`merx.points.points_balance`)."""
        with self.unit_of_work() as uow:
            return points.points_balance(uow, customer_id)

    def points_entries(self, customer_id: CustomerId, page: int = 0) -> points.PointsEntriesPage:
        """Page ``page`` of the customer's points entries (:func:`merx.points.points_entries`,
        through the store's index)."""
        with self.unit_of_work() as uow:
            return points.points_entries(uow, self.queries.points, customer_id, page)

    def get(self, kind: type[A], key: str) -> A:
        """A read-only copy of the aggregate ``key`` of type ``kind``."""
        with self.unit_of_work() as uow:
            return uow.repo(kind).get(key)

    def quote(
        self,
        customer_id: CustomerId,
        payment_method: str | None = None,
        address_label: str | None = None,
        points: int = 0,
    ) -> checkout.Quote:
        """The trial calculation of the customer's cart now, promotions, freight (to the
        address ``address_label``, else the default one) and tax included, with ``points``
        of the customer's spent (0: none; at :attr:`points_rate`).

        With subscribers to :class:`merx.checkout.QuoteMade` (the data system's
        collector), the quote's event is then published (the bus's publisher) and each
        subscriber handed it in a unit of work of its own, never committed: the quote stays
        a read, writes nothing, and its event does not go through the outbox (a quote is
        counted at most once). Without, nothing more is done (no id is minted)."""
        at = self.clock.now()
        with self.unit_of_work() as uow:
            quote = checkout.quote_cart(
                uow,
                customer_id,
                at=at,
                offers=self.offers,
                payment_method=payment_method,
                pricer=self.pricer,
                tax=self.tax_policy,
                address_label=address_label,
                audience=partial(in_audience, self.decider),
                points=points,
                points_rate=self.points_rate,
            )
        subscribers = self.bus.subscribers_of(checkout.QuoteMade)
        if subscribers:
            made = quote.made(self.ids.next_id("quo"), customer_id, at)
            self.bus.publisher.publish([made])
            for subscriber in subscribers:
                with self.unit_of_work() as uow:
                    subscriber(made, uow)
        return quote


@attrs.frozen(kw_only=True)
class Settings:
    """What a merx is set up with, beside its store, clock and ids."""

    channels: Sequence[str] = DEFAULT_CHANNELS
    inventory_policy: InventoryPolicy = attrs.field(factory=InventoryPolicy)
    profit_policy: catalog.ProfitPolicy = catalog.AT_COST
    order_policy: orders.OrderPolicy = attrs.field(factory=orders.OrderPolicy)
    offers: checkout.Offers = promotions.campaign_offers
    currency: str = "CNY"
    commission: settlement.CommissionTable = attrs.field(
        factory=lambda: settlement.CommissionTable(Decimal("0.05"))
    )
    self_held_funds: Money | None = None
    #: How long a command's idempotency key and its reply are kept.
    keys_kept_for: timedelta = KEPT_FOR
    #: the installment credit product: penalty, grace days, payoff fees, allocation orders
    credit_product: installments.ProductSettings = attrs.field(factory=installments.ProductSettings)
    #: where voucher codes are drawn from (``SeededRandomSource`` for reproducible runs)
    random: promotions.RandomSource = attrs.field(factory=SystemRandomSource)
    #: tax rates by category and the mode: inclusive (China's) unless a host sells abroad
    tax_policy: catalog.TaxPolicy = catalog.INCLUSIVE
    #: how refunds are tried again (attempts, backoff) before they are escalated
    refund_policy: payments.RefundPolicy = attrs.field(factory=payments.RefundPolicy)
    #: the tag definitions and values decisions read; ``None`` (the default): the user
    #: tags of ``merx.tags`` in the app's store (:mod:`merx.app.tagports`)
    tag_catalog: decisions.TagCatalog | None = None
    tag_values: decisions.TagValues | None = None
    #: the A/B experiments strategies may name; ``None`` (the default): the experiments of
    #: ``merx.experiments`` in the app's store (:class:`merx.experiments.StoredAssigner`)
    assigner: decisions.Assigner | None = None
    #: which decisions are recorded as ``DecisionMade`` events (none by default)
    decision_recording: decisions.DecisionRecording = attrs.field(
        factory=decisions.DecisionRecording
    )
    #: how many times the bus runs a command whose first commit met a concurrent one
    #: (``ConcurrencyError``), the pause between two runs (``None``: none), and after how
    #: many such conflicts it runs the command with the store's other writers shut out
    #: (SQLite, PostgreSQL: :class:`merx.kernel.uow.Exclusive`; ``None``: never)
    conflict_attempts: int = 6
    conflict_pause: Callable[[int], None] | None = attrs.field(factory=Backoff)
    conflict_exclusive_after: int | None = 3
    #: the platform's reach rules: caps, quiet hours, default time zone, attribution window
    reach_policy: reach.ReachPolicy = attrs.field(factory=reach.ReachPolicy)
    #: credit reach touches with the orders paid after them (a subscriber of ``OrderPaid``
    #: whose read is shared with the event's others; off for a host that sends no campaign)
    reach_attribution: bool = True
    #: send the reach campaigns triggered by ``order_shipped`` (one read more per shipped
    #: order; off by default: a host may send ``reach.ReachCustomer`` from its own events)
    reach_on_shipment: bool = False
    #: record each user's activity for the built-in user tags (``merx.tags``): per order
    #: two commits (the activity is read ahead with the order its event's other
    #: subscribers read); off for a host that reads no built-in tag
    user_activity: bool = True
    #: where lottery draws roll (``None``: :class:`merx.play.HmacRandomness`, seeded per
    #: draw from the lottery's seed and the draw id)
    play_randomness: play.Randomness | None = None
    #: what points spent at checkout are worth and the most of the goods they may pay
    #: (100 points = 1.00 of the order's currency, at most half, by default)
    points_rate: points.PointsRate = attrs.field(factory=points.PointsRate)
    #: risk control wired in (:mod:`merx.app.risk`): payments and placed orders decided
    #: by ``risk.payment`` and ``risk.order``; withdrawals, coupon claims and refunds
    #: screened before they happen (``risk.withdrawal``, ``risk.coupon_claim``,
    #: ``risk.refund``: denied, or held until a review); customers linked by their phones'
    #: digests; off: only its commands
    risk_control: bool = False
    #: the amounts risk features compare to, and how manual reviews time out
    risk_features: risk_context.FeaturePolicy = attrs.field(factory=risk_context.FeaturePolicy)
    risk_reviews: risk_context.ReviewPolicy = attrs.field(factory=risk_context.ReviewPolicy)


def decision_ports(
    new_unit_of_work: Callable[[], UnitOfWork],
    clock: Clock,
    settings: Settings,
    commands: MessageBus | None = None,
) -> tuple[
    decisions.TagCatalog, decisions.TagValues, decisions.Assigner, experiments.StoredAssigner | None
]:
    """The tag catalog, tag values and assigner decisions read: the host's (``settings``)
    or the store's own, and the default assigner when it is the store's (it records first
    exposures through ``commands``, the app's bus; any it deferred are recorded by the
    app)."""
    cache = tags.TagCatalogCache()  # the store's definitions, shared by both tag ports
    catalog = settings.tag_catalog or StoredTagCatalog(new_unit_of_work, cache)
    values = settings.tag_values or StoredTagValues(new_unit_of_work, cache)
    if settings.assigner is not None:
        return catalog, values, settings.assigner, None
    stored = experiments.StoredAssigner(new_unit_of_work, clock, commands)
    return catalog, values, stored, stored


def assemble(
    new_unit_of_work: Callable[[], UnitOfWork],
    *,
    clock: Clock,
    ids: IdSource,
    settings: Settings,
    queries: Queries,
    journals: Journals = StoredJournal,
    vault: Vault | None = None,
    search_index: search.SearchIndex | None = None,
) -> App:
    """Every context's handlers and subscribers on one bus over ``new_unit_of_work`` and
    the ``queries`` of the same store, with the in-memory sandboxes for the outside world
    (no command is sent); ``journals`` opens a ledger's journal in a unit of work of the
    same store; ``vault`` keeps personal values (a :class:`MemoryVault` by default);
    ``search_index`` follows the catalog (a :class:`MemorySearchIndex` by default)."""
    events = EventLog()
    vault = vault if vault is not None else MemoryVault()
    gateways = {channel: MemoryPaymentGateway(channel) for channel in settings.channels}
    logistics = MemoryLogistics()
    consignment = MemoryConsignmentChannel()
    payout = MemoryPayout()
    scorer = MemoryCreditScorer()
    funders: dict[str, MemoryFunder] = {}
    virtual_suppliers = VirtualSuppliers()
    risk = MemoryTransactionRisk()
    health = MemoryChannelHealth()
    calendar = MemoryBusinessCalendar()
    product = settings.credit_product
    policy = settings.inventory_policy
    profit = settings.profit_policy
    timing = settings.order_policy
    # idempotency keys' replies; personal fields fingerprinted by the vault's keyed digest
    replies = Replies(make_converter(), settings.keys_kept_for, vault.digest)
    bus = MessageBus(
        new_unit_of_work, events, attempts=settings.conflict_attempts,
        pause=settings.conflict_pause, exclusive_after=settings.conflict_exclusive_after,
        clock=clock, replies=replies,
    )  # fmt: skip
    tag_catalog, tag_values, assigner, exposures = decision_ports(
        new_unit_of_work, clock, settings, bus
    )
    decide = decider(
        new_unit_of_work,
        catalog=tag_catalog,
        values=tag_values,
        clock=clock,
        assigner=assigner,
        recording=settings.decision_recording,
        publisher=events,
    )
    decided_risk = register_risk(  # payment.authentication, then risk.payment when on
        bus, clock=clock, scenarios=decide, queries=queries.risk, features=settings.risk_features,
        reviews=settings.risk_reviews, on=settings.risk_control,
        cashier=DecidedTransactionRisk(risk, decide), new_unit_of_work=new_unit_of_work,
        vault=vault,
    )  # fmt: skip
    audience = partial(in_audience, decide)  # campaigns' audiences
    bus.register(
        PurgeCommandRecords,
        partial(
            purge_command_records, clock=clock, queries=queries.command_records,
            kept_for=settings.keys_kept_for,
        ),
    )  # fmt: skip

    register_catalog(bus, policy=profit)
    pricer = pricing.QuoteMemo()
    register_shop(
        bus, clock=clock, ids=ids, stock_policy=policy, order_policy=timing,
        offers=settings.offers, order_queries=queries.orders, stock_queries=queries.stock,
        pricer=pricer, tax=settings.tax_policy, audience=audience, vault=vault,
        points_rate=settings.points_rate,
    )  # fmt: skip
    finance = partial(
        payments_installments.finance_installment_payment,
        clock=clock,
        ids=ids,
        scorer=scorer,
        funders=funders,
        product=product,
        calendar=calendar,
    )
    register_cashier(
        bus, clock=clock, ids=ids, gateways=gateways, inventory=policy, risk=decided_risk,
        health=health, finance=finance, queries=queries.payments, refunds=settings.refund_policy,
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
        suppliers=virtual_suppliers, gateways=gateways, vault=vault,
    )  # fmt: skip
    register_aftersales(
        bus, clock=clock, ids=ids, gateways=gateways, logistics=logistics,
        inventory_policy=policy, order_policy=timing,
        screen=refund_screen(bus, decide, new_unit_of_work, on=settings.risk_control),
    )  # fmt: skip
    register_suppliers(bus, clock=clock, ids=ids, channel=consignment)
    register_procurement(bus, clock=clock, ids=ids, queries=queries.purchase_orders)
    register_merchants(bus, clock=clock, ids=ids)
    register_people(bus, clock=clock, ids=ids, vault=vault)
    register_experiments(bus, clock=clock)
    register_settlement(
        bus, clock=clock, payout=payout, journals=journals, queries=queries.settlement,
        screen=withdrawal_screen(bus, decide, on=settings.risk_control),
    )  # fmt: skip
    register_credit(bus, clock=clock, ids=ids, scorer=scorer, vault=vault)
    register_installments(
        bus, clock=clock, ids=ids, scorer=scorer, queries=queries.installments, product=product,
        calendar=calendar,
    )  # fmt: skip
    register_clearing(bus, clock=clock, journals=journals)
    register_tags(
        bus, clock=clock, currency=settings.currency, user_activity=settings.user_activity
    )
    register_presale(
        bus, clock=clock, ids=ids, inventory=policy, offers=settings.offers, gateways=gateways,
        journals=journals, queries=queries.orders, pricer=pricer, tax=settings.tax_policy,
        audience=audience, points_rate=settings.points_rate,
    )  # fmt: skip
    register_promotions(
        bus, clock=clock, random=settings.random, audience=audience,
        screen=claim_screen(bus, decide, on=settings.risk_control),
    )  # fmt: skip
    register_funding(
        bus, clock=clock, ids=ids, scorer=scorer, funders=funders, product=product,
        calendar=calendar,
    )  # fmt: skip
    bus.register(
        payments.PayByInstallments,
        partial(
            payments_installments.pay_by_installments, clock=clock, ids=ids, inventory=policy,
            scorer=scorer, funders=funders, risk=decided_risk, product=product,
            calendar=calendar, offered_terms=partial(offered_terms, decide),
        ),
    )  # fmt: skip
    bus.subscribe(
        procurement.ContractSigned,
        partial(procurement_services.copy_costs_to_catalog, policy=profit),
    )
    register_decisions(bus, catalog=tag_catalog, clock=clock)
    messenger = register_marketing(bus, clock=clock, decide=decide, settings=settings,
                                   vault=vault, queries=queries)  # fmt: skip
    return App(
        bus=bus,
        new_unit_of_work=new_unit_of_work,
        queries=queries,
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
        offers=settings.offers,
        pricer=pricer,
        calendar=calendar,
        tax_policy=settings.tax_policy,
        decider=decide,
        vault=vault,
        exposures=exposures,
        search_index=register_search(bus, clock=clock, index=search_index),
        marketing=register_discovery(bus, clock=clock, vault=vault, journals=journals),
        messenger=messenger,
        reach_policy=settings.reach_policy,
        points_rate=settings.points_rate,
    )


def register_marketing(
    bus: MessageBus,
    *,
    clock: Clock,
    decide: decisions.Decider,
    settings: Settings,
    vault: Vault,
    queries: Queries,
) -> MemoryMessenger:
    """Marketing (issue 17): points, interactive play, traffic placements targeted through
    ``decide``, and user reach through an in-memory messenger (returned: what reach
    campaigns delivered)."""
    register_points(bus, clock=clock, queries=queries.points)
    register_play(bus, clock=clock, randomness=settings.play_randomness)
    register_traffic(bus, clock=clock, targeting=DecidedTargeting(decide), queries=queries.traffic)
    messenger = MemoryMessenger(vault)
    register_reach(
        bus, clock=clock, policy=settings.reach_policy, messenger=messenger, decider=decide,
        order_queries=queries.orders, queries=queries.reach,
        attribution=settings.reach_attribution,
        on_shipment=settings.reach_on_shipment,
    )  # fmt: skip
    return messenger


def seed_reference_data(app: App, settings: Settings) -> None:
    """The ledger of the currency (a cash account per channel, the installments channel and
    ``"payout"``), the platform's self-held funds and the commission table: each sent only
    when it is not stored yet, so starting again over the same data changes nothing."""
    currency = settings.currency
    with app.unit_of_work() as uow:
        has_ledger = uow.repo(ledger.Ledger).peek(currency) is not None
        has_funds = uow.repo(funding.Investor).peek(funding.PLATFORM_FUNDER) is not None
        has_table = uow.repo(CommissionSchedule).peek(COMMISSION_SCHEDULE_ID) is not None
    if not has_ledger:
        channels = (*settings.channels, payments.INSTALLMENTS, "payout")
        app.handle(ledger.OpenLedger(currency, channels))
    if not has_funds:
        app.handle(
            funding.RegisterInvestor(
                funding.PLATFORM_FUNDER,
                "the platform's own funds",
                funding.FundingChannel.SELF_HELD,
                Decimal("0.00"),
                settings.self_held_funds or Money.of("10000000.00", currency),
            )
        )
    if not has_table:
        app.handle(settlement.SetCommissionTable(settings.commission))
