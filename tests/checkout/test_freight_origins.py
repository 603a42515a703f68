"""Freight per warehouse origin, end to end through ``app.handle``: a seller with two
warehouses gives each its template, each SKU names the warehouse it ships from
(:attr:`merx.catalog.Sku.origin`), and one cart is priced per (seller, origin): one freight
charge and one seller order per shipment, each refunded by the freight rule on its own; a
SKU from a warehouse without a template of its own ships under the seller's template without
origin. On SQLite across a restart, and old documents without the new fields still load."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from merx import aftersales, catalog, checkout, customers, orders, payments
from merx.app import App, build_postgres_app, build_sqlite_app
from merx.checkout import FreightCharge
from merx.checkout import serde as checkout_serde
from merx.customers import Address
from merx.kernel.ids import CustomerId, MerchantId, OrderId, SkuId
from merx.kernel.money import Money
from merx.orders import serde as orders_serde
from merx.pricing import FreightRule, FreightTemplate
from tests.charges.world import cny, reconciled
from tests.checkout.test_freight import marketplace

ANN = CustomerId("ann")
SHIRT, TEE, CAP = SkuId("shirt-hz"), SkuId("tee-cd"), SkuId("cap-wh")
HANGZHOU, CHENGDU = "hangzhou", "chengdu"


def piece(seller: MerchantId, first: str, each: str, **kw: Any) -> FreightTemplate:
    return FreightTemplate(
        seller, "piece", (FreightRule(("*",), 1, cny(first), 1, cny(each)),), **kw
    )


def two_warehouses(app: App, seller: MerchantId) -> None:
    """Hangzhou: 8.00 + 2.00 a further piece, free from 300.00; Chengdu: 12.00 + 3.00;
    the seller's template without origin: a flat 5.00. The shirt ships from Hangzhou, the
    tee from Chengdu, the cap from Wuhan (no template of its own)."""
    app.handle(
        checkout.SetFreightTemplate(
            seller, piece(seller, "8.00", "2.00", origin=HANGZHOU, free_over=cny("300.00"))
        )
    )
    app.handle(checkout.SetFreightTemplate(seller, piece(seller, "12.00", "3.00", origin=CHENGDU)))
    app.handle(checkout.SetFreightTemplate(seller, piece(seller, "5.00", "0.00")))
    app.handle(catalog.CreateSku(SHIRT, "Shirt", seller, "shirt", cny("100.00"), origin=HANGZHOU))
    app.handle(catalog.CreateSku(TEE, "Tee", seller, "shirt", cny("40.00"), origin=CHENGDU))
    app.handle(catalog.CreateSku(CAP, "Cap", seller, "shirt", cny("20.00"), origin="wuhan"))


def fill(app: App) -> None:
    app.handle(checkout.AddToCart(ANN, SHIRT, 2))
    app.handle(checkout.AddToCart(ANN, TEE, 2))


def test_one_cart_is_priced_per_warehouse_and_placed_as_one_order_per_shipment() -> None:
    app, seller, _ = marketplace()
    two_warehouses(app, seller)
    fill(app)
    quote = app.quote(ANN)
    # Hangzhou: 2 shirts, 8.00 + 2.00; Chengdu: 2 tees, 12.00 + 3.00
    assert quote.freight == (
        FreightCharge(seller, cny("10.00"), origin=HANGZHOU),
        FreightCharge(seller, cny("15.00"), origin=CHENGDU),
    )
    assert (quote.goods, quote.payable) == (cny("280.00"), cny("305.00"))
    placed = app.handle(orders.PlaceOrder(ANN, expected_payable=quote.payable))
    hz, cd = (app.get(orders.Order, o) for o in placed.order_ids)
    assert (hz.seller, cd.seller) == (seller, seller)
    assert [line.sku for line in hz.lines] == [SHIRT]
    assert [line.sku for line in cd.lines] == [TEE]
    assert (hz.freight, cd.freight) == quote.freight
    assert (hz.payable, cd.payable) == (cny("210.00"), cny("95.00"))
    assert app.get(orders.ParentOrder, placed.parent_id).payable == quote.payable


def test_each_warehouse_has_its_own_free_over() -> None:
    app, seller, _ = marketplace()
    two_warehouses(app, seller)
    app.handle(checkout.AddToCart(ANN, SHIRT, 3))  # 300.00 from Hangzhou: free
    app.handle(checkout.AddToCart(ANN, TEE, 1))  # the seller's goods reach 340.00
    quote = app.quote(ANN)
    assert quote.freight_of(seller, HANGZHOU) == FreightCharge(seller, cny("0.00"), origin=HANGZHOU)
    assert quote.freight_of(seller, CHENGDU) == FreightCharge(seller, cny("12.00"), origin=CHENGDU)


def test_a_warehouse_without_a_template_ships_under_the_sellers_default() -> None:
    app, seller, _ = marketplace()
    two_warehouses(app, seller)
    app.handle(checkout.AddToCart(ANN, SHIRT, 1))
    app.handle(checkout.AddToCart(ANN, CAP, 2))
    quote = app.quote(ANN)
    assert quote.freight == (
        FreightCharge(seller, cny("8.00"), origin=HANGZHOU),
        FreightCharge(seller, cny("5.00")),
    )
    cap = next(line for line in quote.lines if line.sku == CAP)
    assert (cap.origin, quote.shipment_origin(cap)) == ("wuhan", None)
    placed = app.handle(orders.PlaceOrder(ANN))
    hz, rest = (app.get(orders.Order, o) for o in placed.order_ids)
    assert [line.sku for line in hz.lines] == [SHIRT]
    assert [line.sku for line in rest.lines] == [CAP]
    assert rest.freight == FreightCharge(seller, cny("5.00"))


def test_a_seller_without_origin_templates_keeps_one_order() -> None:
    app, shirts, _ = marketplace()  # one template without origin per seller
    app.handle(catalog.CreateSku(TEE, "Tee", shirts, "shirt", cny("40.00"), origin=CHENGDU))
    app.handle(checkout.AddToCart(ANN, SkuId("shirt"), 1))
    app.handle(checkout.AddToCart(ANN, TEE, 1))
    quote = app.quote(ANN)
    assert quote.freight == (FreightCharge(shirts, cny("10.00")),)  # 8.00 + 2.00, one parcel
    (order_id,) = app.handle(orders.PlaceOrder(ANN)).order_ids
    assert len(app.get(orders.Order, order_id).lines) == 2


def test_a_refund_before_shipment_gives_back_only_its_shipments_freight() -> None:
    app, seller, _ = marketplace()
    two_warehouses(app, seller)
    fill(app)
    placed = app.handle(orders.PlaceOrder(ANN))
    app.handle(payments.PayOrder(placed.parent_id, "alipay"))
    cd = OrderId(placed.order_ids[1])
    case = app.handle(aftersales.RequestRefund(cd, "changed my mind"))
    app.handle(aftersales.ApproveAfterSale(case, acting=seller))
    done = app.get(aftersales.AfterSale, case)
    assert done.amount == cny("95.00")
    assert dict(done.refund_lines)[FreightCharge.KEY] == cny("15.00")
    assert not app.get(orders.Order, placed.order_ids[0]).freight_refunded
    assert reconciled(app)


def placed_from_two_warehouses(app: App, seller: MerchantId) -> orders.PlacedOrder:
    two_warehouses(app, seller)
    fill(app)
    return app.handle(orders.PlaceOrder(ANN))


def check_stored(again: App, placed: orders.PlacedOrder, seller: MerchantId) -> None:
    assert again.get(catalog.Sku, TEE).origin == CHENGDU
    hz, cd = (again.get(orders.Order, o) for o in placed.order_ids)
    assert hz.freight == FreightCharge(seller, cny("10.00"), origin=HANGZHOU)
    assert cd.freight == FreightCharge(seller, cny("15.00"), origin=CHENGDU)
    assert [line.origin for line in cd.lines] == [CHENGDU]


def test_origins_and_frozen_freight_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    app, seller, _ = marketplace(sqlite=path)
    placed = placed_from_two_warehouses(app, seller)
    check_stored(build_sqlite_app(path), placed, seller)


@pytest.mark.postgres
def test_origins_and_frozen_freight_survive_a_restart_on_postgres(
    postgres_schema: Callable[[], str],
) -> None:
    dsn = postgres_schema()
    app, seller, _ = marketplace(postgres=dsn)
    placed = placed_from_two_warehouses(app, seller)
    app.database.close()  # type: ignore[attr-defined]
    again = build_postgres_app(dsn, max_connections=2)
    try:
        check_stored(again, placed, seller)
    finally:
        again.database.close()  # type: ignore[attr-defined]


def _without(data: Any, key: str) -> Any:
    """``data`` with every ``key`` dropped, at any depth: a document stored before it."""
    if isinstance(data, dict):
        return {k: _without(v, key) for k, v in data.items() if k != key}
    if isinstance(data, list):
        return [_without(v, key) for v in data]
    return data


def test_an_order_stored_before_origins_still_loads() -> None:
    app, seller, _ = marketplace()
    two_warehouses(app, seller)
    app.handle(checkout.AddToCart(ANN, SkuId("shirt"), 1))
    (order_id,) = app.handle(orders.PlaceOrder(ANN)).order_ids
    order = app.get(orders.Order, order_id)
    old = _without(orders_serde.unstructure(order), "origin")
    back = orders_serde.structure(old, orders.Order)
    assert back.freight == order.freight
    assert back.lines == order.lines


def test_a_customer_with_two_addresses_pays_each_warehouses_rule() -> None:
    app, seller, _ = marketplace()
    two_warehouses(app, seller)
    app.handle(
        checkout.SetFreightTemplate(
            seller,
            FreightTemplate(
                seller,
                "piece",
                (
                    FreightRule(("xj",), 1, cny("20.00"), 1, cny("5.00")),
                    FreightRule(("*",), 1, cny("12.00"), 1, cny("3.00")),
                ),
                origin=CHENGDU,
            ),
        )
    )
    app.handle(customers.AddAddress(ANN, "far", Address("Ann", "1", "xj", "r")))
    fill(app)
    near, far = app.quote(ANN), app.quote(ANN, address_label="far")
    assert near.freight_of(seller, CHENGDU) == FreightCharge(seller, cny("15.00"), origin=CHENGDU)
    assert far.freight_of(seller, CHENGDU) == FreightCharge(seller, cny("25.00"), origin=CHENGDU)
    assert far.freight_of(seller, HANGZHOU) == near.freight_of(seller, HANGZHOU)


def test_a_cart_stored_before_its_items_kept_their_seller_still_prices_its_freight() -> None:
    app, seller, _ = marketplace()
    two_warehouses(app, seller)
    fill(app)
    quote = app.quote(ANN)
    assert {item.merchant for item in app.get(checkout.Cart, ANN).items.values()} == {seller}
    with app.unit_of_work() as uow:
        cart = uow.repo(checkout.Cart).get(ANN)
        old = _without(checkout_serde.unstructure(cart), "merchant")
        cart.items = checkout_serde.structure(old, checkout.Cart).items
        uow.repo(checkout.Cart).save(cart)
        uow.commit()
    assert {item.merchant for item in app.get(checkout.Cart, ANN).items.values()} == {None}
    assert app.quote(ANN).freight == quote.freight
    app.handle(checkout.SetCartQuantity(ANN, TEE, 2))  # a change keeps the seller again
    assert app.get(checkout.Cart, ANN).items[TEE].merchant == seller


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    quantities=st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 3)).filter(any),
    origins=st.sets(st.sampled_from([HANGZHOU, CHENGDU, None])),
)
def test_the_orders_are_the_quotes_shipments(
    quantities: tuple[int, int, int], origins: set[str | None]
) -> None:
    """Whatever the cart and whichever templates the seller has: every line is in one
    order, each order's lines ship under one template, the orders carry the quote's freight
    charges exactly once each, and they add up to the quote."""
    app, seller, _ = marketplace()
    two_warehouses(app, seller)
    for origin in {HANGZHOU, CHENGDU, None} - origins:
        app.handle(checkout.RemoveFreightTemplate(seller, origin))
    for sku, quantity in zip((SHIRT, TEE, CAP), quantities, strict=True):
        if quantity:
            app.handle(checkout.AddToCart(ANN, sku, quantity))
    quote = app.quote(ANN)
    shipped_under = {quote.shipment_origin(line) for line in quote.lines}
    assert {f.origin for f in quote.freight} == shipped_under & origins  # free without one
    placed = app.handle(orders.PlaceOrder(ANN, expected_payable=quote.payable))
    placed_orders = [app.get(orders.Order, o) for o in placed.order_ids]
    assert sorted(line.sku for o in placed_orders for line in o.lines) == sorted(
        line.sku for line in quote.lines
    )
    for order in placed_orders:
        shipments = {quote.shipment_origin(line) for line in order.lines}
        assert len(shipments) == 1
        if order.freight is not None:
            assert order.freight.origin in shipments
    frozen = [o.freight for o in placed_orders if o.freight is not None]
    assert sorted(frozen, key=repr) == sorted(quote.freight, key=repr)
    assert Money.sum((o.payable for o in placed_orders), "CNY") == quote.payable
