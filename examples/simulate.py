"""A day of trade on one merx platform, seeded and reproducible, then a reconciliation.

``make demo`` runs this file. Customers browse, quote with promotions and coupons, and buy:
self-operated phones procured from a supplier (some cases shipped by a consignment
supplier), clothes from three marketplace merchants, phone-bill top-ups from a supplier
that sometimes fails or times out, and phones on installments. Payments are declined,
time out, stay pending, or notify twice; orders ship, arrive, are confirmed or confirm
themselves; some are returned, exchanged, refunded before shipment or refunded only.
Merchants settle and withdraw; customers repay their bills. Then the report: orders by
final state, money by party, stock by SKU, credit limits, and the checks (the ledger sums
to zero and reconciles, stock is conserved, every refund is covered, no order is paid
twice). Any failed check exits non-zero.

    python examples/simulate.py [--orders N] [--seed S] [--json]
                                [--journey phone|merchant|topup|installments|all]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import journey_merchant

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
    orders,
    payments,
    pricing,
    procurement,
    promotions,
    settlement,
    suppliers,
)
from merx.adapters.memory import MemoryFunder
from merx.app import MemoryApp, build_memory_app
from merx.catalog import Fulfillment, GoodsType
from merx.customers import Address
from merx.errors import MerxError
from merx.fulfillment.ports import TrackingStatus
from merx.kernel.ids import (
    PLATFORM,
    CustomerId,
    MerchantId,
    OrderId,
    ShipmentId,
    SkuId,
    WarehouseId,
)
from merx.kernel.money import Money
from merx.pricing import FundingShare, Scope, ThresholdOff, Tier

JOURNEYS = ("phone", "merchant", "topup", "installments")
WEIGHTS = {"phone": 35, "merchant": 35, "topup": 20, "installments": 10}
REGIONS = {"Shanghai": WarehouseId("wh-east"), "Beijing": WarehouseId("wh-north")}
CHANNELS = ("wechat_pay", "alipay", "bank_card")


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


class World:
    """The platform, its catalogue and its customers, built through merx's commands."""

    def __init__(self, orders_wanted: int, seed: int, *, check_views: bool = False) -> None:
        self.rng = random.Random(seed)
        self.app = build_memory_app(
            order_policy=orders.OrderPolicy(after_sales_window=timedelta(days=30)),
            check_views=check_views,
        )
        self.phones: list[SkuId] = []
        self.cases: list[SkuId] = []
        self.clothes: dict[MerchantId, list[SkuId]] = {}
        self.topups: list[SkuId] = []
        self.customers: list[tuple[CustomerId, str]] = []
        self.borrowers: list[CustomerId] = []
        self.placed: list[tuple[str, OrderId]] = []
        self.stock_per_phone = orders_wanted + 50
        self.telco = suppliers.SupplierType.REAL_TIME_API

    def _supplier(self, name: str, kind: suppliers.SupplierType) -> Any:
        app = self.app
        supplier = app.handle(suppliers.ApplySupplier(name, kind))
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
        today = app.clock.now().date()
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
                    cid, "home", Address(f"C{n}", "1", region, "road"), default=True
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
                    credit.Consent(True, self.app.clock.now(), "v1"),
                    facts,
                )
            )
            if decision.approved:
                self.borrowers.append(cid)
        return cid


class Day:
    """One day of trade: ``orders`` orders of the chosen journeys, then the day's end."""

    def __init__(self, world: World, journeys: tuple[str, ...]) -> None:
        self.world = world
        self.app = world.app
        self.rng = world.rng
        self.journeys = journeys
        self.tally: Counter[str] = Counter()

    def run(self, count: int, progress: Callable[[int], None]) -> None:
        weights = [WEIGHTS[j] for j in self.journeys]
        for n in range(count):
            journey = self.rng.choices(self.journeys, weights)[0]
            try:
                getattr(self, journey)()
            except MerxError as refused:  # a typed refusal is an outcome, counted
                self.tally[f"refused: {type(refused).__name__}"] += 1
            self.app.clock.advance(timedelta(seconds=self.rng.randint(1, 20)))
            progress(n + 1)
        self.end_of_day()

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
        self.app.logistics.advance(tracking, TrackingStatus.DELIVERED, self.app.clock.now())
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

    # -- the day's end ----------------------------------------------------------------

    def end_of_day(self) -> None:
        app = self.app
        app.clock.advance(timedelta(hours=1))
        app.handle(payments.ExpirePaymentAuthentications())
        app.handle(orders.CloseUnpaidOrders())
        app.clock.advance(timedelta(days=16))
        app.handle(orders.AutoConfirmReceipts())
        app.clock.advance(timedelta(days=8))  # past T+7 for every completed order
        for shop in self.world.clothes:
            with contextlib.suppress(settlement.NothingToSettle):
                app.handle(
                    settlement.RunSettlement(
                        shop, settlement.StatementId(f"st-{shop}-1"), app.clock.now().date()
                    )
                )
            with app.unit_of_work() as uow:
                money = settlement.merchant_money(uow, shop, shop)
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
        next_month = app.clock.now().replace(day=1) + timedelta(days=32)
        app.clock.set(next_month.replace(day=1))
        run = app.handle(installments.RunBills())
        del run
        for cid in self.world.borrowers:
            if self.rng.random() < 0.05:  # a few pay everything off early
                with app.unit_of_work() as uow:
                    account = uow.repo(credit.CreditAccount).get(cid)
                    quotes = [
                        installments.payoff_quote(uow, plan, clock=app.clock)
                        for plan in account.open_plans
                    ]
                for plan_id, quote in zip(account.open_plans, quotes, strict=True):
                    app.handle(installments.PayOffInstallmentPlan(plan_id, quote.total))
                    self.tally["plans paid off early"] += 1
                continue
            if self.rng.random() < 0.9:  # most repay their bill in full; some are late
                with app.unit_of_work() as uow:
                    bills = [
                        b
                        for key in uow.repo(installments.Bill).ids()
                        if (b := uow.repo(installments.Bill).get(key)).customer_id == cid
                    ]
                due = Money.sum((b.total for b in bills), "CNY")
                if due.is_positive():
                    app.handle(installments.RepayCredit(cid, due))
                    self.tally["bills repaid"] += 1


