"""Scenarios through the app: draft, publish, decide, roll back, switch; every reason."""

from __future__ import annotations

from decimal import Decimal

import pytest

from merx.app import MemoryApp, build_memory_app
from merx.decisions import (
    Access,
    CallerNotPermitted,
    DecisionMade,
    DecisionRecording,
    HitPolicy,
    InputField,
    InputTypeMismatch,
    MissingInput,
    NotPublished,
    OfflineTag,
    Output,
    Permission,
    PublishScenario,
    Reason,
    RollBackScenario,
    RuleRef,
    SaveRule,
    SaveScenarioDraft,
    Scenario,
    ScenarioDefinition,
    ScenarioInvalid,
    Strategy,
    SwitchScenario,
    UnknownInput,
    UnknownScenario,
    UnknownTag,
    ValueType,
    parse_rule,
)
from merx.errors import ValidationError
from tests.decisions import world

APP_CONTEXT = {"channel": "app"}


def published(definition: ScenarioDefinition | None = None) -> MemoryApp:
    app = world.app()
    app.handle(SaveScenarioDraft("homepage.popup", definition or world.popup()))
    assert app.handle(PublishScenario("homepage.popup")) == 1
    return app


def test_the_homepage_popup_shows_new_users_the_half_price_offer() -> None:
    app = published()
    decision = app.decide("homepage.popup", "u-new-north", APP_CONTEXT, caller="homepage")
    assert decision.reason is Reason.TARGETING_MATCH
    assert decision.variant == "new_user_half_price"
    assert decision.materials == ("banner-50off", "entry-newcomer")
    assert (decision.strategy, decision.version) == ("new_users", 1)


def test_a_subject_no_strategy_matches_gets_the_default() -> None:
    app = published()
    decision = app.decide("homepage.popup", "u-new-west", APP_CONTEXT, caller="homepage")
    assert (decision.reason, decision.variant, decision.strategy) == (Reason.DEFAULT, "none", None)
    unknown = app.decide("homepage.popup", "nobody", APP_CONTEXT, caller="homepage")
    assert unknown.reason is Reason.DEFAULT


def test_first_match_takes_the_first_strategy_in_priority_order() -> None:
    everyone = Strategy("everyone", parse_rule("region exists"), Output("everyone"))
    app = published(world.popup(strategies=(everyone, *world.popup().strategies)))
    decision = app.decide("homepage.popup", "u-new-north", APP_CONTEXT, caller="homepage")
    assert decision.strategy == "everyone"


def test_all_matches_lists_every_matching_strategy_in_order() -> None:
    everyone = Strategy("everyone", parse_rule("region exists"), Output("everyone"))
    definition = world.popup(
        strategies=(*world.popup().strategies, everyone), hit_policy=HitPolicy.ALL_MATCHES
    )
    app = published(definition)
    decision = app.decide("homepage.popup", "u-new-north", APP_CONTEXT, caller="homepage")
    assert decision.strategy == "new_users"
    assert [name for name, _ in decision.matches] == ["new_users", "everyone"]
    assert decision.matches[1][1] == Output("everyone")


def test_highest_score_takes_the_best_scored_match_ties_to_the_earlier() -> None:
    strategies = (
        Strategy("low", parse_rule("region exists"), Output("low"), score=1),
        Strategy("high", parse_rule("region exists"), Output("high"), score=5),
        Strategy("tied", parse_rule("region exists"), Output("tied"), score=5),
    )
    app = published(world.popup(strategies=strategies, hit_policy=HitPolicy.HIGHEST_SCORE))
    decision = app.decide("homepage.popup", "u-loyal", APP_CONTEXT, caller="homepage")
    assert decision.strategy == "high"


