"""A day of trade on one merx platform, seeded and reproducible, then a reconciliation.

``make demo`` runs this file. Customers browse, quote with promotions and coupons, and buy:
self-operated phones procured from a supplier (some cases shipped by a consignment
supplier), clothes from three marketplace merchants, phone-bill top-ups from a supplier
that sometimes fails or times out, phones on installments, and deposits on a pre-sale
watch, whose balance is paid (or the deposit forfeited) at the day's end. Payments are declined,
time out, stay pending, or notify twice; orders ship, arrive, are confirmed or confirm
themselves; some are returned, exchanged, refunded before shipment or refunded only.
Merchants settle and withdraw; customers repay their bills. Then the report: orders by
final state, money by party, stock by SKU, credit limits, and the checks (the ledger sums
to zero and reconciles, stock is conserved, every refund is covered, no order is paid
twice). Any failed check exits non-zero.

The platform lives in a store: by default a SQLite file, ``merx-demo.db`` in the current
directory, made anew by each run (``--db`` names another; ``--store memory`` keeps it all
in this process; ``--store postgres --db DSN`` uses a PostgreSQL server). A day on a
database can stop part-way, with ``--stop-after N`` or Ctrl-C (the order under way
finishes first), and ``--resume`` goes on over the same database: the runs together report
exactly what one run reports. What makes that exact:

* ids come from :class:`~merx.adapters.memory.SequentialIds`, whose counters are kept in
  the store with the run's place (the system's time-ordered ids are for real hosts);
* order ``n`` draws its random choices from a generator seeded with (seed, ``n``), never
  from what the process ran before it;
* the clock (a :class:`~merx.adapters.memory.FixedClock` the simulation steps) resumes at
  the stored instant;
* the sandboxes standing for the outside world (payment channels, carriers, suppliers, the
  funder, the bank, risk control) keep their books in the process, and merx's data refers
  to them, so they are kept with the run's place too (:func:`outside_world`);
* the report reads the store (and the outbox's events), not lists this process kept.

    python examples/simulate.py [--orders N] [--seed S] [--json]
                                [--journey phone|merchant|topup|installments|presale|all]
                                [--store memory|sqlite|postgres] [--db PATH|DSN]
                                [--synchronous FULL|NORMAL] [--stop-after N] [--resume]
                                [--check-views] [--quiet]
                                [--days N [--orders-per-hour K] [--incident]]
                                [--report PATH.html]

The day is watched (:mod:`monitored`): hourly metrics from the committed events, alarm
rules evaluated each time the clock passes an hour. ``--days N`` trades N days of orders,
``--orders-per-hour`` of them each hour (default 60), the clock moving hour by hour, so
the alarms have the history a week-ratio or a z-score needs; ``--incident`` makes the
``alipay`` channel fail 30% of its authorizations for one hour of the last day (10:00 to
11:00): its alarm fires for that hour and recovers after. The day's report is written as
one HTML page: ``--report PATH``, by default ``merx-report.html`` next to the SQLite file.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import attrs

sys.path.insert(0, str(Path(__file__).resolve().parent))

import journey_merchant
import monitored
from resumable import (
    Progress,
    Refused,
    RunRecord,
    interruptible,
    make_room,
    outside_world,
    restore_outside_world,
)

from merx import (
    aftersales,
    catalog,
    checkout,
    credit,
    customers,
    fulfillment,
    funding,
    installments,
    inventory,
    merchants,
    monitoring,
    orders,
    payments,
    pricing,
    procurement,
    promotions,
    settlement,
    suppliers,
)
from merx.adapters.memory import FixedClock, MemoryFunder, SequentialIds
from merx.app import (
    App,
    Settings,
    StoredApp,
    build_memory_app,
    build_postgres_app,
    build_sqlite_app,
)
from merx.catalog import Fulfillment, GoodsType
from merx.customers import Address
from merx.errors import MerxError
from merx.fulfillment.ports import TrackingStatus
from merx.kernel.events import DomainEvent
from merx.kernel.ids import (
    PLATFORM,
    CustomerId,
    MerchantId,
    OrderId,
    ShipmentId,
    SkuId,
    SupplierId,
    WarehouseId,
)
from merx.kernel.money import Money
from merx.pricing import FundingShare, Scope, ThresholdOff, Tier

JOURNEYS = ("phone", "merchant", "topup", "installments", "presale")
WEIGHTS = {"phone": 35, "merchant": 35, "topup": 20, "installments": 10, "presale": 5}
REGIONS = {"Shanghai": WarehouseId("wh-east"), "Beijing": WarehouseId("wh-north")}
CHANNELS = ("wechat_pay", "alipay", "bank_card")
#: The day starts here (as the in-memory merx's clock does).
START = datetime(2026, 1, 1, tzinfo=UTC)
ORDER_POLICY = orders.OrderPolicy(after_sales_window=timedelta(days=30))
#: The pre-sale of a watch: deposits until its balance window opens, two days into the
#: day (a day of 10,000 orders ends well before), the balance paid at the day's end.
PRESALE, WATCH = "ps-watch", SkuId("watch-0")
PRESALE_TERMS = promotions.Presale(
    sku=WATCH,
    deposit=Money.of("50.00", "CNY"),
    deposit_value=Money.of("100.00", "CNY"),
    final_price=Money.of("1099.00", "CNY"),
    balance_starts=START + timedelta(days=2),
    balance_ends=START + timedelta(days=5),
)
#: Where ``make demo`` keeps its SQLite file: the current directory.
DEFAULT_DB = "merx-demo.db"
#: The HTML report's name, next to the SQLite file (``--report`` names another).
DEFAULT_REPORT = "merx-report.html"
#: Orders in each hour of a ``--days`` run when ``--orders-per-hour`` is not given.
DEFAULT_PER_HOUR = 60
#: The hour of the last day the ``--incident`` breaks a payment channel (10:00 to 11:00).
INCIDENT_HOUR = 10
#: Orders in a day when ``--orders`` is not given: a database pays for every commit.
DEFAULT_ORDERS = {"memory": 10_000, "sqlite": 1_000, "postgres": 1_000}


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def order_rng(seed: int, n: int | str) -> random.Random:
    """The random choices of order ``n`` of the day seeded ``seed`` (or of a named step):
    a function of the two alone (``random`` hashes a string seed with SHA-512)."""
    return random.Random(f"merx simulation {seed}/{n}")


class World:
    """The platform, its catalogue and its customers, built through merx's commands."""

    def __init__(
        self,
        orders_wanted: int,
        seed: int,
        *,
        check_views: bool = False,
        app: App | None = None,
        clock: FixedClock | None = None,
    ) -> None:
        """A world over ``app`` (stepped by ``clock``, its clock), or over a new in-memory
        merx; ``orders_wanted`` is the whole day's, however many runs trade it."""
        self.seed = seed
        self.orders_wanted = orders_wanted
        self.rng = order_rng(seed, "build")  # replaced before every order (Day.trade)
        self.clock = clock or FixedClock(START)
        self.app = app or build_memory_app(
            clock=self.clock, order_policy=ORDER_POLICY, check_views=check_views
        )
        assert self.app.clock is self.clock, "the world steps its app's own clock"
        self.phones: list[SkuId] = []
        self.cases: list[SkuId] = []
        self.clothes: dict[MerchantId, list[SkuId]] = {}
        self.topups: list[SkuId] = []
        self.customers: list[tuple[CustomerId, str]] = []
        self.borrowers: list[CustomerId] = []
        self.stock_per_phone = orders_wanted + 50
        self.telco = SupplierId("")

    def _supplier(self, name: str, kind: suppliers.SupplierType) -> SupplierId:
        app = self.app
        supplier: SupplierId = app.handle(suppliers.ApplySupplier(name, kind))
        app.handle(
            suppliers.AddQualificationDocument(
                supplier,
                suppliers.DocumentKind.BUSINESS_LICENCE,
                f"BL-{supplier}",
                date(2031, 1, 1),
            )
        )
        app.handle(suppliers.SubmitSupplierApplication(supplier))
        app.handle(suppliers.ReviewQualificationDocument(supplier, f"BL-{supplier}", accepted=True))
        app.handle(suppliers.ApproveSupplier(supplier))
        return supplier

    def build(self) -> None:
        app = self.app
        app.handle(
            inventory.OpenWarehouse(
                REGIONS["Shanghai"], "East DC", "-", {"Shanghai": 30, "Beijing": 1200}
            )
        )
        app.handle(
            inventory.OpenWarehouse(
                REGIONS["Beijing"], "North DC", "-", {"Beijing": 20, "Shanghai": 1200}
            )
        )
        # self-operated phones, procured from a stocked supplier
        maker = self._supplier("Shenzhen Phones", suppliers.SupplierType.STOCKED)
        contract = app.handle(procurement.DraftContract(maker))
        today = self.clock.now().date()
        for n, (price, cost) in enumerate(
            (("2999.00", "2400.00"), ("1999.00", "1500.00"), ("999.00", "700.00"))
        ):
            sku = SkuId(f"phone-{n}")
            app.handle(
                catalog.CreateSku(
                    sku,
                    f"Phone {n}",
                    PLATFORM,
                    "phone",
                    cny(price),
                    list_now=False,
                    installment_eligible=True,
                )
            )
            app.handle(
                procurement.AddContractPrice(
                    contract, sku, cny(cost), today, today.replace(year=today.year + 1)
                )
            )
            self.phones.append(sku)
        app.handle(procurement.SignContract(contract))
        for sku in self.phones:
            app.handle(catalog.ListSku(sku))
            for warehouse in REGIONS.values():
                po = app.handle(
                    procurement.DraftPurchaseOrder(
                        maker, contract, warehouse, ((sku, self.stock_per_phone),)
                    )
                )
                app.handle(procurement.ApprovePurchaseOrder(po))
                app.handle(
                    procurement.ReceivePurchaseOrder(
                        po, f"grn-{po}", ((sku, self.stock_per_phone),)
                    )
                )
        # phone cases shipped by a consignment supplier
        cases = self._supplier("Case Factory", suppliers.SupplierType.CONSIGNMENT)
        case = SkuId("case-0")
        app.handle(
            catalog.CreateSku(
                case,
                "Phone case",
                PLATFORM,
                "accessory",
                cny("49.00"),
                fulfillment=Fulfillment.consignment(cases),
            )
        )
        self.cases.append(case)
        # three marketplace merchants, the clothing store runs its own campaign
        for m, name in enumerate(("Linen & Co", "Denim Yard", "Knit House")):
            shop = (
                journey_merchant.onboard(app, lambda line: None) if m == 0 else self._merchant(name)
            )
            skus = []
            for k in range(2):
                sku = SkuId(f"{shop}-item-{k}")
                app.handle(
                    catalog.CreateSku(
                        sku, f"{name} item {k}", shop, "shirt", cny(f"{129 + 70 * k}.00")
                    )
                )
                skus.append(sku)
            self.clothes[shop] = skus
            if m == 0:
                journey_merchant.run_store_promotion(app, shop, lambda line: None)
        # a platform campaign with a budget, and a coupon campaign customers claim from
        self._platform_campaigns()
        # top-ups from a real-time supplier that sometimes fails
        telco = self._supplier("Telco API", suppliers.SupplierType.REAL_TIME_API)
        for face in ("50", "100"):
            sku = SkuId(f"topup-{face}")
            app.handle(
                catalog.CreateSku(
                    sku,
                    f"Top-up {face}",
                    PLATFORM,
                    "topup",
                    cny(f"{int(face) - 1}.50"),
                    goods_type=GoodsType.VIRTUAL_TOPUP,
                    face_value=cny(f"{face}.00"),
                    operator="China Mobile",
                    fulfillment=Fulfillment.real_time_supplier(telco),
                )
            )
            self.topups.append(sku)
        self.telco = telco
        self.telco_supplier = app.virtual_suppliers[telco]
        # a trust funder that sometimes refuses; the platform's own funds behind it
        trust = MemoryFunder("trust-a", cny("50000000.00"))
        app.funders["trust-a"] = trust
        app.handle(
            funding.RegisterInvestor(
                "trust-a",
                "Trust A",
                funding.FundingChannel.TRUST,
                Decimal("0.06"),
                cny("50000000.00"),
            )
        )
        self.trust = trust
        # a pre-sale of a watch the platform stocks in both warehouses; a balance left
        # unpaid forfeits the deposit
        app.handle(catalog.CreateSku(WATCH, "Smart watch", PLATFORM, "watch", cny("1299.00")))
        for warehouse in REGIONS.values():
            app.handle(
                inventory.ReceiveStock(warehouse, WATCH, self.stock_per_phone, f"po-{warehouse}")
            )
        app.handle(orders.CreatePresale(PRESALE, PLATFORM, PRESALE_TERMS, limit_per_order=2))

    def _merchant(self, name: str) -> MerchantId:
        app = self.app
        shop = app.handle(merchants.ApplyMerchant(name))
        app.handle(
            merchants.AddMerchantDocument(
                shop,
                shop,
                merchants.DocumentKind.BUSINESS_LICENCE,
                f"BL-{shop}",
                date(2031, 1, 1),
            )
        )
        app.handle(merchants.SetGoodsScope(shop, shop, ("shirt",)))
        app.handle(merchants.SubmitMerchantApplication(shop, shop))
        app.handle(merchants.ReviewMerchantDocument(shop, f"BL-{shop}", accepted=True))
        app.handle(merchants.ApproveMerchant(shop, cny("2000.00")))
        terms = settlement.SettlementTerms(
            cycle=settlement.SettlementCycle(settlement.CycleKind.T_PLUS_N, 7),
            negative_policy=settlement.NegativeBalancePolicy.OFFSET_NEXT_SETTLEMENT,
            limits=settlement.WithdrawalLimits(cny("1.00"), cny("1000000.00"), cny("5000000.00")),
            presettle_fee_rate=Decimal("0.006"),
        )
        app.handle(settlement.OpenMerchantAccount(shop, terms))
        app.handle(settlement.PayDeposit(shop, shop, f"dep-{shop}", cny("2000.00"), "alipay"))
        app.handle(merchants.OpenStore(shop, shop, f"{name} store"))
        return shop

    def _platform_campaigns(self) -> None:
        app = self.app
        phones = ThresholdOff(
            id="PHONE-FEST",
            scope=Scope(skus=tuple(self.phones)),
            tiers=(Tier(cny("1500.00"), cny("100.00")),),
            funded_by=(FundingShare("platform", Decimal(1)),),
        )
        coupon = pricing.Coupon(
            id="WELCOME",
            level="platform",
            off=cny("20.00"),
            min_amount=cny("100.00"),
            funded_by=(FundingShare("platform", Decimal(1)),),
        )
        for definition, limits in (
            (phones, promotions.BudgetLimits(total_discount=cny("200000.00"))),
            (coupon, promotions.BudgetLimits(coupon_stock=100_000, per_user_limit=1)),
        ):
            campaign = app.handle(promotions.CreateCampaign(PLATFORM, definition, limits))
            app.handle(promotions.SubmitCampaign(campaign, PLATFORM))
            app.handle(promotions.ApproveCampaign(campaign, PLATFORM))
            app.handle(promotions.ScheduleCampaign(campaign, PLATFORM))
        app.handle(promotions.TickCampaigns())

    def customer(self) -> tuple[CustomerId, str]:
        if len(self.customers) < 3000 and (not self.customers or self.rng.random() < 0.4):
            n = len(self.customers)
            cid, region = CustomerId(f"c{n:05d}"), self.rng.choice(tuple(REGIONS))
            self.app.handle(customers.RegisterCustomer(cid, f"Customer {n}", f"139{n:08d}"))
            self.app.handle(
                customers.AddAddress(
                    cid, "home", Address(f"C{n}", f"137{n:08d}", region, "road"), default=True
                )
            )
            if self.rng.random() < 0.3:
                with contextlib.suppress(MerxError):
                    self.app.handle(promotions.ClaimCoupon(cid, "WELCOME"))
            self.customers.append((cid, region))
            return cid, region
        return self.rng.choice(self.customers)

    def borrower(self) -> CustomerId:
        cid, _ = self.customer()
        if cid not in self.borrowers:
            facts = credit.ScoringFacts(cid, 30, cny("15000.00"), 12, 0, cny("0"))
            decision = self.app.handle(
                credit.ApplyForCredit(
                    cid,
                    credit.Identity(f"Name {cid}", f"1101011990{cid[1:]:0>8}", "13900000000"),
                    credit.Consent(True, self.clock.now(), "v1"),
                    facts,
                )
            )
            if decision.approved:
                self.borrowers.append(cid)
        return cid

    # -- what a run keeps for the next one ----------------------------------------------

    def state(self) -> dict[str, Any]:
        """What the simulation knows of its world beyond merx's store, as JSON-ready data."""
        return {
            "phones": self.phones,
            "cases": self.cases,
            "clothes": self.clothes,
            "topups": self.topups,
            "customers": self.customers,
            "borrowers": self.borrowers,
            "telco": self.telco,
        }

    def restore(self, state: dict[str, Any]) -> None:
        """Take up :meth:`state` from an earlier run (its sandboxes restored first)."""
        self.phones = [SkuId(sku) for sku in state["phones"]]
        self.cases = [SkuId(sku) for sku in state["cases"]]
        self.clothes = {
            MerchantId(shop): [SkuId(sku) for sku in skus]
            for shop, skus in state["clothes"].items()
        }
        self.topups = [SkuId(sku) for sku in state["topups"]]
        self.customers = [(CustomerId(cid), region) for cid, region in state["customers"]]
        self.borrowers = [CustomerId(cid) for cid in state["borrowers"]]
        self.telco = SupplierId(state["telco"])
        self.telco_supplier = self.app.virtual_suppliers[self.telco]
        self.trust = self.app.funders["trust-a"]


