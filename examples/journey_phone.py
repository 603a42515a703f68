"""Journey 1, self-operated goods: procured, listed, bought, paid, shipped, delivered.

Read it top to bottom: every step is one command sent to merx, and the trace printed is
what a host would show. A supplier is onboarded and delivers a purchase order into our
warehouse; the phone is listed under profit control; a customer buys it through the
golden process; a second customer pays and asks for a refund before the phone ships.
Run: ``python examples/journey_phone.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from no_options import takes_no_options

from merx import (
    aftersales,
    catalog,
    checkout,
    customers,
    fulfillment,
    inventory,
    orders,
    payments,
    pricing,
    procurement,
    suppliers,
)
from merx.app import MemoryApp, build_memory_app
from merx.customers import Address
from merx.fulfillment.ports import TrackingStatus
from merx.inventory import StockItem, stock_key
from merx.kernel.ids import PLATFORM, CustomerId, SkuId, WarehouseId
from merx.kernel.money import Money

Say = Callable[[str], None]
PHONE = SkuId("phone-x-128g-black")
SHANGHAI_DC = WarehouseId("wh-shanghai")


def stock_line(app: MemoryApp) -> str:
    item = app.get(StockItem, stock_key(SHANGHAI_DC, PHONE))
    return f"on hand {item.on_hand}, reserved {item.reserved}, available {item.available}"


def procure(app: MemoryApp, say: Say) -> None:
    """A supplier is onboarded and reviewed, signs a contract, and delivers a purchase order."""
    supplier = app.handle(
        suppliers.ApplySupplier("Shenzhen Phones Ltd", suppliers.SupplierType.STOCKED)
    )
    licence = "BL-91440300"
    app.handle(
        suppliers.AddQualificationDocument(
            supplier, suppliers.DocumentKind.BUSINESS_LICENCE, licence, date(2030, 12, 31)
        )
    )
    app.handle(suppliers.SubmitSupplierApplication(supplier))
    app.handle(suppliers.ReviewQualificationDocument(supplier, licence, accepted=True))
    app.handle(suppliers.ApproveSupplier(supplier))
    say(f"supplier {supplier} onboarded after qualification review")

    # The platform catalogues the phone before it has a cost: a draft, not yet on sale.
    app.handle(
        catalog.CreateSku(
            PHONE,
            "Phone X 128 GB black",
            PLATFORM,
            "phone",
            Money.of("2999.00", "CNY"),
            list_now=False,
        )
    )
    contract = app.handle(procurement.DraftContract(supplier))
    this_year = app.clock.now().date()
    app.handle(
        procurement.AddContractPrice(
            contract,
            PHONE,
            Money.of("2400.00", "CNY"),
            this_year,
            this_year.replace(year=this_year.year + 1),
        )
    )
    app.handle(procurement.SignContract(contract))
    cost = app.get(catalog.Sku, PHONE).cost
    say(f"contract {contract} signed: purchase cost {cost} copied into the catalog")

    app.handle(
        inventory.OpenWarehouse(
            SHANGHAI_DC,
            "Shanghai DC",
            "88 Jiading Rd",
            delivery_km={"Shanghai": 30, "Jiangsu": 250},
        )
    )
    po = app.handle(procurement.DraftPurchaseOrder(supplier, contract, SHANGHAI_DC, ((PHONE, 10),)))
    app.handle(procurement.ApprovePurchaseOrder(po))
    app.handle(procurement.ReceivePurchaseOrder(po, "grn-1", ((PHONE, 6),)))
    say(f"purchase order {po}: 6 of 10 received; stock {stock_line(app)}")
    app.handle(procurement.ReceivePurchaseOrder(po, "grn-2", ((PHONE, 4),)))
    status = app.get(procurement.PurchaseOrder, po).status.value
    say(f"purchase order {po}: the other 4 received, {status}; stock {stock_line(app)}")


def set_up_shop(app: MemoryApp, say: Say) -> None:
    """Profit control: the phone sells only above its cost plus the 5% minimum margin. The
    platform's freight template: 12.00 a parcel, 5.00 each further piece, free over 99.00."""
    app.handle(catalog.ListSku(PHONE))
    say(f"listed {PHONE} at {app.get(catalog.Sku, PHONE).price}")
    rule = pricing.FreightRule(("*",), 1, Money.of("12.00", "CNY"), 1, Money.of("5.00", "CNY"))
    template = pricing.FreightTemplate(
        PLATFORM, "piece", (rule,), free_over=Money.of("99.00", "CNY")
    )
    app.handle(checkout.SetFreightTemplate(PLATFORM, template))
    say(f"freight {rule.first_fee} a parcel, free over {template.free_over}")
    try:
        app.handle(catalog.ChangePrice(PHONE, Money.of("2450.00", "CNY")))
    except catalog.BelowCost as refused:
        say(f"a cut to 2450.00 is refused: {refused}")