def test_a_decision_names_the_saved_rules_that_held() -> None:
    app = world.app()
    app.handle(SaveRule("newcomer", parse_rule("new_user = true")))
    app.handle(SaveRule("north_or_east", parse_rule('region in ["north", "east"]')))
    rule = parse_rule("@newcomer and @north_or_east")
    app.handle(
        SaveScenarioDraft(
            "homepage.popup", world.popup(strategies=(Strategy("s", rule, world.NEW_USER),))
        )
    )
    app.handle(PublishScenario("homepage.popup"))
    decision = app.decide("homepage.popup", "u-new-north", APP_CONTEXT, caller="homepage")
    assert decision.rules == ("newcomer", "north_or_east")


def test_context_fields_take_part_in_rules() -> None:
    rule = parse_rule('new_user = true and context.channel = "mini_program"')
    app = published(world.popup(strategies=(Strategy("mini", rule, world.NEW_USER),)))
    assert (
        app.decide("homepage.popup", "u-new-north", APP_CONTEXT, caller="homepage").reason
        is Reason.DEFAULT
    )
    mini = app.decide(
        "homepage.popup", "u-new-north", {"channel": "mini_program"}, caller="homepage"
    )
    assert mini.reason is Reason.TARGETING_MATCH


def test_a_switched_off_scenario_answers_its_default_as_disabled() -> None:
    app = published()
    app.handle(SwitchScenario("homepage.popup", enabled=False))
    decision = app.decide("homepage.popup", "u-new-north", APP_CONTEXT, caller="homepage")
    assert (decision.reason, decision.variant) == (Reason.DISABLED, "none")
    app.handle(SwitchScenario("homepage.popup", enabled=True))
    assert (
        app.decide("homepage.popup", "u-new-north", APP_CONTEXT, caller="homepage").reason
        is Reason.TARGETING_MATCH
    )


def test_a_tag_value_of_the_wrong_type_is_an_error_decision_with_the_default() -> None:
    app = published()
    app.decider.values.set("u-odd", {"orders_90d": "many"})  # type: ignore[attr-defined]
    decision = app.decide("homepage.popup", "u-odd", APP_CONTEXT, caller="homepage")
    assert (decision.reason, decision.variant) == (Reason.ERROR, "none")
    assert decision.error is not None
    assert "TypeError" in decision.error


class Halves:
    def assign(self, experiment_key: str, subject_id: str) -> str | None:
        return {"u-new-north": "treatment", "u-loyal": None}.get(subject_id, "control")


def experimenting(variations: dict[str, Output]) -> MemoryApp:
    """An app whose popup has one strategy, for everyone, running the experiment
    ``popup-copy`` with ``variations``; :class:`Halves` assigns the subjects."""
    app = build_memory_app(
        tag_catalog=world.catalog(), tag_values=world.values(), assigner=Halves()
    )
    strategy = Strategy(
        "new_users",
        parse_rule("region exists"),
        world.NEW_USER,
        experiment="popup-copy",
        variations=variations,
    )
    app.handle(SaveScenarioDraft("homepage.popup", world.popup(strategies=(strategy,))))
    app.handle(PublishScenario("homepage.popup"))
    return app


def test_a_strategy_with_an_experiment_splits_its_subjects() -> None:
    app = experimenting({"control": world.NEW_USER, "treatment": Output("new_user_countdown")})
    split = app.decide("homepage.popup", "u-new-north", APP_CONTEXT, caller="homepage")
    assert (split.reason, split.variant, split.variation) == (
        Reason.SPLIT,
        "new_user_countdown",
        "treatment",
    )
    assert split.experiment == "popup-copy"
    outside = app.decide("homepage.popup", "u-loyal", APP_CONTEXT, caller="homepage")
    assert (outside.reason, outside.variant, outside.variation) == (
        Reason.TARGETING_MATCH,
        "new_user_half_price",
        None,
    )