class Day:
    """One day of trade: orders of the chosen journeys, then the day's end.

    Order ``n`` draws every random choice from its own generator, seeded with the seed and
    ``n`` (:func:`order_rng`): what it does depends on what is stored, never on what this
    process happened to run before it, so a run resumed at order ``n`` goes on exactly.
    """

    def __init__(
        self,
        world: World,
        journeys: tuple[str, ...],
        tally: dict[str, int] | None = None,
        watch: monitored.Watch | None = None,
    ) -> None:
        self.world = world
        self.app = world.app
        self.journeys = journeys
        self.tally: Counter[str] = Counter(tally or {})
        self.watch = watch

    @property
    def rng(self) -> random.Random:
        return self.world.rng

    def run(self, count: int, progress: Callable[[int], None]) -> None:
        """Orders 0 to ``count``, then the day's end (one run, in memory)."""
        self.trade(0, count, progress)
        self.end_of_day()

    def trade(
        self,
        first: int,
        stop: int,
        progress: Callable[[int], None],
        stopping: Callable[[], bool] = lambda: False,
    ) -> int:
        """Orders ``first`` to ``stop`` (exclusive), or until ``stopping()`` says so between
        two orders: the number of the next order to trade."""
        weights = [WEIGHTS[j] for j in self.journeys]
        for n in range(first, stop):
            if stopping():
                return n
            if self.watch is not None:
                self.watch.before(n)
            self.world.rng = order_rng(self.world.seed, n)
            journey = self.rng.choices(self.journeys, weights)[0]
            try:
                getattr(self, journey)()
            except MerxError as refused:  # a typed refusal is an outcome, counted
                self.tally[f"refused: {type(refused).__name__}"] += 1
            self.world.clock.advance(timedelta(seconds=self.rng.randint(1, 20)))
            if self.watch is not None:
                self.watch.after(n)
            progress(n + 1)
        return stop

    # -- journeys ---------------------------------------------------------------------

    def _place(self, cid: CustomerId, skus: list[SkuId], **extra: Any) -> orders.PlacedOrder:
        for sku in self.rng.sample(skus, k=min(len(skus), self.rng.randint(1, 2))):
            self.app.handle(checkout.AddToCart(cid, sku, self.rng.randint(1, 2)))
        quote = self.app.quote(cid)
        return self.app.handle(orders.PlaceOrder(cid, expected_payable=quote.payable, **extra))

    def _pay(self, placed: orders.PlacedOrder) -> bool:
        gateway_name = self.rng.choice(CHANNELS)
        gateway = self.app.gateways[gateway_name]
        roll = self.rng.random()
        if roll < 0.05:
            gateway.decline_next(reason="insufficient funds")
        elif roll < 0.10:
            gateway.timeout_next(applied=self.rng.random() < 0.5)
        elif roll < 0.13:
            gateway.pending_next()
        outcome = self.app.handle(payments.PayOrder(placed.parent_id, gateway_name))
        gateway.clear_script()
        if outcome.status is payments.PaymentStatus.INITIATED:
            for reference in gateway.pending(outcome.payment_id):
                gateway.settle(reference, succeeded=True)
            outcome = self.app.handle(payments.SyncPayment(outcome.payment_id))
        for note in gateway.take_notifications():  # notices arrive, some twice
            for _ in range(self.rng.choice((1, 1, 2))):
                self.app.handle(payments.HandlePaymentNotification(note))
        if outcome.status is payments.PaymentStatus.FAILED:
            self.tally["payments declined, then paid another way"] += 1
            other = self.rng.choice([c for c in CHANNELS if c != gateway_name])
            outcome = self.app.handle(payments.PayOrder(placed.parent_id, other))
        return outcome.status is payments.PaymentStatus.SUCCEEDED

    def _deliver(self, shipment: str) -> None:
        tracking = self.app.get(fulfillment.Shipment, shipment).tracking_number
        self.app.logistics.advance(tracking, TrackingStatus.DELIVERED, self.world.clock.now())
        self.app.handle(fulfillment.SyncTracking(ShipmentId(shipment)))

    def _after_delivery(self, order_id: OrderId, reviewer: MerchantId) -> None:
        order = self.app.get(orders.Order, order_id)
        sku, quantity = order.lines[0].sku, order.lines[0].quantity
        roll = self.rng.random()
        if roll < 0.06:
            case = self.app.handle(
                aftersales.RequestReturn(order_id, ((sku, quantity),), "does not fit")
            )
            self.app.handle(aftersales.ApproveAfterSale(case, acting=reviewer))
            self.app.handle(aftersales.SendReturn(case, "zto", f"RET-{case}"))
            accepted = self.rng.randint(0, quantity)
            self.app.handle(
                aftersales.InspectReturn(
                    case, ((sku, accepted),) if accepted else (), acting=reviewer
                )
            )
            self.tally["returns"] += 1
        elif roll < 0.08:
            case = self.app.handle(aftersales.RequestRefundOnly(order_id, ((sku, 1),), "scratched"))
            self.app.handle(aftersales.ApproveAfterSale(case, acting=reviewer))
            self.tally["refunds only"] += 1
        elif roll < 0.10 and (reviewer != PLATFORM or sku in self.world.phones):
            case = self.app.handle(aftersales.RequestExchange(order_id, ((sku, 1),), "colour", sku))
            self.app.handle(aftersales.ApproveAfterSale(case, acting=reviewer))
            self.app.handle(aftersales.SendReturn(case, "sf_express", f"EX-{case}"))
            status = self.app.handle(aftersales.InspectReturn(case, ((sku, 1),), acting=reviewer))
            if status is aftersales.AfterSaleStatus.REPLACING:  # the merchant ships it
                self.app.handle(aftersales.ShipReplacement(case, reviewer, "zto", f"NEW-{case}"))
                self.tally["exchanges shipped by merchants"] += 1
            self.tally["exchanges"] += 1
        elif self.rng.random() < 0.7:
            self.app.handle(orders.ConfirmReceipt(order_id))

    def phone(self) -> None:
        cid, _ = self.world.customer()
        skus = self.world.phones + (self.world.cases if self.rng.random() < 0.3 else [])
        placed = self._place(cid, skus)
        if self.rng.random() < 0.04:
            self.tally["abandoned before paying"] += 1
            return
        if not self._pay(placed):
            return
        for order_id in placed.order_ids:
            order = self.app.get(orders.Order, order_id)
            if self.rng.random() < 0.03 and not order.lines_fulfilled_by(
                catalog.FulfillmentMode.CONSIGNMENT
            ):
                case = self.app.handle(aftersales.RequestRefund(order_id, "changed my mind"))
                self.app.handle(aftersales.ApproveAfterSale(case))
                self.tally["refunds before shipment"] += 1
                continue
            shipments: list[str] = []
            if order.allocations:
                shipments += self.app.handle(fulfillment.ShipOrder(order_id))
            for line in order.lines_fulfilled_by(catalog.FulfillmentMode.CONSIGNMENT):
                supplier = line.fulfillment.supplier
                dispatch = self.app.get(
                    fulfillment.ConsignmentDispatch, f"cons-{order_id}-{supplier}"
                )
                self.app.consignment.ship(dispatch.supplier_order_ref, "zto", f"ZTO-{order_id}")
                shipped = self.app.handle(fulfillment.SyncConsignment(dispatch.id))
                if shipped:
                    shipments.append(shipped)
            for shipment in shipments:
                self._deliver(shipment)
            self._after_delivery(order_id, PLATFORM)

    def merchant(self) -> None:
        cid, _ = self.world.customer()
        shop = self.rng.choice(list(self.world.clothes))
        placed = self._place(cid, self.world.clothes[shop])
        if not self._pay(placed):
            return
        (order_id,) = placed.order_ids
        shipment = self.app.handle(
            fulfillment.ShipByMerchant(order_id, shop, "zto", f"M-{order_id}")
        )
        self._deliver(shipment)
        self._after_delivery(order_id, shop)

    def topup(self) -> None:
        cid, _ = self.world.customer()
        roll = self.rng.random()
        supplier = self.world.telco_supplier
        if roll < 0.05:
            supplier.fail_next(reason="number not in service")
        elif roll < 0.10:
            supplier.timeout_next(applied=self.rng.random() < 0.5)
        placed = self._place(cid, self.world.topups, account=f"139{self.rng.randint(0, 10**8):08d}")
        self._pay(placed)
        supplier.clear_script() if hasattr(supplier, "clear_script") else None
        (order_id,) = placed.order_ids
        if self.app.get(orders.Order, order_id).status is orders.OrderStatus.PROCURING:
            self.tally["top-ups timed out, then settled"] += 1
            self.app.handle(fulfillment.FulfillTopUp(order_id))

    def installments(self) -> None:
        cid = self.world.borrower()
        if cid not in self.world.borrowers:
            return
        if self.rng.random() < 0.2:
            self.world.trust.refuse_next(reason="outside appetite")
        placed = self._place(cid, self.world.phones)
        outcome = self.app.handle(
            payments.PayByInstallments(placed.parent_id, self.rng.choice((3, 6, 12)))
        )
        if outcome.status is not payments.PaymentStatus.SUCCEEDED:
            return
        for order_id in placed.order_ids:
            for shipment in self.app.handle(fulfillment.ShipOrder(order_id)):
                self._deliver(shipment)
            self._after_delivery(order_id, PLATFORM)

    def presale(self) -> None:
        """A deposit on the watch's pre-sale (its balance is paid, or not, at the day's
        end: :meth:`presale_balances`)."""
        cid, _ = self.world.customer()
        placed = self.app.handle(orders.PlaceDepositOrder(cid, PRESALE, self.rng.randint(1, 2)))
        if self.rng.random() < 0.04:
            self.tally["abandoned before paying"] += 1
            return
        if self._pay(placed):
            self.tally["pre-sale deposits paid"] += 1

    def presale_balances(self) -> None:
        """The balance window opens: most customers who paid a deposit pay their balance
        (the watch ships and arrives; a return refunds the deposit's share too); when the
        window closes, the host's timer forfeits
        the deposits of those who did not."""
        app, clock = self.app, self.world.clock
        clock.set(max(clock.now(), PRESALE_TERMS.balance_starts))
        for presale in everything(app, orders.PresaleOrder):
            if presale.status is not orders.PresaleStatus.AWAITING_BALANCE:
                continue
            if self.rng.random() < 0.15:
                continue  # never comes back
            try:
                balance = app.handle(orders.PlaceBalanceOrder(presale.id))
                if not self._pay(balance):
                    continue
                self.tally["pre-sale balances paid"] += 1
                for shipment in app.handle(fulfillment.ShipOrder(balance.order_ids[0])):
                    self._deliver(shipment)
                self._after_delivery(balance.order_ids[0], PLATFORM)  # returns give back
            except MerxError as refused:
                self.tally[f"refused: {type(refused).__name__}"] += 1
        clock.set(max(clock.now(), PRESALE_TERMS.balance_ends))
        forfeited = app.handle(orders.EndUnpaidPresales())
        if forfeited:
            self.tally["pre-sale deposits forfeited"] += len(forfeited)

    # -- the day's end ----------------------------------------------------------------

    def end_of_day(self) -> None:
        app, clock = self.app, self.world.clock
        self.world.rng = order_rng(self.world.seed, "end of day")
        clock.advance(timedelta(hours=1))
        app.handle(payments.ExpirePaymentAuthentications())
        app.handle(orders.CloseUnpaidOrders())
        if "presale" in self.journeys:
            self.presale_balances()
        clock.advance(timedelta(days=16))
        app.handle(orders.AutoConfirmReceipts())
        clock.advance(timedelta(days=8))  # past T+7 for every completed order
        for shop in self.world.clothes:
            with contextlib.suppress(settlement.NothingToSettle):
                app.handle(
                    settlement.RunSettlement(
                        shop, settlement.StatementId(f"st-{shop}-1"), clock.now().date()
                    )
                )
            with app.unit_of_work() as uow:
                money = settlement.merchant_money(uow, shop, shop, journals=app.journals)
            amount = money.withdrawable.min(cny("50000.00"))  # within the withdrawal limit
            if amount.is_positive():
                app.handle(
                    settlement.RequestWithdrawal(
                        shop,
                        shop,
                        settlement.WithdrawalId(f"wd-{shop}-1"),
                        amount,
                        "6222****",
                    )
                )
        next_month = clock.now().replace(day=1) + timedelta(days=32)
        clock.set(next_month.replace(day=1))
        app.handle(installments.RunBills())
        with app.unit_of_work() as uow:  # each borrower's bills, read once (only hers change)
            bills: dict[str, list[installments.Bill]] = {}
            for key in uow.repo(installments.Bill).ids():
                bill = uow.repo(installments.Bill).get(key)
                bills.setdefault(bill.customer_id, []).append(bill)
        for cid in self.world.borrowers:
            if self.rng.random() < 0.05:  # a few pay everything off early
                with app.unit_of_work() as uow:
                    account = uow.repo(credit.CreditAccount).get(cid)
                    quotes = [
                        installments.payoff_quote(uow, plan, clock=clock)
                        for plan in account.open_plans
                    ]
                for plan_id, quote in zip(account.open_plans, quotes, strict=True):
                    app.handle(installments.PayOffInstallmentPlan(plan_id, quote.total))
                    self.tally["plans paid off early"] += 1
                continue
            if self.rng.random() < 0.9:  # most repay their bill in full; some are late
                due = Money.sum((b.total for b in bills.get(cid, [])), "CNY")
                if due.is_positive():
                    app.handle(installments.RepayCredit(cid, due))
                    self.tally["bills repaid"] += 1


