"""The storage contract: staging, copies, lost updates, events, versions, run against
every backend in ``ADAPTERS`` (the in-memory store; a database adapter adds its own).

A stateful test interleaves several open units of work against a reference model of the
committed state and of the lost-update rule.
"""

from __future__ import annotations

from collections import Counter as Multiset
from collections.abc import Callable

import attrs
import pytest
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from merx.adapters.memory import MemoryStore, MemoryUnitOfWork
from merx.adapters.memory.store import ViewChanged
from merx.kernel.aggregate import Aggregate
from merx.kernel.errors import AlreadyExists, ConcurrencyError, NotFound
from merx.kernel.events import DomainEvent
from merx.kernel.uow import UnitOfWork

#: Opens a unit of work over one backend's storage.
NewUow = Callable[[], UnitOfWork]


def memory_backend() -> NewUow:
    """A fresh, empty in-memory store."""
    store = MemoryStore()
    return lambda: MemoryUnitOfWork(store)


#: Every storage backend, as a factory of fresh, empty ones: a database adapter adds its
#: own (a new schema or a truncated database per call).
ADAPTERS: dict[str, Callable[[], NewUow]] = {"memory": memory_backend}


@pytest.fixture(params=list(ADAPTERS.values()), ids=list(ADAPTERS))
def new_uow(request: pytest.FixtureRequest) -> NewUow:
    backend: Callable[[], NewUow] = request.param
    return backend()


# -- a tiny aggregate --------------------------------------------------------------------


@attrs.frozen
class CounterOpened(DomainEvent):
    counter_id: str


@attrs.frozen
class CounterIncremented(DomainEvent):
    counter_id: str
    count: int


@attrs.define(kw_only=True)
class Counter(Aggregate):
    id: str
    count: int = 0
    tags: list[str] = attrs.field(factory=list)

    @classmethod
    def open(cls, counter_id: str) -> Counter:
        counter = cls(id=counter_id)
        counter.record(CounterOpened(counter_id))
        return counter

    def increment(self) -> None:
        self.count += 1
        self.record(CounterIncremented(self.id, self.count))


@attrs.define(kw_only=True)
class Tally(Aggregate):
    """A second aggregate kind, to check that commits are atomic across kinds."""

    id: str
    total: int = 0


def committed(new_uow: NewUow, key: str) -> Counter | None:
    """What a fresh unit of work sees for ``key``."""
    return new_uow().repo(Counter).find(key)


def seed(new_uow: NewUow, *keys: str) -> None:
    with new_uow() as uow:
        for key in keys:
            uow.repo(Counter).add(Counter(id=key))
        uow.commit()


# -- add / get / find --------------------------------------------------------------------


def test_add_then_get_in_the_same_unit_of_work_returns_the_staged_object(new_uow: NewUow) -> None:
    with new_uow() as uow:
        counter = Counter(id="a")
        uow.repo(Counter).add(counter)
        assert uow.repo(Counter).get("a") is counter
        assert uow.repo(Counter).find("a") is counter
        assert committed(new_uow, "a") is None  # not visible before commit
        uow.commit()
    stored = committed(new_uow, "a")
    assert stored == Counter(id="a")
    assert stored is not None
    assert stored.version == 1


def test_get_missing_raises_not_found_and_find_returns_none(new_uow: NewUow) -> None:
    with new_uow() as uow:
        with pytest.raises(NotFound, match=r"Counter 'nope'"):
            uow.repo(Counter).get("nope")
        assert uow.repo(Counter).find("nope") is None


def test_view_reads_the_committed_state_or_what_the_unit_of_work_holds(new_uow: NewUow) -> None:
    seed(new_uow, "a")
    with new_uow() as uow:
        assert uow.repo(Counter).view("a") == Counter(id="a")
        assert uow.repo(Counter).peek("nope") is None
        with pytest.raises(NotFound, match=r"Counter 'nope'"):
            uow.repo(Counter).view("nope")
        held = uow.repo(Counter).get("a")
        held.increment()
        assert uow.repo(Counter).view("a") is held  # this unit of work's own state
        fresh = Counter(id="b")
        uow.repo(Counter).add(fresh)
        assert uow.repo(Counter).peek("b") is fresh


