"""The contracts of the query ports: ``OrderQueries`` (:mod:`merx.orders.ports`),
``PaymentQueries`` (:mod:`merx.payments.ports`), ``InstallmentQueries``
(:mod:`merx.installments.ports`), ``StockQueries`` (:mod:`merx.inventory.ports`),
``PurchaseOrderQueries`` (:mod:`merx.procurement.ports`) and ``SettlementQueries``
(:mod:`merx.settlement.ports`). An adapter answers exactly what a scan of every aggregate of
the kind, loaded through a unit of work and asked the model's own predicate, answers (the
scans are here, and only here: no store answers a query that way).

A query adapter reads the store that the use cases write, so the suites need a whole
merx: the host's fixture ``make_queries_world`` answers a factory of fresh
:class:`QueriesWorld`\\ s, each a merx wired to an empty store of the host's (with its
commands registered as ``merx.app.build_memory_app`` registers them), the query adapters
under test over that store, and hooks to play the outside world's part. Subclass the
contracts you need (:class:`OrderQueriesContract`, :class:`PaymentQueriesContract`,
:class:`InstallmentQueriesContract`, :class:`StockQueriesContract`,
:class:`PurchaseOrderQueriesContract`, :class:`SettlementQueriesContract`)::

    class TestPostgresOrderQueries(OrderQueriesContract):
        @pytest.fixture
        def make_queries_world(self, database: Database) -> Callable[[], QueriesWorld]:
            return lambda: PostgresWorld(database.fresh_schema())

Each test builds its world afresh through commands: for orders and payments, four days of
trade, each placing an unpaid order, a shipped one, a delivered one, a completed one and
one whose payment awaits the payer's proof; for the others, the accounts, stock, purchase
orders or withdrawals their queries look for, and some they must not find.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Protocol, TypeVar

import pytest

from merx import (
    aftersales,
    catalog,
    checkout,
    credit,
    customers,
    fulfillment,
    installments,
    inventory,
    merchants,
    orders,
    payments,
    procurement,
    promotions,
    settlement,
    suppliers,
)
from merx.aftersales import AfterSaleQueries
from merx.customers import Address
from merx.installments import InstallmentQueries
from merx.installments.ports import billed_on
from merx.inventory import InventoryPolicy, StockItem, StockQueries
from merx.kernel.bus import Command
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
from merx.kernel.uow import UnitOfWork
from merx.orders import Order, OrderQueries, OrderStatus, ParentOrder, PresaleOrder
from merx.payments import Payment, PaymentQueries
from merx.procurement import Period, PurchaseOrder, PurchaseOrderId, PurchaseOrderQueries
from merx.settlement import SettlementQueries, Withdrawal, WithdrawalId, WithdrawalState

R = TypeVar("R")

SKU, DC = SkuId("phone"), WarehouseId("wh")


class QueriesWorld(Protocol):
    """A merx over one fresh store, with the query adapters that read that store."""

    def handle(self, command: Command[R]) -> R:
        """Run a command through the message bus."""
        ...

    def unit_of_work(self) -> UnitOfWork:
        """A unit of work over the store."""
        ...

    def now(self) -> datetime:
        """The world's clock."""
        ...

    def advance_clock(self, by: timedelta) -> None:
        """Move the world's clock on by ``by``."""
        ...

    def deliver(self, tracking_number: str) -> None:
        """The carrier reports the parcel ``tracking_number`` delivered now (through the
        logistics adapter's test hook: ``advance(..., TrackingStatus.DELIVERED, now)``)."""
        ...

    def ask_next_payment_for_proof(self) -> None:
        """Risk control asks the next payment for an SMS proof (through the risk adapter's
        test hook: ``decide_next(RiskDecision.authenticate(AuthFactor.SMS, ...))``)."""
        ...

    def order_queries(self) -> OrderQueries:
        """The ``OrderQueries`` adapter under test, over the store."""
        ...

    def hold_next_top_up(self, supplier: SupplierId) -> None:
        """The virtual-goods supplier ``supplier`` times out on its next purchase without
        applying it (through the supplier adapter's test hook:
        ``timeout_next(applied=False)``), so the order stays procuring."""
        ...

    def payment_queries(self) -> PaymentQueries:
        """The ``PaymentQueries`` adapter under test, over the store."""
        ...

    def hold_next_payout(self) -> None:
        """The payout bank leaves the next payout pending (through the payout adapter's
        test hook: ``pending_next()``)."""
        ...

    def installment_queries(self) -> InstallmentQueries:
        """The ``InstallmentQueries`` adapter under test, over the store."""
        ...

    def stock_queries(self) -> StockQueries:
        """The ``StockQueries`` adapter under test, over the store."""
        ...

    def purchase_order_queries(self) -> PurchaseOrderQueries:
        """The ``PurchaseOrderQueries`` adapter under test, over the store."""
        ...

    def settlement_queries(self) -> SettlementQueries:
        """The ``SettlementQueries`` adapter under test, over the store."""
        ...

    def after_sale_queries(self) -> AfterSaleQueries:
        """The ``AfterSaleQueries`` adapter under test, over the store."""
        ...

    def script_alipay(self, answer: str, times: int = 1) -> None:
        """The ``alipay`` channel's next ``times`` answers (through the payment gateway
        adapter's test hooks): ``"timeout"`` (``timeout_next(applied=False)``) or
        ``"decline"`` (``decline_next()``)."""
        ...