def everything(app: App, kind: type[Any]) -> list[Any]:
    with app.unit_of_work() as uow:
        repo = uow.repo(kind)
        return [repo.get(key) for key in repo.ids()]


def committed_events(app: App, *kinds: type[DomainEvent]) -> Iterator[DomainEvent]:
    """Every committed event of ``kinds``, oldest first, as the store keeps them: a
    database's outbox (every run over it), or the in-memory merx's event log."""
    if not isinstance(app, StoredApp):
        yield from (event for event in app.events.events if isinstance(event, kinds))
        return
    known = app.new_unit_of_work().documents
    names = {known.name_of(kind) for kind in kinds}
    position = 0
    while rows := app.database.events_after(position, 5_000):
        for _, _, name, data in rows:
            if name in names:
                yield known.read_event(name, data)
        position = rows[-1][0]


def report(world: World, tally: Counter[str]) -> dict[str, Any]:
    """What the day left behind, and the checks that it all adds up: read from the store
    (and the sandboxes' books, to check merx against them), never from what this process
    happens to remember, so a day traded in several runs reports as one run does."""
    app = world.app
    all_orders = everything(app, orders.Order)
    all_payments = everything(app, payments.Payment)
    problems: list[str] = []

    money: dict[str, Any] = {}
    by_channel: dict[str, tuple[Money, Money]] = {}
    for payment in all_payments:
        captured, refunded = by_channel.get(payment.channel, (cny("0"), cny("0")))
        by_channel[payment.channel] = (captured + payment.captured, refunded + payment.refunded)
        if payment.refunded + payment.refund_pending > payment.captured:
            problems.append(f"payment {payment.id}: refunds beyond what was captured")
        if payment.channel in app.gateways and payment.facts:
            seen = app.gateways[payment.channel].query(payment_id=payment.id)
            if (seen.captured, seen.refunded) != (payment.captured, payment.refunded):
                problems.append(f"payment {payment.id}: merx and the channel disagree")
    money["customers paid, by channel"] = {c: p for c, (p, _) in sorted(by_channel.items())}
    money["refunded, by channel"] = {c: r for c, (_, r) in sorted(by_channel.items())}

    with app.unit_of_work() as uow:
        books = settlement.reconciliation_report(uow, "CNY", journals=app.journals)
        merchant_money = {
            shop: settlement.merchant_money(uow, shop, shop, journals=app.journals)
            for shop in world.clothes
        }
    problems.extend(f"ledger: {p}" for p in books.problems)
    money["platform commission (net)"] = Money.from_minor(
        sum(o.commission for o in books.orders), "CNY"
    )
    money["platform subsidy (net)"] = Money.from_minor(sum(o.subsidy for o in books.orders), "CNY")
    money["merchants"] = {
        shop: {
            "pending": m.pending,
            "available": m.available,
            "withdrawing": m.withdrawing,
        }
        for shop, m in merchant_money.items()
    }
    paid_out = Money.sum(
        (
            w.amount
            for w in everything(app, settlement.Withdrawal)
            if w.status is settlement.WithdrawalState.PAID
        ),
        "CNY",
    )
    if paid_out != Money.sum(app.payout.paid_out.values(), "CNY"):
        problems.append(f"payouts: merx paid {paid_out}, the bank {app.payout.paid_out}")
    money["paid out to merchants"] = paid_out
    assets = everything(app, funding.Asset)
    funded: Counter[str] = Counter()
    for asset in assets:
        funded[asset.owner or "unfunded"] += asset.principal.minor
    money["installment assets by owner"] = {
        k: Money.from_minor(v, "CNY") for k, v in sorted(funded.items())
    }

    stock = stock_and_events(app, problems)

    limits = Counter[str]()
    for account in everything(app, credit.CreditAccount):
        with app.unit_of_work() as uow:
            position = credit.limit_position(uow, account.id, clock=app.clock)
        limits["granted"] += position.granted.minor
        limits["used"] += position.used.minor
        limits["available"] += position.available.minor

    return {
        "orders": len(all_orders),
        "orders by final state": dict(sorted(Counter(o.status.value for o in all_orders).items())),
        "events": dict(sorted(tally.items())),
        "money": money,
        "stock by warehouse/SKU": stock,
        "credit limits": {k: Money.from_minor(v, "CNY") for k, v in limits.items()},
        "ledger": {"entries": books.entries, "accounts": books.accounts, "reconciled": books.ok},
        "checks": {"problems": problems, "ok": not problems},
    }