def test_an_experiment_naming_an_unknown_variation_is_an_error_decision() -> None:
    app = experimenting({"treatment": Output("t")})
    decision = app.decide("homepage.popup", "u-new-west", APP_CONTEXT, caller="homepage")
    assert (decision.reason, decision.variant) == (Reason.ERROR, "none")
    assert decision.error is not None
    assert "'control'" in decision.error


def test_publishing_again_makes_a_new_version_and_roll_back_returns_to_an_old_one() -> None:
    app = published()
    app.handle(SaveScenarioDraft("homepage.popup", world.popup(strategies=())))
    assert app.handle(PublishScenario("homepage.popup")) == 2
    second = app.decide("homepage.popup", "u-new-north", APP_CONTEXT, caller="homepage")
    assert (second.version, second.reason) == (2, Reason.DEFAULT)
    app.handle(RollBackScenario("homepage.popup", 1))
    first = app.decide("homepage.popup", "u-new-north", APP_CONTEXT, caller="homepage")
    assert (first.version, first.reason) == (1, Reason.TARGETING_MATCH)
    assert app.get(Scenario, "homepage.popup").live == 1


def test_rolling_back_to_the_live_or_a_missing_version_is_refused() -> None:
    app = published()
    with pytest.raises(ScenarioInvalid):
        app.handle(RollBackScenario("homepage.popup", 1))
    with pytest.raises(NotPublished):
        app.handle(RollBackScenario("homepage.popup", 7))


def test_rolling_back_to_a_version_whose_tag_went_offline_is_refused() -> None:
    app = published()
    app.handle(SaveScenarioDraft("homepage.popup", world.popup(strategies=())))
    app.handle(PublishScenario("homepage.popup"))
    app.decider.catalog.define("orders_90d", ValueType.NUMBER, online=False)  # type: ignore[attr-defined]
    with pytest.raises(OfflineTag):
        app.handle(RollBackScenario("homepage.popup", 1))
    assert app.get(Scenario, "homepage.popup").live == 2


def test_a_caller_not_permitted_or_by_another_way_is_refused() -> None:
    app = published(world.popup(callers=(Permission("homepage"),)))
    with pytest.raises(CallerNotPermitted):
        app.decide("homepage.popup", "u-new-north", APP_CONTEXT, caller="checkout")
    with pytest.raises(CallerNotPermitted):
        app.decide(
            "homepage.popup", "u-new-north", APP_CONTEXT, caller="homepage", access=Access.EMBEDDED
        )


def test_a_missing_input_or_one_of_the_wrong_type_is_refused() -> None:
    app = published()
    with pytest.raises(MissingInput):
        app.decide("homepage.popup", "u-new-north", {}, caller="homepage")
    for bad in ({"channel": "tv"}, {"channel": 3}, {"channel": "app", "coupon": "x"}):
        with pytest.raises(InputTypeMismatch):
            app.decide("homepage.popup", "u-new-north", bad, caller="homepage")


def test_input_types_are_checked_at_decision() -> None:
    inputs = (
        InputField("amount", ValueType.NUMBER),
        InputField("first", ValueType.BOOL, required=False),
    )
    app = published(world.popup(inputs=inputs, strategies=()))
    ok = app.decide("homepage.popup", "u", {"amount": Decimal("9.90")}, caller="homepage")
    assert ok.reason is Reason.DEFAULT
    for bad in ({"amount": 9.9}, {"amount": True}, {"amount": 1, "first": "yes"}):
        with pytest.raises(InputTypeMismatch):
            app.decide("homepage.popup", "u", bad, caller="homepage")


def test_an_unknown_or_unpublished_scenario_is_refused() -> None:
    app = world.app()
    with pytest.raises(UnknownScenario):
        app.decide("homepage.popup", "u", caller="homepage")
    app.handle(SaveScenarioDraft("homepage.popup", world.popup()))
    with pytest.raises(NotPublished):
        app.decide("homepage.popup", "u", caller="homepage")
    with pytest.raises(UnknownScenario):
        app.handle(PublishScenario("checkout.installment_offer"))


