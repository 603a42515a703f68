"""Journey 4, buy now pay later: a 3,000 phone paid in installments.

The customer applies for credit and is graded; at checkout the terms her grade allows are
shown with their schedules; paying by installments reviews the option in real time,
deducts the revolving limit, finances the order through a funder (the first refuses, the
platform's own funds take it) and starts the plan; monthly bills come, the customer
repays and the limit comes back; a return closes what is left of the plan, restores the
limit and refunds any overpayment. Run: ``python examples/journey_installments.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from no_options import takes_no_options

from merx import (
    aftersales,
    catalog,
    checkout,
    credit,
    customers,
    fulfillment,
    funding,
    installments,
    inventory,
    orders,
    payments,
)
from merx.adapters.memory import MemoryFunder
from merx.app import MemoryApp, build_memory_app
from merx.credit import Consent, Identity, ScoringFacts
from merx.customers import Address
from merx.fulfillment.ports import TrackingStatus
from merx.kernel.ids import PLATFORM, CustomerId, OrderId, SkuId, WarehouseId
from merx.kernel.money import Money

Say = Callable[[str], None]
PHONE, DC = SkuId("phone-3000"), WarehouseId("wh-bj")
MEI = CustomerId("mei")


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def limit_line(app: MemoryApp) -> str:
    with app.unit_of_work() as uow:
        position = credit.limit_position(uow, MEI, clock=app.clock)
    return f"granted {position.granted}, used {position.used}, available {position.available}"


def set_up(app: MemoryApp, say: Say) -> None:
    app.handle(
        catalog.CreateSku(
            PHONE, "Phone 3000", PLATFORM, "phone", cny("3000.00"), installment_eligible=True
        )
    )
    app.handle(inventory.OpenWarehouse(DC, "Beijing DC", "-", {"Beijing": 20}))
    app.handle(inventory.ReceiveStock(DC, PHONE, 5, "po-bj"))
    trust = MemoryFunder("trust-a", cny("1000000.00"))
    trust.refuse_next(reason="asset outside the trust's appetite")
    app.funders["trust-a"] = trust
    app.handle(
        funding.RegisterInvestor(
            "trust-a", "Trust A", funding.FundingChannel.TRUST, Decimal("0.06"), cny("1000000.00")
        )
    )
    say("a phone at 3000.00; a trust funder (which will refuse) and the platform's own funds")


def apply_for_credit(app: MemoryApp, say: Say) -> None:
    app.handle(customers.RegisterCustomer(MEI, "Mei", "13900000000"))
    app.handle(customers.AddAddress(MEI, "home", Address("Mei", "1", "Beijing", "9 Chang'an")))
    decision = app.handle(
        credit.ApplyForCredit(
            MEI,
            Identity("Mei Wang", "110101199201011234", "13900000000"),
            Consent(True, app.clock.now(), "v1"),
            ScoringFacts(MEI, 32, cny("15000.00"), 24, 0, cny("0")),
        )
    )
    say(f"credit application: grade {decision.grade}, {limit_line(app)}")


def buy_in_installments(app: MemoryApp, say: Say) -> OrderId:
    app.handle(checkout.AddToCart(MEI, PHONE, 1))
    quote = app.quote(MEI)
    with app.unit_of_work() as uow:
        options = credit.installment_options(uow, MEI, quote.payable, clock=app.clock)
    for option in options:
        first = option.schedule.rows[0]
        say(
            f"  {option.offer.term_months} months: {first.payment} a month, "
            f"APR {option.schedule.apr:.2%}, within limit: {option.within_limit}"
        )
    placed = app.handle(orders.PlaceOrder(MEI, expected_payable=quote.payable))
    outcome = app.handle(payments.PayByInstallments(placed.parent_id, 6))
    say(f"paid by 6 installments: {outcome.status.value}; {limit_line(app)}")
    (order_id,) = placed.order_ids
    (shipment,) = app.handle(fulfillment.ShipOrder(order_id))
    tracking = app.get(fulfillment.Shipment, shipment).tracking_number
    app.logistics.advance(tracking, TrackingStatus.DELIVERED, app.clock.now())
    app.handle(fulfillment.SyncTracking(shipment))
    app.handle(orders.ConfirmReceipt(order_id))
    return order_id


def repay_two_months(app: MemoryApp, say: Say) -> None:
    """Bills are drawn on the statement day (the 1st); Mei repays each in full."""
    for month in (2, 3):
        app.clock.set(app.clock.now().replace(month=month, day=1))
        run = app.handle(installments.RunBills())
        assert run.total is not None, "a bill is due"
        app.handle(installments.RepayCredit(MEI, run.total))
        say(f"bill of {run.total} repaid; {limit_line(app)}")


def return_it(app: MemoryApp, order_id: OrderId, say: Say) -> None:
    case = app.handle(aftersales.RequestReturn(order_id, ((PHONE, 1),), "changed my mind"))
    app.handle(aftersales.ApproveAfterSale(case))
    app.handle(aftersales.SendReturn(case, "sf_express", "SF-BACK-1"))
    app.handle(aftersales.InspectReturn(case, ((PHONE, 1),)))
    with app.unit_of_work() as uow:
        refunded = uow.repo(payments.Payment).get("pay-000001").refunded
    say(f"returned: {refunded} paid back down the plan, now closed; {limit_line(app)}")
    overpaid = app.handle(credit.RefundHeldCredit(MEI))
    say(f"what Mei had repaid beyond the plan, {overpaid}, is refunded to her")


def run(app: MemoryApp, say: Say = print) -> None:
    set_up(app, say)
    apply_for_credit(app, say)
    order_id = buy_in_installments(app, say)
    repay_two_months(app, say)
    return_it(app, order_id, say)


def build_app() -> MemoryApp:
    """This shop takes returns for 90 days after delivery."""
    return build_memory_app(order_policy=orders.OrderPolicy(after_sales_window=timedelta(days=90)))


if __name__ == "__main__":
    takes_no_options(__doc__)
    run(build_app())
