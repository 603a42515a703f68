"""Usage caps through the public API (``app.handle``, ``app.quote``): a campaign at one of
its caps stays in the quote's offers and is rejected ``usage_cap``, the rejection naming the
cap (``max_uses``, ``per_user_limit``, ``per_user_per_day``, ``per_order_units``); placement
checks again; a cancelled order gives its use back and the campaign applies again."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from merx import catalog, checkout, customers, inventory, orders, payments, promotions
from merx.adapters.memory import FixedClock
from merx.app import MemoryApp, build_memory_app
from merx.customers import Address
from merx.errors import NotFound
from merx.kernel.ids import PLATFORM, CustomerId, OrderId, SkuId, WarehouseId
from merx.kernel.money import Money
from merx.pricing import DirectReduction, Scope

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

#: one campaign per cap, each 1.00 off its own SKU (priced 10.00)
CAPS = {
    "U": promotions.BudgetLimits(per_user_limit=1),
    "G": promotions.BudgetLimits(max_uses=2),
    "D": promotions.BudgetLimits(per_user_per_day=1),
    "N": promotions.BudgetLimits(per_order_units=2),
}


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def sku_of(campaign: str) -> SkuId:
    return SkuId(f"sku-{campaign}")


def shop(caps: dict[str, promotions.BudgetLimits] = CAPS) -> MemoryApp:
    app = build_memory_app(clock=FixedClock(START))
    app.handle(inventory.OpenWarehouse(WarehouseId("wh"), "DC", "-", {"sh": 1}))
    for campaign, limits in caps.items():
        sku = sku_of(campaign)
        app.handle(catalog.CreateSku(sku, campaign, PLATFORM, "shirt", cny("10.00")))
        app.handle(inventory.ReceiveStock(WarehouseId("wh"), sku, 1000, "po"))
        definition = DirectReduction(id=campaign, scope=Scope(skus=(sku,)), off=cny("1.00"))
        app.handle(promotions.CreateCampaign(PLATFORM, definition, limits))
        app.handle(promotions.SubmitCampaign(campaign, PLATFORM))
        app.handle(promotions.ApproveCampaign(campaign, PLATFORM))
        app.handle(promotions.ScheduleCampaign(campaign, PLATFORM))
    app.handle(promotions.TickCampaigns())
    return app


def fill(app: MemoryApp, who: str, cart: dict[str, int]) -> CustomerId:
    """``who``'s cart holds ``cart`` (campaign -> units of its SKU)."""
    cid = CustomerId(who)
    try:
        app.get(customers.Customer, cid)
    except NotFound:
        app.handle(customers.RegisterCustomer(cid, who, "1"))
        app.handle(customers.AddAddress(cid, "h", Address(who, "1", "sh", "r"), default=True))
    for campaign, units in cart.items():
        app.handle(checkout.AddToCart(cid, sku_of(campaign), units))
    return cid


def capped(quote: checkout.Quote) -> dict[str, str]:
    """The quote's ``usage_cap`` rejections: promotion id -> text."""
    assert quote.pricing is not None
    return {r.promotion_id: r.text for r in quote.pricing.rejections if r.code == "usage_cap"}


def applied(quote: checkout.Quote) -> set[str]:
    assert quote.pricing is not None
    return set(quote.pricing.applied)


def usage_of(app: MemoryApp, parent_id: str) -> promotions.PromotionUsage | None:
    """What the order reserved, if anything."""
    try:
        return app.get(promotions.PromotionUsage, parent_id)
    except NotFound:
        return None


def place(app: MemoryApp, who: str, cart: dict[str, int]) -> orders.PlacedOrder:
    cid = fill(app, who, cart)
    seen = app.quote(cid)
    return app.handle(orders.PlaceOrder(cid, expected_payable=seen.payable))


# -- each cap, named in the quote ------------------------------------------------------


@pytest.mark.parametrize(
    ("campaign", "used_by", "text"),
    [
        ("U", ["ann"], "per_user_limit: used 1 of 1 times by this customer"),
        ("G", ["ben", "cy"], "max_uses: 2 of 2 uses held in all"),
        ("D", ["ann"], "per_user_per_day: used 1 of 1 times by this customer on 2026-03-01"),
    ],
)
def test_a_cap_reached_is_named_in_the_quote_and_a_cancel_brings_the_campaign_back(
    campaign: str, used_by: list[str], text: str
) -> None:
    app = shop()
    placed = [place(app, who, {campaign: 1}) for who in used_by]
    ann = fill(app, "ann", {campaign: 1})
    shown = app.quote(ann)
    assert capped(shown) == {campaign: text}
    assert applied(shown) == set()
    assert shown.payable == cny("10.00")
    full = app.handle(orders.PlaceOrder(ann, expected_payable=shown.payable))  # no surprise
    assert app.get(orders.ParentOrder, full.parent_id).payable == cny("10.00")
    assert usage_of(app, full.parent_id) is None
    app.handle(orders.CancelOrder(placed[0].parent_id, "changed mind"))
    fill(app, "ann", {campaign: 1})
    back = app.quote(ann)
    assert (capped(back), applied(back), back.payable) == ({}, {campaign}, cny("9.00"))