def test_a_view_does_not_stage_anything(new_uow: NewUow) -> None:
    seed(new_uow, "a")
    with new_uow() as uow:
        uow.repo(Counter).view("a")
        uow.commit()
        assert uow.collect_events() == []
    stored = committed(new_uow, "a")
    assert stored is not None
    assert stored.version == 1


def test_kinds_are_separate_tables(new_uow: NewUow) -> None:
    seed(new_uow, "a")
    with new_uow() as uow:
        assert uow.repo(Tally).find("a") is None
        uow.repo(Tally).add(Tally(id="a"))  # same id, other kind: no clash
        uow.commit()
    with new_uow() as uow:
        assert uow.repo(Tally).get("a") == Tally(id="a")
        assert uow.repo(Counter).get("a") == Counter(id="a")


def test_adding_an_existing_id_raises_already_exists(new_uow: NewUow) -> None:
    seed(new_uow, "a")
    with new_uow() as uow:
        with pytest.raises(AlreadyExists, match=r"Counter 'a'"):
            uow.repo(Counter).add(Counter(id="a", count=9))
        uow.repo(Counter).add(Counter(id="b"))
        with pytest.raises(AlreadyExists):
            uow.repo(Counter).add(Counter(id="b", count=9))
        uow.commit()
    assert committed(new_uow, "a") == Counter(id="a")
    assert committed(new_uow, "b") == Counter(id="b")


def test_the_same_unit_of_work_returns_one_object_per_id(new_uow: NewUow) -> None:
    seed(new_uow, "a")
    with new_uow() as uow:
        assert uow.repo(Counter).get("a") is uow.repo(Counter).get("a")
        assert uow.repo(Counter) is uow.repo(Counter)


def test_ids_lists_committed_ids_in_insertion_order(new_uow: NewUow) -> None:
    seed(new_uow, "b", "a")
    seed(new_uow, "c")
    with new_uow() as uow:
        uow.repo(Counter).add(Counter(id="staged"))
        assert list(uow.repo(Counter).ids()) == ["b", "a", "c"]
        counter = uow.repo(Counter).get("b")
        counter.increment()
        uow.repo(Counter).save(counter)
        uow.commit()
        assert list(uow.repo(Counter).ids()) == ["b", "a", "c", "staged"]


# -- nothing leaks: uncommitted work and copies ---------------------------------------------


def test_leaving_without_commit_discards_everything(new_uow: NewUow) -> None:
    seed(new_uow, "a")
    with new_uow() as uow:
        counter = uow.repo(Counter).get("a")
        counter.increment()
        uow.repo(Counter).save(counter)
        uow.repo(Counter).add(Counter(id="b"))
    assert committed(new_uow, "a") == Counter(id="a")
    assert committed(new_uow, "b") is None
    assert uow.collect_events() == []


def test_a_commit_after_leaving_the_block_writes_nothing(new_uow: NewUow) -> None:
    with new_uow() as uow:
        uow.repo(Counter).add(Counter(id="late"))
    uow.commit()
    assert committed(new_uow, "late") is None


def test_rollback_discards_staged_work_and_the_unit_of_work_stays_usable(new_uow: NewUow) -> None:
    seed(new_uow, "a")
    with new_uow() as uow:
        counter = uow.repo(Counter).get("a")
        counter.increment()
        uow.repo(Counter).save(counter)
        uow.rollback()
        uow.commit()  # nothing staged any more
        assert uow.collect_events() == []
        assert uow.repo(Counter).get("a") == Counter(id="a")
    assert committed(new_uow, "a") == Counter(id="a")


def test_an_exception_inside_the_block_discards_and_propagates(new_uow: NewUow) -> None:
    seed(new_uow, "a")

    def failing_command() -> None:
        with new_uow() as uow:
            counter = uow.repo(Counter).get("a")
            counter.increment()
            uow.repo(Counter).save(counter)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        failing_command()
    assert committed(new_uow, "a") == Counter(id="a")


def test_mutating_a_loaded_object_does_not_touch_the_store(new_uow: NewUow) -> None:
    seed(new_uow, "a")
    with new_uow() as uow:
        counter = uow.repo(Counter).get("a")
        counter.count = 42
        counter.tags.append("loaded")
    assert committed(new_uow, "a") == Counter(id="a")


