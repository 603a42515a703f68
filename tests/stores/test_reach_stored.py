"""Reach in a database (SQLite, and PostgreSQL when one is at hand): templates, campaigns,
touches with their receipts and orders, users' sends and time zones, inboxes and store
followers survive a restart; a rerun after it dedupes and the caps still hold; a held
message is found due through its index; a run stopped midway resumes from its cursor; the
report and the attribution read only the touches they need."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from merx import orders, people, reach
from merx.adapters.memory import FixedClock
from merx.app import StoredApp, build_app
from merx.errors import NotFound
from merx.kernel.ids import CustomerId, MerchantId, OrderId
from merx.kernel.money import Money
from merx.reach import ReachChannel, Receipt, SkipReason, Trigger, TriggerKind, VarType
from merx.reach import services as reach_services
from tests.counting import CountingUnitOfWork
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


def sms_campaign(app: StoredApp, campaign_id: str, trigger: Trigger | None = None) -> None:
    app.handle(
        reach.SaveTemplate(
            f"t-{campaign_id}", ReachChannel.SMS, "{customer_name}: {link}",
            {"link": VarType.COUPON_LINK},
        )
    )  # fmt: skip
    app.handle(
        reach.DefineReachCampaign(
            campaign_id, ReachChannel.SMS, f"t-{campaign_id}", trigger or Trigger(TriggerKind.ONCE),
            values={"link": "https://x.example/c"},
        )
    )  # fmt: skip
    app.handle(reach.ActivateReachCampaign(campaign_id))


def consented(app: StoredApp, users: list[CustomerId]) -> None:
    for n, cid in enumerate(users):
        app.handle(people.RegisterPersonalData(cid, name=f"User {n}", phone=f"1390000{n:04d}"))
        app.handle(people.GrantConsent(cid, people.Channel.SMS, "app"))


def test_a_held_message_is_found_due_and_sent_after_a_restart(storage: Storage) -> None:
    clock = FixedClock(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))  # 21:00 in New York
    app = opened(storage, clock)
    consented(app, USERS[:2])
    app.handle(reach.SetReachTimeZone(USERS[1], "America/New_York"))
    sms_campaign(app, "c")
    assert app.handle(reach.RunReachCampaign("c")).skipped == {SkipReason.QUIET_HOURS: 1}
    app.close()

    clock.set(datetime(2026, 3, 2, 13, 59, tzinfo=UTC))  # 08:59 there: not due yet
    again = opened(storage, clock)
    assert again.queries.reach.held_due(clock.now(), 10) == []
    assert again.handle(reach.SendHeldMessages()).sent == 0
    clock.advance(timedelta(minutes=1))
    assert again.queries.reach.held_due(clock.now(), 10) == ["c/once/u1"]
    assert again.handle(reach.SendHeldMessages()).sent == 1
    assert again.queries.reach.held_due(clock.now(), 10) == []  # settled: out of the index
    [held] = again.held_messages("c")
    assert (held.status, held.settled_at) == (reach.HeldStatus.SENT, clock.now())
    assert [d.touch_id for d in again.messenger.delivered] == ["c/once/u1"]
    assert again.get(reach.Touch, "c/once/u1").sent_at == clock.now()
    again.close()


class Crash(Exception):
    pass


def test_a_stored_run_stopped_midway_resumes_from_its_cursor(storage: Storage) -> None:
    clock = FixedClock(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    app = opened(storage, clock)
    consented(app, USERS)
    sms_campaign(app, "c")
    real = app.messenger.deliver
    app.messenger.deliver = lambda message: (  # type: ignore[method-assign]
        real(message) if message.customer_id != "u3" else (_ for _ in ()).throw(Crash())
    )
    with pytest.raises(Crash):
        app.handle(reach.RunReachCampaign("c", chunk_size=2))
    app.close()

    again = opened(storage, clock)
    run = again.get(reach.ReachRun, "c/once")
    assert (run.status, run.cursor, run.sent) == (reach.RunStatus.RUNNING, "u1", 2)
    summary = again.handle(reach.RunReachCampaign("c", chunk_size=2))
    assert (summary.considered, summary.sent) == (4, 4)
    assert again.get(reach.ReachRun, "c/once").status is reach.RunStatus.FINISHED
    assert again.reach_report("c").total.reached == 4
    again.close()


def test_the_report_and_the_attribution_read_only_the_touches_they_need(
    storage: Storage,
) -> None:
    clock = FixedClock(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    app = opened(storage, clock)
    consented(app, USERS)
    sms_campaign(app, "c")
    sms_campaign(app, "other", Trigger(TriggerKind.EVENT, event="coupon_expiring"))
    app.handle(reach.RunReachCampaign("c"))
    clock.advance(timedelta(days=1))
    app.handle(reach.ReachCustomer("other", USERS[0], "cp-1"))
    touches = {f"c/once/{cid}" for cid in USERS}
    assert set(app.queries.reach.touches_of_campaign("c")) == touches
    assert app.queries.reach.touches_of_customer(USERS[0]) == ["c/once/u0", "other/cp-1/u0"]

    with app.unit_of_work() as inner:
        uow = CountingUnitOfWork(inner)
        report = reach.reach_report(uow, app.queries.reach, "c")
    assert report.total.reached == 4
    assert uow.of(reach.Touch) == touches  # not the other campaign's
    assert not uow.scans

    paid = orders.OrderPaid(
        OrderId("o-1"), "pay-1", Money.of("30.00", "CNY"), clock.now(), USERS[0]
    )
    with app.unit_of_work() as inner:
        uow = CountingUnitOfWork(inner)
        reach_services.attribute_order(paid, uow, policy=app.reach_policy)
    assert uow.loaded == {reach.UserReach: {"u0"}, reach.Touch: {"other/cp-1/u0"}}
    assert not uow.scans
    assert app.get(reach.Touch, "other/cp-1/u0").orders == {"o-1": Money.of("30.00", "CNY")}
    app.close()