#: What the host's ``make_queries_world`` fixture answers.
WorldFactory = Callable[[], QueriesWorld]


class ScanningOrderQueries:
    """:class:`~merx.orders.OrderQueries` by loading every order through ``uow``
    (O(history)): what the contract compares an adapter with."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def unpaid_parent_orders(self, placed_by: datetime) -> list[OrderId]:
        repo = self._uow.repo(ParentOrder)
        return [OrderId(key) for key in repo.ids() if repo.get(key).unpaid_since(placed_by)]

    def orders_awaiting_receipt(
        self, *, shipped_by: datetime, delivered_by: datetime
    ) -> list[OrderId]:
        repo = self._uow.repo(Order)
        return [
            OrderId(key)
            for key in repo.ids()
            if repo.get(key).awaits_receipt(shipped_by=shipped_by, delivered_by=delivered_by)
        ]

    def orders_of_seller(self, seller: MerchantId) -> list[OrderId]:
        repo = self._uow.repo(Order)
        return [OrderId(key) for key in repo.ids() if repo.get(key).seller == seller]

    def parent_orders_of(self, customer: CustomerId) -> list[OrderId]:
        repo = self._uow.repo(ParentOrder)
        return [OrderId(key) for key in repo.ids() if repo.get(key).customer_id == customer]

    def orders_procuring(self, paid_by: datetime) -> list[OrderId]:
        repo = self._uow.repo(Order)
        return [OrderId(key) for key in repo.ids() if repo.get(key).procuring_since(paid_by)]

    def presales_unpaid_after_window(
        self, now: datetime, limit: int | None = None
    ) -> list[OrderId]:
        repo = self._uow.repo(PresaleOrder)
        found = [OrderId(key) for key in repo.ids() if repo.get(key).unpaid_after_window(now)]
        return found[:limit]


def place(world: QueriesWorld, who: str) -> orders.PlacedOrder:
    cid = world.handle(customers.RegisterCustomer(CustomerId(who), who, "1"))
    world.handle(customers.AddAddress(cid, "home", Address(who, "1", "sh", "road"), default=True))
    world.handle(checkout.AddToCart(cid, SKU, 1))
    return world.handle(orders.PlaceOrder(cid))


TOPUP = SkuId("mobile-100")


def top_up_supplier(world: QueriesWorld) -> SupplierId:
    """A real-time API supplier, approved, and a 100 CNY top-up it fulfils, listed at 98."""
    telco = world.handle(suppliers.ApplySupplier("Telco API", suppliers.SupplierType.REAL_TIME_API))
    licence = suppliers.DocumentKind.BUSINESS_LICENCE
    world.handle(suppliers.AddQualificationDocument(telco, licence, "BL-T", date(2031, 6, 30)))
    world.handle(suppliers.SubmitSupplierApplication(telco))
    world.handle(suppliers.ReviewQualificationDocument(telco, "BL-T", accepted=True))
    world.handle(suppliers.ApproveSupplier(telco))
    world.handle(
        catalog.CreateSku(
            TOPUP, "Mobile 100", PLATFORM, "topup", Money.of("98.00", "CNY"),
            goods_type=catalog.GoodsType.VIRTUAL_TOPUP, face_value=Money.of("100.00", "CNY"),
            operator="China Mobile", fulfillment=catalog.Fulfillment.real_time_supplier(telco),
        )
    )  # fmt: skip
    return telco


def top_up(world: QueriesWorld, who: str) -> OrderId:
    """``who`` buys a top-up for their own number and pays: the order, paid."""
    cid = world.handle(customers.RegisterCustomer(CustomerId(who), who, "13900000000"))
    world.handle(checkout.AddToCart(cid, TOPUP, 1))
    placed = world.handle(orders.PlaceOrder(cid, account="13900000000"))
    world.handle(payments.PayOrder(placed.parent_id, "alipay"))
    return placed.order_ids[0]


def ship(world: QueriesWorld, placed: orders.PlacedOrder, *, delivered: bool) -> None:
    world.handle(payments.PayOrder(placed.parent_id, "alipay"))
    (shipment,) = world.handle(fulfillment.ShipOrder(placed.order_ids[0]))
    if delivered:
        with world.unit_of_work() as uow:
            tracking = uow.repo(fulfillment.Shipment).get(shipment).tracking_number
        assert tracking is not None
        world.deliver(tracking)
        world.handle(fulfillment.SyncTracking(ShipmentId(shipment)))


def trade(world: QueriesWorld) -> QueriesWorld:
    """Orders placed over four days in every state the timers look for."""
    world.handle(catalog.CreateSku(SKU, "Phone", PLATFORM, "phone", Money.of("100.00", "CNY")))
    world.handle(inventory.OpenWarehouse(DC, "DC", "-", {"sh": 1}))
    world.handle(inventory.ReceiveStock(DC, SKU, 100, "po"))
    for day in range(4):
        place(world, f"unpaid-{day}")
        ship(world, place(world, f"shipped-{day}"), delivered=False)
        ship(world, place(world, f"delivered-{day}"), delivered=True)
        done = place(world, f"completed-{day}")
        ship(world, done, delivered=True)
        world.handle(orders.ConfirmReceipt(done.order_ids[0]))
        world.ask_next_payment_for_proof()
        world.handle(payments.PayOrder(place(world, f"auth-{day}").parent_id, "alipay"))
        world.advance_clock(timedelta(days=1))
    return world


class OrderQueriesContract:
    """The contract of an ``OrderQueries`` adapter (see the module docstring). Subclass it
    under a name pytest collects and provide the fixture ``make_queries_world``."""

    @pytest.fixture
    def world(self, make_queries_world: WorldFactory) -> QueriesWorld:
        return trade(make_queries_world())

    @pytest.mark.parametrize("days_back", [0, 1, 2, 3, 5, -1])
    def test_order_queries_agree_with_a_full_scan(
        self, world: QueriesWorld, days_back: int
    ) -> None:
        cutoff = world.now() - timedelta(days=days_back)
        queries = world.order_queries()
        with world.unit_of_work() as uow:
            scan = ScanningOrderQueries(uow)
            unpaid = sorted(queries.unpaid_parent_orders(cutoff))
            assert unpaid == sorted(scan.unpaid_parent_orders(cutoff))
            window = {"shipped_by": cutoff - timedelta(days=1), "delivered_by": cutoff}
            awaiting = sorted(queries.orders_awaiting_receipt(**window))
            assert awaiting == sorted(scan.orders_awaiting_receipt(**window))
        if 0 < days_back < 4:
            assert unpaid
            assert awaiting

    def test_orders_of_a_seller_are_found(self, world: QueriesWorld) -> None:
        queries = world.order_queries()
        with world.unit_of_work() as uow:
            found = ScanningOrderQueries(uow).orders_of_seller(PLATFORM)
            assert queries.orders_of_seller(PLATFORM) == found
            assert len(found) == len(list(uow.repo(Order).ids()))
        assert queries.orders_of_seller(MerchantId("nobody")) == []

    def test_a_customers_parent_orders_are_found(self, world: QueriesWorld) -> None:
        cid = CustomerId("regular")
        world.handle(customers.RegisterCustomer(cid, "Regular", "1"))
        world.handle(customers.AddAddress(cid, "home", Address("R", "1", "sh", "r"), default=True))
        placed = []
        for _ in range(3):
            world.handle(checkout.AddToCart(cid, SKU, 1))
            placed.append(world.handle(orders.PlaceOrder(cid)).parent_id)
        queries = world.order_queries()
        assert sorted(queries.parent_orders_of(cid)) == sorted(placed)
        with world.unit_of_work() as uow:
            for who in ("unpaid-0", "shipped-3", "nobody"):
                found = sorted(queries.parent_orders_of(CustomerId(who)))
                assert found == sorted(ScanningOrderQueries(uow).parent_orders_of(CustomerId(who)))
            page = orders.customer_orders(uow, cid, queries, limit=2)
            assert [parent.id for parent in page] == sorted(placed, reverse=True)[:2]
            rest = orders.customer_orders(uow, cid, queries, before=page[-1].id, limit=2)
            assert [parent.id for parent in rest] == sorted(placed)[:1]

    def test_top_ups_still_procuring_are_found(self, make_queries_world: WorldFactory) -> None:
        world = make_queries_world()
        telco = top_up_supplier(world)
        paid = []
        for n, held in enumerate([True, True, False]):
            if held:
                world.hold_next_top_up(telco)
            paid.append(top_up(world, f"caller-{n}"))
            world.advance_clock(timedelta(hours=1))
        queries = world.order_queries()
        first_paid = world.now() - timedelta(hours=3)
        assert sorted(queries.orders_procuring(world.now())) == sorted(paid[:2])
        assert list(queries.orders_procuring(first_paid)) == paid[:1]
        assert list(queries.orders_procuring(first_paid - timedelta(seconds=1))) == []
        assert world.handle(fulfillment.FulfillTopUp(paid[0])) is orders.OrderStatus.COMPLETED
        assert list(queries.orders_procuring(world.now())) == paid[1:2]
        with world.unit_of_work() as uow:
            scan = ScanningOrderQueries(uow).orders_procuring(world.now())
        assert scan == paid[1:2]

    def test_presales_unpaid_after_their_window_are_found(
        self, make_queries_world: WorldFactory
    ) -> None:
        world = make_queries_world()
        start = world.now()
        day = timedelta(days=1)
        made = presales(world)
        short, pending, paid, long = made["short"], made["pending"], made["paid"], made["long"]
        queries = world.order_queries()
        cases = [
            (start, []),
            (start + 2 * day - timedelta(seconds=1), []),
            (start + 2 * day, [short, pending]),  # not the paid one, nor the unpaid deposit
            (start + 4 * day, [short, pending, long]),
            (start + 30 * day, [short, pending, long]),
        ]
        with world.unit_of_work() as uow:
            scan = ScanningOrderQueries(uow)
            for now, expected in cases:
                found = list(queries.presales_unpaid_after_window(now))
                assert found == scan.presales_unpaid_after_window(now) == expected, now
                for limit in (1, 2):
                    assert (
                        list(queries.presales_unpaid_after_window(now, limit)) == (expected[:limit])
                    )
        assert paid not in list(queries.presales_unpaid_after_window(start + 30 * day))
        world.advance_clock(2 * day)
        assert world.handle(orders.EndUnpaidPresales(limit=1)) == [short]
        assert world.handle(orders.EndUnpaidPresales()) == [pending]
        later = start + 30 * day
        with world.unit_of_work() as uow:
            scanned = ScanningOrderQueries(uow).presales_unpaid_after_window(later)
        assert list(queries.presales_unpaid_after_window(later)) == scanned == [long]


PRESOLD = SkuId("presold-watch")


def presales(world: QueriesWorld) -> dict[str, OrderId]:
    """Pre-sale orders of two listings, from now: ``short`` (window from +1 to +2 days)
    and ``long`` (+1 to +4 days). Deposits paid of ``short`` (balance never placed),
    ``pending`` (balance placed, unpaid), ``paid`` (balance paid) and ``long``; the
    deposit of ``unpaid`` is never paid. The clock ends at +1 day and 1 hour."""
    start, day = world.now(), timedelta(days=1)
    world.handle(catalog.CreateSku(PRESOLD, "Watch", PLATFORM, "watch", cny("900.00")))
    world.handle(inventory.OpenWarehouse(WarehouseId("wh-presale"), "Pre-sale", "-", {"sh": 1}))
    world.handle(inventory.ReceiveStock(WarehouseId("wh-presale"), PRESOLD, 20, "po-presale"))
    for listing, days in (("ps-short", 2), ("ps-long", 4)):
        terms = promotions.Presale(
            sku=PRESOLD, deposit=cny("10.00"), deposit_value=cny("20.00"),
            final_price=cny("800.00"), balance_starts=start + day,
            balance_ends=start + days * day,
        )  # fmt: skip
        world.handle(orders.CreatePresale(listing, PLATFORM, terms))
    made: dict[str, OrderId] = {}
    for who, listing in [
        ("short", "ps-short"),
        ("unpaid", "ps-short"),
        ("pending", "ps-short"),
        ("paid", "ps-short"),
        ("long", "ps-long"),
    ]:
        cid = world.handle(customers.RegisterCustomer(CustomerId(f"pre-{who}"), who, "1"))
        home = Address(who, "1", "sh", "road")
        world.handle(customers.AddAddress(cid, "home", home, default=True))
        placed = world.handle(orders.PlaceDepositOrder(cid, listing, 1))
        if who != "unpaid":
            world.handle(payments.PayOrder(placed.parent_id, "alipay"))
        made[who] = placed.parent_id
    world.advance_clock(day + timedelta(hours=1))
    world.handle(orders.PlaceBalanceOrder(made["pending"]))
    balance = world.handle(orders.PlaceBalanceOrder(made["paid"]))
    world.handle(payments.PayOrder(balance.parent_id, "alipay"))
    return made


class PaymentQueriesContract:
    """The contract of a ``PaymentQueries`` adapter (see the module docstring). Subclass it
    under a name pytest collects and provide the fixture ``make_queries_world``."""

    @pytest.fixture
    def world(self, make_queries_world: WorldFactory) -> QueriesWorld:
        return trade(make_queries_world())

    def test_payment_queries_agree_with_a_full_scan(self, world: QueriesWorld) -> None:
        with world.unit_of_work() as uow:
            repo = uow.repo(Payment)
            expected = sorted(key for key in repo.ids() if repo.get(key).awaits_authentication)
        assert len(expected) == 4
        assert sorted(world.payment_queries().awaiting_authentication()) == expected

    def test_payments_to_sync_and_refunds_to_finish_agree_with_a_full_scan(
        self, world: QueriesWorld
    ) -> None:
        world.script_alipay("timeout")
        unknown = world.handle(payments.PayOrder(place(world, "timed-out").parent_id, "alipay"))
        paid = [place(world, f"refunded-{n}") for n in range(3)]
        for placed in paid:
            world.handle(payments.PayOrder(placed.parent_id, "alipay"))
        world.script_alipay("decline", times=50)  # every refund call declined from now on
        for n, placed in enumerate(paid[:2]):
            order_id = placed.order_ids[0]
            world.handle(aftersales.GrantRefund(order_id, f"g{n}", cny("10.00"), "sorry"))
        for _ in range(8):  # both refunds run out of tries: escalated
            world.advance_clock(timedelta(days=1))
            world.handle(payments.RetryRefunds())
        world.handle(aftersales.GrantRefund(paid[2].order_ids[0], "g2", cny("5.00"), "late"))
        queries = world.payment_queries()
        with world.unit_of_work() as uow:
            repo = uow.repo(Payment)
            found = [repo.get(key) for key in repo.ids()]
        to_sync = sorted(p.id for p in found if p.awaits_sync)
        pending = sorted(p.id for p in found if p.has_refund_pending)
        escalated = sorted(p.id for p in found if p.has_refund_escalated)
        assert to_sync == [unknown.payment_id]
        assert pending
        assert escalated
        assert sorted(queries.awaiting_sync()) == to_sync
        assert sorted(queries.with_refunds_pending()) == pending
        assert sorted(queries.with_refunds_escalated()) == escalated


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


# -- InstallmentQueries ------------------------------------------------------------------

TABLET, CREDIT_DC = SkuId("tablet"), WarehouseId("wh-credit")

#: Who holds a credit account in the installments world: statement day, and whether the
#: customer buys on installments (``"paid off"``: buys, then pays the plan off at once).
CREDIT_CUSTOMERS = {
    "day-01": (1, "buys"),
    "day-15": (15, "buys"),
    "idle-15": (15, "never buys"),
    "paid-15": (15, "paid off"),
    "day-30": (30, "buys"),
    "day-31": (31, "buys"),
}


def open_credit_accounts(world: QueriesWorld) -> None:
    """The accounts of :data:`CREDIT_CUSTOMERS`, each plan on 6 months."""
    price = Money.of("1200.00", "CNY")
    sku = catalog.CreateSku(TABLET, "Tablet", PLATFORM, "tablet", price, installment_eligible=True)
    world.handle(sku)
    world.handle(inventory.OpenWarehouse(CREDIT_DC, "Credit DC", "-", {"sh": 1}))
    world.handle(inventory.ReceiveStock(CREDIT_DC, TABLET, 100, "po"))
    for who, (day, buys) in CREDIT_CUSTOMERS.items():
        cid = world.handle(customers.RegisterCustomer(CustomerId(who), who, "1"))
        address = Address(who, "1", "sh", "road")
        world.handle(customers.AddAddress(cid, "home", address, default=True))
        world.handle(
            credit.ApplyForCredit(
                cid,
                credit.Identity(who, "110101199201011234", "1"),
                credit.Consent(True, world.now(), "v1"),
                credit.ScoringFacts(cid, 32, cny("15000.00"), 24, 0, cny("0")),
                statement_day=day,
            )
        )
        if buys == "never buys":
            continue
        world.handle(checkout.AddToCart(cid, TABLET, 1))
        placed = world.handle(orders.PlaceOrder(cid))
        world.handle(payments.PayByInstallments(placed.parent_id, 6))
        if buys == "paid off":
            with world.unit_of_work() as uow:
                (plan_id,) = uow.repo(credit.CreditAccount).get(cid).open_plans
                plan = uow.repo(installments.InstallmentPlan).get(plan_id)
                quote = plan.payoff_quote(world.now().date())
            world.handle(installments.PayOffInstallmentPlan(plan_id, quote.total))


class InstallmentQueriesContract:
    """The contract of an ``InstallmentQueries`` adapter (see the module docstring).
    Subclass it under a name pytest collects and provide the fixture ``make_queries_world``."""

    @pytest.fixture
    def world(self, make_queries_world: WorldFactory) -> QueriesWorld:
        world = make_queries_world()
        open_credit_accounts(world)
        return world

    @pytest.mark.parametrize(
        ("on", "expected"),
        [
            (date(2026, 2, 1), {"day-01"}),
            (date(2026, 2, 14), set()),
            (date(2026, 2, 15), {"day-15"}),  # not the idle account, nor the paid-off one
            (date(2026, 2, 28), {"day-30", "day-31"}),  # February's last day bills both
            (date(2026, 3, 30), {"day-30"}),
            (date(2026, 3, 31), {"day-31"}),
            (date(2026, 4, 30), {"day-30", "day-31"}),
        ],
    )
    def test_accounts_to_bill_agree_with_a_full_scan(
        self, world: QueriesWorld, on: date, expected: set[str]
    ) -> None:
        with world.unit_of_work() as uow:
            repo = uow.repo(credit.CreditAccount)
            scanned = sorted(key for key in repo.ids() if billed_on(repo.get(key), on))
        assert sorted(world.installment_queries().accounts_to_bill(on)) == scanned
        assert set(scanned) == expected


# -- StockQueries ------------------------------------------------------------------------

SHIRT, COAT, HAT, SCARF = SkuId("shirt"), SkuId("coat"), SkuId("hat"), SkuId("scarf")
STOCK_DC = WarehouseId("wh-stock")


def hold_stock(world: QueriesWorld) -> None:
    """Four stock items in one warehouse: shirts reserved for two orders (until +10 and
    +30 minutes), coats for one (+20), hats locked firmly (no expiry), scarves not held."""
    world.handle(inventory.OpenWarehouse(STOCK_DC, "Stock DC", "-", {"bj": 1}))
    for sku in (SHIRT, COAT, HAT, SCARF):
        world.handle(catalog.CreateSku(sku, str(sku), PLATFORM, "wear", cny("10.00")))
        world.handle(inventory.ReceiveStock(STOCK_DC, sku, 10, f"po-{sku}"))
    now, policy = world.now(), InventoryPolicy()
    holds = [
        ("o1", SHIRT, now + timedelta(minutes=10)),
        ("o2", SHIRT, now + timedelta(minutes=30)),
        ("o3", COAT, now + timedelta(minutes=20)),
        ("o4", HAT, None),
    ]
    with world.unit_of_work() as uow:
        for order_id, sku, expires_at in holds:
            inventory.hold_for_order(
                uow, order_id, [(sku, 1)], "bj", policy=policy, expires_at=expires_at
            )
        uow.commit()


def expired_by_scan(world: QueriesWorld, by: datetime) -> list[str]:
    with world.unit_of_work() as uow:
        repo = uow.repo(StockItem)
        return sorted(
            key
            for key in repo.ids()
            if (expiry := repo.get(key).next_expiry) is not None and expiry <= by
        )


class StockQueriesContract:
    """The contract of a ``StockQueries`` adapter (see the module docstring). Subclass it
    under a name pytest collects and provide the fixture ``make_queries_world``."""

    @pytest.fixture
    def world(self, make_queries_world: WorldFactory) -> QueriesWorld:
        world = make_queries_world()
        hold_stock(world)
        return world

    @pytest.mark.parametrize(
        ("minutes", "expected"),
        [(-1, []), (10, [SHIRT]), (15, [SHIRT]), (20, [COAT, SHIRT]), (60, [COAT, SHIRT])],
    )
    def test_expired_reservations_agree_with_a_full_scan(
        self, world: QueriesWorld, minutes: int, expected: list[SkuId]
    ) -> None:
        by = world.now() + timedelta(minutes=minutes)
        found = sorted(world.stock_queries().stock_with_expired_reservations(by))
        assert found == expired_by_scan(world, by)
        assert found == [inventory.stock_key(STOCK_DC, sku) for sku in expected]

    def test_an_item_is_found_again_by_its_next_reservation(self, world: QueriesWorld) -> None:
        world.advance_clock(timedelta(minutes=15))
        assert world.handle(inventory.ExpireReservations()) == ["o1"]
        for minutes in (0, 5, 15, 60):
            by = world.now() + timedelta(minutes=minutes)
            found = sorted(world.stock_queries().stock_with_expired_reservations(by))
            assert found == expired_by_scan(world, by)
        assert list(world.stock_queries().stock_with_expired_reservations(world.now())) == []


# -- PurchaseOrderQueries ----------------------------------------------------------------

BOLT, SUPPLY_DC = SkuId("bolt"), WarehouseId("wh-supply")


def approved_supplier(world: QueriesWorld, name: str) -> SupplierId:
    """A stocked supplier, approved, with a contract pricing bolts for a year."""
    supplier_id = world.handle(suppliers.ApplySupplier(name, suppliers.SupplierType.STOCKED))
    licence = f"BL-{supplier_id}"
    world.handle(
        suppliers.AddQualificationDocument(
            supplier_id, suppliers.DocumentKind.BUSINESS_LICENCE, licence, date(2030, 1, 1)
        )
    )
    world.handle(suppliers.SubmitSupplierApplication(supplier_id))
    world.handle(suppliers.ReviewQualificationDocument(supplier_id, licence, accepted=True))
    world.handle(suppliers.ApproveSupplier(supplier_id))
    return supplier_id


def purchase_orders(world: QueriesWorld) -> tuple[SupplierId, SupplierId, list[PurchaseOrderId]]:
    """Two suppliers, ``acme`` and ``brio``; acme's orders ``a1`` (received on 10 January
    and 5 March), ``a2`` (20 February) and ``a3`` (never), brio's ``b1`` (20 January)."""
    world.handle(inventory.OpenWarehouse(SUPPLY_DC, "Supply DC", "-", {"gz": 1}))
    world.handle(catalog.CreateSku(BOLT, "Bolt", PLATFORM, "hardware", cny("2.00")))
    start = world.now().date()
    made: dict[SupplierId, list[PurchaseOrderId]] = {}
    for name, count in (("Acme", 3), ("Brio", 1)):
        supplier_id = approved_supplier(world, name)
        contract_id = world.handle(procurement.DraftContract(supplier_id))
        world.handle(
            procurement.AddContractPrice(
                contract_id, BOLT, cny("1.00"), start, start + timedelta(days=365)
            )
        )
        world.handle(procurement.SignContract(contract_id))
        for _ in range(count):
            order_id = world.handle(
                procurement.DraftPurchaseOrder(supplier_id, contract_id, SUPPLY_DC, ((BOLT, 10),))
            )
            world.handle(procurement.ApprovePurchaseOrder(order_id))
            made.setdefault(supplier_id, []).append(order_id)
    (acme, (a1, a2, a3)), (brio, (b1,)) = made.items()
    receipts = [
        (date(2026, 1, 10), a1, 4),
        (date(2026, 1, 20), b1, 10),
        (date(2026, 2, 20), a2, 10),
        (date(2026, 3, 5), a1, 6),
    ]
    for on, order_id, quantity in receipts:
        world.advance_clock(on - world.now().date())
        reference = f"grn-{order_id}-{on}"
        world.handle(procurement.ReceivePurchaseOrder(order_id, reference, ((BOLT, quantity),)))
    return acme, brio, [a1, a2, a3, b1]


