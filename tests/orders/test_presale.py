"""Pre-sale orders end to end: deposit, balance in the window, forfeit or refund."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from merx import (
    aftersales,
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
from merx.decisions import (
    Access,
    Output,
    Permission,
    PublishScenario,
    SaveScenarioDraft,
    ScenarioDefinition,
    ValueType,
)
from merx.errors import IllegalTransition, InvalidQuantity, MerxError, Unauthorized
from merx.fulfillment.ports import TrackingStatus
from merx.inventory import InventoryPolicy, LockPolicy, StockItem, stock_key
from merx.kernel.bus import Command
from merx.kernel.ids import PLATFORM, CustomerId, MerchantId, OrderId, SkuId, WarehouseId
from merx.kernel.money import Money
from merx.orders import DepositRule, OrderStatus, PresaleOrder, PresaleStatus
from merx.pricing import DirectReduction, FundingShare, Scope

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
import journey_merchant
from journey_presale import paid  # what the customer paid for a parent order, net of refunds

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
    owner = PLATFORM
    if seller == "merchant":
        owner = journey_merchant.onboard(app, lambda line: None, categories=("watch",))
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


def run_campaign(
    app: MemoryApp, shop: MerchantId, limits: promotions.BudgetLimits | None = None
) -> None:
    """A store promotion on the watch, 80.00 off each, in force at balance time."""
    definition = DirectReduction(
        id="DOUBLE11",
        scope=Scope(skus=(WATCH,)),
        off=cny("80.00"),
        funded_by=(FundingShare(shop, Decimal(1)),),
    )
    limits = limits or promotions.BudgetLimits()
    campaign = app.handle(promotions.CreateCampaign(shop, definition, limits))
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


@pytest.mark.parametrize(
    ("limits", "payable"),
    [
        (promotions.BudgetLimits(per_order_units=2), "1640.00"),
        (promotions.BudgetLimits(per_order_units=1), "1800.00"),  # 2 units: over its cap
        (promotions.BudgetLimits(per_user_limit=1), "1640.00"),
    ],
)
def test_the_balance_is_priced_within_the_campaigns_usage_caps(
    limits: promotions.BudgetLimits, payable: str
) -> None:
    app, shop = world()
    deposit = deposited(app, quantity=2)
    run_campaign(app, shop, limits)
    app.clock.set(BALANCE_STARTS + timedelta(hours=1))
    balance = app.handle(orders.PlaceBalanceOrder(deposit))
    assert app.get(orders.ParentOrder, balance.parent_id).payable == cny(payable)
    with app.unit_of_work() as uow:
        usage = uow.repo(promotions.PromotionUsage).find(balance.parent_id)
    assert (usage is not None) == (payable == "1640.00")


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


def presale_journey() -> MemoryApp:
    """A marketplace pre-sale paid in full, and one forfeited (for the serde tests)."""
    app, shop = world("merchant")
    run_campaign(app, shop)
    kept, dropped = deposited(app, "ann", 2), deposited(app, "bo")
    app.clock.set(BALANCE_STARTS)
    app.handle(payments.PayOrder(app.handle(orders.PlaceBalanceOrder(kept)).parent_id, "alipay"))
    app.clock.set(BALANCE_ENDS)
    assert app.handle(orders.EndUnpaidPresales()) == [dropped]
    return app


# -- the rules, one by one; a refused command changes nothing ------------------------------


def state(app: MemoryApp) -> dict[str, dict[str, int]]:
    """Every stored aggregate's version: equal before and after a refused command."""
    return {
        kind.__name__: {key: row[0] for key, row in table.items()}
        for kind, table in app.store.tables.items()
    }


def refused(app: MemoryApp, command: Command[Any], error: type[Exception]) -> None:
    before = state(app)
    with pytest.raises(error):
        app.handle(command)
    assert state(app) == before


def deposited(app: MemoryApp, who: str = "ann", quantity: int = 1) -> OrderId:
    placed = app.handle(orders.PlaceDepositOrder(customer(app, who), "ps-watch", quantity))
    app.handle(payments.PayOrder(placed.parent_id, "alipay"))
    return placed.parent_id