def test_objects_are_copies_after_commit(new_uow: NewUow) -> None:
    added = Counter(id="a", tags=["x"])
    with new_uow() as uow:
        uow.repo(Counter).add(added)
        uow.commit()
    added.count = 99
    added.tags.append("after commit")  # nested state too: a deep copy is stored
    first, second = committed(new_uow, "a"), committed(new_uow, "a")
    assert first is not None
    assert second is not None
    assert first is not second
    assert first.tags is not second.tags
    first.tags.append("reader")
    assert committed(new_uow, "a") == Counter(id="a", tags=["x"])


# -- lost updates ------------------------------------------------------------------------


def test_lost_update_is_refused_and_the_loser_writes_nothing(new_uow: NewUow) -> None:
    seed(new_uow, "a", "c")
    with new_uow() as tally_seed:
        tally_seed.repo(Tally).add(Tally(id="t"))
        tally_seed.commit()

    first, second = new_uow(), new_uow()
    mine = first.repo(Counter).get("a")
    theirs = second.repo(Counter).get("a")
    assert mine.version == theirs.version == 1

    mine.increment()
    first.repo(Counter).save(mine)
    first.commit()

    theirs.increment()
    theirs.increment()
    second.repo(Counter).save(theirs)
    second.repo(Counter).add(Counter.open("b"))  # staged beside it, same kind
    other = second.repo(Counter).get("c")
    other.increment()
    second.repo(Counter).save(other)
    tally = second.repo(Tally).get("t")  # staged beside it, other kind
    tally.total = 7
    second.repo(Tally).save(tally)
    with pytest.raises(ConcurrencyError, match=r"Counter 'a'.*loaded version 1, stored 2"):
        second.commit()

    assert committed(new_uow, "a") == Counter(id="a", count=1)
    assert committed(new_uow, "b") is None
    assert committed(new_uow, "c") == Counter(id="c")
    assert new_uow().repo(Tally).get("t") == Tally(id="t")
    assert second.collect_events() == []
    assert (theirs.version, other.version, tally.version) == (1, 1, 1)  # untouched


def test_a_lost_update_in_any_kind_stops_the_writes_of_every_kind(new_uow: NewUow) -> None:
    seed(new_uow, "a")
    with new_uow() as tally_seed:
        tally_seed.repo(Tally).add(Tally(id="t"))
        tally_seed.commit()
    winner, loser = new_uow(), new_uow()
    tally = loser.repo(Tally).get("t")  # staged first, fine on its own
    tally.total = 5
    loser.repo(Tally).save(tally)
    stale = loser.repo(Counter).get("a")  # staged second, stale by commit time
    fresh = winner.repo(Counter).get("a")
    fresh.increment()
    winner.repo(Counter).save(fresh)
    winner.commit()
    stale.increment()
    loser.repo(Counter).save(stale)
    with pytest.raises(ConcurrencyError):
        loser.commit()
    assert new_uow().repo(Tally).get("t") == Tally(id="t")
    assert committed(new_uow, "a") == Counter(id="a", count=1)


def test_concurrent_adds_of_one_id_let_only_the_first_commit(new_uow: NewUow) -> None:
    first, second = new_uow(), new_uow()
    first.repo(Counter).add(Counter(id="a", count=1))
    second.repo(Counter).add(Counter(id="a", count=2))
    first.commit()
    with pytest.raises(ConcurrencyError, match="added concurrently"):
        second.commit()
    assert committed(new_uow, "a") == Counter(id="a", count=1)


def test_saving_an_aggregate_that_was_never_stored_writes_nothing(new_uow: NewUow) -> None:
    with new_uow() as uow:
        uow.repo(Counter).save(Counter(id="ghost"))
        with pytest.raises(ConcurrencyError):
            uow.commit()
    assert committed(new_uow, "ghost") is None


def test_reading_without_saving_never_conflicts(new_uow: NewUow) -> None:
    seed(new_uow, "a", "b")
    reader, writer = new_uow(), new_uow()
    reader.repo(Counter).get("a")
    counter = writer.repo(Counter).get("a")
    counter.increment()
    writer.repo(Counter).save(counter)
    writer.commit()
    b = reader.repo(Counter).get("b")
    b.increment()
    reader.repo(Counter).save(b)
    reader.commit()  # "a" was only read: no conflict
    assert committed(new_uow, "b") == Counter(id="b", count=1)


