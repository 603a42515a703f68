"""The contract of ``Repository`` and ``UnitOfWork`` (:mod:`merx.kernel.uow`): staging,
one object per id, views, lost updates, versions, events.

Run it against a store by subclassing :class:`StoreContract` and providing the fixture
``make_store``: a :class:`StoreFactory` that makes a fresh, empty store for the suite's
own aggregates and answers a function opening a unit of work over it::

    class TestSqliteStore(StoreContract):
        @pytest.fixture
        def make_store(self, tmp_path: Path) -> StoreFactory:
            def fresh(aggregates, events, /):
                path = tmp_path / f"{uuid4().hex}.db"  # a new database per call
                kinds = converter_for(aggregates, events)  # e.g. merx.kernel.serde.make_converter
                return lambda: SqliteUnitOfWork(path, kinds)
            return fresh

The suite's aggregates (:class:`Counter`, :class:`Tally`, in :data:`AGGREGATES`) are attrs
aggregates built on :class:`merx.kernel.aggregate.Aggregate`, and the events they record
(:data:`EVENTS`) frozen :class:`merx.kernel.events.DomainEvent` classes: merx's own
converter (``merx.kernel.serde.make_converter(AGGREGATES)``) round-trips them, which
merx's tests check. A database store is told them through ``make_store``.

What the suite holds a store to:

- ``add`` stages (nothing is visible elsewhere before commit) and raises ``AlreadyExists``
  for an id staged or stored (an id this unit of work read as missing, added by another
  commit since, may instead be refused by the commit, with ``ConcurrencyError``); ``get``
  raises ``NotFound``, ``find`` answers ``None``; ``ids()`` lists the committed ids in
  insertion order; kinds are separate tables.
- One unit of work gives one object per id and one repository per kind; what a caller
  holds is its own: changing it, or holding it after commit, changes nothing stored.
- ``view`` / ``peek`` answer the object this unit of work holds, else the committed state
  as it is now. A store may hand out a shared object (the memory store does) or a private
  copy (a database loads as ``find`` does), but a view never becomes the unit of work's own
  object: a later ``get`` loads the committed state afresh, and a view is never written.
- Leaving the ``with`` block, ``rollback`` or an exception discards what was staged; a
  commit after leaving writes nothing.
- ``commit`` is all or nothing, across kinds: a saved aggregate whose stored version moved
  on, an id added concurrently, or a save of an aggregate never stored raises
  ``ConcurrencyError`` (naming the kind and the id) and writes nothing; reading without
  saving never conflicts; a load sees the latest committed state.
- Each commit stores a saved aggregate at ``version + 1`` (a new one at 1) and sets the
  caller's object to it; an aggregate not saved is not written.
- ``collect_events()`` answers the events of the written aggregates after commit, once:
  each aggregate's in the order it recorded them, aggregates in the order they were first
  staged; none from rolled-back or refused work; stored aggregates hold no pending events.
- ``remove`` of an aggregate the unit of work loaded deletes it at commit, version-checked
  like a save (``ConcurrencyError`` and nothing written if it changed since it was loaded);
  its id is free afterwards (added again at version 1); anything else removed raises
  ``ValidationError``. (A store of documents lets the suite's aggregates be removed:
  ``merx.kernel.documents.Documents.removable``.)
- ``merx.kernel.uow.prefetch`` reads ids as ``find`` would, at the latest with the next
  read (one object per id, what the unit of work holds kept; one found missing may answer
  ``None`` until commit), stages nothing, and a prefetched aggregate saved is
  version-checked like any loaded one; an id prefetched as missing and added meanwhile is
  still added once. A store may ignore it (the memory store does).
- A ``hypothesis.stateful`` machine keeps three units of work open side by side, each
  loading, adding, changing, saving, committing, rolling back or closing at any step,
  against a reference model of the committed state and of the lost-update rule.
"""

from __future__ import annotations

from collections import Counter as Multiset
from collections.abc import Callable, Sequence
from typing import Protocol

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
    run_state_machine_as_test,
)

