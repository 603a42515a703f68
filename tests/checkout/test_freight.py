"""Freight from the sellers' stored templates, end to end through ``app.handle``: the quote
prices it with the engine (destination, templates, free shipping), the orders freeze it,
payment charges it, settlement pays it without commission, a refund before shipment
gives it back; in memory and on SQLite across a restart."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from merx import aftersales, catalog, checkout, customers, orders, payments, promotions, settlement
from merx.adapters.memory import FixedClock, SequentialIds
from merx.app import App, Settings, build_memory_app, build_postgres_app, build_sqlite_app
from merx.checkout import FreightCharge, FreightTerms
from merx.customers import Address
from merx.errors import NotFound
from merx.kernel.ids import PLATFORM, CustomerId, MerchantId, OrderId, SkuId
from merx.pricing import (
    FreeShipping,
    FreightRule,
    FreightTemplate,
    FundingShare,
    InvalidFreightTemplate,
    UndeliverableDestination,
)
from tests.charges.world import cny, pending, reconciled, ship

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
import journey_merchant

SHIRT, MUG = SkuId("shirt"), SkuId("mug")
ANN = CustomerId("ann")


def shirts_freight(seller: MerchantId) -> FreightTemplate:
    """By the piece: 8.00 the first to Shanghai, 2.00 each further; elsewhere 12.00 and
    3.00; free from 500.00 of goods."""
    near = FreightRule(("sh",), 1, cny("8.00"), 1, cny("2.00"))
    far = FreightRule(("*",), 1, cny("12.00"), 1, cny("3.00"))
    return FreightTemplate(seller, "piece", (near, far), free_over=cny("500.00"))


def mugs_freight(seller: MerchantId) -> FreightTemplate:
    """6.00 for the first two mugs, 1.00 each further; no delivery to Xinjiang."""
    rule = FreightRule(("*",), 2, cny("6.00"), 1, cny("1.00"))
    return FreightTemplate(seller, "piece", (rule,), undeliverable=("xj",))


def free_mug_shipping(app: App, seller: MerchantId) -> None:
    """The mug seller's own campaign: its freight waived from 50.00 of mugs, at its cost."""
    definition = FreeShipping(
        id="mugs-ship-free",
        merchant=seller,
        min_amount=cny("50.00"),
        funded_by=(FundingShare(seller, Decimal(1)),),
    )
    campaign = app.handle(promotions.CreateCampaign(seller, definition))
    app.handle(promotions.SubmitCampaign(campaign, seller))
    app.handle(promotions.ApproveCampaign(campaign, PLATFORM))
    app.handle(promotions.ScheduleCampaign(campaign, seller))
    app.handle(promotions.TickCampaigns())


def marketplace(
    *, sqlite: Path | None = None, postgres: str | None = None, free_shipping: bool = False
) -> tuple[App, MerchantId, MerchantId]:
    """Two sellers with templates (shirts 100.00, mugs 30.00), 10 % commission; Ann at
    home in Shanghai, with an office in Xinjiang. In memory, in the SQLite file ``sqlite``
    or in the PostgreSQL database at ``postgres``."""
    commission = settlement.CommissionTable(Decimal("0.10"))
    app: App
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    settings = Settings(commission=commission)
    if sqlite is not None:
        app = build_sqlite_app(sqlite, clock=clock, ids=SequentialIds(), settings=settings)
    elif postgres is not None:
        app = build_postgres_app(
            postgres, clock=clock, ids=SequentialIds(), settings=settings, max_connections=2
        )
    else:
        app = build_memory_app(commission=commission)
    say = lambda line: None  # noqa: E731
    shirts = journey_merchant.onboard(app, say, "Shirts", ("shirt",))
    mugs = journey_merchant.onboard(app, say, "Mugs", ("mug",))
    app.handle(catalog.CreateSku(SHIRT, "Shirt", shirts, "shirt", cny("100.00")))
    app.handle(catalog.CreateSku(MUG, "Mug", mugs, "mug", cny("30.00")))
    app.handle(checkout.SetFreightTemplate(shirts, shirts_freight(shirts)))
    app.handle(checkout.SetFreightTemplate(mugs, mugs_freight(mugs)))
    if free_shipping:
        free_mug_shipping(app, mugs)
    app.handle(customers.RegisterCustomer(ANN, "Ann", "1"))
    app.handle(customers.AddAddress(ANN, "home", Address("Ann", "1", "sh", "r"), default=True))
    app.handle(customers.AddAddress(ANN, "office", Address("Ann", "1", "xj", "r")))
    return app, shirts, mugs


