"""A memory app with users who consented to SMS, a tag store the tests fill, and a
published segment scenario ``reach.lapsed`` (``days_since_last_order >= 90``): the world
of ``examples/reach_world.py``, shared with the example and the benchmark."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import attrs
import pytest

from merx import catalog, checkout, customers, inventory, orders, payments, people, reach
from merx.adapters.memory import FixedClock, MemoryTagValues
from merx.app import MemoryApp, build_memory_app
from merx.customers import Address
from merx.kernel.ids import PLATFORM, CustomerId, MerchantId, OrderId, SkuId, WarehouseId
from merx.kernel.money import Money

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
from reach_world import DAYS_TAG, LAPSED, host_tags, publish_lapsed_segment, sms_campaign

#: 10:00 in Shanghai (02:00 UTC): outside the default quiet hours
NOON_ISH = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
__all__ = ["LAPSED", "NOON_ISH", "World", "buy", "make_world", "phone", "stock_shop"]


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
            self.tags.set(name, {DAYS_TAG: Decimal(days)})
        return cid

    def sms_campaign(
        self,
        campaign_id: str = "lapsed",
        body: str = "{customer_name}, 50% off until {until}: {link}",
        *,
        trigger: reach.Trigger | None = None,
        caps: tuple[reach.Cap, ...] = (),
        variation_templates: dict[str, str] | None = None,
        owner: MerchantId = PLATFORM,
    ) -> None:
        sms_campaign(
            self.app, campaign_id, body=body,
            variables={"until": reach.VarType.DATE, "link": reach.VarType.COUPON_LINK},
            values={"until": "2026-03-09", "link": "https://m.example/c/half"},
            trigger=trigger, caps=caps, variation_templates=variation_templates, owner=owner,
        )  # fmt: skip


def make_world(*, check_views: bool = True) -> World:
    """A fresh world at :data:`NOON_ISH` (``check_views=False`` for property tests that
    build many)."""
    tag_catalog, values = host_tags()
    clock = FixedClock(NOON_ISH)
    app = build_memory_app(
        clock=clock, tag_catalog=tag_catalog, tag_values=values, check_views=check_views
    )
    publish_lapsed_segment(app)
    return World(app, clock, values)


@pytest.fixture
def world() -> World:
    return make_world()


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