def everything(app: MemoryApp, kind: type[Any]) -> list[Any]:
    with app.unit_of_work() as uow:
        repo = uow.repo(kind)
        return [repo.get(key) for key in repo.ids()]


def report(world: World, day: Day) -> dict[str, Any]:
    """What the day left behind, and the checks that it all adds up."""
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
    money["customers paid, by channel"] = {c: str(p) for c, (p, _) in sorted(by_channel.items())}
    money["refunded, by channel"] = {c: str(r) for c, (_, r) in sorted(by_channel.items())}

    with app.unit_of_work() as uow:
        books = settlement.reconciliation_report(uow, "CNY", journals=app.journals)
        merchant_money = {
            shop: settlement.merchant_money(uow, shop, shop) for shop in world.clothes
        }
    problems.extend(f"ledger: {p}" for p in books.problems)
    money["platform commission (net)"] = str(
        Money.from_minor(sum(o.commission for o in books.orders), "CNY")
    )
    money["platform subsidy (net)"] = str(
        Money.from_minor(sum(o.subsidy for o in books.orders), "CNY")
    )
    money["merchants"] = {
        shop: {
            "pending": str(m.pending),
            "available": str(m.available),
            "withdrawing": str(m.withdrawing),
        }
        for shop, m in merchant_money.items()
    }
    money["paid out to merchants"] = str(Money.sum(app.payout.paid_out.values(), "CNY"))
    assets = everything(app, funding.Asset)
    funded: Counter[str] = Counter()
    for asset in assets:
        funded[asset.owner or "unfunded"] += asset.principal.minor
    money["installment assets by owner"] = {
        k: str(Money.from_minor(v, "CNY")) for k, v in sorted(funded.items())
    }

    received: Counter[str] = Counter()
    for event in app.events.events:
        if isinstance(event, inventory.StockReceived):
            received[f"{event.warehouse}/{event.sku}"] += event.quantity
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

    paid = [e.order_id for e in app.events.events if isinstance(e, orders.OrderPaid)]
    if len(paid) != len(set(paid)):
        problems.append("an order was paid twice")

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
        "events": dict(sorted(day.tally.items())),
        "money": money,
        "stock by warehouse/SKU": stock,
        "credit limits": {k: str(Money.from_minor(v, "CNY")) for k, v in limits.items()},
        "ledger": {"entries": books.entries, "accounts": books.accounts, "reconciled": books.ok},
        "checks": {"problems": problems, "ok": not problems},
    }


def print_report(result: dict[str, Any], indent: int = 0) -> None:
    for key, value in result.items():
        if isinstance(value, dict):
            print(f"{' ' * indent}{key}:")
            print_report(value, indent + 2)
        elif isinstance(value, list):
            print(f"{' ' * indent}{key}: {', '.join(map(str, value)) or 'none'}")
        else:
            print(f"{' ' * indent}{key}: {value}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--journey", choices=(*JOURNEYS, "all"), default="all")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--check-views", action="store_true", help="verify no read-only view is changed (slower)"
    )
    args = parser.parse_args(argv)
    journeys = JOURNEYS if args.journey == "all" else (args.journey,)
    started = time.perf_counter()
    world = World(args.orders, args.seed, check_views=args.check_views)
    world.build()
    day = Day(world, journeys)

    def progress(done: int) -> None:
        if not args.json and sys.stderr.isatty() and (done % 500 == 0 or done == args.orders):
            print(f"\r{done}/{args.orders} orders", end="", file=sys.stderr, flush=True)

    day.run(args.orders, progress)
    result = report(world, day)
    result["seconds"] = round(time.perf_counter() - started, 1)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        kinds = ", ".join(journeys)
        print(f"merx: a day of trade, {args.orders} orders, seed {args.seed}, journeys {kinds}")
        print_report(result)
    return 0 if result["checks"]["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
