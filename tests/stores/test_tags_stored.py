"""The tags context on a database (a SQLite file, a PostgreSQL schema): definitions,
pushed values with their expiry, and the activity recorded from a paid order survive a
restart."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from merx import payments, tags
from merx.tags import DataSource, Subject, TagKind, TagStatus, ValueKind, ValueType
from tests.stores.test_stored_app import START, Storage, buy, open_shop, stock

VIP = tags.TagSpec(
    name="vip",
    kind=TagKind.USER,
    value_type=ValueType(ValueKind.BOOL),
    source=DataSource.PUSHED,
    ttl=timedelta(days=1),
)


def test_tags_values_and_activity_survive_a_restart(storage: Storage) -> None:
    first = open_shop(storage)
    first.handle(tags.InstallBuiltinTags())
    first.handle(tags.DefineTag(VIP))
    first.handle(tags.PublishTag("vip"))
    stock(first)
    placed = buy(first, "alice")
    first.handle(payments.PayOrder(placed.parent_id, channel="alipay"))
    alice = Subject.user("alice")
    first.handle(tags.PushTagValues(alice, {"vip": True, "region": "Shanghai"}))
    again = open_shop(storage)
    with again.unit_of_work() as uow:
        assert tags.tag_catalog(uow)["vip"].status is TagStatus.ONLINE
        now = tags.values_of(uow, alice, START)
        a_day_later = tags.values_of(uow, alice, START + timedelta(days=1))
    assert now["vip"] is True
    assert now["region"] == "Shanghai"
    assert now["order_count_30d"] == 1
    assert now["spend_30d"] == Decimal("2999.00")
    assert now["preferred_categories"] == frozenset({"phone"})
    assert "vip" not in a_day_later  # expired
    assert a_day_later["region"] == "Shanghai"
