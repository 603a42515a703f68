"""A memory app with users who consented to SMS, a tag store the tests fill, and a
published segment scenario ``reach.lapsed`` (``days_since_last_order >= 90``)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import attrs
import pytest

from merx import catalog, checkout, customers, inventory, orders, payments, people, reach
from merx.adapters.memory import FixedClock, MemoryTagCatalog, MemoryTagValues
from merx.app import MemoryApp, build_memory_app
from merx.customers import Address
from merx.decisions import (
    Access,
    Output,
    Permission,
    PublishScenario,
    SaveScenarioDraft,
    ScenarioDefinition,
    Strategy,
    ValueType,
    parse_rule,
)
from merx.kernel.ids import PLATFORM, CustomerId, MerchantId, OrderId, SkuId, WarehouseId
from merx.kernel.money import Money

#: 10:00 in Shanghai (02:00 UTC): outside the default quiet hours
NOON_ISH = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
LAPSED = "reach.lapsed"


def phone(n: int) -> str:
    return f"1380000{n:04d}"


@attrs.define
class World:
    app: MemoryApp
    clock: FixedClock
    tags: MemoryTagValues

    def person(self, name: str, n: int, *, sms: bool = True, days: int | None = 100) -> CustomerId:
        cid = CustomerId(name)
        self.app.handle(people.RegisterPersonalData(cid, name=name.title(), phone=phone(n)))
        if sms:
            self.app.handle(people.GrantConsent(cid, people.Channel.SMS, "app/settings"))
        if days is not None:
            self.tags.set(name, {"days_since_last_order": Decimal(days)})
        return cid

    def sms_campaign(
        self,
        campaign_id: str = "lapsed",
        body: str = "{customer_name}, 50% off until {until}: {link}",
        **kwargs: object,
    ) -> None:
        self.app.handle(
            reach.SaveTemplate(
                f"t-{campaign_id}",
                reach.ReachChannel.SMS,
                body,
                {"until": reach.VarType.DATE, "link": reach.VarType.COUPON_LINK},
            )
        )
        trigger = kwargs.pop("trigger", reach.Trigger(reach.TriggerKind.SEGMENT, scenario=LAPSED))
        self.app.handle(
            reach.DefineReachCampaign(
                campaign_id,
                reach.ReachChannel.SMS,
                f"t-{campaign_id}",
                trigger,  # type: ignore[arg-type]
                values={"until": "2026-03-09", "link": "https://m.example/c/half"},
                **kwargs,  # type: ignore[arg-type]
            )
        )
        self.app.handle(reach.ActivateReachCampaign(campaign_id))


def lapsed_scenario(app: MemoryApp) -> None:
    app.handle(
        SaveScenarioDraft(
            LAPSED,
            ScenarioDefinition(
                inputs=(),
                callers=(Permission("reach", {Access.EMBEDDED}),),
                strategies=(
                    Strategy("lapsed", parse_rule("days_since_last_order >= 90"), Output("in")),
                ),
                default=Output("out"),
            ),
        )
    )
    app.handle(PublishScenario(LAPSED))


@pytest.fixture
def world() -> World:
    catalog = MemoryTagCatalog()
    catalog.define("days_since_last_order", ValueType.NUMBER)
    values = MemoryTagValues()
    clock = FixedClock(NOON_ISH)
    app = build_memory_app(clock=clock, tag_catalog=catalog, tag_values=values)
    lapsed_scenario(app)
    return World(app, clock, values)


SHIRT, DC = SkuId("shirt"), WarehouseId("dc")


def stock_shop(app: MemoryApp, seller: MerchantId = PLATFORM) -> None:
    app.handle(catalog.CreateSku(SHIRT, "Shirt", seller, "shirt", Money.of("80.00", "CNY")))
    app.handle(inventory.OpenWarehouse(DC, "DC", "-", {"sh": 1}))
    app.handle(inventory.ReceiveStock(DC, SHIRT, 1000, "po"))


def buy(app: MemoryApp, who: str) -> OrderId:
    """``who`` buys a shirt and pays (registered as a customer the first time); the
    order's id."""
    cid = CustomerId(who)
    with app.unit_of_work() as uow:
        known = uow.repo(customers.Customer).peek(cid) is not None
    if not known:
        app.handle(customers.RegisterCustomer(cid, who, "1"))
        app.handle(customers.AddAddress(cid, "h", Address(who, "1", "sh", "r"), default=True))
    app.handle(checkout.AddToCart(cid, SHIRT, 1))
    placed = app.handle(orders.PlaceOrder(cid))
    app.handle(payments.PayOrder(placed.parent_id, "alipay"))
    return placed.order_ids[0]
