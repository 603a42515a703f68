"""A parent order with two sellers paid by installments: a refund of one seller's order is
attributed to that order, so the other seller's invoice states what stays paid."""

from __future__ import annotations

import sys
from pathlib import Path

from merx import aftersales, catalog, checkout, invoicing, orders, payments
from merx.app import build_memory_app
from merx.invoicing import BuyerKind, InvoiceTitle
from merx.kernel.ids import PLATFORM, SkuId
from merx.kernel.money import Money

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
import journey_installments as j4
import journey_merchant as j2

SHIRT = SkuId("credit-shirt")


def quiet(line: str) -> None:
    pass


def test_a_refunded_sellers_order_leaves_the_other_invoice_exact() -> None:
    app = build_memory_app()
    j4.set_up(app, quiet)
    j4.apply_for_credit(app, quiet)
    shop = j2.onboard(app, quiet)
    price = Money.of("200.00", "CNY")
    app.handle(catalog.CreateSku(SHIRT, "Shirt", shop, "shirt", price, installment_eligible=True))
    app.handle(checkout.AddToCart(j4.MEI, j4.PHONE, 1))
    app.handle(checkout.AddToCart(j4.MEI, SHIRT, 1))
    placed = app.handle(orders.PlaceOrder(j4.MEI))
    outcome = app.handle(payments.PayByInstallments(placed.parent_id, 6))
    assert outcome.status is payments.PaymentStatus.SUCCEEDED
    by_seller = {app.get(orders.Order, o).seller: o for o in placed.order_ids}

    case = app.handle(aftersales.RequestRefund(by_seller[shop], "changed my mind"))
    app.handle(aftersales.ApproveAfterSale(case, acting=shop))
    payment = app.get(payments.Payment, outcome.payment_id)
    assert payment.refunded == price
    assert {r.order_id for r in payment.refunds.values()} == {by_seller[shop]}

    title = InvoiceTitle(BuyerKind.PERSONAL, "Mei Wang")
    invoice = app.handle(invoicing.RequestInvoice(by_seller[PLATFORM], j4.MEI, title))
    amount = app.handle(invoicing.IssueInvoice(invoice, PLATFORM, "INV-0001"))
    assert amount == Money.of("3000.00", "CNY")