from merx.kernel.aggregate import Aggregate
from merx.kernel.errors import AlreadyExists, ConcurrencyError, NotFound, ValidationError
from merx.kernel.events import DomainEvent
from merx.kernel.uow import UnitOfWork, prefetch

#: Opens a unit of work over one store.
NewUnitOfWork = Callable[[], UnitOfWork]


class StoreFactory(Protocol):
    """What the host's ``make_store`` fixture answers."""

    def __call__(
        self, aggregates: Sequence[type[Aggregate]], events: Sequence[type[DomainEvent]], /
    ) -> NewUnitOfWork:
        """A fresh, empty store able to hold ``aggregates`` (recording ``events``), as a
        function that opens a unit of work over it. Called once per test and once per
        example of the stateful test, always with :data:`AGGREGATES` and :data:`EVENTS`."""
        ...


# -- the suite's aggregates --------------------------------------------------------------


@attrs.frozen
class CounterOpened(DomainEvent):
    counter_id: str


@attrs.frozen
class CounterIncremented(DomainEvent):
    counter_id: str
    count: int


@attrs.define(kw_only=True)
class Counter(Aggregate):
    """A tiny aggregate with a nested list, recording an event per change."""

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


#: The aggregate classes the suite stores, and the events they record.
AGGREGATES: tuple[type[Aggregate], ...] = (Counter, Tally)
EVENTS: tuple[type[DomainEvent], ...] = (CounterOpened, CounterIncremented)


def committed(new_uow: NewUnitOfWork, key: str) -> Counter | None:
    """What a fresh unit of work sees for ``key``."""
    with new_uow() as uow:
        return uow.repo(Counter).find(key)


def committed_tally(new_uow: NewUnitOfWork, key: str) -> Tally | None:
    """What a fresh unit of work sees for the tally ``key``."""
    with new_uow() as uow:
        return uow.repo(Tally).find(key)


def seed(new_uow: NewUnitOfWork, *keys: str) -> None:
    """Commit a fresh :class:`Counter` for each of ``keys``."""
    with new_uow() as uow:
        for key in keys:
            uow.repo(Counter).add(Counter(id=key))
        uow.commit()


# -- the stateful machine: interleaved units of work against a reference model -----------

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
    missing: set[str] = attrs.field(factory=set)  # ids this unit of work read as missing
    prefetched_missing: set[str] = attrs.field(factory=set)  # ... when it prefetched them


class InterleavedUnitsOfWork(RuleBasedStateMachine):
    """Three units of work stay open side by side; each may load, add, increment, save,
    commit, roll back or be closed (and replaced by a fresh one) at any step."""

    def __init__(self, new_uow: NewUnitOfWork) -> None:
        super().__init__()
        self.new_uow = new_uow
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
        if expected is None or (found is None and key in work.prefetched_missing):
            assert found is None  # a prefetch read it missing: it may answer that until commit
            work.missing.add(key)
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
        if expected is None or (seen is None and key in work.prefetched_missing):
            assert seen is None
            work.missing.add(key)
        else:
            assert seen is not None
            assert (seen.version, seen.count) == expected

    @rule(slot=st.sampled_from(SLOTS), key=st.sampled_from(KEYS))
    def add(self, slot: int, key: str) -> None:
        work = self.slots[slot]
        staged_here = key in work.model and work.model[key].added
        if staged_here or (key in self.reference and key not in work.missing):
            with pytest.raises(AlreadyExists):
                work.uow.repo(Counter).add(Counter(id=key))
            return
        counter = Counter.open(key)
        if key in self.reference:  # read as missing here, added since: now or at commit
            try:
                work.uow.repo(Counter).add(counter)
            except AlreadyExists:
                event("add refused: added since it was read as missing")
                return
            event("add staged: added since it was read as missing")
            work.objects[key] = counter
            work.model[key] = Held(version=0, count=0, added=True, events=[CounterOpened(key)])
            return

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

    @rule(slot=st.sampled_from(SLOTS), keys=st.lists(st.sampled_from(KEYS), min_size=1))
    def prefetch_then_load(self, slot: int, keys: list[str]) -> None:
        """Prefetch some ids, then load each: as loading each alone."""
        work = self.slots[slot]
        prefetch(work.uow.repo(Counter), keys)
        for key in keys:
            self.load(slot, key)
            if key not in work.objects:
                work.prefetched_missing.add(key)

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
        work.missing.clear()
        work.prefetched_missing.clear()

    @rule(slot=st.sampled_from(SLOTS))
    def rollback(self, slot: int) -> None:
        work = self.slots[slot]
        work.uow.rollback()
        work.objects.clear()
        work.model.clear()
        work.missing.clear()
        work.prefetched_missing.clear()

    @rule(slot=st.sampled_from(SLOTS))
    def close_and_reopen(self, slot: int) -> None:
        self.slots[slot].uow.__exit__(None, None, None)
        self.slots[slot] = Open(self.new_uow().__enter__())

    @invariant()
    def store_equals_the_reference(self) -> None:
        with self.new_uow() as uow:
            reader = uow.repo(Counter)
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

    def teardown(self) -> None:
        for work in self.slots.values():
            work.uow.__exit__(None, None, None)


