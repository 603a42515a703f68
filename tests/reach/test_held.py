"""Quiet hours hold a message until they end in the user's zone; the due run sends it then,
checking consent, caps and dedupe again, holds it again if the user is quiet again, and
expires it when it is no longer relevant."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from merx import people, reach
from merx.errors import IllegalTransition, ValidationError
from merx.kernel.ids import CustomerId
from merx.reach import (
    Expiry,
    HeldStatus,
    QuietHours,
    ReachChannel,
    ReachPolicy,
    SendHeldMessages,
    SkipReason,
    UserReach,
)

from .conftest import World, make_world

NEW_YORK = "America/New_York"
#: 09:00 in New York on the day after NOON_ISH (21:00 there): the end of ben's quiet hours
BEN_DUE = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def ben_in_new_york(world: World) -> CustomerId:
    world.person("amy", 1)
    ben = world.person("ben", 2)
    world.app.handle(reach.SetReachTimeZone(ben, NEW_YORK))
    world.sms_campaign()
    return ben


def test_a_message_due_in_quiet_hours_is_held_and_sent_when_they_end(world: World) -> None:
    ben = ben_in_new_york(world)
    run = world.app.handle(reach.RunReachCampaign("lapsed", "d1"))  # 21:00 in New York
    assert (run.sent, run.skipped) == (1, {SkipReason.QUIET_HOURS: 1})
    [held] = world.app.held_messages("lapsed")
    assert (held.id, held.status, held.due_at) == ("lapsed/d1/ben", HeldStatus.HELD, BEN_DUE)
    assert [d.customer_id for d in world.app.messenger.delivered] == ["amy"]

    world.clock.advance(timedelta(hours=11, minutes=59))  # 08:59 in New York: not yet
    assert world.app.handle(SendHeldMessages()) == reach.HeldRunSummary()
    world.clock.advance(timedelta(minutes=1))
    assert world.app.handle(SendHeldMessages()).sent == 1
    [_, sms] = world.app.messenger.delivered
    assert (sms.customer_id, sms.touch_id) == (ben, "lapsed/d1/ben")
    assert sms.body == "B**, 50% off until 2026-03-09: https://m.example/c/half"
    assert world.app.get(reach.Touch, "lapsed/d1/ben").sent_at == BEN_DUE
    [held] = world.app.held_messages("lapsed")
    assert (held.status, held.settled_at) == (HeldStatus.SENT, BEN_DUE)
    assert world.app.handle(SendHeldMessages()) == reach.HeldRunSummary()  # settled: once
    assert world.app.get(reach.ReachCampaign, "lapsed").sent == 2


def test_a_rerun_in_the_quiet_hours_holds_the_user_once(world: World) -> None:
    ben_in_new_york(world)
    world.app.handle(reach.RunReachCampaign("lapsed", "d1"))
    world.clock.advance(timedelta(minutes=30))
    assert world.app.handle(reach.RunReachCampaign("lapsed", "d1")).skipped == {
        SkipReason.DEDUPED: 1,
        SkipReason.QUIET_HOURS: 1,
    }
    assert len(world.app.held_messages("lapsed")) == 1


def test_a_rerun_after_the_quiet_hours_reaches_first_and_the_due_run_dedupes(
    world: World,
) -> None:
    ben_in_new_york(world)
    world.app.handle(reach.RunReachCampaign("lapsed", "d1"))
    world.clock.advance(timedelta(hours=13))  # 10:00 in New York
    assert world.app.handle(reach.RunReachCampaign("lapsed", "d1")).sent == 1
    assert world.app.handle(SendHeldMessages()).skipped == {SkipReason.DEDUPED: 1}
    [held] = world.app.held_messages("lapsed")
    assert (held.status, held.reason) == (HeldStatus.SKIPPED, SkipReason.DEDUPED)
    assert len(world.app.messenger.to("ben")) == 1


def test_consent_withdrawn_while_held_is_honoured_at_send_time(world: World) -> None:
    ben = ben_in_new_york(world)
    world.app.handle(reach.RunReachCampaign("lapsed", "d1"))
    world.app.handle(people.WithdrawConsent(ben, people.Channel.SMS, "sms/reply-TD"))
    world.clock.set(BEN_DUE)
    assert world.app.handle(SendHeldMessages()).skipped == {SkipReason.NO_CONSENT: 1}
    assert world.app.messenger.to("ben") == []


def test_a_cap_reached_while_held_is_honoured_at_send_time(world: World) -> None:
    ben_in_new_york(world)
    world.app.handle(reach.RunReachCampaign("lapsed", "d1"))
    world.sms_campaign("other")
    world.clock.set(BEN_DUE)
    assert world.app.handle(reach.RunReachCampaign("other", "d1")).sent == 1  # ben's SMS today
    assert world.app.handle(SendHeldMessages()).skipped == {SkipReason.CAPPED: 1}
    assert [d.touch_id for d in world.app.messenger.to("ben")] == ["other/d1/ben"]


def test_a_user_who_left_the_segment_is_not_sent_the_held_message(world: World) -> None:
    ben_in_new_york(world)
    world.app.handle(reach.RunReachCampaign("lapsed", "d1"))
    world.tags.set("ben", {"days_since_last_order": 0})  # ben ordered overnight
    world.clock.set(BEN_DUE)
    assert world.app.handle(SendHeldMessages()).skipped == {SkipReason.NOT_IN_SEGMENT: 1}


@pytest.mark.parametrize("stop", [reach.PauseReachCampaign, reach.EndReachCampaign])
def test_a_held_message_of_a_stopped_campaign_expires(world: World, stop: type) -> None:
    ben_in_new_york(world)
    world.app.handle(reach.RunReachCampaign("lapsed", "d1"))
    world.app.handle(stop("lapsed"))
    world.clock.set(BEN_DUE)
    summary = world.app.handle(SendHeldMessages())
    assert summary.expired == {Expiry.CAMPAIGN_STOPPED: 1}
    [held] = world.app.held_messages("lapsed")
    assert (held.status, held.expiry) == (HeldStatus.EXPIRED, Expiry.CAMPAIGN_STOPPED)
    assert world.app.messenger.to("ben") == []


@pytest.mark.parametrize(
    ("late", "sent", "expired"),
    [(timedelta(0), 1, {}), (timedelta(seconds=1), 0, {Expiry.TOO_LATE: 1})],
)
def test_a_due_run_too_long_after_the_quiet_hours_expires_the_message(
    world: World, late: timedelta, sent: int, expired: dict[Expiry, int]
) -> None:
    ben_in_new_york(world)
    world.app.handle(reach.RunReachCampaign("lapsed", "d1"))
    world.clock.set(BEN_DUE + world.app.reach_policy.held_for + late)
    summary = world.app.handle(SendHeldMessages())
    assert (summary.sent, summary.expired) == (sent, expired)
    assert len(world.app.messenger.to("ben")) == sent


def test_a_user_quiet_again_when_due_is_held_again(world: World) -> None:
    ben = ben_in_new_york(world)
    world.app.handle(reach.RunReachCampaign("lapsed", "d1"))
    world.app.handle(reach.SetReachTimeZone(ben, "Asia/Tokyo"))  # 23:00 there when due
    world.clock.set(BEN_DUE)
    assert world.app.handle(SendHeldMessages()).held_again == 1
    [held] = world.app.held_messages("lapsed")
    tokyo_nine = datetime(2026, 3, 3, 0, 0, tzinfo=UTC)
    assert (held.status, held.due_at) == (HeldStatus.HELD, tokyo_nine)
    world.clock.set(tokyo_nine)
    assert world.app.handle(SendHeldMessages()).sent == 1


def test_an_event_message_keeps_its_values_while_held(world: World) -> None:
    ben = ben_in_new_york(world)
    world.app.handle(
        reach.SaveTemplate(
            "t-expiring", ReachChannel.SMS, "{customer_name}: coupon {code} ends soon",
            {"code": reach.VarType.STRING},
        )
    )  # fmt: skip
    trigger = reach.Trigger(reach.TriggerKind.EVENT, event="coupon_expiring")
    world.app.handle(reach.DefineReachCampaign("expiring", ReachChannel.SMS, "t-expiring", trigger))
    world.app.handle(reach.ActivateReachCampaign("expiring"))
    outcome = world.app.handle(reach.ReachCustomer("expiring", ben, "cp-7", {"code": "HALF"}))
    assert (outcome.skipped, outcome.held_until) == (SkipReason.QUIET_HOURS, BEN_DUE)
    world.clock.set(BEN_DUE)
    world.app.handle(SendHeldMessages())
    [sms] = world.app.messenger.to("ben")
    assert sms.body == "B**: coupon HALF ends soon"


def test_a_due_run_sends_at_most_its_limit_and_says_there_is_more(world: World) -> None:
    for n in range(3):
        cid = world.person(f"u{n}", n)
        world.app.handle(reach.SetReachTimeZone(cid, NEW_YORK))
    world.sms_campaign()
    world.app.handle(reach.RunReachCampaign("lapsed", "d1"))
    world.clock.set(BEN_DUE)
    first = world.app.handle(SendHeldMessages(limit=2))
    assert (first.sent, first.more) == (2, True)
    second = world.app.handle(SendHeldMessages(limit=2))
    assert (second.sent, second.more) == (1, False)
    with pytest.raises(ValidationError, match="limit"):
        world.app.handle(SendHeldMessages(limit=0))


def test_a_settled_held_message_cannot_move_again(world: World) -> None:
    ben_in_new_york(world)
    world.app.handle(reach.RunReachCampaign("lapsed", "d1"))
    world.clock.set(BEN_DUE)
    world.app.handle(SendHeldMessages())
    [held] = world.app.held_messages("lapsed")
    with pytest.raises(IllegalTransition):
        held.expire(Expiry.TOO_LATE, BEN_DUE)


# -- laws --------------------------------------------------------------------------------

ZONES = sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc"))
T0 = datetime(2026, 1, 1, tzinfo=UTC)
whole = st.times().map(lambda t: t.replace(second=0, microsecond=0))


@given(
    st.sampled_from(ZONES),
    st.integers(0, 366 * 24 * 60).map(lambda m: T0 + timedelta(minutes=m)),
    whole,
    whole,
)
def test_a_held_message_falls_due_when_the_quiet_hours_end(
    zone: str, at: datetime, start: time, end: time
) -> None:
    policy = ReachPolicy(caps=(), quiet_hours=QuietHours(start, end))
    user = UserReach(id=CustomerId("u"))
    user.set_time_zone(zone)
    if user.skip_reason(ReachChannel.SMS, at, policy, ()) is not SkipReason.QUIET_HOURS:
        return
    due = user.quiet_until(at, policy)
    assert at < due <= at + timedelta(hours=25)  # a day, and a DST shift at most
    assert user.skip_reason(ReachChannel.SMS, due, policy, ()) is None
    assert due.astimezone(ZoneInfo(zone)).time() >= end  # at the end, or after a gap


steps = st.lists(
    st.tuples(st.sampled_from(["run d1", "run d2", "due"]), st.integers(0, 60 * 14)),
    min_size=1,
    max_size=10,
)


@settings(max_examples=30, deadline=None)
@given(steps, st.lists(st.sampled_from(ZONES), min_size=3, max_size=3))
def test_runs_and_due_runs_in_any_order_never_send_twice_nor_in_quiet_hours(
    sequence: list[tuple[str, int]], zones: list[str]
) -> None:
    world = make_world(check_views=False)
    app, clock = world.app, world.clock
    for n, zone in enumerate(zones):
        app.handle(reach.SetReachTimeZone(world.person(f"u{n}", n), zone))
    world.sms_campaign()
    for step, minutes in sequence:
        clock.advance(timedelta(minutes=minutes))
        if step == "due":
            app.handle(SendHeldMessages())
        else:
            app.handle(reach.RunReachCampaign("lapsed", step.split()[1]))
    keys = [d.touch_id for d in app.messenger.delivered]
    assert len(keys) == len(set(keys))
    policy = app.reach_policy
    for n in range(3):
        user = app.get(UserReach, f"u{n}")
        times = [app.get(reach.Touch, d.touch_id).sent_at for d in app.messenger.to(f"u{n}")]
        for sent_at in times:
            assert not policy.quiet_hours.contains(user.local(sent_at, policy).time())
            assert sum(1 for t in times if sent_at - timedelta(days=1) < t <= sent_at) <= 1
    for held in app.held_messages("lapsed"):
        if held.status is HeldStatus.SENT:  # (a rerun may reach a user still held too)
            assert held.id in keys
