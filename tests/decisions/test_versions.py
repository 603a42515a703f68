"""Laws of versions and decisions: a published version decides the same whatever drafts
and saved rules are edited after it; deciding is deterministic; scenarios and saved rules
round-trip through their serde and a SQLite store."""

from __future__ import annotations

import json
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from merx.app import MemoryApp
from merx.decisions import (
    Decider,
    Decision,
    HitPolicy,
    Output,
    PublishScenario,
    Reason,
    RuleRef,
    SaveRule,
    SaveScenarioDraft,
    Scenario,
    ScenarioDefinition,
    Strategy,
    parse_rule,
)
from merx.decisions import serde as decisions_serde
from merx.decisions.engine import CompiledVersion
from tests.decisions import world
from tests.decisions.strategies import world_rules

CONTEXTS = ({"channel": "app"}, {"channel": "mini_program"})


@st.composite
def definitions(draw: st.DrawFn) -> ScenarioDefinition:
    count = draw(st.integers(0, 4))
    strategies = tuple(
        Strategy(
            f"s{n}", draw(world_rules), Output(f"v{n}", materials=(f"m{n}",)),
            score=draw(st.integers(0, 3)), enabled=draw(st.booleans()),
        )
        for n in range(count)
    )  # fmt: skip
    return world.popup(strategies=strategies, hit_policy=draw(st.sampled_from(HitPolicy)))


def decisions_of(app: MemoryApp | Decider) -> list[Decision]:
    return [
        app.decide("homepage.popup", subject, context, caller="homepage")
        for subject in world.USERS
        for context in CONTEXTS
    ]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(definitions(), st.lists(definitions(), min_size=1, max_size=3), world_rules)
def test_a_published_version_decides_the_same_while_a_new_draft_is_edited(
    first: ScenarioDefinition, drafts: list[ScenarioDefinition], edited_rule: object
) -> None:
    app = world.app()
    app.handle(SaveRule("shared", parse_rule("orders_90d >= 1")))
    shared = Strategy("shared", RuleRef("shared"), Output("shared"))
    app.handle(
        SaveScenarioDraft(
            "homepage.popup",
            world.popup(strategies=(*first.strategies, shared), hit_policy=first.hit_policy),
        )
    )
    app.handle(PublishScenario("homepage.popup"))
    before = decisions_of(app)
    for draft in drafts:
        app.handle(SaveScenarioDraft("homepage.popup", draft))
        app.handle(SaveRule("shared", edited_rule))  # type: ignore[arg-type]
        assert decisions_of(app) == before
    fresh = Decider(  # another process compiles the stored version again: same answers
        app.new_unit_of_work, catalog=world.catalog(), values=world.values(), clock=app.clock
    )
    assert decisions_of(fresh) == before


@settings(max_examples=40, deadline=None)
@given(definitions(), st.sampled_from(sorted(world.USERS)), st.sampled_from(CONTEXTS))
def test_deciding_is_deterministic(
    definition: ScenarioDefinition, subject: str, context: dict[str, object]
) -> None:
    app = world.app()
    app.handle(SaveScenarioDraft("homepage.popup", definition))
    app.handle(PublishScenario("homepage.popup"))
    version = app.get(Scenario, "homepage.popup").published(1)
    first = app.decide("homepage.popup", subject, context, caller="homepage")
    again = app.decide("homepage.popup", subject, context, caller="homepage")
    compiled = CompiledVersion("homepage.popup", version)  # compiled anew
    tags = world.USERS[subject]
    assert first == again == compiled.decide(subject, tags, context)
    assert first.reason in (Reason.TARGETING_MATCH, Reason.DEFAULT)


@settings(max_examples=30, deadline=None)
@given(definitions())
def test_a_scenario_round_trips_through_its_serde_as_json_text(
    definition: ScenarioDefinition,
) -> None:
    app = world.app()
    app.handle(SaveScenarioDraft("homepage.popup", definition))
    app.handle(PublishScenario("homepage.popup"))
    split = Strategy(
        "split", parse_rule("region exists"), Output("a", value=True), score=2,
        experiment="popup-copy", variations={"b": Output("b", value="text", materials=("m",))},
    )  # fmt: skip
    draft = world.popup(default=Output("x", value=Decimal("1.50")), strategies=(split,))
    app.handle(SaveScenarioDraft("homepage.popup", draft))
    scenario = app.get(Scenario, "homepage.popup")
    text = json.dumps(decisions_serde.unstructure(scenario))
    assert decisions_serde.structure(json.loads(text), Scenario) == scenario
