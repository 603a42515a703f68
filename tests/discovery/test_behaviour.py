"""Behaviour events: kept bounded, nothing personal, once per event id, feeding hot and
related words."""

from __future__ import annotations

import json
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from merx import behaviour
from merx.adapters.memory import FixedClock
from merx.app import build_memory_app
from merx.app.documents import documents
from merx.behaviour import BehaviourKind, CustomerTrail, TrackBehaviour
from merx.kernel.ids import CustomerId
from merx.kernel.vault import PersonalKind

ANN = CustomerId("ann")


def view(n: int, sku: str, who: CustomerId | None = ANN) -> TrackBehaviour:
    return TrackBehaviour(f"e{n}", BehaviourKind.VIEW, "s1", who, sku_id=sku)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from([f"sku-{i}" for i in range(80)]), max_size=120))
def test_recently_viewed_is_the_last_distinct_views_most_recent_first_capped(
    skus: list[str],
) -> None:
    app = build_memory_app()
    for n, sku in enumerate(skus):
        app.track(view(n, sku))
    expected = list(dict.fromkeys(reversed(skus)))[: behaviour.RECENT_VIEWS]
    with app.unit_of_work() as uow:
        assert behaviour.recently_viewed(uow, ANN) == expected


def test_a_resent_event_is_kept_once_for_a_customer_and_a_visitor() -> None:
    app = build_memory_app()
    assert app.track(view(1, "a"))
    assert app.handle(view(1, "a")) is False  # the trail knows the event id
    app.track(view(2, "b", who=None))
    app.track(view(2, "b", who=None))  # a visitor: the bus's idempotency key
    with app.unit_of_work() as uow:
        assert behaviour.day_counts(uow, app.clock.now().date()) == {"view": 2}


def test_no_device_id_and_no_number_typed_in_a_search_is_kept_or_published() -> None:
    app = build_memory_app()
    app.track(
        TrackBehaviour(
            "e1", BehaviourKind.SEARCH, "s1", ANN, text="call 13800001234 tea",
            device_id="IMEI-867530912345678",
        )
    )  # fmt: skip
    published = [e for e in app.events.events if isinstance(e, behaviour.BehaviourTracked)]
    assert published[0].behaviour.text == "call # tea"
    device = published[0].behaviour.device
    assert device == app.vault.digest(PersonalKind.DEVICE, "IMEI-867530912345678")
    with app.unit_of_work() as uow:
        trail = uow.repo(CustomerTrail).get(ANN)
        day = uow.repo(behaviour.BehaviourDay).get(app.clock.now().date().isoformat())
    stored = json.dumps([documents().write(trail), documents().write(day)], default=str)
    stored += repr(published)
    assert "13800001234" not in stored
    assert "867530912345678" not in stored


def test_searches_tracked_feed_hot_and_related_words_over_a_day() -> None:
    app = build_memory_app()
    clock = app.clock
    assert isinstance(clock, FixedClock)
    said = [("s1", "green tea"), ("s1", "tea cup"), ("s2", "green tea"), ("s3", "green tea")]
    said += [("s2", "tea cup"), ("s3", "kettle"), ("s3", "blocked word")]
    for n, (session, text) in enumerate(said):
        app.track(TrackBehaviour(f"q{n}", BehaviourKind.SEARCH, session, text=text))
        clock.advance(timedelta(minutes=5))
    assert app.hot_words(blocked=("blocked",)) == [("green tea", 3), ("tea cup", 2), ("kettle", 1)]
    assert app.related_words("green tea") == [("tea cup", 2), ("blocked word", 1), ("kettle", 1)]
    clock.advance(timedelta(days=1))
    assert app.hot_words() == []  # the window moved past the day
