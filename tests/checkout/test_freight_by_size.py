"""Freight by weight and by volume from the cart, end to end through ``app.handle``: the
checkout hands each SKU's weight and volume per unit (:class:`~merx.catalog.SetSkuShipping`)
to the engine, so a seller's weight or volume template prices the quote and the orders
freeze it; a SKU without the attribute its seller's template needs refuses the quote."""

from __future__ import annotations

import pytest

from merx import catalog, checkout, orders, payments
from merx.app import App
from merx.checkout import FreightCharge
from merx.kernel.ids import MerchantId, SkuId
from merx.pricing import FreightRule, FreightTemplate, InvalidCart
from tests.charges.world import cny
from tests.checkout.test_freight import ANN, MUG, SHIRT, marketplace


def by_weight(seller: MerchantId) -> FreightTemplate:
    """10.00 for the first kilogram, 3.00 for each further 500 g or part of them."""
    return FreightTemplate(
        seller, "weight", (FreightRule(("*",), 1000, cny("10.00"), 500, cny("3.00")),)
    )


def by_volume(seller: MerchantId) -> FreightTemplate:
    """6.00 for the first 5 litres, 2.00 for each further 2 litres or part of them."""
    return FreightTemplate(
        seller, "volume", (FreightRule(("*",), 5000, cny("6.00"), 2000, cny("2.00")),)
    )


def sized_marketplace() -> tuple[App, MerchantId, MerchantId]:
    """Shirts of 400 g charged by weight, mugs of 1.5 litres by volume; 3 shirts, 5 mugs."""
    app, shirts, mugs = marketplace()
    app.handle(checkout.SetFreightTemplate(shirts, by_weight(shirts)))
    app.handle(checkout.SetFreightTemplate(mugs, by_volume(mugs)))
    app.handle(catalog.SetSkuShipping(SHIRT, 400, None))
    app.handle(catalog.SetSkuShipping(MUG, 350, 1500))
    app.handle(checkout.AddToCart(ANN, SHIRT, 3))
    app.handle(checkout.AddToCart(ANN, MUG, 5))
    return app, shirts, mugs


def test_weight_and_volume_templates_price_the_cart_and_the_orders_freeze_it() -> None:
    app, shirts, mugs = sized_marketplace()
    quote = app.quote(ANN)
    # shirts: 3 x 400 g = 1200 g: 10.00 + one further 500 g step (200 g) 3.00 = 13.00
    # mugs: 5 x 1500 cm3 = 7500 cm3: 6.00 + two further 2000 cm3 steps (2500) 4.00 = 10.00
    assert quote.freight == (
        FreightCharge(shirts, cny("13.00")),
        FreightCharge(mugs, cny("10.00")),
    )
    assert (quote.goods, quote.payable) == (cny("450.00"), cny("473.00"))
    placed = app.handle(orders.PlaceOrder(ANN, expected_payable=quote.payable))
    shirt_order, mug_order = (app.get(orders.Order, o) for o in placed.order_ids)
    assert shirt_order.freight == FreightCharge(shirts, cny("13.00"))
    assert mug_order.freight == FreightCharge(mugs, cny("10.00"))
    assert (shirt_order.payable, mug_order.payable) == (cny("313.00"), cny("160.00"))
    assert app.get(orders.ParentOrder, placed.parent_id).payable == cny("473.00")
    app.handle(payments.PayOrder(placed.parent_id, "alipay"))


def test_a_changed_weight_is_priced_at_the_next_quote() -> None:
    app, shirts, _ = sized_marketplace()
    app.handle(catalog.SetSkuShipping(SHIRT, 700, None))
    # 3 x 700 g = 2100 g: 10.00 + three further steps (1100 g) 9.00
    assert app.quote(ANN).freight_of(shirts) == FreightCharge(shirts, cny("19.00"))
    app.handle(checkout.SetCartQuantity(ANN, SHIRT, 1))  # 700 g: within the first kilogram
    assert app.quote(ANN).freight_of(shirts) == FreightCharge(shirts, cny("10.00"))


def test_a_weight_given_at_creation_is_priced() -> None:
    app, shirts, _ = sized_marketplace()
    coat = SkuId("coat")
    app.handle(catalog.CreateSku(coat, "Coat", shirts, "shirt", cny("200.00"), weight_g=1800))
    app.handle(checkout.AddToCart(ANN, coat, 1))
    # 1200 g of shirts and 1800 g of coat: 3000 g, 10.00 + four further steps 12.00
    assert app.quote(ANN).freight_of(shirts) == FreightCharge(shirts, cny("22.00"))


def test_a_sku_without_the_weight_its_sellers_template_needs_places_nothing() -> None:
    app, _, mugs = sized_marketplace()
    app.handle(catalog.SetSkuShipping(SHIRT, None, 3000))  # a volume, but no weight
    with pytest.raises(InvalidCart, match=r"'shirt'.*weight_g"):
        app.quote(ANN)
    with pytest.raises(InvalidCart, match=r"'shirt'.*weight_g"):
        app.handle(orders.PlaceOrder(ANN))
    assert len(app.get(checkout.Cart, ANN).selected()) == 2  # still in the cart
    app.handle(checkout.RemoveFromCart(ANN, SHIRT))  # the mugs alone still price
    assert app.quote(ANN).freight_of(mugs) == FreightCharge(mugs, cny("10.00"))


def test_a_sku_without_a_volume_is_refused_under_a_volume_template() -> None:
    app, _, _ = sized_marketplace()
    app.handle(catalog.SetSkuShipping(MUG, 350, None))
    with pytest.raises(InvalidCart, match=r"'mug'.*volume_cm3"):
        app.quote(ANN)


def test_bad_sizes_are_refused_and_the_quote_is_unchanged() -> None:
    app, shirts, _ = sized_marketplace()
    before = app.quote(ANN)
    for weight, volume in ((0, None), (-400, None), (400, 0)):
        with pytest.raises(catalog.InvalidShipping):
            app.handle(catalog.SetSkuShipping(SHIRT, weight, volume))
    with pytest.raises(catalog.InvalidShipping, match="weight_g"):
        app.handle(catalog.CreateSku(SkuId("hat"), "Hat", shirts, "shirt", cny("9.00"), weight_g=0))
    shirt = app.get(catalog.Sku, SHIRT)
    assert (shirt.weight_g, shirt.volume_cm3) == (400, None)
    assert app.quote(ANN) == before
