"""The per-user daily cap is never exceeded, whatever the sequence of views and instants."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from merx.traffic import ImpressionLog
from tests.traffic import world
from tests.traffic.world import START

USERS = ("u-new-north", "u-loyal", "u-new-west")

views = st.lists(
    st.tuples(
        st.sampled_from(USERS),
        st.sampled_from(("popup", "home_banner")),
        st.integers(0, 4 * 24 * 60),  # minutes from the start, over four days
        st.booleans(),  # recorded, or a preview
    ),
    max_size=40,
)


@settings(max_examples=40, deadline=None)
@given(views=views, caps=st.tuples(st.integers(1, 3), st.integers(1, 2)))
def test_no_user_sees_a_placement_more_often_in_a_day_than_its_cap(
    views: list[tuple[str, str, int, bool]], caps: tuple[int, int]
) -> None:
    shop = world.app()
    world.place(shop, "popup-a")  # the position's cap: once a day
    world.place(shop, "banner-a", "home_banner", everyone=True, daily_cap=caps[0])
    world.place(shop, "banner-b", "home_banner", everyone=True, daily_cap=caps[1], priority=1)
    cap = {"popup-a": 1, "banner-a": caps[0], "banner-b": caps[1]}
    shown: Counter[tuple[str, str, object]] = Counter()
    for user, position, minutes, record in views:
        at = START + timedelta(minutes=minutes)
        view = shop.traffic_view(user, position, at, record=record)
        for item in view.shown:
            key = (user, item.placement_id, at.date())
            assert shown[key] < cap[item.placement_id]  # a recorded view never goes past
            if record:
                shown[key] += 1
    with shop.unit_of_work() as uow:
        logs = uow.repo(ImpressionLog)
        for (user, placement, day), count in shown.items():
            assert logs.get(f"{user}@{day}").counts[placement] == count <= cap[placement]
