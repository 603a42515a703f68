"""Laws of invoices under any sequence of refunds, issues and corrections; the converter."""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from merx import catalog, checkout, customers, inventory, orders, payments
from merx.app import build_memory_app
from merx.customers import Address
from merx.errors import MerxError, ValidationError
from merx.invoicing import (
    Invoice,
    InvoiceStatus,
    InvoiceStillOwed,
    InvoiceVoided,
    IssueInvoice,
    ReissueInvoice,
    RequestInvoice,
)
from merx.invoicing import serde as invoicing_serde
from merx.invoicing.model import INVOICE_FLOW, EntryKind, invoice_id_of
from merx.kernel.ids import PLATFORM, CustomerId, OrderId, PaymentId, SkuId, WarehouseId
from merx.kernel.money import Money
from tests.invoicing.test_invoices import COMPANY, Refund, wire

SKU, DC, AMY = SkuId("kettle"), WarehouseId("wh"), CustomerId("amy")

steps = st.lists(
    st.one_of(
        st.tuples(st.just("refund"), st.integers(1, 20_000)),
        st.tuples(st.just("issue"), st.integers(0, 9)),
        st.tuples(st.just("reissue"), st.integers(0, 9)),
    ),
    max_size=8,
)


@settings(max_examples=60)
@given(price_minor=st.integers(100, 20_000), quantity=st.integers(1, 3), script=steps)
def test_an_invoice_never_states_more_than_was_paid_minus_refunded(
    price_minor: int, quantity: int, script: list[tuple[str, int]]
) -> None:
    app = build_memory_app()
    bus = wire(app)
    app.handle(
        catalog.CreateSku(SKU, "Kettle", PLATFORM, "k", Money.from_minor(price_minor, "CNY"))
    )
    app.handle(inventory.OpenWarehouse(DC, "DC", "-", {"sh": 1}))
    app.handle(inventory.ReceiveStock(DC, SKU, 5, "po"))
    app.handle(customers.RegisterCustomer(AMY, "Amy", "1"))
    app.handle(customers.AddAddress(AMY, "home", Address("Amy", "1", "sh", "r"), default=True))
    app.handle(checkout.AddToCart(AMY, SKU, quantity))
    placed = app.handle(orders.PlaceOrder(AMY))
    bus.handle(payments.PayOrder(placed.parent_id, "alipay"))
    order_id = placed.order_ids[0]
    invoice_id = bus.handle(RequestInvoice(order_id, AMY, COMPANY))
    for n, (step, value) in enumerate(script):
        try:
            if step == "refund":
                bus.handle(Refund(order_id, Money.from_minor(value, "CNY"), f"r{n}"))
            elif step == "issue":
                bus.handle(IssueInvoice(invoice_id, PLATFORM, f"No.{value}"))
            else:
                bus.handle(ReissueInvoice(invoice_id, PLATFORM, f"No.{value}"))
        except MerxError:
            pass  # refused (too much refunded, illegal step, number reused): nothing changed
        invoice = app.get(Invoice, invoice_id)
        order = app.get(orders.Order, order_id)
        payment = app.get(payments.Payment, PaymentId(str(order.payment_id)))
        stays_paid = order.payable - payment.refunded_to(order.id)
        blue = [e for e in invoice.entries if e.kind is EntryKind.BLUE]
        red = {e.cancels for e in invoice.entries if e.kind is EntryKind.RED}
        assert len([e for e in blue if e.number not in red]) <= 1
        assert invoice.amount == (
            invoice.in_force.amount if invoice.in_force else Money.zero("CNY")
        )
        if invoice.status is InvoiceStatus.ISSUED:
            assert invoice.amount == stays_paid  # issued now: exact
        assert invoice.amount <= order.payable
        if invoice.status is not InvoiceStatus.CORRECTION_DUE:
            assert invoice.amount <= stays_paid
    final = app.get(Invoice, invoice_id)
    assert invoicing_serde.structure(invoicing_serde.unstructure(final), Invoice) == final


def test_the_converter_writes_plain_json_shapes() -> None:
    app = build_memory_app()
    bus = wire(app)
    app.handle(catalog.CreateSku(SKU, "Kettle", PLATFORM, "k", Money.of("88.00", "CNY")))
    app.handle(inventory.OpenWarehouse(DC, "DC", "-", {"sh": 1}))
    app.handle(inventory.ReceiveStock(DC, SKU, 5, "po"))
    app.handle(customers.RegisterCustomer(AMY, "Amy", "1"))
    app.handle(customers.AddAddress(AMY, "home", Address("Amy", "1", "sh", "r"), default=True))
    app.handle(checkout.AddToCart(AMY, SKU, 1))
    placed = app.handle(orders.PlaceOrder(AMY))
    bus.handle(payments.PayOrder(placed.parent_id, "alipay"))
    invoice_id = bus.handle(RequestInvoice(placed.order_ids[0], AMY, COMPANY))
    bus.handle(IssueInvoice(invoice_id, PLATFORM, "No.1"))
    data = invoicing_serde.unstructure(app.get(Invoice, invoice_id))
    assert data["status"] == "issued"
    assert data["title"] == {
        "buyer": "company",
        "name": "Acme Trading Co.",
        "tax_id": "91310000MA1FL1234X",
    }
    assert data["entries"][0]["amount"] == {"amount": "88.00", "currency": "CNY"}
    assert "pending_events" not in data
    with pytest.raises(ValidationError):
        invoicing_serde.structure({**data, "status": "lost"}, Invoice)
    broken = {**data, "title": {**data["title"], "tax_id": None}}
    with pytest.raises(ValidationError):
        invoicing_serde.structure(broken, Invoice)


def test_every_state_can_be_left_or_is_final() -> None:
    assert INVOICE_FLOW.commands(InvoiceStatus.VOIDED) == []
    for status in (InvoiceStatus.REQUESTED, InvoiceStatus.ISSUED, InvoiceStatus.CORRECTION_DUE):
        assert "void" in INVOICE_FLOW.commands(status)
    assert invoice_id_of(OrderId("ord-1-1")) == "inv-ord-1-1"


def test_an_invoice_whose_order_still_owes_is_not_voided_and_stays_as_it_was() -> None:
    at = datetime(2026, 5, 1, tzinfo=UTC)
    invoice = Invoice(
        id="inv-o-1",
        order_id=OrderId("o-1"),
        seller=PLATFORM,
        customer_id=CustomerId("amy"),
        currency="CNY",
        title=COMPANY,
        requested_at=at,
    )
    invoice.issue("N-1", Money.of("10.00", "CNY"), at)
    invoice.pull_events()
    before = attrs.asdict(invoice)
    with pytest.raises(InvoiceStillOwed):
        invoice.void("refunded", at, owed=Money.of("0.01", "CNY"))
    assert attrs.asdict(invoice) == before
    assert invoice.pending_events == []
    invoice.void("refunded", at, owed=Money.zero("CNY"))
    assert invoice.pull_events() == [
        InvoiceVoided(invoice.id, invoice.order_id, "N-1", "refunded", at)
    ]
