"""Reaching a segment: consent, address, quiet hours, caps, dedupe, each skip's reason."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from merx import people, reach
from merx.kernel.ids import CustomerId
from merx.reach import SkipReason

from .conftest import World, phone


def test_a_segment_run_reaches_the_lapsed_who_consented_and_says_why_not_the_others(
    world: World,
) -> None:
    amy = world.person("amy", 1)
    world.person("bob", 2, sms=False)
    world.person("cat", 3, days=10)
    world.person("dan", 4, days=None)
    world.sms_campaign()
    run = world.app.handle(reach.RunReachCampaign("lapsed", "2026-03-02"))
    assert (run.considered, run.sent) == (4, 1)
    assert run.skipped == {SkipReason.NO_CONSENT: 1, SkipReason.NOT_IN_SEGMENT: 2}
    [sms] = world.app.messenger.delivered
    assert sms.customer_id == amy
    assert sms.recipient == phone(1)
    assert sms.body == "A**, 50% off until 2026-03-09: https://m.example/c/half"
    touch = world.app.get(reach.Touch, "lapsed/2026-03-02/amy")
    assert (touch.customer_id, touch.channel, touch.variation) == (
        amy,
        reach.ReachChannel.SMS,
        None,
    )


def test_the_same_occasion_never_reaches_a_user_twice(world: World) -> None:
    world.person("amy", 1)
    world.sms_campaign()
    world.app.handle(reach.RunReachCampaign("lapsed", "2026-03-02"))
    world.clock.advance(timedelta(days=2))
    again = world.app.handle(reach.RunReachCampaign("lapsed", "2026-03-02"))
    assert again.skipped == {SkipReason.DEDUPED: 1}
    assert len(world.app.messenger.delivered) == 1


def test_the_platform_cap_holds_across_campaigns_and_occasions(world: World) -> None:
    world.person("amy", 1)
    world.sms_campaign()
    assert world.app.handle(reach.RunReachCampaign("lapsed", "d1")).sent == 1
    world.clock.advance(timedelta(hours=3))
    assert world.app.handle(reach.RunReachCampaign("lapsed", "d2")).skipped == {
        SkipReason.CAPPED: 1
    }
    for day in range(3, 7):  # 1 a day, 3 a week
        world.clock.advance(timedelta(days=1))
        world.app.handle(reach.RunReachCampaign("lapsed", f"d{day}"))
    assert len(world.app.messenger.delivered) == 3


def test_quiet_hours_in_the_users_zone_hold_the_message_and_a_later_run_reaches_them(
    world: World,
) -> None:
    world.person("amy", 1)
    world.person("ben", 2)
    world.app.handle(reach.SetReachTimeZone(CustomerId("ben"), "America/New_York"))
    world.sms_campaign()
    run = world.app.handle(reach.RunReachCampaign("lapsed", "d1"))  # 21:00 in New York
    assert (run.sent, run.skipped) == (1, {SkipReason.QUIET_HOURS: 1})
    world.clock.advance(timedelta(hours=13))  # 10:00 in New York, 23:00 in Shanghai
    run = world.app.handle(reach.RunReachCampaign("lapsed", "d1"))
    assert (run.sent, run.skipped) == (1, {SkipReason.DEDUPED: 1})


def test_withdrawn_consent_is_honoured(world: World) -> None:
    amy = world.person("amy", 1)
    world.app.handle(people.WithdrawConsent(amy, people.Channel.SMS, "sms/reply-TD"))
    world.sms_campaign()
    assert world.app.handle(reach.RunReachCampaign("lapsed", "d1")).skipped == {
        SkipReason.NO_CONSENT: 1
    }


def test_a_campaigns_own_cap_holds_inside_the_platforms(world: World) -> None:
    world.person("amy", 1)
    weekly = reach.Cap(reach.ReachChannel.SMS, 1, timedelta(days=7))
    world.sms_campaign(caps=(weekly,))
    assert world.app.handle(reach.RunReachCampaign("lapsed", "d1")).sent == 1
    world.clock.advance(timedelta(days=2))  # the platform's 1 a day would allow it
    assert world.app.handle(reach.RunReachCampaign("lapsed", "d3")).skipped == {
        SkipReason.CAPPED: 1
    }


def test_an_sms_needs_a_registered_phone(world: World) -> None:
    world.app.handle(people.GrantConsent(CustomerId("amy"), people.Channel.SMS, "app"))
    world.tags.set("amy", {"days_since_last_order": Decimal(120)})
    world.sms_campaign()
    assert world.app.handle(reach.RunReachCampaign("lapsed", "d1")).skipped == {
        SkipReason.NO_ADDRESS: 1
    }


def test_forgotten_personal_data_leaves_no_address(world: World) -> None:
    amy = world.person("amy", 1)
    world.app.handle(people.ForgetPersonalData(amy))
    world.sms_campaign()
    assert world.app.handle(reach.RunReachCampaign("lapsed", "d1")).skipped == {
        SkipReason.NO_ADDRESS: 1
    }
