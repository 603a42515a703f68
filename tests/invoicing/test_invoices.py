"""Invoices: requested after payment, issued for what stays paid, corrected after a
partial refund (red letter, then re-issue), voided when the order is refunded in full."""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

import attrs
import pytest

from merx import (
    aftersales,
    catalog,
    checkout,
    customers,
    fulfillment,
    inventory,
    invoicing,
    orders,
    payments,
)
from merx.app import MemoryApp, build_memory_app
from merx.customers import Address
from merx.errors import IllegalTransition, Unauthorized
from merx.fulfillment.ports import TrackingStatus
from merx.invoicing import (
    BuyerKind,
    Invoice,
    InvoiceStatus,
    InvoiceTitle,
    IssueInvoice,
    ReissueInvoice,
    RequestInvoice,
    VoidInvoice,
)
from merx.invoicing import services as invoicing_services
from merx.invoicing.model import EntryKind, invoice_id_of
from merx.kernel.bus import Command, MessageBus
from merx.kernel.ids import PLATFORM, CustomerId, MerchantId, OrderId, PaymentId, SkuId, WarehouseId
from merx.kernel.money import Money
from merx.kernel.uow import UnitOfWork
from merx.payments import services as payment_services

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
import journey_merchant

SHIRT, MUG, DC = SkuId("shirt"), SkuId("mug"), WarehouseId("wh")
SHOP = MerchantId("mer-000001")  # the first merchant the fixture onboards
AMY = CustomerId("amy")
PERSONAL = InvoiceTitle(BuyerKind.PERSONAL, "Amy Li")
COMPANY = InvoiceTitle(BuyerKind.COMPANY, "Acme Trading Co.", "91310000MA1FL1234X")


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


@attrs.frozen
class Refund(Command[payments.RefundStatus]):
    """Test only: refund part of an order's payment, attributed to it (or not)."""

    order_id: OrderId
    amount: Money
    refund_id: str
    attribute: bool = True


def refund(cmd: Refund, uow: UnitOfWork, *, app: MemoryApp) -> payments.RefundStatus:
    order = uow.repo(orders.Order).get(cmd.order_id)
    assert order.payment_id is not None
    return payment_services.refund_payment(
        uow,
        app.gateways["alipay"],
        payment_id=PaymentId(order.payment_id),
        refund_id=cmd.refund_id,
        amount=cmd.amount,
        reason="goodwill",
        clock=app.clock,
        order_id=order.id if cmd.attribute else None,
    )


def wire(app: MemoryApp) -> MessageBus:
    """The invoicing commands on the app's store; the subscribers on both buses."""
    bus = MessageBus(app.unit_of_work, app.events)
    for command, handler in (
        (RequestInvoice, invoicing_services.request_invoice),
        (IssueInvoice, invoicing_services.issue_invoice),
        (ReissueInvoice, invoicing_services.reissue_invoice),
        (VoidInvoice, invoicing_services.void_invoice),
    ):
        bus.register(command, partial(handler, clock=app.clock))
    bus.register(
        payments.PayOrder,
        partial(
            payment_services.pay_order, gateways=app.gateways, clock=app.clock, ids=app.ids,
            inventory=app.inventory,
        ),
    )  # fmt: skip
    bus.register(Refund, partial(refund, app=app))
    for target in (bus, app.bus):
        target.subscribe(
            orders.OrderClosed,
            partial(invoicing_services.void_invoice_of_closed_order, clock=app.clock),
        )
        target.subscribe(
            payments.RefundSucceeded,
            partial(invoicing_services.correct_invoices_after_refund, clock=app.clock),
        )
    return bus


@pytest.fixture
def app() -> MemoryApp:
    app = build_memory_app()
    assert journey_merchant.onboard(app, lambda line: None, "Mug Shop", ("mug",)) == SHOP
    app.handle(catalog.CreateSku(SHIRT, "Shirt", PLATFORM, "shirt", cny("100.00")))
    app.handle(catalog.CreateSku(MUG, "Mug", SHOP, "mug", cny("30.00")))
    app.handle(inventory.OpenWarehouse(DC, "DC", "-", {"sh": 1}))
    app.handle(inventory.ReceiveStock(DC, SHIRT, 20, "po"))
    app.handle(customers.RegisterCustomer(AMY, "Amy", "1"))
    app.handle(customers.AddAddress(AMY, "home", Address("Amy", "1", "sh", "road"), default=True))
    return app


@pytest.fixture
def bus(app: MemoryApp) -> MessageBus:
    return wire(app)


def paid(app: MemoryApp, quantity: int = 3) -> OrderId:
    app.handle(checkout.AddToCart(AMY, SHIRT, quantity))
    placed = app.handle(orders.PlaceOrder(AMY))
    app.handle(payments.PayOrder(placed.parent_id, "alipay"))
    return placed.order_ids[0]


