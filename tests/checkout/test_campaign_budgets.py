"""Campaign budgets through the golden process: reserved at placement, spent at payment,
given back on cancellation; an exhausted budget is dropped from the quote, never overspent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from merx import catalog, checkout, customers, inventory, orders, payments, promotions
from merx.app import MemoryApp, build_memory_app
from merx.customers import Address
from merx.kernel.ids import PLATFORM, CustomerId, SkuId, WarehouseId
from merx.kernel.money import Money
from merx.orders import PlacedOrder
from merx.pricing import FundingShare, Scope, ThresholdOff, Tier
from merx.promotions.budgets import NO_LIMITS, BudgetLedger

SHIRT = SkuId("shirt")


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def shop(budget: str) -> tuple[MemoryApp, str]:
    app = build_memory_app()
    app.handle(catalog.CreateSku(SHIRT, "Shirt", PLATFORM, "shirt", cny("100.00")))
    app.handle(inventory.OpenWarehouse(WarehouseId("wh"), "DC", "-", {"sh": 1}))
    app.handle(inventory.ReceiveStock(WarehouseId("wh"), SHIRT, 10, "po"))
    definition = ThresholdOff(
        id="FR",
        scope=Scope(skus=(SHIRT,)),
        tiers=(Tier(cny("100.00"), cny("30.00")),),
        funded_by=(FundingShare("platform", Decimal(1)),),
    )
    campaign = app.handle(
        promotions.CreateCampaign(
            PLATFORM, definition, promotions.BudgetLimits(total_discount=cny(budget))
        )
    )
    app.handle(promotions.SubmitCampaign(campaign, PLATFORM))
    app.handle(promotions.ApproveCampaign(campaign, PLATFORM))
    app.handle(promotions.ScheduleCampaign(campaign, PLATFORM))
    app.handle(promotions.TickCampaigns())
    return app, campaign


def place(app: MemoryApp, who: str) -> PlacedOrder:
    cid = app.handle(customers.RegisterCustomer(CustomerId(who), who, "1"))
    app.handle(customers.AddAddress(cid, "h", Address(who, "1", "sh", "r"), default=True))
    app.handle(checkout.AddToCart(cid, SHIRT, 1))
    return app.handle(orders.PlaceOrder(cid))


def budget(app: MemoryApp, campaign: str) -> tuple[Money, Money]:
    ledger = app.get(promotions.Campaign, campaign).ledger
    return ledger.reserved, ledger.consumed


def test_reserved_at_placement_spent_at_payment_released_on_cancel() -> None:
    app, campaign = shop("100.00")
    kept, dropped = place(app, "ann"), place(app, "ben")
    assert app.get(orders.ParentOrder, kept.parent_id).payable == cny("70.00")
    app.handle(payments.PayOrder(kept.parent_id, "alipay"))
    app.handle(orders.CancelOrder(dropped.parent_id, "changed mind"))
    assert budget(app, campaign) == (cny("0.00"), cny("30.00"))


def test_an_exhausted_budget_is_dropped_not_overspent() -> None:
    app, campaign = shop("40.00")
    first = place(app, "ann")
    second = place(app, "ben")  # 10.00 left: the 30.00 discount no longer fits
    assert app.get(orders.ParentOrder, first.parent_id).payable == cny("70.00")
    assert app.get(orders.ParentOrder, second.parent_id).payable == cny("100.00")
    reserved, consumed = budget(app, campaign)
    assert reserved + consumed <= cny("40.00")


def test_a_customer_shown_the_discount_is_told_when_it_is_gone() -> None:
    app, _ = shop("30.00")
    cid = app.handle(customers.RegisterCustomer(CustomerId("cy"), "Cy", "1"))
    app.handle(customers.AddAddress(cid, "h", Address("Cy", "1", "sh", "r"), default=True))
    app.handle(checkout.AddToCart(cid, SHIRT, 1))
    seen = app.quote(cid).payable
    place(app, "dee")  # takes the whole budget first
    with pytest.raises(orders.QuoteChanged):
        app.handle(orders.PlaceOrder(cid, expected_payable=seen))


def test_the_cart_page_already_leaves_out_a_campaign_that_cannot_pay() -> None:
    app, campaign = shop("40.00")
    place(app, "ann")  # 10.00 left: the 30.00 discount no longer fits
    cid = app.handle(customers.RegisterCustomer(CustomerId("ben"), "Ben", "1"))
    app.handle(customers.AddAddress(cid, "h", Address("Ben", "1", "sh", "r"), default=True))
    app.handle(checkout.AddToCart(cid, SHIRT, 1))
    shown = app.quote(cid)
    assert shown.payable == cny("100.00")
    assert shown.pricing is not None
    assert shown.pricing.applied == ()
    placed = app.handle(orders.PlaceOrder(cid, expected_payable=shown.payable))  # no surprise
    assert app.get(orders.ParentOrder, placed.parent_id).payable == cny("100.00")
    assert budget(app, campaign) == (cny("30.00"), cny("0.00"))


def test_a_campaign_covers_what_its_budget_has_left() -> None:
    app, campaign = shop("40.00")
    place(app, "ann")
    held = app.get(promotions.Campaign, campaign)
    assert held.covers(cny("10.00"))
    assert not held.covers(cny("10.01"))
    assert not held.covers(Money.of("1.00", "USD"))  # another currency is never covered
    assert held.covers(cny("0.00"))
    without_budget = BudgetLedger.empty("CNY")
    assert without_budget.covers(NO_LIMITS, cny("99999999.99"))