def stock_and_events(app: App, problems: list[str]) -> dict[str, dict[str, int]]:
    """Stock by warehouse/SKU, checked against every receipt the store's events record;
    ``problems`` gains an order paid twice and, on a database, any event not delivered."""
    received: Counter[str] = Counter()
    paid: list[OrderId] = []
    for event in committed_events(app, inventory.StockReceived, orders.OrderPaid):
        if isinstance(event, inventory.StockReceived):
            received[f"{event.warehouse}/{event.sku}"] += event.quantity
        elif isinstance(event, orders.OrderPaid):
            paid.append(event.order_id)
    stock = {}
    for item in everything(app, inventory.StockItem):
        stock[item.id] = {
            "received": received[item.id],
            "shipped": item.shipped,
            "on hand": item.on_hand,
            "reserved": item.reserved,
        }
        if received[item.id] != item.on_hand + item.shipped:
            problems.append(
                f"stock {item.id}: received {received[item.id]} "
                f"!= on hand {item.on_hand} + shipped {item.shipped}"
            )
    if len(paid) != len(set(paid)):
        problems.append("an order was paid twice")
    if isinstance(app, StoredApp):
        problems.extend(f"event not delivered: {parked}" for parked in app.relay.parked())
    return stock


def _plain(value: object) -> object:
    """Money in the JSON report: ``{"amount": "12.50", "currency": "CNY"}``."""
    if isinstance(value, Money):
        return {"amount": str(value.amount), "currency": value.currency}
    raise TypeError(f"{type(value).__name__} is not JSON")