def delivered(app: MemoryApp, quantity: int = 3) -> OrderId:
    order_id = paid(app, quantity)
    (shipment_id,) = app.handle(fulfillment.ShipOrder(order_id))
    tracking = app.get(fulfillment.Shipment, shipment_id).tracking_number
    app.logistics.advance(tracking, TrackingStatus.DELIVERED, app.clock.now())
    app.handle(fulfillment.SyncTracking(shipment_id))
    return order_id


def invoice(app: MemoryApp, invoice_id: str) -> Invoice:
    return app.get(Invoice, invoice_id)


# -- requesting -----------------------------------------------------------------------------


def test_an_unpaid_order_cannot_be_invoiced(app: MemoryApp, bus: MessageBus) -> None:
    app.handle(checkout.AddToCart(AMY, SHIRT, 1))
    order_id = app.handle(orders.PlaceOrder(AMY)).order_ids[0]
    with pytest.raises(invoicing.OrderNotPaid, match="pending_payment"):
        bus.handle(RequestInvoice(order_id, AMY, PERSONAL))


def test_one_invoice_per_order_for_its_own_customer(app: MemoryApp, bus: MessageBus) -> None:
    order_id = paid(app)
    with pytest.raises(Unauthorized):
        bus.handle(RequestInvoice(order_id, CustomerId("eve"), PERSONAL))
    invoice_id = bus.handle(RequestInvoice(order_id, AMY, COMPANY))
    assert invoice_id == invoice_id_of(order_id)
    assert invoice(app, invoice_id).status is InvoiceStatus.REQUESTED
    with pytest.raises(invoicing.InvoiceAlreadyRequested):
        bus.handle(RequestInvoice(order_id, AMY, PERSONAL))


@pytest.mark.parametrize(
    ("buyer", "tax_id"),
    [
        (BuyerKind.COMPANY, None),
        (BuyerKind.COMPANY, "not-a-tax-id"),
        (BuyerKind.PERSONAL, "91310000MA1FL1234X"),
    ],
)
def test_a_company_title_needs_a_tax_id_and_a_personal_one_none(
    buyer: BuyerKind, tax_id: str | None
) -> None:
    with pytest.raises(invoicing.MissingTaxId):
        InvoiceTitle(buyer, "Acme", tax_id)


# -- issuing ------------------------------------------------------------------------------------


def test_the_seller_issues_for_what_the_order_paid(app: MemoryApp, bus: MessageBus) -> None:
    invoice_id = bus.handle(RequestInvoice(paid(app), AMY, COMPANY))
    with pytest.raises(Unauthorized):
        bus.handle(IssueInvoice(invoice_id, SHOP, "No.001"))
    assert bus.handle(IssueInvoice(invoice_id, PLATFORM, "No.001")) == cny("300.00")
    issued = invoice(app, invoice_id)
    assert (issued.status, issued.number, issued.amount) == (
        InvoiceStatus.ISSUED,
        "No.001",
        cny("300.00"),
    )
    assert [e.name for e in app.events.events][-1] == "InvoiceIssued"
    with pytest.raises(IllegalTransition):
        bus.handle(IssueInvoice(invoice_id, PLATFORM, "No.002"))


def test_a_refund_before_issue_is_left_off_the_invoice(app: MemoryApp, bus: MessageBus) -> None:
    order_id = delivered(app)
    invoice_id = bus.handle(RequestInvoice(order_id, AMY, PERSONAL))
    case = app.handle(aftersales.RequestRefundOnly(order_id, ((SHIRT, 1),), "stained"))
    app.handle(aftersales.ApproveAfterSale(case))
    assert invoice(app, invoice_id).status is InvoiceStatus.REQUESTED  # nothing to correct
    assert bus.handle(IssueInvoice(invoice_id, PLATFORM, "No.7")) == cny("200.00")


# -- correcting after a partial refund --------------------------------------------------


def test_a_partial_refund_after_issue_makes_a_correction_due_then_a_reissue(
    app: MemoryApp, bus: MessageBus
) -> None:
    order_id = delivered(app)
    invoice_id = bus.handle(RequestInvoice(order_id, AMY, PERSONAL))
    bus.handle(IssueInvoice(invoice_id, PLATFORM, "No.100"))
    case = app.handle(aftersales.RequestRefundOnly(order_id, ((SHIRT, 1),), "stained"))
    app.handle(aftersales.ApproveAfterSale(case))
    due = invoice(app, invoice_id)
    assert due.status is InvoiceStatus.CORRECTION_DUE
    assert due.amount == cny("300.00")  # still the one in force until re-issued
    with pytest.raises(invoicing.DuplicateInvoiceNumber):
        bus.handle(ReissueInvoice(invoice_id, PLATFORM, "No.100"))
    assert bus.handle(ReissueInvoice(invoice_id, PLATFORM, "No.101")) == cny("200.00")
    corrected = invoice(app, invoice_id)
    assert corrected.status is InvoiceStatus.ISSUED
    assert [(e.kind, e.number, e.amount) for e in corrected.entries] == [
        (EntryKind.BLUE, "No.100", cny("300.00")),
        (EntryKind.RED, "No.100/red", cny("-300.00")),
        (EntryKind.BLUE, "No.101", cny("200.00")),
    ]
    assert corrected.entries[1].cancels == "No.100"
    assert corrected.number == "No.101"