class PurchaseOrderQueriesContract:
    """The contract of a ``PurchaseOrderQueries`` adapter (see the module docstring).
    Subclass it under a name pytest collects and provide the fixture
    ``make_queries_world``."""

    def test_purchase_orders_received_agree_with_a_full_scan(
        self, make_queries_world: WorldFactory
    ) -> None:
        world = make_queries_world()
        acme, brio, (a1, a2, _, b1) = purchase_orders(world)
        cases = [
            (acme, date(2026, 1, 1), date(2026, 2, 1), [a1]),
            (acme, date(2026, 1, 11), date(2026, 1, 12), [a1]),  # January holds a receipt
            (acme, date(2026, 2, 1), date(2026, 3, 1), [a2]),
            (acme, date(2026, 1, 15), date(2026, 3, 10), [a1, a2]),
            (acme, date(2026, 4, 1), date(2026, 7, 1), []),
            (brio, date(2025, 12, 1), date(2026, 2, 1), [b1]),
            (brio, date(2026, 2, 1), date(2026, 4, 1), []),
        ]
        queries = world.purchase_order_queries()
        with world.unit_of_work() as uow:
            repo = uow.repo(PurchaseOrder)
            for supplier_id, start, end, expected in cases:
                period = Period(start, end)
                scanned = sorted(
                    key
                    for key in repo.ids()
                    if (order := repo.get(key)).supplier_id == supplier_id
                    and order.received_in_months_of(period)
                )
                assert sorted(queries.received_from(supplier_id, period)) == scanned
                assert scanned == sorted(expected)