# -- versions and events -----------------------------------------------------------------


def test_versions_increase_by_one_per_commit(new_uow: NewUow) -> None:
    with new_uow() as uow:
        counter = Counter(id="a")
        assert counter.version == 0
        uow.repo(Counter).add(counter)
        uow.commit()
        assert counter.version == 1  # the caller's object follows the stored version
        for expected in range(2, 7):
            counter = uow.repo(Counter).get("a")
            counter.increment()
            uow.repo(Counter).save(counter)
            uow.commit()
            assert counter.version == expected
            stored = committed(new_uow, "a")
            assert stored is not None
            assert stored.version == expected


def test_a_commit_that_does_not_save_an_aggregate_does_not_bump_its_version(
    new_uow: NewUow,
) -> None:
    seed(new_uow, "a", "b")
    with new_uow() as uow:
        uow.repo(Counter).get("a").increment()  # loaded, changed, never saved
        b = uow.repo(Counter).get("b")
        b.increment()
        uow.repo(Counter).save(b)
        uow.commit()
        assert uow.collect_events() == [CounterIncremented("b", 1)]
    a, b_stored = committed(new_uow, "a"), committed(new_uow, "b")
    assert a is not None
    assert b_stored is not None
    assert (a.version, a.count, b_stored.version) == (1, 0, 2)


def test_events_come_out_after_commit_in_order_and_only_once(new_uow: NewUow) -> None:
    with new_uow() as uow:
        counter = Counter.open("a")
        counter.increment()
        counter.increment()
        uow.repo(Counter).add(counter)
        assert uow.collect_events() == []  # nothing before commit
        uow.commit()
        assert uow.collect_events() == [
            CounterOpened("a"),
            CounterIncremented("a", 1),
            CounterIncremented("a", 2),
        ]
        assert uow.collect_events() == []
        assert counter.pending_events == []
        stored = uow.repo(Counter).get("a")
        assert stored.pending_events == []  # drained events are not stored


def test_no_events_from_rolled_back_or_refused_work(new_uow: NewUow) -> None:
    seed(new_uow, "a")
    with new_uow() as uow:
        counter = uow.repo(Counter).get("a")
        counter.increment()
        uow.repo(Counter).save(counter)
        uow.rollback()
        assert uow.collect_events() == []

    loser, winner = new_uow(), new_uow()
    late = loser.repo(Counter).get("a")
    early = winner.repo(Counter).get("a")
    early.increment()
    winner.repo(Counter).save(early)
    winner.commit()
    late.increment()
    loser.repo(Counter).save(late)
    with pytest.raises(ConcurrencyError):
        loser.commit()
    assert loser.collect_events() == []
    assert winner.collect_events() == [CounterIncremented("a", 1)]


def test_events_of_one_aggregate_keep_their_order_across_kinds_and_aggregates(
    new_uow: NewUow,
) -> None:
    with new_uow() as uow:
        for key in ("x", "y"):
            counter = Counter.open(key)
            counter.increment()
            uow.repo(Counter).add(counter)
        uow.commit()
        events = uow.collect_events()
    assert Multiset(events) == Multiset(
        [
            CounterOpened("x"),
            CounterIncremented("x", 1),
            CounterOpened("y"),
            CounterIncremented("y", 1),
        ]
    )
    for key in ("x", "y"):
        mine = [e for e in events if getattr(e, "counter_id", None) == key]
        assert mine == [CounterOpened(key), CounterIncremented(key, 1)]


def test_events_come_per_aggregate_in_recording_order_aggregates_in_staging_order(
    new_uow: NewUow,
) -> None:
    seed(new_uow, "old")
    with new_uow() as uow:
        old = uow.repo(Counter).get("old")
        old.increment()  # recorded first
        uow.repo(Counter).save(old)
        new = Counter.open("new")  # recorded second
        uow.repo(Counter).add(new)
        old.increment()  # recorded third
        uow.commit()
        assert uow.collect_events() == [
            CounterIncremented("old", 1),
            CounterIncremented("old", 2),
            CounterOpened("new"),
        ]


# -- stateful: interleaved units of work against a reference model -------------------------

KEYS = ("a", "b", "c")
SLOTS = (0, 1, 2)