def test_reissue_is_only_for_a_correction_due(app: MemoryApp, bus: MessageBus) -> None:
    invoice_id = bus.handle(RequestInvoice(paid(app), AMY, PERSONAL))
    bus.handle(IssueInvoice(invoice_id, PLATFORM, "No.1"))
    with pytest.raises(IllegalTransition):
        bus.handle(ReissueInvoice(invoice_id, PLATFORM, "No.2"))


# -- voiding ---------------------------------------------------------------------------------------


def test_a_full_refund_voids_the_issued_invoice_with_a_red_letter_entry(
    app: MemoryApp, bus: MessageBus
) -> None:
    order_id = paid(app)
    invoice_id = bus.handle(RequestInvoice(order_id, AMY, PERSONAL))
    bus.handle(IssueInvoice(invoice_id, PLATFORM, "No.9"))
    with pytest.raises(invoicing.InvoiceStillOwed):
        bus.handle(VoidInvoice(invoice_id, PLATFORM, "customer asked"))
    case = app.handle(aftersales.RequestRefund(order_id, "changed my mind"))
    app.handle(aftersales.ApproveAfterSale(case))
    voided = invoice(app, invoice_id)
    assert voided.status is InvoiceStatus.VOIDED
    assert voided.amount == cny("0.00")
    assert voided.number is None
    assert voided.entries[-1] == attrs.evolve(
        voided.entries[-1], kind=EntryKind.RED, cancels="No.9", amount=cny("-300.00")
    )
    with pytest.raises(IllegalTransition):
        bus.handle(VoidInvoice(invoice_id, PLATFORM, "again"))
    with pytest.raises(invoicing.InvoiceAlreadyRequested):
        bus.handle(RequestInvoice(order_id, AMY, PERSONAL))


def test_a_requested_invoice_of_a_refunded_order_is_voided_without_entries(
    app: MemoryApp, bus: MessageBus
) -> None:
    order_id = paid(app)
    invoice_id = bus.handle(RequestInvoice(order_id, AMY, PERSONAL))
    case = app.handle(aftersales.RequestRefund(order_id, "changed my mind"))
    app.handle(aftersales.ApproveAfterSale(case))
    voided = invoice(app, invoice_id)
    assert (voided.status, voided.entries) == (InvoiceStatus.VOIDED, [])


def test_nothing_to_invoice_once_everything_was_refunded(app: MemoryApp, bus: MessageBus) -> None:
    order_id = paid(app)
    case = app.handle(aftersales.RequestRefund(order_id, "changed my mind"))
    app.handle(aftersales.ApproveAfterSale(case))
    with pytest.raises(invoicing.NothingToInvoice):
        bus.handle(RequestInvoice(order_id, AMY, PERSONAL))


# -- several sellers under one parent order ---------------------------------------------


def two_sellers(app: MemoryApp, bus: MessageBus) -> tuple[OrderId, OrderId]:
    app.handle(checkout.AddToCart(AMY, SHIRT, 1))
    app.handle(checkout.AddToCart(AMY, MUG, 2))
    placed = app.handle(orders.PlaceOrder(AMY))
    bus.handle(payments.PayOrder(placed.parent_id, "alipay"))
    ours, theirs = placed.order_ids
    assert app.get(orders.Order, theirs).seller == SHOP
    return ours, theirs


def test_each_sellers_order_is_invoiced_by_its_seller_for_its_own_share(
    app: MemoryApp, bus: MessageBus
) -> None:
    ours, theirs = two_sellers(app, bus)
    mine = bus.handle(RequestInvoice(ours, AMY, PERSONAL))
    shop = bus.handle(RequestInvoice(theirs, AMY, PERSONAL))
    with pytest.raises(Unauthorized):
        bus.handle(IssueInvoice(shop, MerchantId("other-shop"), "S-1"))
    assert bus.handle(IssueInvoice(shop, SHOP, "S-1")) == cny("60.00")
    bus.handle(Refund(theirs, cny("30.00"), "r1"))
    assert invoice(app, shop).status is InvoiceStatus.CORRECTION_DUE
    assert bus.handle(IssueInvoice(mine, PLATFORM, "P-1")) == cny("100.00")  # untouched
    assert bus.handle(ReissueInvoice(shop, SHOP, "S-2")) == cny("30.00")


def test_a_refund_that_names_no_order_cannot_be_split_between_sellers(
    app: MemoryApp, bus: MessageBus
) -> None:
    _, theirs = two_sellers(app, bus)
    shop = bus.handle(RequestInvoice(theirs, AMY, PERSONAL))
    bus.handle(IssueInvoice(shop, SHOP, "S-1"))
    bus.handle(Refund(theirs, cny("10.00"), "loose", attribute=False))
    assert invoice(app, shop).status is InvoiceStatus.CORRECTION_DUE  # flagged to check
    with pytest.raises(invoicing.RefundsNotAttributed, match="loose"):
        bus.handle(ReissueInvoice(shop, SHOP, "S-2"))
