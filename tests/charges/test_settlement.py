"""Freight and tax in clearing: the freight goes to the seller without commission, a
platform-funded waiver is paid to it as subsidy, tax added on top is the seller's."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from merx import aftersales, settlement
from merx.app import App
from merx.catalog import TaxMode, TaxPolicy
from merx.checkout import FreightCharge
from merx.kernel.ids import MerchantId, OrderId
from merx.kernel.money import Money
from tests.charges.world import (
    SHIRT,
    buy,
    cny,
    pending,
    reconciled,
    ship,
    shop,
)


def clearing_of(app: App, order_id: OrderId) -> settlement.OrderClearing:
    return app.get(settlement.OrderClearing, order_id)


def test_freight_goes_to_the_seller_without_commission() -> None:
    app, seller = shop(freight=cny("8.00"))
    order_id = buy(app, (SHIRT, 2))
    freight = clearing_of(app, order_id).line(FreightCharge.KEY)
    assert (freight.commission, freight.rule, freight.paid) == (
        cny("0"),
        "no commission",
        cny("8.00"),
    )
    ship(app, seller, order_id, complete=True)
    # 200.00 less 10 % commission, plus the 8.00 freight
    assert pending(app, seller) == cny("188.00")
    assert reconciled(app)


def test_a_platform_waiver_is_paid_to_the_seller_as_subsidy() -> None:
    app, seller = shop(freight=cny("8.00"), free_shipping="platform")
    order_id = buy(app, (SHIRT, 2))
    clearing = clearing_of(app, order_id)
    assert clearing.paid == cny("200.00")  # the customer paid no freight
    assert clearing.line(FreightCharge.KEY).subsidy == cny("8.00")
    ship(app, seller, order_id, complete=True)
    assert pending(app, seller) == cny("188.00")  # as if the customer had paid it
    assert reconciled(app)


def test_a_waiver_the_seller_funds_is_its_own_cost() -> None:
    app, seller = shop(freight=cny("8.00"), free_shipping="seller")
    order_id = buy(app, (SHIRT, 2))
    ship(app, seller, order_id, complete=True)
    assert pending(app, seller) == cny("180.00")  # 200.00 less commission, no freight
    assert reconciled(app)


def test_the_freight_refunded_to_a_customer_comes_back_from_the_seller() -> None:
    app, seller = shop(freight=cny("8.00"))
    order_id = buy(app, (SHIRT, 2))
    ship(app, seller, order_id, complete=True)
    case = app.handle(
        aftersales.RequestRefundOnly(order_id, ((SHIRT, 2),), "wrong colour", seller_at_fault=True)
    )
    app.handle(aftersales.ApproveAfterSale(case, acting=seller))
    assert app.get(aftersales.AfterSale, case).amount == cny("208.00")
    assert pending(app, seller) == Money.zero("CNY")
    assert reconciled(app)


def test_tax_added_on_top_is_the_sellers_without_commission() -> None:
    app, seller = shop(tax=TaxPolicy(TaxMode.EXCLUSIVE))
    order_id = buy(app, (SHIRT, 3))  # 300.00 + 39.00 tax
    ship(app, seller, order_id, complete=True)
    assert clearing_of(app, order_id).line(SHIRT).commission == cny("30.00")  # 10 % of 300.00
    assert pending(app, seller) == cny("309.00")
    case = app.handle(aftersales.RequestRefundOnly(order_id, ((SHIRT, 1),), "stain"))
    app.handle(aftersales.ApproveAfterSale(case, acting=seller))
    # 113.00 back (100.00 + 13.00 tax), a third of the commission (10.00) reversed
    assert pending(app, seller) == cny("206.00")
    assert reconciled(app)


def test_a_freight_sale_line_is_never_commissioned() -> None:
    table = settlement.CommissionTable(Decimal("0.10"))
    line = settlement.SaleLine(
        FreightCharge.KEY, MerchantId("m"), "freight", cny("8.00"), cny("0"), cny("3.00"),
        commissioned=False,
    )  # fmt: skip
    clearing = settlement.OrderClearing.book_payment(
        order_id=OrderId("o"), channel="alipay", sales=(line,), table=table,
        at=datetime(2026, 1, 1, tzinfo=UTC),
    )  # fmt: skip
    assert clearing.net_commission == cny("0")
    assert clearing.net_owed(MerchantId("m")) == cny("8.00")  # 5.00 paid + 3.00 subsidy