# -- SettlementQueries -------------------------------------------------------------------


def open_merchant(world: QueriesWorld, name: str) -> MerchantId:
    """An approved merchant with its account open, its deposit paid, 950.00 settled to it
    (1,000.00 of sales completed a week ago, less 5% commission)."""
    merchant_id = world.handle(merchants.ApplyMerchant(name))
    licence = f"BL-{merchant_id}"
    world.handle(
        merchants.AddMerchantDocument(
            merchant_id,
            merchant_id,
            merchants.DocumentKind.BUSINESS_LICENCE,
            licence,
            date(2030, 1, 1),
        )
    )
    world.handle(merchants.SetGoodsScope(merchant_id, merchant_id, ("shirt",)))
    world.handle(merchants.SubmitMerchantApplication(merchant_id, merchant_id))
    world.handle(merchants.ReviewMerchantDocument(merchant_id, licence, accepted=True))
    world.handle(merchants.ApproveMerchant(merchant_id, cny("1000.00")))
    terms = settlement.SettlementTerms(
        cycle=settlement.SettlementCycle(settlement.CycleKind.T_PLUS_N, 7),
        negative_policy=settlement.NegativeBalancePolicy.OFFSET_NEXT_SETTLEMENT,
        limits=settlement.WithdrawalLimits(cny("1.00"), cny("50000.00"), cny("100000.00")),
        presettle_fee_rate=Decimal("0.006"),
    )
    world.handle(settlement.OpenMerchantAccount(merchant_id, terms))
    deposit = settlement.PayDeposit(
        merchant_id, merchant_id, f"dep-{merchant_id}", cny("1000.00"), "alipay"
    )
    world.handle(deposit)
    world.handle(merchants.OpenStore(merchant_id, merchant_id, name))
    order_id = OrderId(f"o-{merchant_id}")
    line = settlement.SaleLine("A", merchant_id, "shirt", cny("1000.00"), cny("0"), cny("0"))
    world.handle(settlement.BookOrderPayment(order_id, "wechat_pay", (line,)))
    today = world.now().date()
    world.handle(settlement.CompleteOrder(order_id, today - timedelta(days=7)))
    world.handle(
        settlement.RunSettlement(merchant_id, settlement.StatementId(f"st-{order_id}"), today)
    )
    return merchant_id