class StoreContract:
    """The contract of a store (see the module docstring). Subclass it under a name pytest
    collects (``TestMyStore``) and provide the fixture ``make_store`` (a
    :class:`StoreFactory`)."""

    @pytest.fixture
    def new_uow(self, make_store: StoreFactory) -> NewUnitOfWork:
        """A fresh, empty store of the suite's aggregates."""
        return make_store(AGGREGATES, EVENTS)

    # -- add / get / find --------------------------------------------------------------------

    def test_add_then_get_in_the_same_unit_of_work_returns_the_staged_object(
        self, new_uow: NewUnitOfWork
    ) -> None:
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

    def test_get_missing_raises_not_found_and_find_returns_none(
        self, new_uow: NewUnitOfWork
    ) -> None:
        with new_uow() as uow:
            with pytest.raises(NotFound, match=r"Counter 'nope'"):
                uow.repo(Counter).get("nope")
            assert uow.repo(Counter).find("nope") is None

    def test_view_reads_the_committed_state_or_what_the_unit_of_work_holds(
        self, new_uow: NewUnitOfWork
    ) -> None:
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

    def test_a_view_does_not_stage_anything(self, new_uow: NewUnitOfWork) -> None:
        seed(new_uow, "a")
        with new_uow() as uow:
            uow.repo(Counter).view("a")
            uow.commit()
            assert uow.collect_events() == []
        stored = committed(new_uow, "a")
        assert stored is not None
        assert stored.version == 1

    def test_a_view_shows_the_committed_state_now_and_a_later_get_loads_it_afresh(
        self, new_uow: NewUnitOfWork
    ) -> None:
        seed(new_uow, "a")
        with new_uow() as uow:
            before = uow.repo(Counter).view("a")
            assert (before.version, before.count) == (1, 0)
            with new_uow() as other:  # another command commits meanwhile
                counter = other.repo(Counter).get("a")
                counter.increment()
                other.repo(Counter).save(counter)
                other.commit()
            now = uow.repo(Counter).peek("a")  # shared or a private copy: either is allowed
            assert now is not None
            assert (now.version, now.count) == (2, 1)
            held = uow.repo(Counter).get("a")  # the view did not become this unit's object
            assert (held.version, held.count) == (2, 1)
            assert uow.repo(Counter).view("a") is held
            held.increment()
            uow.repo(Counter).save(held)
            uow.commit()  # no lost update: the view was never what was saved
        assert committed(new_uow, "a") == Counter(id="a", count=2)

    def test_kinds_are_separate_tables(self, new_uow: NewUnitOfWork) -> None:
        seed(new_uow, "a")
        with new_uow() as uow:
            assert uow.repo(Tally).find("a") is None
            uow.repo(Tally).add(Tally(id="a"))  # same id, other kind: no clash
            uow.commit()
        with new_uow() as uow:
            assert uow.repo(Tally).get("a") == Tally(id="a")
            assert uow.repo(Counter).get("a") == Counter(id="a")

    def test_adding_an_existing_id_raises_already_exists(self, new_uow: NewUnitOfWork) -> None:
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

    def test_the_same_unit_of_work_returns_one_object_per_id(self, new_uow: NewUnitOfWork) -> None:
        seed(new_uow, "a")
        with new_uow() as uow:
            assert uow.repo(Counter).get("a") is uow.repo(Counter).get("a")
            assert uow.repo(Counter) is uow.repo(Counter)

    def test_ids_lists_committed_ids_in_insertion_order(self, new_uow: NewUnitOfWork) -> None:
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

    def test_leaving_without_commit_discards_everything(self, new_uow: NewUnitOfWork) -> None:
        seed(new_uow, "a")
        with new_uow() as uow:
            counter = uow.repo(Counter).get("a")
            counter.increment()
            uow.repo(Counter).save(counter)
            uow.repo(Counter).add(Counter(id="b"))
        assert committed(new_uow, "a") == Counter(id="a")
        assert committed(new_uow, "b") is None
        assert uow.collect_events() == []

    def test_a_commit_after_leaving_the_block_writes_nothing(self, new_uow: NewUnitOfWork) -> None:
        with new_uow() as uow:
            uow.repo(Counter).add(Counter(id="late"))
        uow.commit()
        assert committed(new_uow, "late") is None

    def test_rollback_discards_staged_work_and_the_unit_of_work_stays_usable(
        self, new_uow: NewUnitOfWork
    ) -> None:
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

    def test_an_exception_inside_the_block_discards_and_propagates(
        self, new_uow: NewUnitOfWork
    ) -> None:
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

    def test_mutating_a_loaded_object_does_not_touch_the_store(
        self, new_uow: NewUnitOfWork
    ) -> None:
        seed(new_uow, "a")
        with new_uow() as uow:
            counter = uow.repo(Counter).get("a")
            counter.count = 42
            counter.tags.append("loaded")
        assert committed(new_uow, "a") == Counter(id="a")

    def test_objects_are_copies_after_commit(self, new_uow: NewUnitOfWork) -> None:
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

    def test_lost_update_is_refused_and_the_loser_writes_nothing(
        self, new_uow: NewUnitOfWork
    ) -> None:
        seed(new_uow, "a", "c")
        with new_uow() as tally_seed:
            tally_seed.repo(Tally).add(Tally(id="t"))
            tally_seed.commit()

        with new_uow() as first, new_uow() as second:
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
            assert second.collect_events() == []

        assert committed(new_uow, "a") == Counter(id="a", count=1)
        assert committed(new_uow, "b") is None
        assert committed(new_uow, "c") == Counter(id="c")
        assert committed_tally(new_uow, "t") == Tally(id="t")
        assert (theirs.version, other.version, tally.version) == (1, 1, 1)  # untouched

    def test_a_lost_update_in_any_kind_stops_the_writes_of_every_kind(
        self, new_uow: NewUnitOfWork
    ) -> None:
        seed(new_uow, "a")
        with new_uow() as tally_seed:
            tally_seed.repo(Tally).add(Tally(id="t"))
            tally_seed.commit()
        with new_uow() as winner, new_uow() as loser:
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
        assert committed_tally(new_uow, "t") == Tally(id="t")
        assert committed(new_uow, "a") == Counter(id="a", count=1)

    def test_concurrent_adds_of_one_id_let_only_the_first_commit(
        self, new_uow: NewUnitOfWork
    ) -> None:
        with new_uow() as first, new_uow() as second:
            first.repo(Counter).add(Counter(id="a", count=1))
            second.repo(Counter).add(Counter(id="a", count=2))
            first.commit()
            with pytest.raises(ConcurrencyError, match="added concurrently"):
                second.commit()
        assert committed(new_uow, "a") == Counter(id="a", count=1)

    def test_saving_an_aggregate_that_was_never_stored_writes_nothing(
        self, new_uow: NewUnitOfWork
    ) -> None:
        with new_uow() as uow:
            uow.repo(Counter).save(Counter(id="ghost"))
            with pytest.raises(ConcurrencyError):
                uow.commit()
        assert committed(new_uow, "ghost") is None

    def test_reading_without_saving_never_conflicts(self, new_uow: NewUnitOfWork) -> None:
        seed(new_uow, "a", "b")
        with new_uow() as reader, new_uow() as writer:
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

    # -- remove ------------------------------------------------------------------------------

    def test_a_removed_aggregate_is_gone_after_commit_and_its_id_is_free(
        self, new_uow: NewUnitOfWork
    ) -> None:
        seed(new_uow, "a", "b")
        with new_uow() as uow:
            counters = uow.repo(Counter)
            counters.remove(counters.get("a"))
            assert counters.find("a") is None  # gone for this unit of work at once
            assert committed(new_uow, "a") == Counter(id="a")  # not before commit
            uow.commit()
        assert committed(new_uow, "a") is None
        assert committed(new_uow, "b") == Counter(id="b")
        with new_uow() as uow:
            assert list(uow.repo(Counter).ids()) == ["b"]
            uow.repo(Counter).add(Counter(id="a", count=7))  # the id starts again
            uow.commit()
        again = committed(new_uow, "a")
        assert (again, again.version if again else None) == (Counter(id="a", count=7), 1)

    def test_a_removal_discarded_or_of_an_aggregate_changed_since_it_was_loaded_writes_nothing(
        self, new_uow: NewUnitOfWork
    ) -> None:
        seed(new_uow, "a", "b")
        with new_uow() as uow:
            uow.repo(Counter).remove(uow.repo(Counter).get("a"))  # left without commit
        assert committed(new_uow, "a") == Counter(id="a")
        with new_uow() as remover, new_uow() as writer:
            stale = remover.repo(Counter).get("a")
            other = remover.repo(Counter).get("b")
            other.increment()
            remover.repo(Counter).save(other)
            fresh = writer.repo(Counter).get("a")
            fresh.increment()
            writer.repo(Counter).save(fresh)
            writer.commit()
            remover.repo(Counter).remove(stale)
            with pytest.raises(ConcurrencyError, match=r"Counter 'a'"):
                remover.commit()
        assert committed(new_uow, "a") == Counter(id="a", count=1)
        assert committed(new_uow, "b") == Counter(id="b")  # all or nothing

    def test_only_an_aggregate_loaded_in_the_unit_of_work_can_be_removed(
        self, new_uow: NewUnitOfWork
    ) -> None:
        seed(new_uow, "a")
        with new_uow() as uow:
            with pytest.raises(ValidationError, match=r"Counter 'a'"):
                uow.repo(Counter).remove(Counter(id="a"))
            with pytest.raises(ValidationError):
                uow.repo(Counter).remove(uow.repo(Counter).view("a"))
            saved = uow.repo(Counter).get("a")
            saved.increment()
            uow.repo(Counter).save(saved)
            uow.repo(Counter).remove(saved)  # a save staged before is dropped
            uow.commit()
            assert uow.collect_events() == []
        assert committed(new_uow, "a") is None

    # -- prefetch: many ids in one read --------------------------------------------------------

    def test_prefetched_ids_read_as_find_reads_them(self, new_uow: NewUnitOfWork) -> None:
        seed(new_uow, "a", "b")
        with new_uow() as tally_seed:
            tally_seed.repo(Tally).add(Tally(id="t", total=3))
            tally_seed.commit()
        with new_uow() as uow:
            counters, tallies = uow.repo(Counter), uow.repo(Tally)
            prefetch(counters, ["a", "b", "nope", "a"])
            prefetch(tallies, ["t", "a"])  # another kind, read together where a store can
            a = counters.get("a")
            assert (a, a.version) == (Counter(id="a"), 1)
            assert counters.get("a") is a  # one object per id
            assert counters.view("b") == Counter(id="b")
            assert counters.find("nope") is None
            assert tallies.get("t") == Tally(id="t", total=3)
            assert tallies.find("a") is None  # kinds stay apart
            with pytest.raises(AlreadyExists):
                counters.add(Counter(id="b"))
            counters.add(Counter(id="nope"))
            a.increment()
            counters.save(a)
            uow.commit()
        assert committed(new_uow, "a") == Counter(id="a", count=1)
        assert committed(new_uow, "b") == Counter(id="b")
        assert committed(new_uow, "nope") == Counter(id="nope")

    def test_a_prefetch_stages_nothing(self, new_uow: NewUnitOfWork) -> None:
        seed(new_uow, "a")
        with new_uow() as uow:
            prefetch(uow.repo(Counter), ["a", "b"])
            uow.repo(Counter).find("b")  # a read, which a store may send the prefetch with
            uow.commit()
            assert uow.collect_events() == []
        stored = committed(new_uow, "a")
        assert (stored, stored.version if stored else None) == (Counter(id="a"), 1)
        assert committed(new_uow, "b") is None

    def test_a_prefetch_keeps_what_the_unit_of_work_holds(self, new_uow: NewUnitOfWork) -> None:
        seed(new_uow, "a")
        with new_uow() as uow:
            held = uow.repo(Counter).get("a")
            held.increment()
            fresh = Counter(id="b")
            uow.repo(Counter).add(fresh)
            prefetch(uow.repo(Counter), ["a", "b"])
            assert uow.repo(Counter).get("a") is held
            assert uow.repo(Counter).get("b") is fresh
            assert held.count == 1

    def test_a_prefetched_aggregate_is_version_checked_like_a_loaded_one(
        self, new_uow: NewUnitOfWork
    ) -> None:
        seed(new_uow, "a", "b")
        with new_uow() as mine, new_uow() as theirs:
            prefetch(mine.repo(Counter), ["a"])
            mine.repo(Counter).find("b")  # a read, which a store may send the prefetch with
            other = theirs.repo(Counter).get("a")
            other.increment()
            theirs.repo(Counter).save(other)
            theirs.commit()
            counter = mine.repo(Counter).get("a")  # read before or after their commit
            counter.increment()
            mine.repo(Counter).save(counter)
            if counter.version == 1:  # read before: a lost update, refused
                with pytest.raises(ConcurrencyError, match=r"Counter 'a'"):
                    mine.commit()
                assert committed(new_uow, "a") == Counter(id="a", count=1)
            else:
                mine.commit()
                assert committed(new_uow, "a") == Counter(id="a", count=2)

    def test_an_id_prefetched_as_missing_and_added_meanwhile_is_added_once(
        self, new_uow: NewUnitOfWork
    ) -> None:
        with new_uow() as mine, new_uow() as theirs:
            prefetch(mine.repo(Counter), ["a"])
            assert mine.repo(Counter).find("b") is None
            theirs.repo(Counter).add(Counter(id="a", count=1))
            theirs.commit()
            seen = mine.repo(Counter).find("a")  # as read by the prefetch, or now
            assert seen is None or seen == Counter(id="a", count=1)
            try:
                mine.repo(Counter).add(Counter(id="a", count=2))
                mine.commit()
            except (AlreadyExists, ConcurrencyError):
                pass  # either refusal is right: never a second "a"
            else:
                raise AssertionError("a second 'a' was added")
        assert committed(new_uow, "a") == Counter(id="a", count=1)

    # -- versions and events -----------------------------------------------------------------

    def test_versions_increase_by_one_per_commit(self, new_uow: NewUnitOfWork) -> None:
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
        self,
        new_uow: NewUnitOfWork,
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

    def test_events_come_out_after_commit_in_order_and_only_once(
        self, new_uow: NewUnitOfWork
    ) -> None:
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

    def test_no_events_from_rolled_back_or_refused_work(self, new_uow: NewUnitOfWork) -> None:
        seed(new_uow, "a")
        with new_uow() as uow:
            counter = uow.repo(Counter).get("a")
            counter.increment()
            uow.repo(Counter).save(counter)
            uow.rollback()
            assert uow.collect_events() == []

        with new_uow() as loser, new_uow() as winner:
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
        self,
        new_uow: NewUnitOfWork,
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
        self,
        new_uow: NewUnitOfWork,
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

    # -- interleaved units of work ------------------------------------------------------------

    def test_interleaved_units_of_work(self, make_store: StoreFactory) -> None:
        class OverAFreshStore(InterleavedUnitsOfWork):
            def __init__(self) -> None:
                super().__init__(make_store(AGGREGATES, EVENTS))

        run_state_machine_as_test(
            OverAFreshStore,
            settings=settings(max_examples=150, stateful_step_count=50, deadline=None),
        )
