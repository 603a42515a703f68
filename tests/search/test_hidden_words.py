"""Hidden words: the placeholder in the search box, chosen per shopper through the
strategy scenario ``search.hidden_word`` (merx.decisions), turning hourly, with why; the
host's fallback when the scenario cannot decide."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from merx.adapters.memory import MemoryTagCatalog
from merx.app import MemoryApp, build_memory_app
from merx.decisions import (
    Access,
    Decision,
    Output,
    Permission,
    PublishScenario,
    Reason,
    SaveScenarioDraft,
    ScenarioDefinition,
    Strategy,
    SwitchScenario,
    ValueType,
    parse_rule,
)
from merx.kernel.errors import MerxError
from merx.search import HIDDEN_WORD_SCENARIO, hidden_word
from tests.decisions.world import TagValuesThatFail

NOON = datetime(2026, 6, 1, 12, tzinfo=UTC)
NEWCOMER_WORDS = ("新人专享", "手机", "咖啡豆")


def app_with(scenario: bool = True) -> tuple[MemoryApp, TagValuesThatFail]:
    catalog = MemoryTagCatalog()
    catalog.define("new_user", ValueType.BOOL)
    values = TagValuesThatFail()
    values.set("mei", {"new_user": True})
    values.set("lei", {"new_user": False})
    app = build_memory_app(tag_catalog=catalog, tag_values=values)
    if scenario:
        definition = ScenarioDefinition(
            inputs=(),
            callers=(Permission("search", {Access.API}),),
            strategies=(
                Strategy(
                    "newcomers",
                    parse_rule("new_user = true"),
                    Output("newcomer", materials=NEWCOMER_WORDS),
                ),
            ),
            default=Output("everyone", materials=("running shoes",)),
        )
        app.handle(SaveScenarioDraft(HIDDEN_WORD_SCENARIO, definition))
        app.handle(PublishScenario(HIDDEN_WORD_SCENARIO))
    return app, values


def test_the_strategy_picks_each_shoppers_words_and_says_why() -> None:
    app, _ = app_with()
    mei = app.hidden_word("mei", NOON)
    assert mei.word in NEWCOMER_WORDS
    assert mei.words == NEWCOMER_WORDS
    assert (mei.strategy, mei.variant, mei.reason) == ("newcomers", "newcomer", "TARGETING_MATCH")
    assert "newcomers" in mei.explanation
    assert HIDDEN_WORD_SCENARIO in mei.explanation
    lei = app.hidden_word("lei", NOON)
    assert (lei.word, lei.reason, lei.strategy) == ("running shoes", "DEFAULT", None)
    assert "the default" in lei.explanation


def test_the_word_turns_each_hour_through_every_candidate() -> None:
    app, _ = app_with()
    seen = [app.hidden_word("mei", NOON + timedelta(hours=h)).word for h in range(6)]
    assert seen[:3] != [seen[0]] * 3
    assert set(seen) == set(NEWCOMER_WORDS)
    assert seen[:3] == seen[3:]  # a cycle of three hours
    same_hour = app.hidden_word("mei", NOON + timedelta(minutes=59)).word
    assert same_hour == seen[0]


@pytest.mark.parametrize("broken", ["no scenario", "switched off", "tag service down"])
def test_a_scenario_that_cannot_decide_shows_the_fallback_and_says_so(broken: str) -> None:
    app, values = app_with(scenario=broken != "no scenario")
    if broken == "switched off":
        app.handle(SwitchScenario(HIDDEN_WORD_SCENARIO, False))
        # switched off: the default's words, the reason said
        off = app.hidden_word("mei", NOON, fallback="手机")
        assert (off.word, off.reason) == ("running shoes", "DISABLED")
        return
    if broken == "tag service down":
        values.down = True
    shown = app.hidden_word("mei", NOON, fallback="手机")
    assert shown.word == "手机"
    assert "fallback" in shown.explanation
    assert shown.reason == ("UNAVAILABLE" if broken == "no scenario" else "ERROR")
    assert app.hidden_word("mei", NOON).word is None  # no fallback: the box stays empty


def test_a_naive_instant_is_refused() -> None:
    app, _ = app_with()
    with pytest.raises(MerxError):
        app.hidden_word("mei", datetime(2026, 6, 1, 12))


def decision(materials: tuple[str, ...]) -> Decision:
    return Decision(HIDDEN_WORD_SCENARIO, 1, "x", Reason.TARGETING_MATCH, "v", None, materials, "s")


@settings(max_examples=100, deadline=None)
@given(
    st.text(min_size=1, max_size=8),
    st.lists(st.sampled_from(["a", "b", "c", " ", "手机"]), max_size=5),
    st.integers(min_value=0, max_value=24 * 400),
)
def test_the_word_is_one_of_the_decisions_words_or_the_fallback(
    customer: str, materials: list[str], hours: int
) -> None:
    at = NOON + timedelta(hours=hours)
    shown = hidden_word(customer, at, lambda *_: decision(tuple(materials)), fallback="fb")
    words = [m for m in dict.fromkeys(materials) if m.strip()]
    if words:
        assert shown.word in words
        following = hidden_word(
            customer, at + timedelta(hours=1), lambda *_: decision(tuple(materials))
        )
        assert following.word == words[(words.index(shown.word) + 1) % len(words)]
    else:
        assert shown.word == "fb"