def withdraw(world: QueriesWorld, merchant_id: MerchantId, key: str, *, pending: bool) -> None:
    if pending:
        world.hold_next_payout()
    request = settlement.RequestWithdrawal(
        merchant_id, merchant_id, WithdrawalId(key), cny("10.00"), "6222"
    )
    outcome = world.handle(request)
    assert (outcome.status is WithdrawalState.PENDING) == pending, outcome


class SettlementQueriesContract:
    """The contract of a ``SettlementQueries`` adapter (see the module docstring).
    Subclass it under a name pytest collects and provide the fixture
    ``make_queries_world``."""

    def test_pending_withdrawals_agree_with_a_full_scan(
        self, make_queries_world: WorldFactory
    ) -> None:
        world = make_queries_world()
        shop, other = open_merchant(world, "Shop"), open_merchant(world, "Other")
        withdraw(world, shop, "w1", pending=True)
        withdraw(world, shop, "w2", pending=False)  # pending at its first commit, then paid
        withdraw(world, other, "w3", pending=True)
        withdraw(world, shop, "w4", pending=True)
        queries = world.settlement_queries()
        with world.unit_of_work() as uow:
            repo = uow.repo(Withdrawal)
            for merchant_id, expected in ((shop, ["w1", "w4"]), (other, ["w3"])):
                scanned = sorted(
                    key
                    for key in repo.ids()
                    if (withdrawal := repo.get(key)).merchant_id == merchant_id
                    and withdrawal.status is WithdrawalState.PENDING
                )
                assert sorted(queries.pending_withdrawals(merchant_id)) == scanned == expected
        assert list(queries.pending_withdrawals(MerchantId("nobody"))) == []


