"""Pre-sale orders end to end: deposit, balance in the window, forfeit or refund."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from merx import (
    catalog,
    customers,
    fulfillment,
    inventory,
    orders,
    payments,
    promotions,
    settlement,
)
from merx.adapters.memory import FixedClock
from merx.app import MemoryApp, build_memory_app
from merx.customers import Address
from merx.fulfillment.ports import TrackingStatus
from merx.inventory import InventoryPolicy, LockPolicy, StockItem, stock_key
from merx.kernel.ids import PLATFORM, CustomerId, MerchantId, OrderId, SkuId, WarehouseId
from merx.kernel.money import Money
from merx.orders import DepositRule, OrderStatus, PresaleOrder, PresaleStatus
from merx.pricing import DirectReduction, FundingShare, Scope

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
import journey_merchant

WATCH, DC = SkuId("watch"), WarehouseId("dc")
T0 = datetime(2026, 10, 20, tzinfo=UTC)
BALANCE_STARTS = datetime(2026, 11, 1, tzinfo=UTC)
BALANCE_ENDS = datetime(2026, 11, 4, tzinfo=UTC)


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


TERMS = promotions.Presale(
    sku=WATCH,
    deposit=cny("50.00"),
    deposit_value=cny("100.00"),  # the deposit's "expansion": pay 50, worth 100
    final_price=cny("1000.00"),
    balance_starts=BALANCE_STARTS,
    balance_ends=BALANCE_ENDS,
)


def world(
    seller: str = "platform",
    rule: DepositRule = DepositRule.FORFEIT,
    stock: int = 3,
    policy: LockPolicy = LockPolicy.AT_PAYMENT,
) -> tuple[MemoryApp, MerchantId]:
    app = build_memory_app(
        clock=FixedClock(T0),
        inventory_policy=InventoryPolicy(policy),
        commission=settlement.CommissionTable(Decimal("0.10")),
    )
    shop = journey_merchant.onboard(app, lambda line: None, categories=("watch",))
    owner = shop if seller == "merchant" else PLATFORM
    app.handle(catalog.CreateSku(WATCH, "Watch", owner, "watch", cny("1200.00")))
    app.handle(inventory.OpenWarehouse(DC, "DC", "-", {"sh": 1}))
    app.handle(inventory.ReceiveStock(DC, WATCH, stock, "po"))
    app.handle(orders.CreatePresale("ps-watch", owner, TERMS, rule, limit_per_order=2))
    return app, owner


def customer(app: MemoryApp, who: str) -> CustomerId:
    cid = app.handle(customers.RegisterCustomer(CustomerId(who), who, "1"))
    app.handle(customers.AddAddress(cid, "home", Address(who, "1", "sh", "r"), default=True))
    return cid


def available(app: MemoryApp) -> int:
    return app.get(StockItem, stock_key(DC, WATCH)).available


def presale(app: MemoryApp, presale_id: OrderId) -> PresaleOrder:
    return app.get(PresaleOrder, presale_id)


def reconciled(app: MemoryApp) -> bool:
    with app.unit_of_work() as uow:
        report = settlement.reconciliation_report(uow, "CNY", journals=app.journals)
    assert report.ok, report.problems
    return report.ok


def paid(app: MemoryApp, parent_id: OrderId) -> Money:
    """What the customer paid, net of refunds, for ``parent_id``."""
    parent = app.get(orders.ParentOrder, parent_id)
    if parent.payment_id is None:
        return cny("0.00")
    payment = app.get(payments.Payment, parent.payment_id)
    return payment.captured - payment.refunded


def run_campaign(app: MemoryApp, shop: MerchantId) -> None:
    """A store promotion on the watch, 80.00 off each, in force at balance time."""
    definition = DirectReduction(
        id="DOUBLE11",
        scope=Scope(skus=(WATCH,)),
        off=cny("80.00"),
        funded_by=(FundingShare(shop, Decimal(1)),),
    )
    campaign = app.handle(promotions.CreateCampaign(shop, definition, promotions.BudgetLimits()))
    app.handle(promotions.SubmitCampaign(campaign, shop))
    app.handle(promotions.ApproveCampaign(campaign, PLATFORM))
    app.handle(promotions.ScheduleCampaign(campaign, shop))
    app.handle(promotions.TickCampaigns())


@pytest.mark.parametrize("seller", ["platform", "merchant"])
def test_deposit_then_balance_with_a_campaign_then_shipped(seller: str) -> None:
    app, shop = world(seller)
    stocked = seller == "platform"
    ann = customer(app, "ann")
    deposit = app.handle(orders.PlaceDepositOrder(ann, "ps-watch", 2))
    assert app.get(orders.ParentOrder, deposit.parent_id).payable == cny("100.00")
    app.handle(payments.PayOrder(deposit.parent_id, "alipay"))
    assert presale(app, deposit.parent_id).status is PresaleStatus.AWAITING_BALANCE
    assert not stocked or available(app) == 1  # held by the deposit
    run_campaign(app, shop)
    app.clock.set(BALANCE_STARTS + timedelta(hours=1))
    balance = app.handle(orders.PlaceBalanceOrder(deposit.parent_id))
    # 2 x 1000.00, less 2 x 80.00 (the campaign now), less 2 x 100.00 (the deposit's value)
    assert app.get(orders.ParentOrder, balance.parent_id).payable == cny("1640.00")
    app.handle(payments.PayOrder(balance.parent_id, "wechat_pay"))
    assert presale(app, deposit.parent_id).status is PresaleStatus.BALANCE_PAID
    assert paid(app, deposit.parent_id) + paid(app, balance.parent_id) == cny("1740.00")
    goods = balance.order_ids[0]
    assert app.get(orders.Order, goods).status is OrderStatus.PAID
    assert app.get(orders.Order, deposit.order_ids[0]).status is OrderStatus.COMPLETED
    if stocked:
        assert available(app) == 1  # the deposit's stock moved to the goods order
        shipment = app.handle(fulfillment.ShipOrder(goods))[0]
        tracking = app.get(fulfillment.Shipment, shipment).tracking_number
    else:
        tracking = "Z-1"
        shipment = app.handle(fulfillment.ShipByMerchant(goods, shop, "zto", tracking))
    app.logistics.advance(tracking, TrackingStatus.DELIVERED, app.clock.now())
    app.handle(fulfillment.SyncTracking(shipment))
    app.handle(orders.ConfirmReceipt(goods))
    assert app.get(orders.Order, goods).status is OrderStatus.COMPLETED
    assert not stocked or app.get(StockItem, stock_key(DC, WATCH)).on_hand == 1
    assert reconciled(app)


@pytest.mark.parametrize("seller", ["platform", "merchant"])
def test_an_unpaid_balance_forfeits_the_deposit_and_releases_stock(seller: str) -> None:
    app, shop = world(seller)
    stocked = seller == "platform"
    bo = customer(app, "bo")
    deposit = app.handle(orders.PlaceDepositOrder(bo, "ps-watch", 1))
    app.handle(payments.PayOrder(deposit.parent_id, "alipay"))
    assert not stocked or available(app) == 2
    app.clock.set(BALANCE_ENDS - timedelta(minutes=1))
    assert app.handle(orders.EndUnpaidPresales()) == []
    app.clock.set(BALANCE_ENDS)
    assert app.handle(orders.EndUnpaidPresales()) == [deposit.parent_id]
    assert presale(app, deposit.parent_id).status is PresaleStatus.FORFEITED
    assert app.get(orders.Order, deposit.order_ids[0]).status is OrderStatus.COMPLETED
    assert not stocked or available(app) == 3
    assert paid(app, deposit.parent_id) == cny("50.00")  # kept
    assert app.handle(orders.EndUnpaidPresales()) == []  # a replay does nothing
    assert reconciled(app)
    if not stocked:
        with app.unit_of_work() as uow:
            money = settlement.merchant_money(uow, shop, shop, journals=app.journals)
        assert money.pending == cny("45.00")  # the seller's income, less 10% commission


def test_an_unpaid_balance_refunds_the_deposit_under_the_refund_rule() -> None:
    app, _ = world(rule=DepositRule.REFUND)
    cy = customer(app, "cy")
    deposit = app.handle(orders.PlaceDepositOrder(cy, "ps-watch", 1))
    app.handle(payments.PayOrder(deposit.parent_id, "alipay"))
    app.clock.set(BALANCE_STARTS)
    balance = app.handle(orders.PlaceBalanceOrder(deposit.parent_id))  # placed, never paid
    assert available(app) == 2
    app.clock.set(BALANCE_ENDS + timedelta(hours=1))
    assert app.handle(orders.EndUnpaidPresales()) == [deposit.parent_id]
    assert presale(app, deposit.parent_id).status is PresaleStatus.REFUNDED
    assert app.get(orders.ParentOrder, balance.parent_id).status is orders.ParentStatus.CANCELLED
    assert app.get(orders.Order, deposit.order_ids[0]).status is OrderStatus.CLOSED
    assert paid(app, deposit.parent_id) == cny("0.00")
    assert available(app) == 3
    assert reconciled(app)
