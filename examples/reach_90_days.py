"""The seed's user reach: "if a user has not made a transaction for 90 days, then SMS
marketing is used to inform the user of a limited-time 50% discount, and the user is
guided to return to the APP to complete the transaction".

Six customers buy on 5 January; Fei buys again in March. On 6 April the segment
``reach.lapsed_90`` (the built-in tag ``days_since_last_order >= 90``) holds the other
five. The platform runs a half-price campaign for that audience and an SMS campaign over
the segment: the messages of a run late in the evening are held by the quiet hours and
sent at 09:00 by the host's due run to those who consented, a second run the same day is
capped (1 SMS a day). The
receipts come back, Amy comes back and pays half price, Bo only opens the app; the
report shows reached, returned and ordered counts and the GMV. Run:
``python examples/reach_90_days.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from no_options import takes_no_options
from reach_world import publish_lapsed_segment, sms_campaign

from merx import (
    catalog,
    checkout,
    customers,
    inventory,
    orders,
    payments,
    people,
    promotions,
    reach,
    tags,
)
from merx.adapters.memory import FixedClock
from merx.app import MemoryApp, build_memory_app
from merx.customers import Address
from merx.decisions import (
    Access,
    Permission,
)
from merx.kernel.ids import PLATFORM, CustomerId, SkuId, WarehouseId
from merx.kernel.money import Money
from merx.pricing import PercentTier, ThresholdPercent
from merx.reach import Receipt, Trigger, TriggerKind, VarType

Say = Callable[[str], None]
#: (id, name, mobile, consents to SMS)
USERS = (
    ("amy", "Amy", "13800000001", True),
    ("bo", "Bo", "13800000002", True),
    ("cai", "Cai", "13800000003", True),
    ("dan", "Dan", "13800000004", False),
    ("eve", "Eve", "13800000005", True),
    ("fei", "Fei", "13800000006", True),
)
TEE, DC = SkuId("tee"), WarehouseId("dc")
LAPSED = "reach.lapsed_90"
#: 09:00 in Shanghai on 5 January 2026
START = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)


def build_app() -> MemoryApp:
    return build_memory_app(clock=FixedClock(START))


def buy(app: MemoryApp, who: CustomerId) -> orders.PlacedOrder:
    app.handle(checkout.AddToCart(who, TEE, 1))
    placed = app.handle(orders.PlaceOrder(who))
    app.handle(payments.PayOrder(placed.parent_id, "alipay"))
    return placed


def open_shop(app: MemoryApp) -> None:
    app.handle(tags.InstallBuiltinTags())
    app.handle(catalog.CreateSku(TEE, "Tee", PLATFORM, "tee", Money.of("80.00", "CNY")))
    app.handle(inventory.OpenWarehouse(DC, "DC", "-", {"sh": 1}))
    app.handle(inventory.ReceiveStock(DC, TEE, 100, "po-1"))
    for key, name, mobile, sms in USERS:
        who = CustomerId(key)
        app.handle(customers.RegisterCustomer(who, name, "1"))
        app.handle(customers.AddAddress(who, "h", Address(name, "1", "sh", "r"), default=True))
        app.handle(people.RegisterPersonalData(who, name=name, phone=mobile))
        if sms:
            app.handle(people.GrantConsent(who, people.Channel.SMS, "app/register"))


def segment_and_offer(app: MemoryApp, say: Say) -> None:
    """The segment, decided from the built-in tag, and the half price it is promised."""
    publish_lapsed_segment(app, LAPSED, callers=(Permission("checkout", {Access.API}),))
    half = ThresholdPercent(id="back-half", tiers=(PercentTier(Decimal(50), min_quantity=1),))
    offer = app.handle(promotions.CreateCampaign(PLATFORM, half, audience=LAPSED))
    for command in (promotions.SubmitCampaign, promotions.ApproveCampaign):
        app.handle(command(offer, PLATFORM))
    app.handle(promotions.ScheduleCampaign(offer, PLATFORM))
    app.handle(promotions.TickCampaigns())
    say(f"segment {LAPSED}: days_since_last_order >= 90; campaign {offer}: 50% off for it")


def back_in_90(app: MemoryApp) -> None:
    sms_campaign(
        app,
        "back-in-90",
        body="{customer_name}, we miss you: 50% off until {until}, in the app: {link}",
        variables={"until": VarType.DATE, "link": VarType.COUPON_LINK},
        values={"until": "2026-04-12", "link": "app://coupon/back-half"},
        trigger=Trigger(TriggerKind.SEGMENT, scenario=LAPSED),
    )


def send(app: MemoryApp, occasion: str) -> str:
    run = app.handle(reach.RunReachCampaign("back-in-90", occasion))
    skipped = ", ".join(f"{r.value} {n}" for r, n in sorted(run.skipped.items(), key=str))
    return f"{run.considered} considered, {run.sent} sent; skipped: {skipped or 'none'}"


def run(app: MemoryApp, say: Say) -> None:
    clock = app.clock
    open_shop(app)
    for key, *_ in USERS:
        buy(app, CustomerId(key))
    say(f"5 January: {len(USERS)} customers bought a tee")
    clock.advance(timedelta(days=60))
    buy(app, CustomerId("fei"))
    say("6 March: fei bought again")
    clock.set(datetime(2026, 4, 6, 14, 30, tzinfo=UTC))  # 22:30 in Shanghai
    segment_and_offer(app, say)
    back_in_90(app)
    say(f"6 April 22:30, quiet hours: {send(app, '2026-04-06')} (held until 09:00)")
    clock.set(datetime(2026, 4, 7, 1, 0, tzinfo=UTC))  # 09:00
    held = app.handle(reach.SendHeldMessages())
    say(f"7 April 09:00, the host's due run of held messages: {held.sent} sent")
    first = app.messenger.delivered[0]
    say(f"  sms to {first.recipient}: {first.body}")
    clock.advance(timedelta(hours=4))
    say(f"7 April 14:00, the next occasion: {send(app, '2026-04-07')}")
    for sms in app.messenger.delivered:
        app.handle(reach.RecordReceipt(sms.touch_id, Receipt.DELIVERED))
    for who in ("amy", "bo"):
        app.handle(reach.RecordReceipt(f"back-in-90/2026-04-06/{who}", Receipt.OPENED))
    clock.advance(timedelta(hours=2))
    amy = CustomerId("amy")
    app.handle(checkout.AddToCart(amy, TEE, 1))
    say(f"amy comes back: the tee is {app.quote(amy).payable} for her")
    placed = app.handle(orders.PlaceOrder(amy))
    app.handle(payments.PayOrder(placed.parent_id, "alipay"))
    app.handle(reach.RecordReturn(CustomerId("bo")))
    say("bo opens the app and leaves")
    report = app.reach_report("back-in-90")
    total = report.total
    say(
        f"report: reached {total.reached}, delivered {total.delivered}, opened {total.opened}, "
        f"returned {total.returned}, ordered {total.ordered}, GMV {total.gmv}"
    )
    skipped = ", ".join(f"{r.value} {n}" for r, n in sorted(report.skipped.items(), key=str))
    say(f"skipped over the runs: {skipped}")


def main() -> None:
    takes_no_options(__doc__)
    run(build_app(), print)


if __name__ == "__main__":
    main()