def fill(app: App) -> None:
    app.handle(checkout.AddToCart(ANN, SHIRT, 2))
    app.handle(checkout.AddToCart(ANN, MUG, 3))


def test_the_quote_charges_each_sellers_freight_to_the_address() -> None:
    app, shirts, mugs = marketplace()
    fill(app)
    quote = app.quote(ANN)
    # shirts: 8.00 + 2.00 to Shanghai; mugs: 6.00 for two + 1.00
    assert quote.freight == (
        FreightCharge(shirts, cny("10.00")),
        FreightCharge(mugs, cny("7.00")),
    )
    assert (quote.goods, quote.payable) == (cny("290.00"), cny("307.00"))
    assert quote.payable == quote.pricing.payable
    app.handle(checkout.SetCartQuantity(ANN, SHIRT, 5))  # 500.00: the shirts ship free
    assert app.quote(ANN).freight_of(shirts) == FreightCharge(shirts, cny("0.00"))


def test_another_address_is_another_destination() -> None:
    app, shirts, _ = marketplace()
    app.handle(checkout.AddToCart(ANN, SHIRT, 2))
    app.handle(customers.AddAddress(ANN, "mum", Address("Mum", "2", "bj", "r")))
    assert app.quote(ANN, address_label="mum").freight_of(shirts) == FreightCharge(
        shirts, cny("15.00")
    )
    placed = app.handle(orders.PlaceOrder(ANN, address_label="mum"))
    assert app.get(orders.ParentOrder, placed.parent_id).payable == cny("215.00")


def test_an_undeliverable_address_places_nothing() -> None:
    app, _, _ = marketplace()
    fill(app)
    with pytest.raises(UndeliverableDestination, match="xj"):
        app.quote(ANN, address_label="office")
    with pytest.raises(UndeliverableDestination, match="xj"):
        app.handle(orders.PlaceOrder(ANN, address_label="office"))
    assert len(app.get(checkout.Cart, ANN).selected()) == 2  # still in the cart
    assert app.handle(orders.PlaceOrder(ANN)).order_ids


def test_free_shipping_pays_and_settles_through_the_orders() -> None:
    app, shirts, mugs = marketplace(free_shipping=True)
    fill(app)
    quote = app.quote(ANN)
    assert quote.freight_of(mugs) == FreightCharge(
        mugs, cny("7.00"), (checkout.LineDiscount("mugs-ship-free", mugs, cny("7.00")),)
    )
    assert quote.payable == cny("300.00")  # 290.00 of goods and the shirts' 10.00
    placed = app.handle(orders.PlaceOrder(ANN, expected_payable=quote.payable))
    app.handle(payments.PayOrder(placed.parent_id, "alipay"))
    shirt_order, mug_order = (app.get(orders.Order, o) for o in placed.order_ids)
    assert (shirt_order.payable, mug_order.payable) == (cny("210.00"), cny("90.00"))
    assert shirt_order.freight == quote.freight_of(shirts)
    assert mug_order.freight == quote.freight_of(mugs)
    freight = app.get(settlement.OrderClearing, shirt_order.id).line(FreightCharge.KEY)
    assert (freight.commission, freight.paid) == (cny("0"), cny("10.00"))
    for order, seller in ((shirt_order, shirts), (mug_order, mugs)):
        ship(app, seller, order.id, complete=True)
    assert pending(app, shirts) == cny("190.00")  # 200.00 less 10 %, and the 10.00 freight
    assert pending(app, mugs) == cny("81.00")  # 90.00 less 10 %; its waiver is its own
    assert reconciled(app)


def test_a_refund_before_shipment_gives_the_freight_back() -> None:
    app, shirts, _ = marketplace()
    fill(app)
    placed = app.handle(orders.PlaceOrder(ANN))
    app.handle(payments.PayOrder(placed.parent_id, "alipay"))
    shirt_order = OrderId(placed.order_ids[0])
    case = app.handle(aftersales.RequestRefund(shirt_order, "changed my mind"))
    app.handle(aftersales.ApproveAfterSale(case, acting=shirts))
    done = app.get(aftersales.AfterSale, case)
    assert done.amount == cny("210.00")
    assert dict(done.refund_lines)[FreightCharge.KEY] == cny("10.00")
    assert reconciled(app)


def test_a_template_is_set_replaced_and_removed() -> None:
    app, shirts, _ = marketplace()
    app.handle(checkout.AddToCart(ANN, SHIRT, 1))
    flat = FreightTemplate(shirts, "piece", (FreightRule(("*",), 1, cny("5.00"), 1, cny("0")),))
    app.handle(checkout.SetFreightTemplate(shirts, flat))
    assert app.get(FreightTerms, shirts).templates == (flat,)
    assert app.quote(ANN).freight_charged == cny("5.00")
    app.handle(checkout.RemoveFreightTemplate(shirts))
    assert app.quote(ANN).freight == ()
    with pytest.raises(checkout.NoFreightTemplate):
        app.handle(checkout.RemoveFreightTemplate(shirts))