def new_customer(app: MemoryApp, customer_id: str, name: str) -> CustomerId:
    cid = app.handle(customers.RegisterCustomer(CustomerId(customer_id), name, "13800000000"))
    address = Address(recipient=name, phone="13800000000", region="Shanghai", line="1 Bund Rd")
    app.handle(customers.AddAddress(cid, "home", address, default=True))
    return cid


def buy_and_receive(app: MemoryApp, say: Say) -> None:
    """Cart, quote, order, pay, ship, deliver, confirm: the golden process."""
    alice = new_customer(app, "alice", "Alice")
    app.handle(checkout_add(alice))
    quote = app.quote(alice)
    say(
        f"alice's quote: {quote.total} total, {quote.discount} off, "
        f"freight {quote.freight_charged}, payable {quote.payable}"
    )
    placed = app.handle(orders.PlaceOrder(alice, address_label="home"))
    (order_id,) = placed.order_ids  # one seller (the platform): one order
    say(f"order {order_id} placed, pending payment")
    outcome = app.handle(payments.PayOrder(placed.parent_id, "alipay", method="alipay_app"))
    say(f"payment {outcome.payment_id}: {outcome.status.value}; stock {stock_line(app)}")
    (shipment_id,) = app.handle(fulfillment.ShipOrder(order_id))
    shipment = app.get(fulfillment.Shipment, shipment_id)
    say(f"shipped as {shipment.carrier} {shipment.tracking_number}; stock {stock_line(app)}")
    delivered_at = app.clock.advance(timedelta(days=2))
    app.logistics.advance(shipment.tracking_number, TrackingStatus.DELIVERED, delivered_at)
    app.handle(fulfillment.SyncTracking(shipment_id))
    say(f"order {order_id} is {app.get(orders.Order, order_id).status.value}")
    app.handle(orders.ConfirmReceipt(order_id))
    say(f"alice confirmed receipt: order {app.get(orders.Order, order_id).status.value}")


def refund_before_shipment(app: MemoryApp, say: Say) -> None:
    """Bob pays, changes his mind before shipment, and is refunded in full."""
    bob = new_customer(app, "bob", "Bob")
    app.handle(checkout_add(bob))
    placed = app.handle(orders.PlaceOrder(bob))
    (order_id,) = placed.order_ids
    outcome = app.handle(payments.PayOrder(placed.parent_id, "wechat_pay", method="wechat_app"))
    say(f"bob paid order {order_id} ({outcome.status.value}); stock {stock_line(app)}")
    case_id = app.handle(aftersales.RequestRefund(order_id, reason="changed my mind"))
    status = app.handle(aftersales.ApproveAfterSale(case_id))
    payment = app.get(payments.Payment, outcome.payment_id)
    say(
        f"after-sale {case_id} {status.value}: refunded {payment.refunded}, "
        f"order {app.get(orders.Order, order_id).status.value}; stock {stock_line(app)}"
    )


def checkout_add(customer_id: CustomerId) -> checkout.AddToCart:
    return checkout.AddToCart(customer_id, PHONE, 1)


def build_app() -> MemoryApp:
    """An in-memory merx whose listings must clear cost plus a 5% margin."""
    return build_memory_app(profit_policy=catalog.ProfitPolicy(Decimal("0.05")))


def run(app: MemoryApp, say: Say = print) -> None:
    procure(app, say)
    set_up_shop(app, say)
    buy_and_receive(app, say)
    refund_before_shipment(app, say)


if __name__ == "__main__":
    takes_no_options(__doc__)
    run(build_app())