def test_publish_refuses_a_draft_with_a_bad_rule_and_changes_nothing() -> None:
    app = published()
    for rule, error in (
        ("vip_level > 3", UnknownTag),
        ("retired = true", OfflineTag),
        ('context.coupon = "x"', UnknownInput),
    ):
        bad = world.popup(strategies=(Strategy("bad", parse_rule(rule), world.NEW_USER),))
        app.handle(SaveScenarioDraft("homepage.popup", bad))
        with pytest.raises(error) as raised:
            app.handle(PublishScenario("homepage.popup"))
        assert raised.value.path.startswith("$.")
        scenario = app.get(Scenario, "homepage.popup")
        assert (scenario.live, len(scenario.versions)) == (1, 1)


def test_publish_refuses_malformed_definitions() -> None:
    app = world.app()
    twice = world.popup(strategies=world.popup().strategies * 2)
    no_callers = world.popup(callers=())
    wrong_value = world.popup(default=Output("none", value=Decimal(1)), output_type=ValueType.BOOL)
    no_variations = world.popup(
        strategies=(Strategy("s", parse_rule("region exists"), world.NEW_USER, experiment="x"),)
    )
    for definition in (twice, no_callers, wrong_value, no_variations):
        app.handle(SaveScenarioDraft("homepage.popup", definition))
        with pytest.raises(ScenarioInvalid):
            app.handle(PublishScenario("homepage.popup"))
    with pytest.raises(ScenarioInvalid):
        app.handle(SaveScenarioDraft("Homepage Popup", world.popup()))


def test_a_published_version_keeps_its_copy_of_a_saved_rule_changed_later() -> None:
    app = world.app()
    app.handle(SaveRule("target", parse_rule("new_user = true")))
    strategy = Strategy("s", RuleRef("target"), world.NEW_USER)
    app.handle(SaveScenarioDraft("homepage.popup", world.popup(strategies=(strategy,))))
    app.handle(PublishScenario("homepage.popup"))
    app.handle(SaveRule("target", parse_rule("new_user = false")))
    decision = app.decide("homepage.popup", "u-new-north", APP_CONTEXT, caller="homepage")
    assert decision.reason is Reason.TARGETING_MATCH


def test_decisions_are_recorded_as_events_when_the_host_samples_them() -> None:
    every = build_memory_app(
        tag_catalog=world.catalog(),
        tag_values=world.values(),
        decision_recording=DecisionRecording(Decimal(1)),
    )
    every.handle(SaveScenarioDraft("homepage.popup", world.popup()))
    every.handle(PublishScenario("homepage.popup"))
    every.decide("homepage.popup", "u-new-north", APP_CONTEXT, caller="homepage")
    made = every.events.of(DecisionMade)
    assert len(made) == 1
    assert made[0].variant == "new_user_half_price"  # type: ignore[attr-defined]
    quiet = published()
    quiet.decide("homepage.popup", "u-new-north", APP_CONTEXT, caller="homepage")
    assert quiet.events.of(DecisionMade) == []


def test_sampling_picks_a_share_of_the_subjects_by_a_stable_hash() -> None:
    tenth = DecisionRecording(Decimal("0.1"))
    sampled = sum(tenth.samples("homepage.popup", f"u{n}") for n in range(10_000))
    assert 850 <= sampled <= 1150
    assert tenth.samples("homepage.popup", "u7") == tenth.samples("homepage.popup", "u7")
    with pytest.raises(ValidationError):
        DecisionRecording(Decimal(2))


def test_output_type_number_values_are_checked_at_publish() -> None:
    app = world.app()
    fine = world.popup(default=Output("none", value=Decimal("0")), output_type=ValueType.NUMBER)
    app.handle(SaveScenarioDraft("checkout.installment_offer", fine))
    assert app.handle(PublishScenario("checkout.installment_offer")) == 1
