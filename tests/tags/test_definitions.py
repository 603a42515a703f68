"""Tag definitions: the value types, the life cycle table, and the values a subject holds
(pushed, batch-loaded, expiring after their TTL)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from merx import tags
from merx.adapters.memory import FixedClock
from merx.app import MemoryApp, build_memory_app
from merx.errors import IllegalTransition, ValidationError
from merx.tags import (
    DataSource,
    DefineTag,
    Subject,
    TagDefinition,
    TagKind,
    TagSpec,
    TagStatus,
    ValueKind,
    ValueType,
)
from merx.tags.model import TAG_FLOW

START = datetime(2026, 3, 1, 9, tzinfo=UTC)
BO = Subject.user("bo")
BOOL = ValueType(ValueKind.BOOL)


def spec(
    name: str = "vip",
    value_type: ValueType = BOOL,
    source: DataSource = DataSource.PUSHED,
    ttl: timedelta | None = None,
    kind: TagKind = TagKind.USER,
) -> TagSpec:
    return TagSpec(name=name, kind=kind, value_type=value_type, source=source, ttl=ttl)


def app_with(*specs: TagSpec, publish: bool = True) -> MemoryApp:
    app = build_memory_app(clock=FixedClock(START))
    for one in specs:
        app.handle(DefineTag(one))
        if publish:
            app.handle(tags.PublishTag(one.name))
    return app


def clock(app: MemoryApp) -> FixedClock:
    assert isinstance(app.clock, FixedClock)
    return app.clock


def values(app: MemoryApp, subject: Subject = BO) -> dict[str, tags.TagValue]:
    with app.unit_of_work() as uow:
        return tags.values_of(uow, subject, app.clock.now())


# -- value types -----------------------------------------------------------------------

GOOD = [
    (ValueType(ValueKind.BOOL), True, True),
    (ValueType(ValueKind.NUMBER), 3, Decimal(3)),
    (ValueType(ValueKind.NUMBER), Decimal("2.5"), Decimal("2.5")),
    (ValueType.enum("a", "b"), "b", "b"),
    (ValueType(ValueKind.TEXT), "Hangzhou", "Hangzhou"),
    (ValueType(ValueKind.DATE), date(2026, 1, 2), date(2026, 1, 2)),
    (ValueType(ValueKind.SET), ["x", "y", "x"], frozenset({"x", "y"})),
]
BAD = [
    (ValueType(ValueKind.BOOL), 1),
    (ValueType(ValueKind.NUMBER), 1.5),
    (ValueType(ValueKind.NUMBER), True),
    (ValueType(ValueKind.NUMBER), Decimal("NaN")),
    (ValueType.enum("a", "b"), "c"),
    (ValueType(ValueKind.TEXT), "  "),
    (ValueType(ValueKind.DATE), datetime(2026, 1, 2, tzinfo=UTC)),
    (ValueType(ValueKind.SET), ["x", 1]),
    (ValueType(ValueKind.SET), "xy"),
]


@pytest.mark.parametrize(("value_type", "given", "stored"), GOOD)
def test_a_value_of_the_tags_type_is_stored_in_its_canonical_form(
    value_type: ValueType, given: object, stored: object
) -> None:
    checked = value_type.check("t", given)
    assert checked == stored
    assert type(checked) is type(stored)


@pytest.mark.parametrize(("value_type", "given"), BAD)
def test_a_value_not_of_the_tags_type_names_the_tag_and_the_type(
    value_type: ValueType, given: object
) -> None:
    with pytest.raises(tags.TagValueMismatch) as error:
        value_type.check("vip", given)
    assert error.value.tag == "vip"
    assert error.value.expected == value_type.describe()
    assert "vip" in str(error.value)
    assert value_type.describe() in str(error.value)


def test_an_enum_needs_distinct_options_and_only_an_enum_has_options() -> None:
    with pytest.raises(ValidationError):
        ValueType(ValueKind.ENUM)
    with pytest.raises(ValidationError):
        ValueType.enum("a", "a")
    with pytest.raises(ValidationError):
        ValueType(ValueKind.BOOL, ("a",))


@pytest.mark.parametrize(
    "changes",
    [
        {"name": "Bad Name"},
        {"name": ""},
        {"ttl": timedelta(0)},
        {"kind": TagKind.PASS_THROUGH},
        {"source": DataSource.PASS_THROUGH},
    ],
)
def test_a_malformed_definition_is_refused(changes: dict[str, object]) -> None:
    arguments: dict[str, object] = {
        "name": "vip",
        "kind": TagKind.USER,
        "value_type": ValueType(ValueKind.BOOL),
        "source": DataSource.PUSHED,
    } | changes
    with pytest.raises(ValidationError):
        TagSpec(**arguments)  # type: ignore[arg-type]


# -- the life cycle --------------------------------------------------------------------

COMMANDS = ("revise", "publish", "retire", "restore")
EVENTS = {
    "revise": tags.TagRevised,
    "publish": tags.TagPublished,
    "retire": tags.TagRetired,
    "restore": tags.TagRestored,
}


def test_the_life_cycle_table() -> None:
    assert dict(TAG_FLOW.transitions) == {
        (TagStatus.DRAFT, "revise"): TagStatus.DRAFT,
        (TagStatus.DRAFT, "publish"): TagStatus.ONLINE,
        (TagStatus.ONLINE, "retire"): TagStatus.OFFLINE,
        (TagStatus.OFFLINE, "restore"): TagStatus.ONLINE,
    }


def _move(definition: TagDefinition, command: str) -> None:
    if command == "revise":
        definition.revise(spec(ttl=timedelta(days=1)))
    else:
        getattr(definition, command)(START)


@pytest.mark.parametrize("state", list(TagStatus))
@pytest.mark.parametrize("command", COMMANDS)
def test_every_transition_follows_the_table_and_records_one_event(
    state: TagStatus, command: str
) -> None:
    definition = TagDefinition(spec=spec(), status=state)
    before = definition.clone()
    if TAG_FLOW.allows(state, command):
        _move(definition, command)
        assert definition.status is TAG_FLOW.target(state, command)
        (event,) = definition.pull_events()
        assert type(event) is EVENTS[command]
    else:
        with pytest.raises(IllegalTransition) as error:
            _move(definition, command)
        assert (error.value.state, error.value.command) == (state.value, command)
        assert definition == before
        assert not definition.pending_events


def test_a_tag_goes_online_offline_and_back_each_step_an_event() -> None:
    app = app_with(spec(), publish=False)
    for command, status in (
        (tags.PublishTag, TagStatus.ONLINE),
        (tags.RetireTag, TagStatus.OFFLINE),
        (tags.RestoreTag, TagStatus.ONLINE),
    ):
        app.handle(command("vip"))
        with app.unit_of_work() as uow:
            assert tags.tag_status(uow, "vip") is status
    names = [event.name for event in app.events.events if event.name.startswith("Tag")]
    assert names == ["TagDefined", "TagPublished", "TagRetired", "TagRestored"]


def test_a_draft_is_revised_but_never_renamed() -> None:
    app = app_with(spec(), publish=False)
    app.handle(tags.ReviseTag(spec(ttl=timedelta(days=7))))
    with app.unit_of_work() as uow:
        assert tags.tag_catalog(uow)["vip"].spec.ttl == timedelta(days=7)
    definition = TagDefinition(spec=spec())
    with pytest.raises(ValidationError):
        definition.revise(spec(name="gold"))
    app.handle(tags.PublishTag("vip"))
    with pytest.raises(IllegalTransition):
        app.handle(tags.ReviseTag(spec()))


def test_a_name_is_defined_once_and_an_unknown_one_is_a_typed_error() -> None:
    app = app_with(spec())
    with pytest.raises(tags.TagAlreadyDefined):
        app.handle(DefineTag(spec(value_type=ValueType(ValueKind.NUMBER))))
    with pytest.raises(tags.UnknownTag) as error:
        app.handle(tags.PublishTag("gold"))
    assert error.value.tag == "gold"
    with app.unit_of_work() as uow, pytest.raises(tags.UnknownTag):
        tags.tag_status(uow, "gold")


# -- values ----------------------------------------------------------------------------


def test_pushed_values_read_back_until_their_ttl_runs_out() -> None:
    app = app_with(
        spec("vip", ttl=timedelta(days=30)),
        spec("region", ValueType(ValueKind.TEXT)),
    )
    app.handle(tags.PushTagValues(BO, {"vip": True, "region": "Hangzhou"}))
    assert values(app) == {"vip": True, "region": "Hangzhou"}
    clock(app).advance(timedelta(days=30) - timedelta(microseconds=1))
    assert values(app)["vip"] is True
    clock(app).advance(timedelta(microseconds=1))
    assert values(app) == {"region": "Hangzhou"}  # expired reads as absent
    app.handle(tags.PushTagValues(BO, {"vip": False}))  # a new push starts a new TTL
    assert values(app) == {"vip": False, "region": "Hangzhou"}


def test_a_push_with_one_bad_value_stores_nothing() -> None:
    app = app_with(spec("vip"), spec("region", ValueType(ValueKind.TEXT)))
    with pytest.raises(tags.TagValueMismatch):
        app.handle(tags.PushTagValues(BO, {"vip": True, "region": 7}))
    with pytest.raises(tags.UnknownTag):
        app.handle(tags.PushTagValues(BO, {"vip": True, "gold": 7}))
    assert values(app) == {}
    assert not [event for event in app.events.events if isinstance(event, tags.TagValuesSet)]


@pytest.mark.parametrize("source", [DataSource.REALTIME, DataSource.BATCH])
def test_pushing_to_a_tag_that_is_not_pushed_is_refused(source: DataSource) -> None:
    app = app_with(spec("score", ValueType(ValueKind.NUMBER), source=source))
    with pytest.raises(tags.TagNotPushed) as error:
        app.handle(tags.PushTagValues(BO, {"score": 3}))
    assert error.value.tag == "score"
    assert error.value.source == source.value


def test_a_pass_through_tag_stores_no_values() -> None:
    channel = TagSpec(
        name="channel",
        kind=TagKind.PASS_THROUGH,
        value_type=ValueType(ValueKind.TEXT),
        source=DataSource.PASS_THROUGH,
    )
    app = app_with(channel)
    with pytest.raises(tags.TagNotPushed):
        app.handle(tags.PushTagValues(BO, {"channel": "app"}))
    with pytest.raises(tags.TagNotPushed):
        app.handle(tags.LoadBatchValues("channel", {"bo": "app"}))


def test_a_tag_of_another_kind_of_subject_is_refused() -> None:
    app = app_with(spec("bestseller", kind=TagKind.PRODUCT))
    with pytest.raises(ValidationError):
        app.handle(tags.PushTagValues(BO, {"bestseller": True}))
    app.handle(tags.PushTagValues(Subject(TagKind.PRODUCT, "shirt"), {"bestseller": True}))
    assert values(app, Subject(TagKind.PRODUCT, "shirt")) == {"bestseller": True}
    assert values(app) == {}


def test_only_an_online_tag_takes_values_and_answers_reads() -> None:
    app = app_with(spec("vip"), spec("draft_tag"), publish=False)
    app.handle(tags.PublishTag("vip"))
    with pytest.raises(tags.TagNotOnline):
        app.handle(tags.PushTagValues(BO, {"draft_tag": True}))
    app.handle(tags.PushTagValues(BO, {"vip": True}))
    app.handle(tags.RetireTag("vip"))
    assert values(app) == {}
    with pytest.raises(tags.TagNotOnline):
        app.handle(tags.PushTagValues(BO, {"vip": False}))
    app.handle(tags.RestoreTag("vip"))
    assert values(app) == {"vip": True}


def test_a_batch_loads_one_tag_for_many_subjects_all_or_none() -> None:
    app = app_with(spec("churn_risk", ValueType.enum("low", "high"), source=DataSource.BATCH))
    with pytest.raises(tags.TagValueMismatch):
        app.handle(tags.LoadBatchValues("churn_risk", {"bo": "low", "al": "medium"}))
    assert values(app) == {}
    assert app.handle(tags.LoadBatchValues("churn_risk", {"bo": "low", "al": "high"})) == 2
    assert values(app) == {"churn_risk": "low"}
    assert values(app, Subject.user("al")) == {"churn_risk": "high"}
    with pytest.raises(tags.TagNotPushed):
        app.handle(tags.PushTagValues(BO, {"churn_risk": "high"}))


def test_values_of_refuses_a_naive_instant() -> None:
    app = app_with(spec())
    with app.unit_of_work() as uow, pytest.raises(ValidationError):
        tags.values_of(uow, BO, datetime(2026, 1, 1))


def test_the_catalog_names_every_tag_and_the_online_and_computed_ones() -> None:
    app = app_with(spec("vip"), spec("draft_tag"), publish=False)
    app.handle(tags.PublishTag("vip"))
    app.handle(tags.InstallBuiltinTags())
    app.handle(tags.RetireTag("new_user"))
    with app.unit_of_work() as uow:
        catalog = tags.tag_catalog(uow)
    assert set(catalog) == {"vip", "draft_tag"} | {one.name for one in tags.BUILTIN_TAGS}
    assert catalog["draft_tag"].status is TagStatus.DRAFT
    assert catalog.online == set(catalog) - {"draft_tag", "new_user"}
    assert catalog.computed == {one.name for one in tags.COMPUTED_TAGS} - {"new_user"}
    assert catalog.definition("vip").value_type == BOOL
    with pytest.raises(tags.UnknownTag):
        catalog.definition("gold")
    assert "new_user" not in values(app)  # offline: not read
    assert values(app)["order_count_30d"] == 0


def test_installing_the_builtin_tags_twice_installs_nothing_more() -> None:
    app = app_with()
    first = app.handle(tags.InstallBuiltinTags())
    assert first == tuple(one.name for one in tags.BUILTIN_TAGS)
    assert app.handle(tags.InstallBuiltinTags()) == ()
