"""Journey 3, virtual goods: a phone-bill top-up bought from the supplier in real time.

No address, an account number instead; no warehouse stock; the platform buys the top-up
from a real-time API supplier the moment the customer has paid. When the supplier fails
for good, the customer is refunded automatically; when it only times out, merx waits for
the outcome and never refunds on a guess. Run: ``python examples/journey_topup.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from no_options import takes_no_options

from merx import catalog, checkout, customers, fulfillment, orders, payments, suppliers
from merx.app import MemoryApp, build_memory_app
from merx.catalog import Fulfillment, GoodsType
from merx.kernel.ids import PLATFORM, CustomerId, OrderId, SkuId, SupplierId
from merx.kernel.money import Money

Say = Callable[[str], None]
TOPUP = SkuId("china-mobile-100")


def onboard_telco_api(app: MemoryApp, say: Say) -> SupplierId:
    """The platform signs up a real-time API supplier and lists a 100 CNY top-up at 98."""
    telco = app.handle(
        suppliers.ApplySupplier("Telco Top-up API", suppliers.SupplierType.REAL_TIME_API)
    )
    app.handle(
        suppliers.AddQualificationDocument(
            telco, suppliers.DocumentKind.BUSINESS_LICENCE, "BL-TELCO", date(2031, 6, 30)
        )
    )
    app.handle(suppliers.SubmitSupplierApplication(telco))
    app.handle(suppliers.ReviewQualificationDocument(telco, "BL-TELCO", accepted=True))
    app.handle(suppliers.ApproveSupplier(telco))
    app.handle(
        catalog.CreateSku(
            TOPUP,
            "China Mobile 100 CNY",
            PLATFORM,
            "topup",
            Money.of("98.00", "CNY"),
            goods_type=GoodsType.VIRTUAL_TOPUP,
            face_value=Money.of("100.00", "CNY"),
            operator="China Mobile",
            fulfillment=Fulfillment.real_time_supplier(telco),
        )
    )
    say(f"real-time supplier {telco} onboarded; {TOPUP} listed at 98.00 CNY for 100 credit")
    return telco


def top_up(app: MemoryApp, who: str, account: str) -> tuple[OrderId, payments.PaymentOutcome]:
    """Cart, an account instead of an address, order, pay: fulfilment follows payment."""
    cid = app.handle(customers.RegisterCustomer(CustomerId(who), who.title(), account))
    app.handle(checkout.AddToCart(cid, TOPUP, 1))
    placed = app.handle(orders.PlaceOrder(cid, account=account))
    outcome = app.handle(payments.PayOrder(placed.parent_id, "alipay"))
    return placed.order_ids[0], outcome


def describe(app: MemoryApp, order_id: OrderId, outcome: payments.PaymentOutcome) -> str:
    order = app.get(orders.Order, order_id)
    payment = app.get(payments.Payment, outcome.payment_id)
    money = f"paid {payment.captured}, refunded {payment.refunded}"
    return f"order {order_id} {order.status.value}; {money}"


def run(app: MemoryApp, say: Say = print) -> None:
    telco = onboard_telco_api(app, say)
    supplier = app.virtual_suppliers[telco]

    order_id, outcome = top_up(app, "lin", "13900000001")
    say(f"lin tops up 13900000001: {describe(app, order_id, outcome)}")

    supplier.fail_next(reason="number not in service")
    order_id, outcome = top_up(app, "mei", "13900000002")
    say(f"mei's number is not in service: {describe(app, order_id, outcome)}")

    supplier.timeout_next(applied=True)
    order_id, outcome = top_up(app, "wu", "13900000003")
    say(f"the supplier times out on wu: {describe(app, order_id, outcome)} (no guess)")
    app.handle(fulfillment.FulfillTopUp(order_id))
    credited = len(supplier.top_ups_of("13900000003"))
    say(f"asked again with the same key: {describe(app, order_id, outcome)}; credited {credited}x")


if __name__ == "__main__":
    takes_no_options(__doc__)
    run(build_memory_app())
