"""Event campaigns: an order shipped reaches its customer once (the occasion is the order),
when the app is built to send them."""

from __future__ import annotations

from merx import fulfillment, people, reach
from merx.adapters.memory import FixedClock, MemoryTagCatalog, MemoryTagValues
from merx.app import build_memory_app
from merx.kernel.ids import CustomerId
from merx.reach import ReachChannel, Trigger, TriggerKind

from .conftest import NOON_ISH, World, buy, phone, stock_shop


def shipping_world(on_shipment: bool) -> World:
    clock = FixedClock(NOON_ISH)
    app = build_memory_app(
        clock=clock,
        tag_catalog=MemoryTagCatalog(),
        tag_values=MemoryTagValues(),
        reach_on_shipment=on_shipment,
    )
    world = World(app, clock, MemoryTagValues())
    stock_shop(app)
    app.handle(people.RegisterPersonalData(CustomerId("amy"), name="Amy", phone=phone(1)))
    app.handle(people.GrantConsent(CustomerId("amy"), people.Channel.SMS, "app"))
    app.handle(
        reach.SaveTemplate(
            "t-shipped", ReachChannel.SMS, "{customer_name}, order {order_id} is on its way",
            {"order_id": reach.VarType.STRING},
        )
    )  # fmt: skip
    app.handle(
        reach.DefineReachCampaign(
            "shipped",
            ReachChannel.SMS,
            "t-shipped",
            Trigger(TriggerKind.EVENT, event="order_shipped"),
        )
    )
    app.handle(reach.ActivateReachCampaign("shipped"))
    return world


def test_an_order_shipped_reaches_its_customer_once() -> None:
    world = shipping_world(on_shipment=True)
    order_id = buy(world.app, "amy")
    world.app.handle(fulfillment.ShipOrder(order_id))
    [sms] = world.app.messenger.delivered
    assert sms.body == f"A**, order {order_id} is on its way"
    assert sms.touch_id == f"shipped/{order_id}/amy"


def test_without_the_subscription_nothing_is_sent_on_shipment() -> None:
    world = shipping_world(on_shipment=False)
    world.app.handle(fulfillment.ShipOrder(buy(world.app, "amy")))
    assert world.app.messenger.delivered == []
