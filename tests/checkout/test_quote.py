"""The checkout quote runs the promotion engine; orders freeze who funds each discount."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from merx import catalog, checkout, customers, inventory, orders
from merx.app import MemoryApp, build_memory_app
from merx.checkout import Cart, CartChanged, NotInCart
from merx.customers import Address
from merx.kernel.ids import CustomerId, MerchantId, SkuId, WarehouseId
from merx.kernel.money import Money
from merx.kernel.uow import UnitOfWork
from merx.pricing import Coupon, FundingShare, Promotion, Scope, ThresholdOff, Tier

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
import journey_merchant

SHOP = MerchantId("mer-000001")  # the first merchant shop() onboards
SHIRT, SOCKS = SkuId("shirt"), SkuId("socks")


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


FULL_REDUCTION = ThresholdOff(
    id="S1",
    scope=Scope(merchants=(SHOP,)),
    tiers=(Tier(cny("300.00"), cny("40.00")),),
    funded_by=(FundingShare(SHOP, Decimal(1)),),
    merchant=SHOP,
)
HALF_AND_HALF = Coupon(
    id="C1",
    level="platform",
    off=cny("30.00"),
    min_amount=cny("200.00"),
    funded_by=(FundingShare("platform", Decimal(1)), FundingShare(SHOP, Decimal(1))),
)


def offers_of(promotions: Sequence[Promotion], wallet: Sequence[Promotion] = ()) -> checkout.Offers:
    def offers(
        uow: UnitOfWork, customer_id: CustomerId, at: datetime
    ) -> tuple[Sequence[Promotion], Sequence[Promotion]]:
        return promotions, wallet

    return offers


def shop(offers: checkout.Offers) -> MemoryApp:
    app = build_memory_app(offers=offers)
    assert journey_merchant.onboard(app, lambda line: None, "Shirts", ("shirt", "sock")) == SHOP
    app.handle(catalog.CreateSku(SHIRT, "Shirt", SHOP, "shirt", cny("199.00")))
    app.handle(catalog.CreateSku(SOCKS, "Socks", SHOP, "sock", cny("29.90")))
    app.handle(inventory.OpenWarehouse(WarehouseId("wh"), "DC", "-", {"sh": 1}))
    cid = app.handle(customers.RegisterCustomer(CustomerId("ann"), "Ann", "1"))
    app.handle(customers.AddAddress(cid, "home", Address("Ann", "1", "sh", "r"), default=True))
    app.handle(checkout.AddToCart(cid, SHIRT, 2))
    app.handle(checkout.AddToCart(cid, SOCKS, 1))
    return app


def test_the_quote_applies_the_best_promotions_and_splits_who_funds_them() -> None:
    app = shop(offers_of([FULL_REDUCTION], [HALF_AND_HALF]))
    quote = app.quote(CustomerId("ann"))
    assert quote.total == cny("427.90")
    assert quote.discount == cny("70.00")
    assert quote.pricing is not None
    assert sorted(quote.pricing.applied) == ["C1", "S1"]
    by_party: dict[str, Money] = {}
    for line in quote.lines:
        assert line.discount == Money.sum((d.amount for d in line.discounts), "CNY")
        for part in line.discounts:
            by_party[part.party] = by_party.get(part.party, cny("0")) + part.amount
    assert by_party == {SHOP: cny("55.00"), "platform": cny("15.00")}


def test_placed_orders_freeze_the_discounts_and_their_funders() -> None:
    app = shop(offers_of([FULL_REDUCTION], [HALF_AND_HALF]))
    quote = app.quote(CustomerId("ann"))
    placed = app.handle(orders.PlaceOrder(CustomerId("ann"), expected_payable=quote.payable))
    order = app.get(orders.Order, placed.order_ids[0])
    assert order.payable == quote.payable == cny("357.90")
    shirt = order.line(SHIRT)
    assert shirt.funded_by(SHOP) + shirt.funded_by("platform") == shirt.discount


def test_a_changed_price_is_reported_not_charged() -> None:
    app = shop(offers_of([]))
    seen = app.quote(CustomerId("ann")).payable
    app.handle(catalog.ChangePrice(SOCKS, cny("39.90")))
    with pytest.raises(orders.QuoteChanged):
        app.handle(orders.PlaceOrder(CustomerId("ann"), expected_payable=seen))
    fresh = app.quote(CustomerId("ann")).payable
    assert app.handle(orders.PlaceOrder(CustomerId("ann"), expected_payable=fresh))


def test_without_promotions_the_quote_is_the_list_price() -> None:
    app = shop(checkout.no_offers)
    quote = app.quote(CustomerId("ann"))
    assert (quote.payable, quote.pricing.applied, quote.freight) == (cny("427.90"), (), ())


def test_every_change_of_a_cart_is_recorded() -> None:
    cart = Cart.for_customer(CustomerId("amy"))
    cart.add(SkuId("a"), 2, cny("1.00"))
    cart.add(SkuId("b"), 1, cny("1.00"))
    cart.select(SkuId("b"), False)
    cart.checked_out([SkuId("a"), SkuId("gone")])
    assert cart.pull_events() == [
        CartChanged(cart.id, SkuId("a"), 2),
        CartChanged(cart.id, SkuId("b"), 1),
        CartChanged(cart.id, SkuId("b"), 1, selected=False),
        CartChanged(cart.id, SkuId("a"), 0),
    ]
    with pytest.raises(NotInCart):
        cart.remove(SkuId("a"))
    assert cart.pending_events == []
