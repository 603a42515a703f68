"""Refunds take back their units' tax exactly, and the freight by the freight rule."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import attrs
from hypothesis import given
from hypothesis import strategies as st

from merx import aftersales, orders
from merx.catalog import GoodsType, TaxMode, TaxPolicy
from merx.checkout import FreightCharge, QuotedLine
from merx.customers import Address
from merx.kernel.ids import CustomerId, MerchantId, OrderId, SkuId
from merx.kernel.money import Money
from tests.charges.world import SHIRT, buy, cny, ship, shop

T0 = datetime(2026, 1, 1, tzinfo=UTC)
EXCLUSIVE = TaxPolicy(TaxMode.EXCLUSIVE)


def an_order(
    unit_minor: int, quantity: int, discount_minor: int, rate: Decimal, mode: TaxMode
) -> orders.Order:
    unit = Money.from_minor(unit_minor, "CNY")
    line = QuotedLine(
        sku=SkuId("s"), title="S", merchant=MerchantId("m"), category="c",
        goods_type=GoodsType.PHYSICAL, unit_price=unit, quantity=quantity,
        discount=Money.from_minor(discount_minor, "CNY"), tax_rate=rate,
    )  # fmt: skip
    line = attrs.evolve(line, tax=mode.tax_on(line.net, rate))
    return orders.Order.place(
        order_id=OrderId("o"), parent_id=OrderId("p"), customer_id=CustomerId("c"),
        lines=(line,), ship_to=Address("A", "1", "sh", "r"), at=T0, tax_mode=mode,
    )  # fmt: skip


@given(
    unit_minor=st.integers(1, 100_000),
    quantity=st.integers(1, 12),
    off=st.integers(0, 100),
    rate=st.decimals(0, "0.99", places=2),
    mode=st.sampled_from(TaxMode),
    data=st.data(),
)
def test_refunds_take_back_each_units_tax_share_and_add_up_to_the_line(
    *, unit_minor: int, quantity: int, off: int, rate: Decimal, mode: TaxMode, data: st.DataObject
) -> None:
    discount = unit_minor * quantity * off // 100
    order = an_order(unit_minor, quantity, discount, rate, mode)
    line = order.lines[0]
    refunded = Money.zero("CNY")
    left = quantity
    while left:
        n = data.draw(st.integers(1, left))
        order.claim([(line.sku, n)])
        ((_, amount),) = order.refund_units([(line.sku, n)])
        refunded += amount
        left -= n
        taxes = line.unit_taxes()
        assert order.refunded_tax(line.sku) == Money.sum(taxes[: quantity - left], "CNY")
        assert max(taxes).minor - min(taxes).minor <= 1  # shares differ by a cent at most
    assert order.refunded_tax(line.sku) == line.tax
    assert refunded == line.net + mode.added(line.tax) == order.payable


def test_a_refunded_unit_takes_back_its_share_of_the_tax() -> None:
    # 3 x 33.33 = 99.99 at 13 % on top: 12.9987 -> 13.00, split 4.34 / 4.33 / 4.33
    order = an_order(3333, 3, 0, Decimal("0.13"), TaxMode.EXCLUSIVE)
    sku = order.lines[0].sku
    order.claim([(sku, 3)])
    assert order.refund_units([(sku, 1)]) == ((sku, cny("37.67")),)  # 33.33 + 4.34
    assert order.refund_units([(sku, 2)]) == ((sku, cny("75.32")),)  # 2 x (33.33 + 4.33)
    assert order.refunded_tax(sku) == cny("13.00")


def test_inclusive_refunds_are_the_net_with_its_tax_inside() -> None:
    order = an_order(11300, 2, 0, Decimal("0.13"), TaxMode.INCLUSIVE)
    sku = order.lines[0].sku
    order.claim([(sku, 1)])
    assert order.refund_units([(sku, 1)]) == ((sku, cny("113.00")),)
    assert order.refunded_tax(sku) == cny("13.00")  # of 26.00


# -- the freight rule ------------------------------------------------------------------


def test_a_full_refund_before_shipment_gives_the_freight_back() -> None:
    app, seller = shop(freight=cny("8.00"))
    order_id = buy(app, (SHIRT, 2))
    case = app.handle(aftersales.RequestRefund(order_id, "changed my mind"))
    app.handle(aftersales.ApproveAfterSale(case, acting=seller))
    done = app.get(aftersales.AfterSale, case)
    assert done.amount == cny("208.00")
    assert dict(done.refund_lines)[SkuId("~freight")] == cny("8.00")
    assert app.get(orders.Order, order_id).freight_refunded


def test_after_delivery_the_freight_stays_unless_the_seller_is_at_fault() -> None:
    app, seller = shop(freight=cny("8.00"))
    order_id = buy(app, (SHIRT, 2))
    ship(app, seller, order_id, complete=False)
    case = app.handle(aftersales.RequestRefundOnly(order_id, ((SHIRT, 2),), "too small"))
    app.handle(aftersales.ApproveAfterSale(case, acting=seller))
    assert app.get(aftersales.AfterSale, case).amount == cny("200.00")  # no freight
    assert not app.get(orders.Order, order_id).freight_refunded


def test_the_seller_at_fault_refunds_the_freight_with_the_last_units() -> None:
    app, seller = shop(freight=cny("8.00"))
    order_id = buy(app, (SHIRT, 2))
    ship(app, seller, order_id, complete=False)
    first = app.handle(
        aftersales.RequestRefundOnly(order_id, ((SHIRT, 1),), "torn", seller_at_fault=True)
    )
    app.handle(aftersales.ApproveAfterSale(first, acting=seller))
    assert app.get(aftersales.AfterSale, first).amount == cny("100.00")  # a unit is left
    second = app.handle(
        aftersales.RequestRefundOnly(order_id, ((SHIRT, 1),), "torn too", seller_at_fault=True)
    )
    app.handle(aftersales.ApproveAfterSale(second, acting=seller))
    assert app.get(aftersales.AfterSale, second).amount == cny("108.00")  # 100.00 + freight


def test_a_waived_freight_refunds_nothing_more() -> None:
    app, seller = shop(freight=cny("8.00"), free_shipping="platform")
    order_id = buy(app, (SHIRT, 1))
    case = app.handle(aftersales.RequestRefund(order_id, "changed my mind"))
    app.handle(aftersales.ApproveAfterSale(case, acting=seller))
    assert app.get(aftersales.AfterSale, case).amount == cny("100.00")


def test_exclusive_tax_comes_back_with_a_refund() -> None:
    app, seller = shop(tax=EXCLUSIVE)
    order_id = buy(app, (SHIRT, 3))  # 300.00 + 13 % = 39.00 -> 339.00
    ship(app, seller, order_id, complete=False)
    case = app.handle(aftersales.RequestRefundOnly(order_id, ((SHIRT, 1),), "stain"))
    app.handle(aftersales.ApproveAfterSale(case, acting=seller))
    assert app.get(aftersales.AfterSale, case).amount == cny("113.00")


@given(
    quantity=st.integers(1, 6),
    shipped=st.booleans(),
    at_fault=st.lists(st.booleans(), min_size=6, max_size=6),
    data=st.data(),
)
def test_the_freight_comes_back_at_most_once_and_only_with_the_last_units(
    *, quantity: int, shipped: bool, at_fault: list[bool], data: st.DataObject
) -> None:
    order = an_order(1000, quantity, 0, Decimal("0.13"), TaxMode.EXCLUSIVE)
    order.freight = FreightCharge(order.seller, cny("6.00"))
    if shipped:
        order.shipment_ids = ("parcel-1",)
    sku, paid_back, freight_back, left, case = order.lines[0].sku, cny("0"), [], quantity, 0
    while left:
        n = data.draw(st.integers(1, left))
        order.claim([(sku, n)])
        ((_, amount),) = order.refund_units([(sku, n)])
        freight = order.refund_freight(seller_at_fault=at_fault[case])
        paid_back += amount + freight
        freight_back.append(freight)
        left, case = left - n, case + 1
    returned = [f for f in freight_back if f.is_positive()]
    assert all(f.is_zero() for f in freight_back[:-1])  # never before the last units
    expected = not shipped or at_fault[case - 1]
    assert returned == ([cny("6.00")] if expected else [])
    if expected:
        assert order.refund_freight(seller_at_fault=True).is_zero()  # once only
    assert paid_back == order.payable - (cny("0") if expected else cny("6.00"))
