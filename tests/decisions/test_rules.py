"""Rules: the JSON and text forms, their round trips, and validation against tag types."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx.decisions import (
    AllOf,
    AnyOf,
    Condition,
    Expr,
    NamedRule,
    Not,
    OfflineTag,
    Op,
    OperatorNotAllowed,
    RuleCycle,
    RuleInvalid,
    RuleRef,
    RuleSyntaxError,
    SaveRule,
    Source,
    UnknownRule,
    UnknownTag,
    ValueTypeMismatch,
    parse_rule,
    rule_from_json,
    rule_text,
    rule_to_json,
)
from merx.decisions.engine import try_rule
from merx.decisions.model import check_rule
from merx.decisions.rules import compile_rule
from tests.decisions import world
from tests.decisions.strategies import rules, world_rules

POPUP_TEXT = 'new_user = true and region in ["north", "east"]'


def tag(name: str, op: Op, value: Any = None) -> Condition:
    return Condition(Source.TAG, name, op, value)


def test_the_seed_rule_reads_as_text_and_as_json() -> None:
    rule = parse_rule(POPUP_TEXT)
    assert rule == AllOf((tag("new_user", Op.EQUAL, True), tag("region", Op.IN, ("north", "east"))))
    assert rule_to_json(rule) == {
        "v": 1,
        "all": [
            {"tag": "new_user", "op": "equal", "value": True},
            {"tag": "region", "op": "in", "value": ["north", "east"]},
        ],
    }
    assert rule_text(rule) == POPUP_TEXT


@pytest.mark.parametrize(
    "text",
    [
        POPUP_TEXT,
        '(orders_90d >= 3 or @vip) and not context.channel = "mini_program"',
        "age between 18 and 30",
        "first_order_on >= 2026-01-01 and spend_365d < 199.50",
        'interests contains "tea" or nickname != "李雷"',
        "phone_bound exists",
        "all(new_user = true)",
        "not (a = 1 and b = 2)",
        "(a = 1 and b = 2) or c = 3",
        "(a = 1 and b = 2) and c = 3",
        "not not a exists",
    ],
)
def test_canonical_text_reads_and_writes_back_the_same(text: str) -> None:
    assert rule_text(parse_rule(text)) == text


def test_precedence_not_before_and_before_or() -> None:
    a, b, c = (tag(name, Op.EXISTS) for name in "abc")
    assert parse_rule("not a exists and b exists or c exists") == AnyOf((AllOf((Not(a), b)), c))
    assert rule_text(parse_rule("a exists and b exists or c exists")) == (
        "(a exists and b exists) or c exists"
    )


@given(rules)
def test_a_rule_written_as_text_reads_back_equal(rule: Expr) -> None:
    text = rule_text(rule)
    assert parse_rule(text) == rule
    assert rule_text(parse_rule(text)) == text


@given(rules)
def test_a_rule_written_as_json_reads_back_equal(rule: Expr) -> None:
    assert rule_from_json(rule_to_json(rule)) == rule


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("a = ", 4),
        ("a == 1", 3),
        ("a = 1 b = 2", 6),
        ("(a = 1", 6),
        ("a in []", 6),
        ("a between 3 and 1", 0),
        ("and = 1", 0),
        ('a = "unterminated', 4),
        ("a = 2026-13-01", 4),
        ("a # 1", 2),
    ],
)
def test_bad_text_is_a_syntax_error_at_its_position(text: str, position: int) -> None:
    with pytest.raises(RuleSyntaxError) as raised:
        parse_rule(text)
    assert raised.value.position == position


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ({"all": []}, "$.v"),
        ({"v": 2, "tag": "a", "op": "exists"}, "$.v"),
        ({"v": 1, "all": []}, "$.all"),
        (
            {"v": 1, "all": [{"tag": "a", "op": "exists"}, {"tag": "b", "op": "gt", "value": 1.5}]},
            "$.all[1].value",
        ),
        ({"v": 1, "any": [{"tag": "a", "op": "near", "value": 1}]}, "$.any[0].op"),
        ({"v": 1, "not": {"tag": "a", "op": "in", "value": [1, {"day": 3}]}}, "$.not.value[1]"),
        ({"v": 1, "tag": "a", "op": "exists", "value": 3}, "$.value"),
        ({"v": 1, "tag": "a", "op": "equal"}, "$.value"),
        ({"v": 1, "tag": "a b", "op": "exists"}, "$.tag"),
        ({"v": 1, "tag": "a", "rule": "b"}, "$"),
        ({"v": 1, "tag": "a", "op": "exists", "note": "x"}, "$"),
        ({"v": 1, "all": [{"all": [{"rule": "not"}]}]}, "$.all[0].all[0].rule"),
        ({"v": 1, "tag": "d", "op": "gt", "value": {"date": "2026-02-30"}}, "$.value"),
    ],
)
def test_bad_json_names_the_path_of_the_fault(data: Any, path: str) -> None:
    with pytest.raises(RuleInvalid) as raised:
        rule_from_json(data)
    assert raised.value.path == path


def test_numbers_with_decimals_and_dates_have_their_json_forms() -> None:
    rule = parse_rule("spend_365d >= 199.50 and last_order_on < 2026-06-01 and orders_90d > 3")
    data = rule_to_json(rule)
    assert data["all"][0]["value"] == Decimal("199.50")
    assert data["all"][1]["value"] == {"date": "2026-06-01"}
    assert data["all"][2]["value"] == 3
    assert rule_from_json(data) == rule


def check(text: str) -> None:
    check_rule("r", parse_rule(text), world.catalog(), lambda name: None)


@pytest.mark.parametrize(
    ("text", "error", "path"),
    [
        ("vip_level > 3", UnknownTag, "$.tag"),
        ("new_user = true and retired = false", OfflineTag, "$.all[1].tag"),
        ("new_user > 1", OperatorNotAllowed, "$.op"),
        ('categories = "tea"', OperatorNotAllowed, "$.op"),
        ('region in ["north", "mars"]', ValueTypeMismatch, "$.value[1]"),
        ('orders_90d = "3"', ValueTypeMismatch, "$.value"),
        ("not last_order_on > 5", ValueTypeMismatch, "$.not.value"),
        ("new_user = 1", ValueTypeMismatch, "$.value"),
        ("orders_90d > 1 or @nowhere", UnknownRule, "$.any[1].rule"),
    ],
)
def test_a_rule_is_checked_against_the_tag_types_with_paths(
    text: str, error: type[RuleInvalid], path: str
) -> None:
    with pytest.raises(error) as raised:
        check(text)
    assert raised.value.path == path


@pytest.mark.parametrize(
    "text",
    [
        "new_user = true",
        'region in ["north", "east"] and orders_90d between 1 and 5',
        'last_order_on >= 2026-01-01 and categories contains "tea" and nickname contains "a"',
        "credit_grade exists or not spend_365d <= 0",
        'context.channel = "anything"',
    ],
)
def test_a_well_typed_rule_passes(text: str) -> None:
    check(text)


def test_a_cycle_of_saved_rules_is_refused_naming_the_cycle_and_nothing_is_saved() -> None:
    app = world.app()
    app.handle(SaveRule("a", parse_rule("new_user = true")))
    app.handle(SaveRule("b", parse_rule("@a and orders_90d > 1")))
    app.handle(SaveRule("c", parse_rule('@b or region = "west"')))
    with pytest.raises(RuleCycle) as raised:
        app.handle(SaveRule("a", parse_rule("@c")))
    assert raised.value.cycle == ("a", "c", "b", "a")
    with pytest.raises(RuleCycle) as itself:
        app.handle(SaveRule("d", parse_rule("@d")))
    assert itself.value.cycle == ("d", "d")
    assert app.decider.saved_rule("a") == parse_rule("new_user = true")
    assert app.decider.saved_rule("d") is None


def test_saving_a_rule_checks_it_and_saves_nothing_when_it_is_bad() -> None:
    app = world.app()
    with pytest.raises(UnknownTag):
        app.handle(SaveRule("vip", parse_rule("vip_level > 3")))
    with pytest.raises(UnknownRule):
        app.handle(SaveRule("vip", parse_rule("@gold")))
    assert app.decider.saved_rule("vip") is None


SAMPLES = {
    "a": {"new_user": True, "region": "north"},
    "b": {"new_user": True, "region": "west"},
    "c": {"new_user": False, "region": "east"},
    "d": {},
}


def test_a_dry_run_counts_the_samples_a_rule_matches() -> None:
    trial = try_rule(parse_rule(POPUP_TEXT), SAMPLES, lambda name: None)
    assert (trial.tried, trial.matched, trial.matching) == (4, 1, ("a",))
    negated = try_rule(parse_rule(f"not ({POPUP_TEXT})"), SAMPLES, lambda name: None)
    assert negated.matching == ("b", "c", "d")


def test_a_dry_run_on_real_users_reads_their_tags_through_the_port() -> None:
    app = world.app()
    app.handle(SaveRule("newcomer", parse_rule("new_user = true")))
    trial = app.decider.try_rule_on_users(parse_rule("@newcomer"), limit=10)
    assert (trial.tried, trial.matched) == (len(world.USERS), 2)
    assert app.decider.try_rule_on_users(parse_rule("@newcomer"), limit=1).tried == 1
    with pytest.raises(UnknownTag):
        app.decider.try_rule(parse_rule("vip_level > 3"), SAMPLES)


@pytest.mark.parametrize(
    ("text", "holds"),
    [
        ("orders_90d >= 7", True),
        ("orders_90d > 7", False),
        ("orders_90d between 7 and 9", True),
        ("orders_90d in [1, 7]", True),
        ("spend_365d = 3200", True),
        ("last_order_on between 2025-12-31 and 2026-01-01", True),
        ("last_order_on < 2026-01-01", False),
        ('categories contains "tea"', True),
        ('categories contains "shoes"', False),
        ("new_user != true", True),
        ("credit_grade exists", True),
        ("nickname exists", False),
        ('nickname != "x"', False),
        ('not nickname = "x"', True),
        ("nickname < 3", False),
    ],
)
def test_operators_on_the_loyal_user(text: str, holds: bool) -> None:
    trial = try_rule(parse_rule(text), {"u": world.USERS["u-loyal"]}, lambda name: None)
    assert trial.matched == int(holds)


@given(st.lists(st.sampled_from(sorted(world.USERS)), max_size=6))
def test_a_dry_run_matches_what_the_rule_holds_for_each_sample(subjects: list[str]) -> None:
    samples = {s: world.USERS[s] for s in subjects}
    rule = parse_rule(POPUP_TEXT)
    assert try_rule(rule, samples, lambda name: None).matched == sum(
        1
        for s in samples
        if samples[s].get("new_user") is True and samples[s].get("region") in ("north", "east")
    )


def test_a_condition_refuses_floats_and_misshapen_values() -> None:
    cases: tuple[tuple[Op, Any], ...] = (
        (Op.EQUAL, 1.5),
        (Op.BETWEEN, (Decimal(1),)),
        (Op.BETWEEN, (Decimal(1), date(2026, 1, 1))),
        (Op.IN, ()),
        (Op.EXISTS, True),
    )
    for op, value in cases:
        with pytest.raises(RuleInvalid):
            Condition(Source.TAG, "a", op, value)
    with pytest.raises(RuleInvalid):
        AllOf(())
    with pytest.raises(RuleInvalid):
        RuleRef("in")


def interpret(rule: Expr, tags: dict[str, object], context: dict[str, object]) -> bool:
    """The reference meaning of a rule, written plainly (the compiled one must agree)."""
    match rule:
        case AllOf(items=items):
            return all(interpret(item, tags, context) for item in items)
        case AnyOf(items=items):
            return any(interpret(item, tags, context) for item in items)
        case Not(item=item):
            return not interpret(item, tags, context)
        case RuleRef():
            raise AssertionError("the world rules refer to no saved rule")
        case Condition(source=source, name=name, op=op, value=value):
            held: Any = (tags if source is Source.TAG else context).get(name)
            if held is None:
                return False
            match op:
                case Op.EQUAL:
                    return bool(held == value)
                case Op.NOT_EQUAL:
                    return bool(held != value)
                case Op.IN:
                    return held in value  # type: ignore[operator]
                case Op.CONTAINS:
                    return value in held
                case Op.GT:
                    return bool(held > value)
                case Op.GTE:
                    return bool(held >= value)
                case Op.LT:
                    return bool(held < value)
                case Op.LTE:
                    return bool(held <= value)
                case Op.BETWEEN:
                    low, high = value  # type: ignore[misc,str-unpack]
                    return bool(low <= held <= high)
                case Op.EXISTS:
                    return True
    raise AssertionError(rule)


@given(world_rules, st.sampled_from(sorted(world.USERS)), st.sampled_from(["app", "web", None]))
def test_a_compiled_rule_means_what_the_reference_interpreter_says(
    rule: Expr, subject: str, channel: str | None
) -> None:
    context: dict[str, object] = {} if channel is None else {"channel": channel}
    tags = world.USERS[subject]
    holds = compile_rule(rule, lambda name: parse_rule("x exists"))
    assert holds(tags, context) is interpret(rule, tags, context)


def test_a_rule_nesting_too_deep_with_its_saved_rules_is_refused() -> None:
    app = world.app()
    deep: Expr = tag("new_user", Op.EQUAL, True)
    for _ in range(30):
        deep = Not(deep)
    app.handle(SaveRule("deep", deep))  # 31 levels
    with pytest.raises(RuleInvalid, match="nests 41 deep"):
        app.handle(SaveRule("deeper", _wrap(RuleRef("deep"), 10)))
    assert app.decider.saved_rule("deeper") is None


def _wrap(rule: Expr, times: int) -> Expr:
    for _ in range(times):
        rule = Not(rule)
    return rule


@given(rules)
def test_saving_any_rule_saves_it_whole_or_refuses_it_with_a_rule_error_and_saves_nothing(
    rule: Expr,
) -> None:
    app = world.app()
    app.handle(SaveRule("kept", parse_rule("new_user = true")))
    before = app.store.tables.get(NamedRule, {}).copy()
    try:
        app.handle(SaveRule("kept", rule))
    except RuleInvalid:
        assert app.store.tables.get(NamedRule, {}) == before
        assert app.decider.saved_rule("kept") == parse_rule("new_user = true")
    else:
        assert app.decider.saved_rule("kept") == rule


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("orders_90d = true", ValueTypeMismatch),
        ("new_user between 1 and 2", OperatorNotAllowed),
        ("retired = true", OfflineTag),
    ],
)
def test_a_rule_of_the_wrong_type_is_not_saved(text: str, error: type[RuleInvalid]) -> None:
    app = world.app()
    with pytest.raises(error):
        app.handle(SaveRule("r", parse_rule(text)))
    assert app.decider.saved_rule("r") is None