# -- AfterSaleQueries ----------------------------------------------------------------------


class AfterSaleQueriesContract:
    """The contract of an ``AfterSaleQueries`` adapter (see the module docstring). Subclass
    it under a name pytest collects and provide the fixture ``make_queries_world``."""

    def test_open_cases_agree_with_a_full_scan(self, make_queries_world: WorldFactory) -> None:
        world = trade(make_queries_world())
        with world.unit_of_work() as uow:
            repo = uow.repo(Order)
            shipped = sorted(
                OrderId(key)
                for key in repo.ids()
                if repo.get(key).status in {OrderStatus.SHIPPED, OrderStatus.DELIVERED}
            )
        items = ((SKU, 1),)
        opened = [
            world.handle(aftersales.RequestReturn(order_id, items, "too big"))
            for order_id in shipped[:4]
        ]
        world.handle(aftersales.ApproveAfterSale(opened[0]))  # awaiting the return: open
        world.handle(aftersales.RejectAfterSale(opened[1], "worn"))  # rejected: closed
        queries = world.after_sale_queries()
        with world.unit_of_work() as uow:
            cases = uow.repo(aftersales.AfterSale)
            scanned = sorted(
                key for key in cases.ids() if (case := cases.get(key)).is_open
                and case.seller == PLATFORM
            )  # fmt: skip
            assert sorted(queries.open_cases(PLATFORM)) == scanned
            assert sorted(scanned) == sorted([opened[0], *opened[2:]])
            found = aftersales.open_cases(uow, PLATFORM, queries)
            assert sorted(case.id for case in found) == scanned
        assert list(queries.open_cases(MerchantId("nobody"))) == []