def print_report(result: dict[str, Any], indent: int = 0) -> None:
    for key, value in result.items():
        if isinstance(value, dict):
            print(f"{' ' * indent}{key}:")
            print_report(value, indent + 2)
        elif isinstance(value, list):
            print(f"{' ' * indent}{key}: {', '.join(map(str, value)) or 'none'}")
        else:
            print(f"{' ' * indent}{key}: {value}")


# -- the run's place ------------------------------------------------------------------


def place(world: World, day: Day, ids: SequentialIds, total: int, done: int) -> dict[str, Any]:
    """The ``simulation/run`` document: all a later run needs to go on at order ``done``."""
    return {
        "format": 1,
        "seed": world.seed,
        "orders": total,
        "journeys": list(day.journeys),
        "done": done,
        "clock": world.clock.now().isoformat(),
        "ids": ids.counters(),
        "tally": dict(day.tally),
        "world": world.state(),
    }


# -- stores -------------------------------------------------------------------------------


@attrs.frozen
class Options:
    store: str
    db: str
    synchronous: Literal["FULL", "NORMAL"]
    orders: int | None
    seed: int | None
    journeys: tuple[str, ...] | None
    stop_after: int | None
    resume: bool
    check_views: bool
    json: bool
    quiet: bool
    days: int | None = None
    per_hour: int | None = None
    incident: bool = False
    report: str | None = None

    def where(self) -> str:
        if self.store == "sqlite":
            return f"sqlite {self.db} (synchronous {self.synchronous})"
        return self.store if self.store == "memory" else f"{self.store} {self.db}"