def test_the_platform_charges_freight_on_its_own_goods() -> None:
    app, _, _ = marketplace()
    app.handle(catalog.CreateSku(SkuId("phone"), "Phone", PLATFORM, "phone", cny("299.00")))
    app.handle(checkout.SetFreightTemplate(PLATFORM, shirts_freight(PLATFORM)))
    app.handle(checkout.AddToCart(ANN, SkuId("phone"), 1))
    placed = app.handle(orders.PlaceOrder(ANN))
    (order_id,) = placed.order_ids
    assert app.get(orders.Order, order_id).freight == FreightCharge(PLATFORM, cny("8.00"))
    assert app.get(orders.ParentOrder, placed.parent_id).payable == cny("307.00")


def test_a_bad_template_is_refused_and_changes_nothing() -> None:
    app, shirts, mugs = marketplace()
    before = app.get(FreightTerms, shirts)
    with pytest.raises(InvalidFreightTemplate, match="cannot be set"):
        app.handle(checkout.SetFreightTemplate(shirts, mugs_freight(mugs)))
    with pytest.raises(InvalidFreightTemplate, match="expected"):
        app.handle(checkout.SetFreightTemplate(shirts, "free"))  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        app.handle(checkout.SetFreightTemplate(MerchantId("nobody"), shirts_freight(shirts)))
    assert app.get(FreightTerms, shirts) == before
    with pytest.raises(NotFound):
        app.get(FreightTerms, "nobody")


def test_exclusive_tax_is_the_engines() -> None:
    app = build_memory_app(tax_policy=catalog.TaxPolicy(catalog.TaxMode.EXCLUSIVE))
    seller = journey_merchant.onboard(app, lambda line: None, "Shirts", ("shirt",))
    app.handle(catalog.CreateSku(SHIRT, "Shirt", seller, "shirt", cny("100.00")))
    app.handle(catalog.SetTaxRate(SHIRT, Decimal("0.13")))
    app.handle(checkout.SetFreightTemplate(seller, shirts_freight(seller)))
    app.handle(customers.RegisterCustomer(ANN, "Ann", "1"))
    app.handle(customers.AddAddress(ANN, "home", Address("Ann", "1", "sh", "r"), default=True))
    app.handle(checkout.AddToCart(ANN, SHIRT, 3))
    quote = app.quote(ANN)
    assert quote.pricing.tax_mode == "exclusive"
    assert [line.tax for line in quote.lines] == [line.tax for line in quote.pricing.lines]
    assert quote.payable == cny("351.00")  # 300.00, 39.00 of tax on top, 12.00 freight


def stored_journey(app: App) -> orders.PlacedOrder:
    fill(app)
    placed = app.handle(orders.PlaceOrder(ANN))
    app.handle(payments.PayOrder(placed.parent_id, "alipay"))
    return placed


def check_stored(
    again: App, placed: orders.PlacedOrder, shirts: MerchantId, mugs: MerchantId
) -> None:
    assert again.get(FreightTerms, shirts).templates == (shirts_freight(shirts),)
    assert again.get(FreightTerms, mugs).templates == (mugs_freight(mugs),)
    shirt_order, mug_order = (again.get(orders.Order, o) for o in placed.order_ids)
    assert shirt_order.freight == FreightCharge(shirts, cny("10.00"))
    assert mug_order.freight is not None
    assert mug_order.freight.charged == cny("0.00")
    assert again.get(orders.ParentOrder, placed.parent_id).payable == cny("300.00")


def test_templates_and_frozen_freight_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    app, shirts, mugs = marketplace(sqlite=path, free_shipping=True)
    placed = stored_journey(app)
    check_stored(build_sqlite_app(path), placed, shirts, mugs)


@pytest.mark.postgres
def test_templates_and_frozen_freight_survive_a_restart_on_postgres(
    postgres_schema: Callable[[], str],
) -> None:
    dsn = postgres_schema()
    app, shirts, mugs = marketplace(postgres=dsn, free_shipping=True)
    placed = stored_journey(app)
    app.database.close()  # type: ignore[attr-defined]
    again = build_postgres_app(dsn, max_connections=2)
    try:
        check_stored(again, placed, shirts, mugs)
    finally:
        again.database.close()  # type: ignore[attr-defined]
