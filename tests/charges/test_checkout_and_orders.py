"""Tax per line and freight per seller on the quote and frozen into the orders."""

from __future__ import annotations

from decimal import Decimal

import pytest

from merx import catalog, checkout, orders, payments
from merx.catalog import TaxMode, TaxPolicy
from merx.errors import ValidationError
from merx.kernel.ids import SkuId
from merx.pricing import Coupon, FundingShare
from tests.charges.world import ANN, SHIRT, SOCKS, buy, cny, shop

#: socks take their category's 6 %, anything else 0
SOCK_RATE = {"sock": Decimal("0.06")}
P20 = Coupon(
    id="P20", level="platform", off=cny("20.00"), funded_by=(FundingShare("platform", Decimal(1)),)
)


def test_inclusive_prices_contain_each_lines_tax() -> None:
    app, _ = shop(tax=TaxPolicy(category_rates=SOCK_RATE), shirt="113.00", socks="10.60")
    order = app.get(orders.Order, buy(app, (SHIRT, 2), (SOCKS, 1)))
    lines = {line.sku: line for line in order.lines}
    # 226.00 * 0.13 / 1.13 = 26.00; 10.60 * 0.06 / 1.06 = 0.60
    assert (lines[SHIRT].tax_rate, lines[SHIRT].tax) == (Decimal("0.13"), cny("26.00"))
    assert (lines[SOCKS].tax_rate, lines[SOCKS].tax) == (Decimal("0.06"), cny("0.60"))
    assert order.tax == cny("26.60")
    assert order.payable == cny("236.60")  # the tax is inside the prices


def test_exclusive_tax_is_added_on_top_and_paid() -> None:
    app, _ = shop(tax=TaxPolicy(TaxMode.EXCLUSIVE, category_rates=SOCK_RATE))
    app.handle(checkout.AddToCart(ANN, SHIRT, 2))
    app.handle(checkout.AddToCart(ANN, SOCKS, 1))
    quote = app.quote(ANN)
    assert quote.tax_mode is TaxMode.EXCLUSIVE
    # 200.00 * 0.13 = 26.00; 10.00 * 0.06 = 0.60
    assert (quote.goods, quote.tax, quote.payable) == (cny("210.00"), cny("26.60"), cny("236.60"))
    placed = app.handle(orders.PlaceOrder(ANN, expected_payable=cny("236.60")))
    assert app.get(orders.ParentOrder, placed.parent_id).payable == cny("236.60")
    app.handle(payments.PayOrder(placed.parent_id, "alipay"))
    assert app.get(orders.Order, placed.order_ids[0]).status is orders.OrderStatus.PAID


def test_tax_is_on_each_lines_amount_after_discounts() -> None:
    app, _ = shop(tax=TaxPolicy(TaxMode.EXCLUSIVE, category_rates=SOCK_RATE), wallet=(P20,))
    order = app.get(orders.Order, buy(app, (SHIRT, 2), (SOCKS, 1)))
    lines = {line.sku: line for line in order.lines}
    # 20.00 off 210.00 split 200 : 10 -> 19.05 and 0.95 (largest remainder)
    assert (lines[SHIRT].net, lines[SOCKS].net) == (cny("180.95"), cny("9.05"))
    # 180.95 * 0.13 = 23.5235 -> 23.52; 9.05 * 0.06 = 0.543 -> 0.54
    assert (lines[SHIRT].tax, lines[SOCKS].tax) == (cny("23.52"), cny("0.54"))
    assert order.payable == cny("214.06")  # 190.00 + 24.06


def test_a_sellers_freight_is_frozen_into_its_order_and_paid() -> None:
    app, seller = shop(freight=cny("8.00"))
    order = app.get(orders.Order, buy(app, (SHIRT, 1)))
    assert order.freight is not None
    freight = order.freight
    assert (freight.seller, freight.fee, freight.charged) == (seller, cny("8.00"), cny("8.00"))
    assert freight.waived_by is None
    assert order.payable == cny("108.00")
    assert app.get(orders.ParentOrder, order.parent_id).payable == cny("108.00")


def test_a_waived_freight_keeps_who_waived_it_and_charges_nothing() -> None:
    app, _ = shop(freight=cny("8.00"), free_shipping="platform")
    order = app.get(orders.Order, buy(app, (SHIRT, 1)))
    assert order.freight is not None
    assert (order.freight.fee, order.freight.charged) == (cny("8.00"), cny("0.00"))
    assert order.freight.waived_by == "FREE"
    assert order.freight.funded_by("platform") == cny("8.00")
    assert order.payable == cny("100.00")


def test_a_sku_id_starting_with_a_tilde_is_merx_own() -> None:
    app, seller = shop()
    with pytest.raises(ValidationError):
        app.handle(catalog.CreateSku(SkuId("~freight"), "x", seller, "shirt", cny("1.00")))