@attrs.define
class Held:
    """The model of one aggregate a unit of work holds."""

    version: int
    count: int
    added: bool
    saved: bool = False
    events: list[DomainEvent] = attrs.field(factory=list)


@attrs.define
class Open:
    uow: UnitOfWork
    objects: dict[str, Counter] = attrs.field(factory=dict)
    model: dict[str, Held] = attrs.field(factory=dict)


class InterleavedUnitsOfWork(RuleBasedStateMachine):
    """Three units of work stay open side by side; each may load, add, increment, save,
    commit, roll back or be closed (and replaced by a fresh one) at any step."""

    backend: Callable[[], NewUow] = staticmethod(memory_backend)

    def __init__(self) -> None:
        super().__init__()
        self.new_uow = self.backend()
        self.reference: dict[str, tuple[int, int]] = {}  # id -> (version, count)
        self.slots: dict[int, Open] = {}

    @initialize(seeded=st.lists(st.sampled_from(KEYS), unique=True))
    def open_units_of_work(self, seeded: list[str]) -> None:
        seed(self.new_uow, *seeded)
        self.reference = dict.fromkeys(seeded, (1, 0))
        for slot in SLOTS:
            self.slots[slot] = Open(self.new_uow().__enter__())

    def _held(self, data: st.DataObject) -> tuple[Open, str]:
        slot = data.draw(st.sampled_from(sorted(s for s, w in self.slots.items() if w.objects)))
        work = self.slots[slot]
        return work, data.draw(st.sampled_from(sorted(work.objects)))

    @rule(slot=st.sampled_from(SLOTS), key=st.sampled_from(KEYS))
    def load(self, slot: int, key: str) -> None:
        work = self.slots[slot]
        found = work.uow.repo(Counter).find(key)
        if key in work.objects:
            assert found is work.objects[key]
            return
        expected = self.reference.get(key)
        if expected is None:
            assert found is None
            return
        assert found is not None
        assert (found.version, found.count) == expected
        work.objects[key] = found
        work.model[key] = Held(version=expected[0], count=expected[1], added=False)

    @rule(slot=st.sampled_from(SLOTS), key=st.sampled_from(KEYS))
    def view(self, slot: int, key: str) -> None:
        """A view shows what this unit of work holds, else the committed state."""
        work = self.slots[slot]
        seen = work.uow.repo(Counter).peek(key)
        if key in work.objects:
            assert seen is work.objects[key]
            return
        expected = self.reference.get(key)
        if expected is None:
            assert seen is None
        else:
            assert seen is not None
            assert (seen.version, seen.count) == expected

    @rule(slot=st.sampled_from(SLOTS), key=st.sampled_from(KEYS))
    def add(self, slot: int, key: str) -> None:
        work = self.slots[slot]
        staged_here = key in work.model and work.model[key].added
        if staged_here or key in self.reference:
            with pytest.raises(AlreadyExists):
                work.uow.repo(Counter).add(Counter(id=key))
            return
        counter = Counter.open(key)
        work.uow.repo(Counter).add(counter)
        work.objects[key] = counter
        work.model[key] = Held(version=0, count=0, added=True, events=[CounterOpened(key)])

    @rule(slot=st.sampled_from(SLOTS), key=st.sampled_from(KEYS))
    def load_increment_save(self, slot: int, key: str) -> None:
        """The usual command: load, change, save (makes lost updates likely)."""
        self.load(slot, key)
        work = self.slots[slot]
        if key in work.objects:
            work.objects[key].increment()
            held = work.model[key]
            held.count += 1
            held.events.append(CounterIncremented(key, held.count))
            work.uow.repo(Counter).save(work.objects[key])
            held.saved = True

    @precondition(lambda self: any(w.objects for w in self.slots.values()))
    @rule(data=st.data())
    def increment(self, data: st.DataObject) -> None:
        work, key = self._held(data)
        work.objects[key].increment()
        held = work.model[key]
        held.count += 1
        held.events.append(CounterIncremented(key, held.count))

    @precondition(lambda self: any(w.objects for w in self.slots.values()))
    @rule(data=st.data())
    def save(self, data: st.DataObject) -> None:
        work, key = self._held(data)
        work.uow.repo(Counter).save(work.objects[key])
        work.model[key].saved = True

    def _lost_update(self, work: Open) -> bool:
        for key, held in work.model.items():
            if held.added and key in self.reference:
                return True
            if held.saved and not held.added:
                stored = self.reference.get(key)
                if stored is None or stored[0] != held.version:
                    return True
        return False

    @rule(slot=st.sampled_from(SLOTS))
    def commit(self, slot: int) -> None:
        work = self.slots[slot]
        written = {k: h for k, h in work.model.items() if h.added or h.saved}
        if self._lost_update(work):
            event("commit refused: lost update")
            with pytest.raises(ConcurrencyError):
                work.uow.commit()
            assert work.uow.collect_events() == []
            for key, held in work.model.items():
                assert work.objects[key].version == held.version
            work.uow.rollback()
        else:
            work.uow.commit()
            event(f"commit wrote {len(written)} aggregate(s)")
            for key, held in written.items():
                self.reference[key] = (held.version + 1, held.count)
                assert work.objects[key].version == held.version + 1
            events = work.uow.collect_events()
            expected = [e for held in written.values() for e in held.events]
            assert Multiset(events) == Multiset(expected)
            for key, held in written.items():
                ids = [e for e in events if getattr(e, "counter_id", None) == key]
                assert ids == held.events
        work.objects.clear()
        work.model.clear()

    @rule(slot=st.sampled_from(SLOTS))
    def rollback(self, slot: int) -> None:
        work = self.slots[slot]
        work.uow.rollback()
        work.objects.clear()
        work.model.clear()

    @rule(slot=st.sampled_from(SLOTS))
    def close_and_reopen(self, slot: int) -> None:
        self.slots[slot].uow.__exit__(None, None, None)
        self.slots[slot] = Open(self.new_uow().__enter__())

    @invariant()
    def store_equals_the_reference(self) -> None:
        reader = self.new_uow().repo(Counter)
        assert list(reader.ids()) == list(self.reference)
        for key in KEYS:
            found = reader.find(key)
            expected = self.reference.get(key)
            if expected is None:
                assert found is None
            else:
                assert found is not None
                assert (found.version, found.count) == expected
                assert found.pending_events == []


