"""Daily sign-in: once a day, streaks, make-ups at a cost in points, streak rewards."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from merx import play, points
from merx.app import MemoryApp
from merx.points import points_balance
from tests.play.world import ALICE, START, grants, make_app

TERMS = play.SignInTerms(
    streak_rewards=(
        play.StreakReward(3, play.Reward.points_of(30)),
        play.StreakReward(7, play.Reward.points_of(100)),
    ),
    make_up_cost_points=20,
    make_up_days=3,
)
DAY = timedelta(days=1)


def app_with_rules(terms: play.SignInTerms = TERMS) -> MemoryApp:
    app = make_app()
    app.handle(play.SetSignInRules(terms))
    return app


def balance(app: MemoryApp) -> int:
    with app.unit_of_work() as uow:
        return points_balance(uow, ALICE)


def test_one_sign_in_a_day_and_the_second_is_a_typed_error_changing_nothing() -> None:
    app = app_with_rules()
    assert app.handle(play.SignIn(ALICE)) == 1
    with pytest.raises(play.AlreadySignedIn) as raised:
        app.handle(play.SignIn(ALICE))
    assert raised.value.day == "2026-06-01"
    assert app.get(play.SignInCard, ALICE).days == {date(2026, 6, 1)}


def test_a_sign_in_sent_again_with_its_key_gets_the_first_answer() -> None:
    app = app_with_rules()
    assert app.handle(play.SignIn(ALICE), idempotency_key="k") == 1
    assert app.handle(play.SignIn(ALICE), idempotency_key="k") == 1


def test_the_day_is_the_rules_offset_day() -> None:
    app = app_with_rules()  # START is 10:00 at +08:00
    app.handle(play.SignIn(ALICE))
    app.clock.advance(timedelta(hours=14))  # 00:00 the next day at +08:00, 16:00 UTC
    assert app.handle(play.SignIn(ALICE)) == 2


def test_streak_rewards_at_day_three_and_seven_each_once() -> None:
    app = app_with_rules()
    streaks = []
    for _ in range(8):
        streaks.append(app.handle(play.SignIn(ALICE)))
        app.clock.advance(DAY)
    assert streaks == [1, 2, 3, 4, 5, 6, 7, 8]
    assert balance(app) == 130
    assert sorted(grants(app)) == [
        "sign-in:alice:2026-06-01:3",
        "sign-in:alice:2026-06-01:7",
    ]


def test_a_missed_day_breaks_the_streak_and_a_new_one_earns_again() -> None:
    app = app_with_rules()
    for offset in (0, 1, 2, 4, 5, 6):
        app.clock.set(START + offset * DAY)
        app.handle(play.SignIn(ALICE))
    assert balance(app) == 60  # day 3 of two streaks


def test_a_make_up_fills_a_missed_day_at_its_cost_and_joins_the_streak() -> None:
    app = app_with_rules()
    app.handle(points.EarnPoints(ALICE, 50, "welcome", "w1"))
    for offset in (0, 2):
        app.clock.set(START + offset * DAY)
        app.handle(play.SignIn(ALICE))
    assert balance(app) == 50
    assert app.handle(play.MakeUpSignIn(ALICE, date(2026, 6, 2))) == 3
    assert balance(app) == 50 - 20 + 30
    with pytest.raises(play.AlreadySignedIn):
        app.handle(play.MakeUpSignIn(ALICE, date(2026, 6, 2)))
    assert balance(app) == 60


def test_a_make_up_without_the_points_is_refused_and_changes_nothing() -> None:
    app = app_with_rules()
    app.clock.set(START + 2 * DAY)
    with pytest.raises(points.InsufficientPoints):
        app.handle(play.MakeUpSignIn(ALICE, date(2026, 6, 2)))
    app.handle(points.EarnPoints(ALICE, 10, "welcome", "w1"))
    with pytest.raises(points.InsufficientPoints):
        app.handle(play.MakeUpSignIn(ALICE, date(2026, 6, 2)))
    assert balance(app) == 10
    with app.unit_of_work() as uow:
        assert uow.repo(play.SignInCard).find(ALICE) is None


def test_a_make_up_reaches_only_past_days_within_the_rules() -> None:
    app = app_with_rules()
    app.handle(points.EarnPoints(ALICE, 500, "welcome", "w1"))
    app.clock.set(START + 10 * DAY)  # 11 June
    for day in (date(2026, 6, 11), date(2026, 6, 12), date(2026, 6, 7)):
        with pytest.raises(play.MakeUpNotAllowed):
            app.handle(play.MakeUpSignIn(ALICE, day))
    assert app.handle(play.MakeUpSignIn(ALICE, date(2026, 6, 8))) == 1


def test_a_free_make_up_needs_no_points() -> None:
    app = app_with_rules(play.SignInTerms(make_up_cost_points=0))
    app.clock.set(START + DAY)
    assert app.handle(play.MakeUpSignIn(ALICE, date(2026, 6, 1))) == 1


def test_sign_in_without_rules_is_closed() -> None:
    with pytest.raises(play.SignInClosed):
        make_app().handle(play.SignIn(ALICE))


def test_bad_rules_are_typed_errors() -> None:
    with pytest.raises(play.InvalidSignInRules):
        play.StreakReward(0, play.Reward.points_of(1))
    with pytest.raises(play.InvalidSignInRules):
        play.SignInTerms(make_up_cost_points=-1)
    with pytest.raises(play.InvalidSignInRules, match="two streak rewards"):
        play.SignInTerms(
            streak_rewards=(
                play.StreakReward(3, play.Reward.points_of(1)),
                play.StreakReward(3, play.Reward.points_of(2)),
            )
        )


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 20), min_size=1, max_size=15, unique=True))
def test_the_streak_is_the_run_of_consecutive_days_whatever_the_order(offsets: list[int]) -> None:
    card = play.SignInCard(customer_id=ALICE)
    terms = play.SignInTerms(make_up_days=100)
    last = max(offsets)
    for offset in offsets:
        card.make_up(terms, date(2026, 6, 1) + timedelta(days=offset), START + (last + 1) * DAY)
    days = {date(2026, 6, 1) + timedelta(days=o) for o in offsets}
    for day in days:
        run = 1
        while day - timedelta(days=run) in days:
            run += 1
        assert card.streak_on(day) == run


def test_a_make_up_joining_two_streaks_earns_no_threshold_twice() -> None:
    app = app_with_rules()
    app.handle(points.EarnPoints(ALICE, 50, "welcome", "w1"))
    for offset in (0, 1, 3, 4, 5):
        app.clock.set(START + offset * DAY)
        app.handle(play.SignIn(ALICE))
    assert balance(app) == 50 + 30  # days 4-6: the 3-day threshold
    assert app.handle(play.MakeUpSignIn(ALICE, date(2026, 6, 3))) == 6
    assert balance(app) == 80 - 20  # one run of six days: its 3 days were earned already
    app.clock.set(START + 6 * DAY)
    assert app.handle(play.SignIn(ALICE)) == 7
    assert balance(app) == 60 + 100  # the 7-day threshold, once


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 20), unique=True, max_size=16))
def test_a_streak_earns_each_threshold_it_reaches_and_never_one_a_part_of_it_earned(
    order: list[int],
) -> None:
    card = play.SignInCard(customer_id=ALICE)

    def within(keys: set[str], first: date, length: int) -> list[int]:
        last = first + (length - 1) * DAY
        parts = (key.rsplit(":", 2) for key in keys)
        return [int(t) for _, began, t in parts if first <= date.fromisoformat(began) <= last]

    for offset in order:  # any order: a day signed between two runs joins them
        before = set(card.earned)
        card.sign_in(TERMS, START + offset * DAY)
        first, length = card.streak((START + offset * DAY).date())
        new = within(card.earned - before, first, length)
        assert not set(new) & set(within(before, first, length))  # never twice in one run
        assert len(new) == len(set(new))
        reached = {r.days for r in TERMS.streak_rewards if r.days <= length}
        assert set(within(card.earned, first, length)) == reached  # each one it reaches