#: Opens a merx over a store, given the options, the clock it steps and the id source.
Opener = Callable[[Options, FixedClock, SequentialIds], App]


#: The outbox relay's owner on a database: one simulation goes on with a run at a time (the
#: run record sees to that), so a run resumed after a killed one takes the relay's lease at
#: once instead of waiting for it to expire.
RELAY_OWNER = "simulate"


def open_memory(options: Options, clock: FixedClock, ids: SequentialIds) -> App:
    del ids  # the in-memory merx mints its own SequentialIds; nothing is resumed
    return build_memory_app(clock=clock, order_policy=ORDER_POLICY, check_views=options.check_views)


def open_sqlite(options: Options, clock: FixedClock, ids: SequentialIds) -> App:
    settings = Settings(order_policy=ORDER_POLICY)
    return build_sqlite_app(
        options.db,
        clock=clock,
        ids=ids,
        settings=settings,
        synchronous=options.synchronous,
        relay_owner=RELAY_OWNER,
    )


def open_postgres(options: Options, clock: FixedClock, ids: SequentialIds) -> App:
    settings = Settings(order_policy=ORDER_POLICY)
    return build_postgres_app(
        options.db, clock=clock, ids=ids, settings=settings, relay_owner=RELAY_OWNER
    )


#: The stores by name: a new one is a function here and a name in ``--store``.
STORES: dict[str, Opener] = {
    "memory": open_memory,
    "sqlite": open_sqlite,
    "postgres": open_postgres,
}