def test_a_deposit_outside_its_period_is_refused() -> None:
    app, _ = world()
    ann = customer(app, "ann")
    app.clock.set(BALANCE_STARTS)
    refused(app, orders.PlaceDepositOrder(ann, "ps-watch", 1), promotions.PresaleNotOpen)


def test_a_balance_outside_its_window_is_refused() -> None:
    app, _ = world()
    presale_id = deposited(app)
    refused(app, orders.PlaceBalanceOrder(presale_id), orders.BalanceNotOpen)
    app.clock.set(BALANCE_ENDS)
    refused(app, orders.PlaceBalanceOrder(presale_id), orders.BalanceNotOpen)


def test_a_balance_is_not_paid_twice() -> None:
    app, _ = world()
    presale_id = deposited(app)
    app.clock.set(BALANCE_STARTS)
    balance = app.handle(orders.PlaceBalanceOrder(presale_id))
    refused(app, orders.PlaceBalanceOrder(presale_id), IllegalTransition)  # one is pending
    app.handle(payments.PayOrder(balance.parent_id, "alipay"))
    refused(app, orders.PlaceBalanceOrder(presale_id), orders.BalanceAlreadyPaid)
    refused(app, payments.PayOrder(balance.parent_id, "alipay"), IllegalTransition)


@pytest.mark.parametrize("quantity", [0, -1, 3])
def test_a_wrong_quantity_is_refused(quantity: int) -> None:
    app, _ = world()
    ann = customer(app, "ann")
    refused(app, orders.PlaceDepositOrder(ann, "ps-watch", quantity), InvalidQuantity)


def test_an_unknown_presale_is_refused() -> None:
    app, _ = world()
    ann = customer(app, "ann")
    refused(app, orders.PlaceDepositOrder(ann, "nope", 1), orders.UnknownPresale)
    refused(app, orders.PlaceBalanceOrder(OrderId("nope")), orders.UnknownPresale)
    refused(app, orders.CancelPresaleOrder(OrderId("nope"), "x"), orders.UnknownPresale)


def test_only_the_skus_seller_lists_a_presale() -> None:
    app, _ = world()
    other = orders.CreatePresale("ps-2", MerchantId("someone"), TERMS)
    refused(app, other, Unauthorized)
    worthless = attrs.evolve(TERMS, deposit_value=TERMS.final_price)
    refused(app, orders.CreatePresale("ps-3", PLATFORM, worthless), promotions.InvalidPresale)


def test_under_the_forfeit_rule_cancelling_after_the_deposit_is_refused() -> None:
    app, _ = world()
    presale_id = deposited(app)
    refused(app, orders.CancelPresaleOrder(presale_id, "changed mind"), orders.DepositNotRefundable)


def test_under_the_refund_rule_cancelling_before_the_balance_refunds_the_deposit() -> None:
    app, _ = world(rule=DepositRule.REFUND)
    presale_id = deposited(app)
    app.clock.set(BALANCE_STARTS)
    app.handle(orders.PlaceBalanceOrder(presale_id))  # pending: cancelled with it
    app.handle(orders.CancelPresaleOrder(presale_id, "changed mind"))
    assert presale(app, presale_id).status is PresaleStatus.REFUNDED
    assert paid(app, presale_id) == cny("0.00")
    assert available(app) == 3


def test_after_sales_do_not_take_a_deposit() -> None:
    app, _ = world(rule=DepositRule.REFUND)
    presale_id = deposited(app)
    deposit_order = presale(app, presale_id).deposit_order_id
    refused(app, aftersales.RequestRefund(deposit_order, "x"), aftersales.NotEligible)


def test_an_unpaid_deposit_closes_and_gives_its_reservation_back() -> None:
    app, _ = world(policy=LockPolicy.AT_PLACEMENT)
    placed = app.handle(orders.PlaceDepositOrder(customer(app, "ann"), "ps-watch", 2))
    assert available(app) == 1
    app.clock.advance(timedelta(hours=1))
    assert app.handle(orders.CloseUnpaidOrders()) == [placed.parent_id]
    assert presale(app, placed.parent_id).status is PresaleStatus.CANCELLED
    assert available(app) == 3
    cancelled = app.handle(orders.PlaceDepositOrder(customer(app, "bo"), "ps-watch", 1))
    app.handle(orders.CancelPresaleOrder(cancelled.parent_id, "changed mind"))
    assert presale(app, cancelled.parent_id).status is PresaleStatus.CANCELLED


