"""A segment run goes in chunks, each its own unit of work, with its cursor in a
ReachRun: a run stopped midway resumes after its last chunk without sending twice, and
the chunking changes nothing of what is sent."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from merx import reach
from merx.app import MemoryApp
from merx.errors import ValidationError
from merx.reach import OutgoingMessage, ReachRun, RunStatus, SkipReason

from .conftest import NOON_ISH, World, make_world

USERS = 7


def world_of(users: int = USERS) -> World:
    world = make_world(check_views=False)
    for n in range(users):  # every third has no consent, every fourth is not lapsed
        world.person(f"u{n}", n, sms=n % 3 != 0, days=10 if n % 4 == 0 else 100)
    world.sms_campaign()
    return world


class Crash(Exception):
    """The process dies (not a MerxError: nothing catches it)."""


def crash_after(app: MemoryApp, deliveries: int) -> Callable[[], None]:
    """The process crashes just after the messenger's ``deliveries + 1``-th delivery (the
    provider took the message, the chunk did not commit); the function returned mends it."""
    messenger = app.messenger
    real = messenger.deliver
    count = Counter[str]()

    def deliver(message: OutgoingMessage) -> str:
        count["n"] += 1
        message_id = real(message)
        if count["n"] > deliveries:
            raise Crash(message.touch_id)
        return message_id

    messenger.deliver = deliver  # type: ignore[method-assign]
    return lambda: setattr(messenger, "deliver", real)


def test_a_run_in_chunks_keeps_its_cursor_and_counts() -> None:
    world = world_of()
    summary = world.app.handle(reach.RunReachCampaign("lapsed", "d1", chunk_size=3))
    assert (summary.considered, summary.sent) == (USERS, 3)
    assert summary.skipped == {SkipReason.NO_CONSENT: 2, SkipReason.NOT_IN_SEGMENT: 2}
    run = world.app.get(ReachRun, "lapsed/d1")
    assert (run.status, run.cursor, run.passes) == (RunStatus.FINISHED, f"u{USERS - 1}", 1)
    assert run.summary() == summary
    campaign = world.app.get(reach.ReachCampaign, "lapsed")
    assert (campaign.sent, campaign.skipped) == (3, summary.skipped)


def test_a_run_stopped_midway_resumes_after_its_last_chunk_without_sending_twice() -> None:
    world = world_of()
    mend = crash_after(world.app, 2)  # u1, u2 sent in the first chunk; u5 crashes chunk 2
    with pytest.raises(Crash):
        world.app.handle(reach.RunReachCampaign("lapsed", "d1", chunk_size=3))
    run = world.app.get(ReachRun, "lapsed/d1")
    assert (run.status, run.cursor, run.considered, run.sent) == (RunStatus.RUNNING, "u2", 3, 2)
    assert [d.customer_id for d in world.app.messenger.delivered] == ["u1", "u2", "u5"]
    with world.app.unit_of_work() as uow:  # its chunk did not commit
        assert uow.repo(reach.Touch).peek("lapsed/d1/u5") is None
    mend()
    summary = world.app.handle(reach.RunReachCampaign("lapsed", "d1", chunk_size=3))
    assert (summary.considered, summary.sent) == (USERS, 3)  # counted once per user
    assert [d.customer_id for d in world.app.messenger.delivered] == ["u1", "u2", "u5"]
    assert world.app.get(reach.Touch, "lapsed/d1/u5").message_id == "rm-000003"  # the first


def test_a_finished_run_sent_again_makes_a_new_pass_that_dedupes() -> None:
    world = world_of()
    world.app.handle(reach.RunReachCampaign("lapsed", "d1"))
    world.person("u0", 0, sms=True, days=100)  # consented and lapsed now
    again = world.app.handle(reach.RunReachCampaign("lapsed", "d1", chunk_size=2))
    assert again.sent == 1
    assert again.skipped[SkipReason.DEDUPED] == 3
    assert world.app.get(ReachRun, "lapsed/d1").passes == 2


@pytest.mark.parametrize("size", [0, -1, True, 1.5])
def test_a_chunk_size_is_a_whole_number_of_at_least_one(size: object) -> None:
    world = world_of(1)
    with pytest.raises(ValidationError, match="chunk size"):
        world.app.handle(reach.RunReachCampaign("lapsed", "d1", chunk_size=size))  # type: ignore[arg-type]
    assert world.app.messenger.delivered == []


def test_a_run_over_nobody_finishes() -> None:
    world = world_of(0)
    summary = world.app.handle(reach.RunReachCampaign("lapsed", "d1"))
    assert (summary.considered, summary.sent) == (0, 0)
    assert world.app.get(ReachRun, "lapsed/d1").status is RunStatus.FINISHED


@settings(max_examples=20, deadline=None)
@given(st.integers(1, USERS + 1), st.integers(0, 3), st.integers(1, USERS + 1))
def test_any_chunking_and_any_crash_send_what_one_run_sends_once_each(
    size: int, crash_at: int, resume_size: int
) -> None:
    expected = world_of()
    whole = expected.app.handle(reach.RunReachCampaign("lapsed", "d1", chunk_size=USERS))
    world = world_of()
    mend = crash_after(world.app, crash_at)
    try:
        summary = world.app.handle(reach.RunReachCampaign("lapsed", "d1", chunk_size=size))
    except Crash:
        mend()
        summary = world.app.handle(reach.RunReachCampaign("lapsed", "d1", chunk_size=resume_size))
    assert summary == whole
    keys = [d.touch_id for d in world.app.messenger.delivered]
    assert keys == [d.touch_id for d in expected.app.messenger.delivered]
    for key in keys:
        assert world.app.get(reach.Touch, key).customer_id == key.rsplit("/", 1)[1]
    assert world.app.get(reach.ReachCampaign, "lapsed").sent == whole.sent


def test_days_tag_for_the_world_is_a_number() -> None:  # the world's own sanity
    world = world_of(4)
    assert world.tags.values_of("u1", NOON_ISH) == {"days_since_last_order": Decimal(100)}