# -- a run --------------------------------------------------------------------------------


@attrs.frozen
class Outcome:
    report: dict[str, Any]
    seed: int
    journeys: tuple[str, ...]
    total: int
    first: int
    done: int
    seconds: float
    trading_seconds: float
    interrupted: bool
    alarms: dict[str, str] = attrs.field(factory=dict)
    #: the day's monitoring (its app is closed after a run on a database)
    watch: monitored.Watch | None = attrs.field(default=None, eq=False, repr=False)


def simulate(options: Options, progress: Progress) -> Outcome:
    """Trade the day's orders (a fresh day, or the rest of a stopped one), keep the run's
    place in a database store, and report."""
    started = time.perf_counter()
    if options.store == "sqlite" and not options.resume:
        make_room(Path(options.db))
    if options.store == "sqlite" and options.resume and not Path(options.db).exists():
        raise Refused(f"{options.db} does not exist: there is no run to resume")
    clock, ids = FixedClock(START), SequentialIds()
    progress.say(f"opening {options.where()}")
    app = STORES[options.store](options, clock, ids)
    try:
        return _run(options, progress, app, clock=clock, ids=ids, started=started)
    finally:
        if isinstance(app, StoredApp):
            app.close()


def _run(
    options: Options,
    progress: Progress,
    app: App,
    *,
    clock: FixedClock,
    ids: SequentialIds,
    started: float,
) -> Outcome:
    record = RunRecord(app.database) if isinstance(app, StoredApp) else None
    if record is None:
        world, day, first = _new_day(options, app, clock, progress)
    elif options.resume:
        world, day, first = _resumed_day(options, app, clock, ids, record)
    else:
        if record.load("run") is not None:
            raise Refused(f"{options.db} holds a simulation already: --resume it, or start anew")
        world, day, first = _new_day(options, app, clock, progress, record=record, ids=ids)
    total = world.orders_wanted
    stop = total if options.stop_after is None else min(total, first + options.stop_after)
    if record is not None:
        record.save({**place(world, day, ids, total, first), "status": "running"})
    with interruptible(record is not None, progress) as stopping:
        if first < stop:
            progress.say(f"trading orders {first + 1} to {stop} of {total}")
        progress.start(first, stop, total)
        trading = time.perf_counter()
        done = day.trade(first, stop, progress, stopping)
        trading = time.perf_counter() - trading
    if done == total:
        assert day.watch is not None
        day.watch.finish()
        progress.say("the day's end: unpaid orders close, receipts confirm, merchants settle")
        day.end_of_day()
    if record is not None:
        status = "finished" if done == total else "stopped"
        record.save({**place(world, day, ids, total, done), "status": status}, outside_world(app))
    progress.say("reconciling")
    result = report(world, day.tally)
    if options.report:
        assert day.watch is not None
        page = monitored.daily_report(result, day.watch, "merx: the day's report")
        Path(options.report).write_text(monitoring.render_report(page), encoding="utf-8")
        progress.say(f"report written to {options.report}")
    assert day.watch is not None
    alarms = {
        alarm.id: f"{alarm.status.value}, incidents {len(alarm.incidents)}"
        for alarm in day.watch.alarms()
    }
    return Outcome(
        report=result,
        seed=world.seed,
        journeys=day.journeys,
        total=total,
        first=first,
        done=done,
        seconds=time.perf_counter() - started,
        trading_seconds=trading,
        interrupted=done < stop,
        alarms=alarms,
        watch=day.watch,
    )


def _new_day(
    options: Options,
    app: App,
    clock: FixedClock,
    progress: Progress,
    *,
    record: RunRecord | None = None,
    ids: SequentialIds | None = None,
) -> tuple[World, Day, int]:
    total = DEFAULT_ORDERS[options.store] if options.orders is None else options.orders
    if options.days is not None:
        total = options.days * 24 * (options.per_hour or DEFAULT_PER_HOUR)
    seed = 1 if options.seed is None else options.seed
    world = World(total, seed, app=app, clock=clock)
    day = Day(world, options.journeys or JOURNEYS)
    if record is not None:  # marks the store as the simulation's before anything else
        assert ids is not None
        record.save({**place(world, day, ids, total, 0), "status": "building"})
    progress.say("building the platform: warehouses, suppliers, merchants, campaigns")
    world.build()
    day.watch = watch(options, app, clock, seed)
    return world, day, 0


def _resumed_day(
    options: Options, app: App, clock: FixedClock, ids: SequentialIds, record: RunRecord
) -> tuple[World, Day, int]:
    run = record.load("run")
    if run is None:
        raise Refused(f"{options.db} holds no simulation to resume")
    if run["status"] == "finished":
        raise Refused(
            f"the day in {options.db} is over ({run['done']} orders): start a new run instead"
        )
    if run["status"] != "stopped":
        raise Refused(
            f"the run in {options.db} ended without keeping its place (it was {run['status']} "
            "when it was killed or failed): it cannot go on exactly; start a new run"
        )
    journeys = tuple(run["journeys"])
    for given, stored, flag in (
        (options.orders, run["orders"], "--orders"),
        (options.seed, run["seed"], "--seed"),
        (options.journeys and " ".join(options.journeys), " ".join(journeys), "--journey"),
    ):
        if given is not None and given != stored:
            raise Refused(f"the run in {options.db} was started with {flag} {stored}, not {given}")
    outside = record.load("outside")
    assert outside is not None, "a stopped run keeps its sandboxes"
    clock.set(datetime.fromisoformat(run["clock"]))
    ids.continue_from(run["ids"])
    world = World(run["orders"], run["seed"], app=app, clock=clock)
    restore_outside_world(app, outside)
    world.restore(run["world"])
    watching = watch(options, app, clock, run["seed"])
    return world, Day(world, journeys, run["tally"], watching), run["done"]