def test_an_unpaid_balance_closes_and_may_be_placed_again_in_the_window() -> None:
    app, _ = world()
    presale_id = deposited(app)
    app.clock.set(BALANCE_STARTS)
    first = app.handle(orders.PlaceBalanceOrder(presale_id))
    app.clock.advance(timedelta(hours=1))
    assert app.handle(orders.CloseUnpaidOrders()) == [first.parent_id]
    assert presale(app, presale_id).status is PresaleStatus.AWAITING_BALANCE
    assert available(app) == 2  # back with the deposit
    second = app.handle(orders.PlaceBalanceOrder(presale_id))
    assert second.parent_id != first.parent_id
    app.handle(payments.PayOrder(second.parent_id, "alipay"))
    assert presale(app, presale_id).status is PresaleStatus.BALANCE_PAID


def test_a_balance_payment_in_flight_at_the_windows_end_is_waited_for() -> None:
    app, _ = world()
    presale_id = deposited(app)
    app.clock.set(BALANCE_ENDS - timedelta(minutes=1))
    balance = app.handle(orders.PlaceBalanceOrder(presale_id))
    app.gateways["alipay"].timeout_next(applied=True)
    attempt = app.handle(payments.PayOrder(balance.parent_id, "alipay"))
    app.clock.set(BALANCE_ENDS + timedelta(minutes=5))
    assert app.handle(orders.EndUnpaidPresales()) == []
    app.handle(payments.SyncPayment(attempt.payment_id))
    assert presale(app, presale_id).status is PresaleStatus.BALANCE_PAID


# -- the property: money balances, stock is never oversold ---------------------------------


STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("deposit"), st.integers(0, 3), st.integers(1, 2)),
        st.tuples(st.just("pay"), st.integers(0, 5), st.just(0)),
        st.tuples(st.just("balance"), st.integers(0, 5), st.just(0)),
        st.tuples(st.just("cancel"), st.integers(0, 5), st.just(0)),
        st.tuples(st.just("wait"), st.integers(1, 200), st.just(0)),
        st.tuples(st.just("timers"), st.just(0), st.just(0)),
    ),
    max_size=25,
)


