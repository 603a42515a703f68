"""Laws: caps are never exceeded, whatever the sequence of sends; quiet hours hold in any
time zone; the same campaign and occasion never reach a user twice."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

from hypothesis import given, settings
from hypothesis import strategies as st

from merx import reach
from merx.kernel.ids import CustomerId
from merx.reach import Cap, QuietHours, ReachChannel, ReachPolicy, SkipReason, UserReach
from merx.reach.model import Send

from .conftest import make_world

ZONES = sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc"))
T0 = datetime(2026, 1, 1, tzinfo=UTC)
CHANNELS = (ReachChannel.SMS, ReachChannel.PUSH)
caps = st.lists(
    st.builds(
        Cap,
        st.sampled_from(CHANNELS),
        st.integers(1, 4),
        st.integers(1, 24 * 8).map(lambda h: timedelta(hours=h)),
    ),
    max_size=4,
)
attempts = st.lists(
    st.tuples(st.sampled_from(CHANNELS), st.integers(0, 60 * 30)), min_size=1, max_size=60
)


@given(caps, caps, attempts)
def test_no_cap_is_ever_exceeded(
    platform: list[Cap], own: list[Cap], tries: list[tuple[ReachChannel, int]]
) -> None:
    policy = ReachPolicy(caps=tuple(platform), quiet_hours=QuietHours(time(0), time(0)))
    user = UserReach(id=CustomerId("u"))
    at, kept = T0, []
    for n, (channel, minutes) in enumerate(tries):
        at += timedelta(minutes=minutes)
        if user.skip_reason(channel, at, policy, own) is None:
            send = Send(f"t{n}", channel, at)
            user.note(send, policy.kept_for)
            kept.append(send)
    for cap in (*platform, *own):
        for last in kept:
            window = [
                s
                for s in kept
                if s.channel is cap.channel and last.at - cap.window < s.at <= last.at
            ]
            assert len(window) <= cap.limit


@given(
    st.sampled_from(ZONES),
    st.integers(0, 366 * 24 * 60).map(lambda m: T0 + timedelta(minutes=m)),
    st.times(),
    st.times(),
)
def test_quiet_hours_hold_in_any_time_zone(zone: str, at: datetime, start: time, end: time) -> None:
    quiet = QuietHours(start.replace(microsecond=0), end.replace(microsecond=0))
    policy = ReachPolicy(caps=(), quiet_hours=quiet)
    user = UserReach(id=CustomerId("u"))
    user.set_time_zone(zone)
    local = at.astimezone(ZoneInfo(zone)).time()
    day = 24 * 3600
    since_start = (seconds(local) - seconds(quiet.start)) % day
    quiet_now = since_start < (seconds(quiet.end) - seconds(quiet.start)) % day
    reason = user.skip_reason(ReachChannel.SMS, at, policy, ())
    assert (reason is SkipReason.QUIET_HOURS) == quiet_now


def seconds(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


runs = st.lists(
    st.tuples(st.sampled_from(["d1", "d2", "d3"]), st.integers(0, 60 * 48)), min_size=1, max_size=8
)


@settings(max_examples=25)
@given(runs)
def test_runs_in_any_order_reach_a_user_once_per_occasion_within_the_caps(
    sequence: list[tuple[str, int]],
) -> None:
    world = make_world(check_views=False)
    app, clock = world.app, world.clock
    for n in range(3):
        world.person(f"u{n}", n)
    world.sms_campaign()
    for occasion, minutes in sequence:
        clock.advance(timedelta(minutes=minutes))
        app.handle(reach.RunReachCampaign("lapsed", occasion))
    keys = [d.touch_id for d in app.messenger.delivered]
    assert len(keys) == len(set(keys))
    policy = app.reach_policy
    for user in ("u0", "u1", "u2"):
        times = [app.get(reach.Touch, d.touch_id).sent_at for d in app.messenger.to(user)]
        for last in times:
            for cap in policy.caps:
                if cap.channel is ReachChannel.SMS:
                    assert sum(1 for t in times if last - cap.window < t <= last) <= cap.limit