def watch(options: Options, app: App, clock: FixedClock, seed: int) -> monitored.Watch:
    """The day's monitoring: ``--days`` places the orders hour by hour, ``--incident``
    breaks a channel for an hour of the last day."""
    per_hour = incident = None
    if options.days is not None:
        per_hour = options.per_hour or DEFAULT_PER_HOUR
        incident = (options.days - 1) * 24 + INCIDENT_HOUR if options.incident else None
    return monitored.Watch(app, clock, START, per_hour=per_hour, incident_hour=incident, seed=seed)


# -- the command line ---------------------------------------------------------------------


def parse(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0],
        epilog="Without --resume, a SQLite --db is made anew (an earlier simulation's file "
        "there is replaced; any other file is refused).",
    )
    parser.add_argument(
        "--orders",
        type=int,
        help="orders in the day (default 10,000 in memory, 1,000 on a database)",
    )
    parser.add_argument("--seed", type=int, help="the seed of every random choice (default 1)")
    parser.add_argument("--journey", choices=(*JOURNEYS, "all"), help="default: all")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--store", choices=tuple(STORES), default="sqlite", help="default: sqlite")
    parser.add_argument(
        "--db",
        help=f"the SQLite file (default ./{DEFAULT_DB}) or the PostgreSQL DSN",
    )
    parser.add_argument(
        "--synchronous",
        choices=("FULL", "NORMAL"),
        default="NORMAL",
        help="SQLite's durability: NORMAL (the demo's default: a power cut may lose the last "
        "commits, never corrupt the file) or FULL (merx's default: every commit is synced "
        "to disk; several times slower here)",
    )
    parser.add_argument(
        "--stop-after",
        type=int,
        metavar="N",
        help="stop after N orders of this run, keeping the run's place; --resume goes on",
    )
    parser.add_argument(
        "--resume", action="store_true", help="go on with the stopped run kept in --db"
    )
    parser.add_argument(
        "--check-views",
        action="store_true",
        help="memory store: verify no read-only view is changed (slower)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    parser.add_argument(
        "--days",
        type=int,
        metavar="N",
        help="trade N days, the clock moving hour by hour (instead of --orders)",
    )
    parser.add_argument(
        "--orders-per-hour",
        type=int,
        metavar="K",
        help=f"with --days: orders each hour (default {DEFAULT_PER_HOUR})",
    )
    parser.add_argument(
        "--incident",
        action="store_true",
        help="with --days: alipay fails 30%% of its payments 10:00-11:00 on the last day",
    )
    parser.add_argument(
        "--report",
        metavar="PATH",
        help=f"write the day's HTML report there (default: {DEFAULT_REPORT} next to the "
        "SQLite file; none for the other stores)",
    )
    args = parser.parse_args(argv)
    if args.store == "memory" and (args.resume or args.stop_after is not None or args.db):
        parser.error(
            "the memory store keeps nothing after exit: --db, --stop-after and "
            "--resume need --store sqlite or postgres"
        )
    if args.store == "postgres" and not args.db:
        parser.error("--store postgres needs --db DSN")
    if args.orders is not None and args.orders < 1:
        parser.error(f"--orders must be at least 1, not {args.orders}")
    if args.stop_after is not None and args.stop_after < 1:
        parser.error(f"--stop-after must be at least 1, not {args.stop_after}")
    if args.days is not None:
        if args.days < 1:
            parser.error(f"--days must be at least 1, not {args.days}")
        if args.orders is not None or args.resume or args.stop_after is not None:
            parser.error(
                "--days sets the orders itself, and runs in one go: no --orders, "
                "--stop-after or --resume"
            )
    elif args.orders_per_hour is not None or args.incident:
        parser.error("--orders-per-hour and --incident need --days")
    if args.orders_per_hour is not None and not 1 <= args.orders_per_hour <= 150:
        parser.error(f"--orders-per-hour must be in 1..150, not {args.orders_per_hour}")
    db = args.db or (DEFAULT_DB if args.store == "sqlite" else "")
    report = args.report
    if report is None and args.store == "sqlite":
        report = str(Path(db).with_name(DEFAULT_REPORT))
    journeys: tuple[str, ...] | None = None
    if args.journey is not None:
        journeys = JOURNEYS if args.journey == "all" else (args.journey,)
    return Options(
        store=args.store,
        db=db,
        synchronous=args.synchronous,
        orders=args.orders,
        seed=args.seed,
        journeys=journeys,
        stop_after=args.stop_after,
        resume=args.resume,
        check_views=args.check_views,
        json=args.json,
        quiet=args.quiet,
        days=args.days,
        per_hour=args.orders_per_hour,
        incident=args.incident,
        report=report,
    )


def main(argv: list[str] | None = None) -> int:
    options = parse(argv)
    progress = Progress(sys.stderr, quiet=options.quiet)
    try:
        outcome = simulate(options, progress)
    except Refused as refused:
        print(f"simulate: {refused}", file=sys.stderr)
        return 2
    ran = outcome.done - outcome.first
    run = {
        "store": options.where(),
        "orders this run": ran,
        "seconds": round(outcome.seconds, 1),  # opening, building, trading, the day's end, report
        "orders per second": round(ran / outcome.trading_seconds, 1) if ran else None,
        "day over": outcome.done == outcome.total,
    }
    run["alarms"] = outcome.alarms
    if options.report:
        run["html report"] = options.report
    kinds = ", ".join(outcome.journeys)
    if outcome.done == outcome.total:
        headline = f"merx: a day of trade, {outcome.total} orders, seed {outcome.seed}"
    else:
        headline = (
            f"merx: a day of trade, {outcome.done} of {outcome.total} orders so far "
            f"(stopped; --resume --db {options.db} goes on), seed {outcome.seed}"
        )
    if options.json:
        print(json.dumps({**outcome.report, "run": run}, indent=2, default=_plain))
    else:
        print(f"{headline}, journeys {kinds}")
        print_report(outcome.report)
        print_report({"run": run})
    if outcome.interrupted:
        return 130
    return 0 if outcome.report["checks"]["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
