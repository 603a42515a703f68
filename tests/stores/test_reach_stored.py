"""Reach in a database (SQLite, and PostgreSQL when one is at hand): templates, campaigns,
touches with their receipts and orders, users' sends and time zones, inboxes and store
followers survive a restart; a rerun after it dedupes and the caps still hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from merx import people, reach
from merx.adapters.memory import FixedClock
from merx.app import StoredApp, build_app
from merx.errors import NotFound
from merx.kernel.ids import CustomerId, MerchantId
from merx.reach import ReachChannel, Receipt, SkipReason, Trigger, TriggerKind, VarType
from tests.stores.test_stored_app import Storage

USERS = [CustomerId(f"u{n}") for n in range(4)]


def opened(storage: Storage, clock: FixedClock) -> StoredApp:
    return build_app(storage.open(), clock=clock, relay_owner="shop")


def test_reach_survives_a_restart(storage: Storage) -> None:
    clock = FixedClock(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))  # 10:00 in Shanghai
    app = opened(storage, clock)
    for n, cid in enumerate(USERS):
        app.handle(people.RegisterPersonalData(cid, name=f"User {n}", phone=f"1390000{n:04d}"))
        if n != 3:
            app.handle(people.GrantConsent(cid, people.Channel.SMS, "app"))
    app.handle(reach.SetReachTimeZone(USERS[2], "America/New_York"))  # 21:00 there: quiet
    app.handle(reach.FollowStore(USERS[0], MerchantId("mer-1")))
    with pytest.raises(reach.UnknownTemplateVariable):
        app.handle(reach.SaveTemplate("t", ReachChannel.SMS, "{customer_name} {gift}", {}))
    with pytest.raises(NotFound):
        app.get(reach.Template, "t")
    app.handle(
        reach.SaveTemplate(
            "t", ReachChannel.SMS, "{customer_name}: {link}", {"link": VarType.COUPON_LINK}
        )
    )
    app.handle(
        reach.DefineReachCampaign(
            "c", ReachChannel.SMS, "t", Trigger(TriggerKind.ONCE),
            values={"link": "https://x.example/c"},
        )
    )  # fmt: skip
    app.handle(reach.ActivateReachCampaign("c"))
    run = app.handle(reach.RunReachCampaign("c"))
    assert (run.sent, run.skipped) == (
        2,
        {SkipReason.QUIET_HOURS: 1, SkipReason.NO_CONSENT: 1},
    )
    assert [d.recipient for d in app.messenger.delivered] == ["13900000000", "13900000001"]
    assert app.handle(reach.RecordReceipt("c/once/u0", Receipt.DELIVERED))
    app.close()

    clock.advance(timedelta(hours=12))  # 10:00 in New York, 22:00 in Shanghai
    again = opened(storage, clock)
    assert not again.handle(reach.RecordReceipt("c/once/u0", Receipt.DELIVERED))
    assert again.get(reach.StoreAudience, "mer-1").followers == {"u0"}
    assert again.get(reach.UserReach, "u2").time_zone == "America/New_York"
    rerun = again.handle(reach.RunReachCampaign("c"))
    assert (rerun.sent, rerun.skipped) == (
        1,
        {SkipReason.DEDUPED: 2, SkipReason.NO_CONSENT: 1},
    )
    report = again.reach_report("c")
    assert (report.total.reached, report.total.delivered) == (3, 1)
    assert report.skipped == {
        SkipReason.QUIET_HOURS: 1,
        SkipReason.NO_CONSENT: 2,
        SkipReason.DEDUPED: 2,
    }
    again.close()
