"""Campaign budgets through the golden process: reserved at placement, spent at payment,
given back on cancellation; an exhausted budget is dropped from the quote, never overspent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from merx import catalog, checkout, customers, inventory, orders, payments, promotions
from merx.adapters.memory import FixedClock
from merx.app import MemoryApp, build_memory_app
from merx.customers import Address
from merx.errors import NotFound
from merx.kernel.ids import PLATFORM, CustomerId, SkuId, WarehouseId
from merx.kernel.money import Money
from merx.orders import PlacedOrder
from merx.pricing import FundingShare, Scope, ThresholdOff, Tier
from merx.promotions.budgets import NO_LIMITS, BudgetLedger

SHIRT = SkuId("shirt")
START = datetime(2026, 1, 1, tzinfo=UTC)


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def shop(
    budget: str | None = None,
    *,
    limits: promotions.BudgetLimits | None = None,
    at: datetime = START,
) -> tuple[MemoryApp, str]:
    """A shop selling shirts at 100.00 and a 30.00-off campaign under ``limits`` (or a
    discount budget of ``budget``), its clock at ``at``."""
    if limits is None:
        assert budget is not None
        limits = promotions.BudgetLimits(total_discount=cny(budget))
    app = build_memory_app(clock=FixedClock(at))
    app.handle(catalog.CreateSku(SHIRT, "Shirt", PLATFORM, "shirt", cny("100.00")))
    app.handle(inventory.OpenWarehouse(WarehouseId("wh"), "DC", "-", {"sh": 1}))
    app.handle(inventory.ReceiveStock(WarehouseId("wh"), SHIRT, 10, "po"))
    definition = ThresholdOff(
        id="FR",
        scope=Scope(skus=(SHIRT,)),
        tiers=(Tier(cny("100.00"), cny("30.00")),),
        funded_by=(FundingShare("platform", Decimal(1)),),
    )
    campaign = app.handle(promotions.CreateCampaign(PLATFORM, definition, limits))
    app.handle(promotions.SubmitCampaign(campaign, PLATFORM))
    app.handle(promotions.ApproveCampaign(campaign, PLATFORM))
    app.handle(promotions.ScheduleCampaign(campaign, PLATFORM))
    app.handle(promotions.TickCampaigns())
    return app, campaign


def place(app: MemoryApp, who: str) -> PlacedOrder:
    cid = CustomerId(who)
    try:
        app.get(customers.Customer, cid)
    except NotFound:
        app.handle(customers.RegisterCustomer(cid, who, "1"))
        app.handle(customers.AddAddress(cid, "h", Address(who, "1", "sh", "r"), default=True))
    app.handle(checkout.AddToCart(cid, SHIRT, 1))
    return app.handle(orders.PlaceOrder(cid))


def payable(app: MemoryApp, placed: PlacedOrder) -> Money:
    return app.get(orders.ParentOrder, placed.parent_id).payable


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


# -- usage caps ------------------------------------------------------------------------


def test_a_once_per_customer_campaign_prices_the_customers_next_order_in_full() -> None:
    app, _ = shop(limits=promotions.BudgetLimits(per_user_limit=1))
    first = place(app, "ann")
    assert payable(app, first) == cny("70.00")
    app.handle(payments.PayOrder(first.parent_id, "alipay"))
    app.handle(checkout.AddToCart(CustomerId("ann"), SHIRT, 1))
    shown = app.quote(CustomerId("ann"))
    assert shown.payable == cny("100.00")  # the cart page already leaves it out
    assert shown.pricing is not None
    assert [(r.promotion_id, r.code) for r in shown.pricing.rejections] == [("FR", "usage_cap")]
    second = app.handle(orders.PlaceOrder(CustomerId("ann"), expected_payable=shown.payable))
    assert payable(app, second) == cny("100.00")
    assert payable(app, place(app, "ben")) == cny("70.00")  # another customer still gets it


def test_a_cancelled_order_gives_the_customer_its_use_back() -> None:
    app, _ = shop(limits=promotions.BudgetLimits(per_user_limit=1))
    first = place(app, "ann")
    app.handle(orders.CancelOrder(first.parent_id, "changed mind"))
    assert payable(app, place(app, "ann")) == cny("70.00")


def test_max_uses_counts_everyones_orders_and_cancellations_give_back() -> None:
    app, campaign = shop(limits=promotions.BudgetLimits(max_uses=2))
    ann, ben = place(app, "ann"), place(app, "ben")
    assert payable(app, place(app, "cy")) == cny("100.00")
    app.handle(payments.PayOrder(ann.parent_id, "alipay"))
    app.handle(orders.CancelOrder(ben.parent_id, "changed mind"))
    assert payable(app, place(app, "dee")) == cny("70.00")
    ledger = app.get(promotions.Campaign, campaign).ledger
    assert (ledger.uses_reserved, ledger.uses_consumed) == (1, 1)


def test_a_day_cap_counts_the_shops_day() -> None:
    shanghai = timezone(timedelta(hours=8))
    late = datetime(2026, 1, 2, 23, 0, tzinfo=shanghai)
    app, _ = shop(limits=promotions.BudgetLimits(per_user_per_day=1), at=late)
    assert payable(app, place(app, "ann")) == cny("70.00")
    assert payable(app, place(app, "ann")) == cny("100.00")
    app.clock.advance(timedelta(hours=1))  # midnight in Shanghai, not in UTC
    assert payable(app, place(app, "ann")) == cny("70.00")