for _name, _backend in ADAPTERS.items():  # one machine per backend

    class _Machine(InterleavedUnitsOfWork):
        backend = staticmethod(_backend)

    _Machine.TestCase.settings = settings(max_examples=150, stateful_step_count=50, deadline=None)
    globals()[f"test_interleaved_units_of_work_{_name}"] = _Machine.TestCase


# -- the memory store's own check of views -------------------------------------------------


def checked_store(*keys: str) -> MemoryStore:
    store = MemoryStore(check_views=True)
    seed(lambda: MemoryUnitOfWork(store), *keys)
    return store


def change_a_view(store: MemoryStore, end: str, change: Callable[[Counter], None]) -> None:
    with MemoryUnitOfWork(store) as uow:
        change(uow.repo(Counter).view("a"))
        if end == "commit":
            uow.commit()
        elif end == "rollback":
            uow.rollback()


@pytest.mark.parametrize("end", ["commit", "rollback", "leave"])
def test_a_changed_view_is_found_when_the_unit_of_work_ends(end: str) -> None:
    store = checked_store("a")
    with pytest.raises(ViewChanged, match=r"Counter 'a'"):
        change_a_view(store, end, lambda view: view.tags.append("oops"))


def test_events_recorded_on_a_view_are_found() -> None:
    store = checked_store("a")
    with pytest.raises(ViewChanged):
        change_a_view(store, "commit", lambda view: view.record(CounterOpened("a")))


def test_a_view_cannot_be_saved() -> None:
    store = MemoryStore()  # refused even without the check
    seed(lambda: MemoryUnitOfWork(store), "a")
    with MemoryUnitOfWork(store) as uow:
        view = uow.repo(Counter).view("a")
        with pytest.raises(ViewChanged, match="cannot be saved"):
            uow.repo(Counter).save(view)


def test_unchanged_views_pass_the_check() -> None:
    store = checked_store("a", "b")
    with MemoryUnitOfWork(store) as uow:
        assert uow.repo(Counter).view("a").count == 0
        counter = uow.repo(Counter).get("b")
        counter.increment()
        uow.repo(Counter).save(counter)
        uow.commit()
    with MemoryUnitOfWork(store) as uow:
        assert uow.repo(Counter).view("b").count == 1
