"""Invoices list each line's tax rate and tax after discounts; the invoice's tax is the
sum of its lines; a partial refund's red-letter entry reverses the tax exactly."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import attrs
from hypothesis import given
from hypothesis import strategies as st

from merx import aftersales, invoicing, orders
from merx.catalog import GoodsType, TaxMode, TaxPolicy
from merx.checkout import FreightCharge, QuotedLine
from merx.customers import Address
from merx.invoicing import BuyerKind, InvoiceStatus, InvoiceTitle
from merx.invoicing.model import EntryKind, invoice_lines
from merx.kernel.ids import CustomerId, MerchantId, OrderId, SkuId
from merx.kernel.money import Money
from tests.charges.world import ANN, SHIRT, SOCKS, buy, cny, ship, shop

T0 = datetime(2026, 1, 1, tzinfo=UTC)
ANN_TITLE = InvoiceTitle(BuyerKind.PERSONAL, "Ann")


def test_an_invoice_lists_each_lines_tax_and_the_freight() -> None:
    app, seller = shop(
        tax=TaxPolicy(category_rates={"sock": Decimal("0.06")}),
        freight=cny("8.00"),
        shirt="113.00",
        socks="10.60",
    )
    order_id = buy(app, (SHIRT, 2), (SOCKS, 1))
    invoice_id = app.handle(invoicing.RequestInvoice(order_id, ANN, ANN_TITLE))
    assert app.handle(invoicing.IssueInvoice(invoice_id, seller, "No.1")) == cny("244.60")
    invoice = app.get(invoicing.Invoice, invoice_id)
    (blue,) = invoice.entries
    assert [(x.sku, x.quantity, x.amount, x.tax_rate, x.tax) for x in blue.lines] == [
        (SHIRT, 2, cny("226.00"), Decimal("0.13"), cny("26.00")),
        (SOCKS, 1, cny("10.60"), Decimal("0.06"), cny("0.60")),
        (FreightCharge.KEY, 1, cny("8.00"), Decimal(0), cny("0.00")),
    ]
    assert invoice.tax == blue.tax == cny("26.60")
    assert blue.lines[0].net_of_tax == cny("200.00")


def test_a_partial_refund_red_letters_the_tax_and_reissues_the_rest() -> None:
    app, seller = shop(tax=TaxPolicy(TaxMode.EXCLUSIVE), shirt="33.33")
    order_id = buy(app, (SHIRT, 3))  # 99.99 + 13.00 tax (4.34 / 4.33 / 4.33 a unit)
    invoice_id = app.handle(invoicing.RequestInvoice(order_id, ANN, ANN_TITLE))
    app.handle(invoicing.IssueInvoice(invoice_id, seller, "No.1"))
    ship(app, seller, order_id, complete=False)
    case = app.handle(aftersales.RequestRefundOnly(order_id, ((SHIRT, 1),), "stain"))
    app.handle(aftersales.ApproveAfterSale(case, acting=seller))
    assert app.get(invoicing.Invoice, invoice_id).status is InvoiceStatus.CORRECTION_DUE
    app.handle(invoicing.ReissueInvoice(invoice_id, seller, "No.2"))
    blue, red, again = app.get(invoicing.Invoice, invoice_id).entries
    assert (blue.amount, blue.tax) == (cny("112.99"), cny("13.00"))
    assert red.kind is EntryKind.RED
    assert (red.amount, red.tax) == (cny("-112.99"), cny("-13.00"))
    assert [(x.quantity, x.amount, x.tax) for x in red.lines] == [
        (-3, cny("-112.99"), cny("-13.00"))
    ]
    # the first unit (33.33 + 4.34) went back: two units, 66.66 + 8.66
    assert [(x.quantity, x.amount, x.tax) for x in again.lines] == [(2, cny("75.32"), cny("8.66"))]
    assert app.get(invoicing.Invoice, invoice_id).tax == cny("8.66")


def test_a_goodwill_refund_lowers_the_lines_and_their_tax() -> None:
    order = an_order([(11300, 1, Decimal("0.13")), (10600, 1, Decimal("0.06"))], TaxMode.INCLUSIVE)
    # 5 % off: 107.35 + 100.70 = 208.05 paid; 10.95 given back, split 5.65 / 5.30
    lines = invoice_lines(order, cny("197.10"))
    assert [(x.amount, x.tax) for x in lines] == [
        (cny("101.70"), cny("11.70")),  # 101.70 * 0.13 / 1.13
        (cny("95.40"), cny("5.40")),  # 95.40 * 0.06 / 1.06
    ]


# -- the law, on the model ------------------------------------------------------------------


def an_order(specs: list[tuple[int, int, Decimal]], mode: TaxMode) -> orders.Order:
    """A paid order of lines (unit price in cents, quantity, rate), each 5 % off."""
    lines = []
    for n, (unit_minor, quantity, rate) in enumerate(specs):
        line = QuotedLine(
            sku=SkuId(f"s{n}"), title="S", merchant=MerchantId("m"), category="c",
            goods_type=GoodsType.PHYSICAL, unit_price=Money.from_minor(unit_minor, "CNY"),
            quantity=quantity, discount=Money.from_minor(unit_minor * quantity // 20, "CNY"),
            tax_rate=rate,
        )  # fmt: skip
        lines.append(attrs.evolve(line, tax=mode.tax_on(line.net, rate)))
    order = orders.Order.place(
        order_id=OrderId("o"), parent_id=OrderId("p"), customer_id=CustomerId("c"),
        lines=lines, ship_to=Address("A", "1", "sh", "r"), at=T0, tax_mode=mode,
    )  # fmt: skip
    order.mark_paid("pay-1", T0)
    return order


line_specs = st.lists(
    st.tuples(st.integers(1, 50_000), st.integers(1, 6), st.decimals(0, "0.99", places=2)),
    min_size=1,
    max_size=3,
)


@given(specs=line_specs, mode=st.sampled_from(TaxMode), data=st.data())
def test_a_partial_refunds_red_letter_reverses_the_tax_exactly(
    specs: list[tuple[int, int, Decimal]], mode: TaxMode, data: st.DataObject
) -> None:
    order = an_order(specs, mode)
    invoice = invoicing.Invoice.request(
        order=order, customer_id=order.customer_id, title=ANN_TITLE, owed=order.payable, at=T0
    )
    owed = order.payable
    invoice.issue("No.0", owed, T0, invoice_lines(order, owed))
    assert invoice.tax == order.tax == Money.sum((x.tax for x in order.lines), "CNY")
    number = 0
    while order.remaining_items:
        if not data.draw(st.booleans()):
            break
        sku, left = data.draw(st.sampled_from(order.remaining_items))
        units = data.draw(st.integers(1, left))
        order.claim([(sku, units)])
        ((_, amount),) = order.refund_units([(sku, units)])
        before = invoice.tax
        owed -= amount
        if not owed.is_positive():
            break
        invoice.refunded(owed, "refund", T0)
        number += 1
        invoice.reissue(f"No.{number}", owed, T0, invoice_lines(order, owed))
        blue, red, again = invoice.entries[-3:]
        assert red.tax == -blue.tax
        assert red.amount == -blue.amount
        refunded_tax = Money.sum((order.refunded_tax(x.sku) for x in order.lines), "CNY")
        assert again.tax == order.tax - refunded_tax  # what the refunded units took back
        assert before - invoice.tax == Money.sum(
            order.line(sku).unit_taxes()[
                order.refunded_units[sku] - units : order.refunded_units[sku]
            ],
            "CNY",
        )
        assert invoice.tax == Money.sum((x.tax for x in again.lines), "CNY")
        assert invoice.amount == owed
