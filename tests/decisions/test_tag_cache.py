"""The default stored tag ports (``merx.app.tagports``) cache the tag catalog per catalog
version (:class:`merx.tags.TagCatalogCache`): the definitions are read once per version,
a subject's values come in one read, a change of a definition made by another app over
the same store is seen at the next call; and, by hypothesis, the stored ports answer what
the in-memory reference ports answer for random definitions, pushed values, TTLs and
clock moves, and a rule decided through either gives the same decision."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from merx import decisions, tags
from merx.adapters.memory import FixedClock, MemoryTagCatalog, MemoryTagValues
from merx.adapters.roundtrips import RoundTrips
from merx.adapters.sqlite import SqliteDatabase
from merx.app import App, build_memory_app, build_sqlite_app
from merx.app.tagports import VALUE_TYPES
from merx.decisions import (
    Access,
    Output,
    Permission,
    PublishScenario,
    Reason,
    SaveScenarioDraft,
    ScenarioDefinition,
    Strategy,
    parse_rule,
)
from merx.tags import DataSource, DefineTag, Subject, TagKind, TagSpec, ValueKind
from merx.tags.services import catalog_version

from .test_stored_ports import define_tag

D = Decimal


def popup(app: App, rule: str) -> None:
    definition = ScenarioDefinition(
        inputs=(),
        callers=(Permission("home", {Access.API}),),
        strategies=(Strategy("match", parse_rule(rule), Output("in", value=True)),),
        default=Output("out", value=False),
        output_type=decisions.ValueType.BOOL,
    )
    app.handle(SaveScenarioDraft("popup", definition))
    app.handle(PublishScenario("popup"))


def test_the_definitions_are_read_once_per_catalog_version() -> None:
    app = build_memory_app()
    define_tag(app, "vip", ValueKind.BOOL)
    app.handle(tags.PushTagValues(Subject.user("ann"), {"vip": True}))
    popup(app, "vip = true")
    cache = app.decider.values.cache  # type: ignore[attr-defined]
    assert app.decider.catalog.cache is cache  # type: ignore[attr-defined]
    before = cache.reads
    for _ in range(5):
        assert app.decide("popup", "ann", caller="home").variant == "in"
    assert cache.reads == before  # nothing changed: the catalog held
    app.handle(tags.RetireTag("vip"))
    assert app.decide("popup", "ann", caller="home").variant == "out"  # vip reads as absent
    assert cache.reads == before + 1
    assert app.decider.catalog.describe("vip") == decisions.TagSpec(
        "vip", decisions.ValueType.BOOL, online=False
    )


def test_every_change_of_a_definition_bumps_the_catalog_version() -> None:
    app = build_memory_app()
    versions = []

    def version() -> int:
        with app.unit_of_work() as uow:
            return catalog_version(uow)

    spec = TagSpec("vip", TagKind.USER, tags.ValueType(ValueKind.BOOL), DataSource.PUSHED)
    for command in (
        DefineTag(spec),
        tags.ReviseTag(TagSpec("vip", TagKind.USER, spec.value_type, DataSource.BATCH)),
        tags.PublishTag("vip"),
        tags.RetireTag("vip"),
        tags.RestoreTag("vip"),
        tags.InstallBuiltinTags(),
    ):
        app.handle(command)
        versions.append(version())
    app.handle(tags.InstallBuiltinTags())  # installs nothing: no change
    app.handle(tags.PushTagValues(Subject.user("ann"), {"gender": "other"}))  # a value
    assert versions == [1, 2, 3, 4, 5, 6]
    assert version() == 6


def test_another_app_over_the_same_store_sees_a_retired_tag_at_its_next_call(
    tmp_path: Path,
) -> None:
    path = tmp_path / "shop.db"
    first, second = build_sqlite_app(path), build_sqlite_app(path)
    try:
        define_tag(first, "vip", ValueKind.BOOL)
        first.handle(tags.PushTagValues(Subject.user("ann"), {"vip": True}))
        popup(first, "vip = true")
        assert second.decide("popup", "ann", caller="home").variant == "in"  # cached now
        first.handle(tags.RetireTag("vip"))
        assert second.decider.catalog.describe("vip").online is False  # type: ignore[union-attr]
        assert second.decide("popup", "ann", caller="home").variant == "out"
        first.handle(tags.RestoreTag("vip"))
        assert second.decide("popup", "ann", caller="home").variant == "in"
    finally:
        first.close()
        second.close()


def test_a_subjects_values_and_the_catalog_version_are_one_read_on_sqlite(
    tmp_path: Path,
) -> None:
    app = build_sqlite_app(tmp_path / "shop.db")
    try:
        app.handle(tags.InstallBuiltinTags())
        app.handle(tags.PushTagValues(Subject.user("ann"), {"gender": "other"}))
        values = app.decider.values
        at = app.clock.now()
        first = dict(values.values_of("ann", at))  # reads the definitions once
        tally = RoundTrips()
        assert isinstance(app.database, SqliteDatabase)
        app.database.count_into(tally)
        again = dict(values.values_of("ann", at))
        reads, writes, commits, _, _ = tally.snapshot()
        assert (reads, writes, commits) == (1, 0, 0)
        assert again == first
        assert first["gender"] == "other"
        assert first["new_user"] is True
    finally:
        app.close()


# -- the stored ports against the in-memory reference ports ----------------------------

NAMES = ("a", "b", "c")
TYPES = {
    "a": tags.ValueType(ValueKind.BOOL),
    "b": tags.ValueType(ValueKind.NUMBER),
    "c": tags.ValueType.enum("x", "y"),
}
VALUES = {"a": st.booleans(), "b": st.integers(0, 9).map(D), "c": st.sampled_from(("x", "y"))}
TTLS = st.sampled_from((None, timedelta(hours=1), timedelta(hours=5)))
SUBJECTS = ("ann", "ben")

step = st.one_of(
    st.tuples(st.just("define"), st.sampled_from(NAMES), TTLS),
    st.tuples(st.just("publish"), st.sampled_from(NAMES)),
    st.tuples(st.just("retire"), st.sampled_from(NAMES)),
    st.tuples(st.just("restore"), st.sampled_from(NAMES)),
    st.tuples(st.just("push"), st.sampled_from(SUBJECTS), st.sampled_from(NAMES), st.data()),
    st.tuples(st.just("wait"), st.integers(0, 4)),
    st.tuples(st.just("check")),
)


class Reference:
    """The in-memory reference ports fed by a plain model of definitions and values."""

    def __init__(self) -> None:
        self.status: dict[str, tags.TagStatus] = {}
        self.ttl: dict[str, timedelta | None] = {}
        self.held: dict[tuple[str, str], tuple[object, object]] = {}  # value, expiry

    def ports(self, now: object) -> tuple[MemoryTagCatalog, MemoryTagValues]:
        catalog = MemoryTagCatalog()
        for name, status in self.status.items():
            value_type = TYPES[name]
            catalog.define(
                name,
                VALUE_TYPES[value_type.kind],
                value_type.options,
                online=status is tags.TagStatus.ONLINE,
            )
        values = MemoryTagValues()
        for (subject, name), (value, expiry) in self.held.items():
            live = expiry is None or now < expiry  # type: ignore[operator]
            if live and self.status[name] is tags.TagStatus.ONLINE:
                values.set(subject, {name: value})
        return catalog, values


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(step, max_size=25))
def test_the_stored_ports_answer_what_the_reference_ports_answer(steps: list[tuple]) -> None:  # type: ignore[type-arg]
    app = build_memory_app()
    clock = app.clock
    assert isinstance(clock, FixedClock)
    model = Reference()
    flows = {
        "publish": (tags.TagStatus.DRAFT, tags.TagStatus.ONLINE, tags.PublishTag),
        "retire": (tags.TagStatus.ONLINE, tags.TagStatus.OFFLINE, tags.RetireTag),
        "restore": (tags.TagStatus.OFFLINE, tags.TagStatus.ONLINE, tags.RestoreTag),
    }
    for kind, *args in [*steps, ("check",)]:
        if kind == "define" and args[0] not in model.status:
            name, ttl = args
            spec = TagSpec(name, TagKind.USER, TYPES[name], DataSource.PUSHED, ttl=ttl)
            app.handle(DefineTag(spec))
            model.status[name], model.ttl[name] = tags.TagStatus.DRAFT, ttl
        elif kind in flows and model.status.get(args[0]) is flows[kind][0]:
            app.handle(flows[kind][2](args[0]))
            model.status[args[0]] = flows[kind][1]
        elif kind == "push" and model.status.get(args[1]) is tags.TagStatus.ONLINE:
            subject, name, data = args
            value = data.draw(VALUES[name])
            app.handle(tags.PushTagValues(Subject.user(subject), {name: value}))
            ttl = model.ttl[name]
            now = clock.now()
            model.held[subject, name] = (value, None if ttl is None else now + ttl)
        elif kind == "wait":
            clock.advance(timedelta(hours=args[0]))
        elif kind == "check":
            now = clock.now()
            catalog, values = model.ports(now)
            for name in NAMES:
                assert app.decider.catalog.describe(name) == catalog.describe(name)
            for subject in SUBJECTS:
                assert dict(app.decider.values.values_of(subject, now)) == dict(
                    values.values_of(subject, now)
                )
    online = [name for name, status in model.status.items() if status is tags.TagStatus.ONLINE]
    if online:  # a rule over every online tag, decided through both
        rule = " or ".join(f"{name} exists" for name in online)
        popup(app, rule)
        catalog, values = model.ports(clock.now())
        reference = build_memory_app(tag_catalog=catalog, tag_values=values)
        popup(reference, rule)
        for subject in SUBJECTS:
            stored = app.decide("popup", subject, caller="home")
            expected = reference.decide("popup", subject, caller="home")
            assert (stored.variant, stored.reason, stored.rules) == (
                expected.variant,
                expected.reason,
                expected.rules,
            )
            assert stored.reason in (Reason.TARGETING_MATCH, Reason.DEFAULT)