def test_per_order_units_are_named_in_the_quote_and_fewer_units_bring_the_campaign_back() -> None:
    app = shop()
    ann = fill(app, "ann", {"N": 3})
    shown = app.quote(ann)
    assert capped(shown) == {
        "N": "per_order_units: would discount 3 units of this order, at most 2"
    }
    assert shown.payable == cny("30.00")
    app.handle(checkout.SetCartQuantity(ann, sku_of("N"), 2))
    assert applied(app.quote(ann)) == {"N"}
    assert app.quote(ann).payable == cny("18.00")


def test_a_day_cap_opens_again_the_next_business_day() -> None:
    app = shop()
    place(app, "ann", {"D": 1})
    ann = fill(app, "ann", {"D": 1})
    assert set(capped(app.quote(ann))) == {"D"}
    app.clock.advance(timedelta(hours=15))  # midnight (UTC, the clock's zone)
    assert applied(app.quote(ann)) == {"D"}


@pytest.mark.parametrize("campaign", ["U", "G", "D"])
def test_a_cap_reached_between_quote_and_placement_is_a_changed_quote(campaign: str) -> None:
    """Placement quotes again and reserves race-proof: a cap reached since the customer's
    quote (by another order of hers, or by everyone's) gives ``QuoteChanged``."""
    app = shop()
    if campaign == "G":
        place(app, "ben", {"G": 1})
    ann = fill(app, "ann", {campaign: 1})
    seen = app.quote(ann)
    assert applied(seen) == {campaign}
    place(app, "cy" if campaign == "G" else "ann", {campaign: 1})  # takes the last use
    fill(app, "ann", {campaign: 1})
    with pytest.raises(orders.QuoteChanged):
        app.handle(orders.PlaceOrder(ann, expected_payable=seen.payable))


def test_a_placement_that_skips_the_quote_is_refused_by_the_reservation() -> None:
    """A caller reserving without quoting again gets the typed refusal."""
    app = shop()
    place(app, "ben", {"G": 1})
    place(app, "cy", {"G": 1})
    with app.unit_of_work() as uow, pytest.raises(promotions.UsageCapReached) as refused:
        promotions.reserve_for_order(
            uow, OrderId("o-x"), CustomerId("ann"), {"G": cny("1.00")}, at=app.clock.now()
        )
    assert (refused.value.campaign_id, refused.value.cap) == ("G", "max_uses")


# -- the law, against a reference model --------------------------------------------------


@attrs.frozen
class Use:
    customer: str
    day: date
    campaigns: frozenset[str]


@attrs.define
class Model:
    """A counter per campaign, customer and day of the live orders' uses."""

    live: dict[str, Use] = attrs.field(factory=dict)
    paid: set[str] = attrs.field(factory=set)

    def reached(self, customer: str, day: date, cart: dict[str, int]) -> set[str]:
        uses = list(self.live.values())
        everyone = Counter(c for u in uses for c in u.campaigns)
        mine = Counter(c for u in uses if u.customer == customer for c in u.campaigns)
        today = Counter(
            c for u in uses if (u.customer, u.day) == (customer, day) for c in u.campaigns
        )
        found = set()
        if mine["U"] >= 1:
            found.add("U")
        if everyone["G"] >= 2:
            found.add("G")
        if today["D"] >= 1:
            found.add("D")
        if cart.get("N", 0) > 2:
            found.add("N")
        return found


PEOPLE = ("ann", "ben", "cy")
carts = st.dictionaries(st.sampled_from(sorted(CAPS)), st.integers(1, 3), min_size=1)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("place"), st.sampled_from(PEOPLE), carts),
        st.tuples(st.just("cancel"), st.integers(0, 20)),
        st.tuples(st.just("pay"), st.integers(0, 20)),
        st.tuples(st.just("wait"), st.integers(1, 16)),
    ),
    max_size=12,
)


@settings(max_examples=25, deadline=None)
@given(steps)
def test_the_quote_rejects_exactly_the_campaigns_the_model_says_are_capped(
    actions: list[tuple[object, ...]],
) -> None:
    app = shop()
    model = Model()
    placed: list[str] = []
    for action in actions:
        if action[0] == "place":
            who, cart = str(action[1]), dict(action[2])  # type: ignore[call-overload]
            cid = fill(app, who, cart)
            shown = app.quote(cid)
            expected = model.reached(who, app.clock.now().date(), cart)
            assert applied(shown).isdisjoint(capped(shown)), "a capped promotion applied"
            # U, G and D are rejected whatever the cart; N only when it would discount
            assert set(capped(shown)) == expected, (who, cart, model)
            assert applied(shown) == set(cart) - expected
            order = app.handle(orders.PlaceOrder(cid, expected_payable=shown.payable))
            placed.append(order.parent_id)
            usage = usage_of(app, order.parent_id)
            campaigns = frozenset(usage.applied) if usage is not None else frozenset()
            assert campaigns == applied(shown)
            model.live[order.parent_id] = Use(who, app.clock.now().date(), campaigns)
        elif action[0] in ("cancel", "pay") and placed:
            parent = placed[int(action[1]) % len(placed)]  # type: ignore[call-overload]
            if parent not in model.live or parent in model.paid:
                continue
            if action[0] == "pay":
                app.handle(payments.PayOrder(OrderId(parent), "alipay"))
                model.paid.add(parent)  # a paid order keeps its uses
            else:
                app.handle(orders.CancelOrder(OrderId(parent), "changed mind"))
                del model.live[parent]
        elif action[0] == "wait":
            app.clock.advance(timedelta(hours=int(action[1])))  # type: ignore[call-overload]