@settings(max_examples=40, deadline=None)
@given(
    steps=STEPS,
    rule=st.sampled_from(DepositRule),
    policy=st.sampled_from(LockPolicy),
)
def test_money_balances_and_stock_is_never_oversold(
    steps: list[tuple[str, int, int]], rule: DepositRule, policy: LockPolicy
) -> None:
    app, _ = world(rule=rule, policy=policy)
    people = [customer(app, who) for who in ("ann", "bo", "cy", "di")]
    placed: list[OrderId] = []
    unpaid: list[OrderId] = []  # parent orders to pay, deposits and balances
    for action, n, quantity in steps:
        try:
            if action == "deposit":
                made = app.handle(orders.PlaceDepositOrder(people[n], "ps-watch", quantity))
                placed.append(made.parent_id)
                unpaid.append(made.parent_id)
            elif action == "pay" and unpaid:
                app.handle(payments.PayOrder(unpaid[n % len(unpaid)], "alipay"))
            elif action == "balance" and placed:
                made = app.handle(orders.PlaceBalanceOrder(placed[n % len(placed)]))
                unpaid.append(made.parent_id)
            elif action == "cancel" and placed:
                app.handle(orders.CancelPresaleOrder(placed[n % len(placed)], "changed mind"))
            elif action == "wait":
                app.clock.advance(timedelta(hours=n))
            elif action == "timers":
                app.handle(orders.CloseUnpaidOrders())
                app.handle(orders.EndUnpaidPresales())
        except MerxError:
            pass
        holding = sum(
            presale(app, key).quantity
            for key in placed
            if presale(app, key).status
            in (
                PresaleStatus.AWAITING_BALANCE,
                PresaleStatus.BALANCE_PENDING,
                PresaleStatus.BALANCE_PAID,
            )
        )
        assert holding <= 3, "a paid deposit always has its stock"
        item = app.get(StockItem, stock_key(DC, WATCH))
        assert 0 <= item.reserved <= item.on_hand == 3
    app.clock.set(max(app.clock.now(), BALANCE_ENDS) + timedelta(days=1))
    app.handle(orders.CloseUnpaidOrders())
    app.handle(orders.EndUnpaidPresales())
    for key in placed:
        order = presale(app, key)
        deposit = paid(app, key)
        balances = [
            parent
            for n in range(1, order.balances_placed + 1)
            if (parent := app.get(orders.ParentOrder, OrderId(f"{key}-b{n}")))
        ]
        balance = Money.sum((paid(app, parent.id) for parent in balances), "CNY")
        if order.status is PresaleStatus.BALANCE_PAID:
            goods = app.get(orders.Order, order.goods_order_id or "")
            assert deposit == order.quote.deposit_due
            assert balance == goods.payable == order.quote.balance_due
            assert deposit + balance == order.quote.final_amount - order.quote.deposit_bonus
        elif order.status is PresaleStatus.FORFEITED:
            assert (deposit, balance) == (order.quote.deposit_due, cny("0.00"))
        else:
            assert order.status in (PresaleStatus.REFUNDED, PresaleStatus.CANCELLED)
            assert (deposit, balance) == (cny("0.00"), cny("0.00"))
    held = sum(
        presale(app, key).quantity
        for key in placed
        if presale(app, key).status is PresaleStatus.BALANCE_PAID
    )
    assert app.get(StockItem, stock_key(DC, WATCH)).reserved == held


def test_a_declined_deposit_refund_is_tried_again_until_it_succeeds() -> None:
    app, _ = world(rule=DepositRule.REFUND)
    presale_id = deposited(app)
    app.clock.set(BALANCE_ENDS)
    app.gateways["alipay"].decline_next()
    assert app.handle(orders.EndUnpaidPresales()) == [presale_id]
    assert presale(app, presale_id).status is PresaleStatus.REFUNDING
    assert paid(app, presale_id) == cny("50.00")
    app.clock.advance(timedelta(hours=1))
    app.handle(payments.RetryRefunds())
    assert presale(app, presale_id).status is PresaleStatus.REFUNDED
    assert paid(app, presale_id) == cny("0.00")
    assert reconciled(app)


def test_the_balance_leaves_out_a_campaign_whose_audience_leaves_the_customer_out() -> None:
    app, _ = world()
    deposit = deposited(app, quantity=2)
    definition = DirectReduction(id="VIP", scope=Scope(skus=(WATCH,)), off=cny("80.00"))
    app.handle(promotions.CreateCampaign(PLATFORM, definition, audience="promotion.vip"))
    app.handle(promotions.SubmitCampaign("VIP", PLATFORM))
    app.handle(promotions.ApproveCampaign("VIP", PLATFORM))
    app.handle(promotions.ScheduleCampaign("VIP", PLATFORM))
    app.handle(promotions.TickCampaigns())
    nobody = ScenarioDefinition(  # no strategy matches: everyone gets the default, out
        inputs=(),
        callers=(Permission("checkout", {Access.API}),),
        strategies=(),
        default=Output("out", value=False),
        output_type=ValueType.BOOL,
    )
    app.handle(SaveScenarioDraft("promotion.vip", nobody))
    app.handle(PublishScenario("promotion.vip"))
    app.clock.set(BALANCE_STARTS + timedelta(hours=1))
    balance = app.handle(orders.PlaceBalanceOrder(deposit))
    # 2 x 1000.00 less 2 x 100.00 (the deposit's value): the VIP campaign is not hers
    assert app.get(orders.ParentOrder, balance.parent_id).payable == cny("1800.00")
    assert app.get(promotions.Campaign, "VIP").ledger.reserved == cny("0.00")
