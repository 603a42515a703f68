"""Store following and a merchant's reach scope; the in-app inbox; event campaigns."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import pytest

from merx import people, reach
from merx.kernel.errors import IllegalTransition, ValidationError
from merx.kernel.ids import CustomerId, MerchantId
from merx.reach import ReachChannel, SkipReason, Trigger, TriggerKind

from .conftest import World, buy, stock_shop

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
import journey_merchant

MEI = MerchantId("mer-mei")


def merchant_campaign(
    world: World, kind: TriggerKind = TriggerKind.ONCE, owner: MerchantId = MEI
) -> None:
    world.app.handle(
        reach.SaveTemplate("t-mei", ReachChannel.PUSH, "{customer_name}, new in at Mei's", {})
    )
    trigger = Trigger(kind, event="restock" if kind is TriggerKind.EVENT else None)
    world.app.handle(
        reach.DefineReachCampaign("mei-new", ReachChannel.PUSH, "t-mei", trigger, owner=owner)
    )
    world.app.handle(reach.ActivateReachCampaign("mei-new"))


def push(world: World, name: str, n: int) -> CustomerId:
    cid = world.person(name, n, sms=False)
    world.app.handle(people.GrantConsent(cid, people.Channel.PUSH, "app/settings"))
    return cid


def test_following_is_idempotent(world: World) -> None:
    amy = CustomerId("amy")
    assert world.app.handle(reach.FollowStore(amy, MEI))
    assert not world.app.handle(reach.FollowStore(amy, MEI))
    assert world.app.handle(reach.UnfollowStore(amy, MEI))
    assert not world.app.handle(reach.UnfollowStore(amy, MEI))
    with pytest.raises(ValidationError):
        world.app.handle(reach.FollowStore(amy, MerchantId("platform")))


def test_a_merchant_reaches_its_followers_and_buyers_only(world: World) -> None:
    mei = journey_merchant.onboard(world.app, lambda line: None)
    stock_shop(world.app, seller=mei)
    amy, bob, cat = push(world, "amy", 1), push(world, "bob", 2), push(world, "cat", 3)
    world.app.handle(reach.FollowStore(amy, mei))
    buy(world.app, "bob")
    merchant_campaign(world, owner=mei)
    run = world.app.handle(reach.RunReachCampaign("mei-new"))
    assert (run.considered, run.sent) == (2, 2)
    assert {d.customer_id for d in world.app.messenger.delivered} == {amy, bob}
    assert cat not in {d.customer_id for d in world.app.messenger.delivered}


def test_a_merchants_event_send_to_a_stranger_is_refused(world: World) -> None:
    push(world, "cat", 3)
    merchant_campaign(world, TriggerKind.EVENT)
    with pytest.raises(reach.OutOfReachScope):
        world.app.handle(reach.ReachCustomer("mei-new", CustomerId("cat"), "r1"))
    assert world.app.messenger.delivered == []


def test_the_inbox_needs_no_consent_and_holds_the_rendered_message(world: World) -> None:
    world.person("amy", 1, sms=False)
    world.app.handle(
        reach.SaveTemplate(
            "t-in", ReachChannel.INBOX, "{customer_name}, your coupon expires {until}",
            {"until": reach.VarType.DATE},
        )
    )  # fmt: skip
    world.app.handle(
        reach.DefineReachCampaign(
            "expiring",
            ReachChannel.INBOX,
            "t-in",
            Trigger(TriggerKind.EVENT, event="coupon_expiring"),
        )
    )
    world.app.handle(reach.ActivateReachCampaign("expiring"))
    amy = CustomerId("amy")
    outcome = world.app.handle(
        reach.ReachCustomer("expiring", amy, "coupon-7", {"until": "2026-03-05"})
    )
    assert outcome.touch_id == "expiring/coupon-7/amy"
    [message] = reach.inbox_of(world.app.unit_of_work(), amy)
    assert message.body == "A**, your coupon expires 2026-03-05"
    again = world.app.handle(
        reach.ReachCustomer("expiring", amy, "coupon-7", {"until": "2026-03-05"})
    )
    assert again.skipped is SkipReason.DEDUPED
    assert world.app.messenger.delivered == []
    touch = world.app.get(reach.Touch, "expiring/coupon-7/amy")
    assert touch.status is reach.TouchStatus.DELIVERED
    world.clock.advance(timedelta(hours=12))  # 22:00 in Shanghai: no quiet hours in the app
    later = world.app.handle(
        reach.ReachCustomer("expiring", amy, "coupon-8", {"until": "2026-03-06"})
    )
    assert later.skipped is None


def test_an_unavailable_provider_skips_and_a_rerun_retries(world: World) -> None:
    world.person("amy", 1)
    world.sms_campaign()
    world.app.messenger.fail_next()
    run = world.app.handle(reach.RunReachCampaign("lapsed", "d1"))
    assert run.skipped == {SkipReason.CHANNEL_UNAVAILABLE: 1}
    assert world.app.handle(reach.RunReachCampaign("lapsed", "d1")).sent == 1


def test_a_paused_campaign_sends_nothing(world: World) -> None:
    world.person("amy", 1)
    world.sms_campaign()
    world.app.handle(reach.PauseReachCampaign("lapsed"))
    with pytest.raises(IllegalTransition, match="cannot 'send' in state 'paused'"):
        world.app.handle(reach.RunReachCampaign("lapsed", "d1"))


def test_a_merchant_sends_within_the_platforms_caps(world: World) -> None:
    mei = journey_merchant.onboard(world.app, lambda line: None)
    bob = world.person("bob", 2)
    world.app.handle(reach.FollowStore(bob, mei))
    world.sms_campaign()  # the platform's
    assert world.app.handle(reach.RunReachCampaign("lapsed", "d1")).sent == 1
    world.sms_campaign("mei-sms", owner=mei, trigger=Trigger(TriggerKind.ONCE))
    assert world.app.handle(reach.RunReachCampaign("mei-sms")).skipped == {
        SkipReason.CAPPED: 1  # 1 SMS a day, whoever sends it
    }
