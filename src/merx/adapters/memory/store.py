"""In-memory storage: a store of committed aggregates and units of work over it.

Aggregates are copied on the way in and out, so an object a caller holds is never the
stored one: a failed or uncommitted command leaves the store exactly as it was. The one
exception is :meth:`MemoryRepository.view`, which hands out the committed object itself
for reading; a store built with ``check_views=True`` (as the tests do) verifies at the end
of every unit of work that no view was changed.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Hashable, Iterator
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar, cast

from merx.kernel.errors import AlreadyExists, ConcurrencyError, NotFound
from merx.kernel.events import DomainEvent
from merx.kernel.uow import Keyed, Repository, take_loaded

A = TypeVar("A", bound=Keyed)


class Participant(Protocol):
    """State an adapter keeps beside the aggregates (a ledger's journal) that commits with
    a unit of work: ``check`` raises :class:`~merx.errors.ConcurrencyError` if it cannot
    commit, ``write`` makes it committed; both run under the store's lock, after the
    repositories' checks and before their writes."""

    def check(self) -> None: ...

    def write(self) -> None: ...


P = TypeVar("P", bound=Participant)


def _copy(aggregate: Any) -> Any:
    """A private copy: the aggregate's own cheap ``clone`` if it has one."""
    clone = getattr(aggregate, "clone", None)
    return clone() if clone is not None else copy.deepcopy(aggregate)


class ViewChanged(AssertionError):
    """Code changed an aggregate it had only viewed (a defect, found by ``check_views``)."""


class MemoryStore:
    """Committed state: per aggregate kind, id -> (version, snapshot).

    ``check_views``: keep a copy of every viewed aggregate and check, when its unit of
    work ends, that the view was not changed (doubles the cost of a view; for tests).
    """

    def __init__(self, *, check_views: bool = False) -> None:
        self.tables: dict[type[Any], dict[str, tuple[int, Any]]] = {}
        #: committed state adapters keep beside the aggregates, by the adapter's key
        self.extensions: dict[Hashable, Any] = {}
        self.lock = threading.Lock()
        self.check_views = check_views

    def table(self, kind: type[Any]) -> dict[str, tuple[int, Any]]:
        return self.tables.setdefault(kind, {})

    def load(self, kind: type[A], key: str) -> A | None:
        """A private copy of the committed aggregate, or ``None``."""
        row = self.tables.get(kind, {}).get(key)
        if row is None:
            return None
        version, snapshot = row
        aggregate = cast(A, _copy(snapshot))
        aggregate.version = version
        return aggregate


class MemoryRepository(Repository[A]):
    """A repository staging changes in its unit of work until commit."""

    def __init__(
        self,
        store: MemoryStore,
        kind: type[A],
        staged: list[tuple[type[Any], str]],
        viewed: list[tuple[Any, Any]],
    ) -> None:
        self._store = store
        self._kind = kind
        self._staged = staged
        self._viewed = viewed
        self.loaded: dict[str, A] = {}
        self.added: dict[str, A] = {}
        self.saved: dict[str, A] = {}
        self.removed: dict[str, A] = {}

    def get(self, key: str) -> A:
        return self._required(self.find(key), key)

    def find(self, key: str) -> A | None:
        held = self._held(key)
        if held is not None or key in self.removed:
            return held
        aggregate = self._store.load(self._kind, key)
        if aggregate is not None:
            self.loaded[key] = aggregate
        return aggregate

    def view(self, key: str) -> A:
        return self._required(self.peek(key), key)

    def peek(self, key: str) -> A | None:
        held = self._held(key)
        if held is not None or key in self.removed:
            return held
        row = self._store.tables.get(self._kind, {}).get(key)
        if row is None:
            return None
        snapshot: A = row[1]
        if self._store.check_views:
            self._viewed.append((snapshot, _copy(snapshot)))
        return snapshot

    def _held(self, key: str) -> A | None:
        """The aggregate this unit of work already holds (added or loaded), if any."""
        for staged in (self.added, self.loaded):
            if key in staged:
                return staged[key]
        return None

    def _required(self, found: A | None, key: str) -> A:
        if found is None:
            raise NotFound(f"{self._kind.__name__} {key!r} not found")
        return found

    def add(self, aggregate: A) -> None:
        key = aggregate.id
        if key in self.added or key in self._store.tables.get(self._kind, {}):
            raise AlreadyExists(f"{self._kind.__name__} {key!r} already exists")
        self.added[key] = aggregate
        self._staged.append((self._kind, key))

    def save(self, aggregate: A) -> None:
        key = aggregate.id
        row = self._store.tables.get(self._kind, {}).get(key)
        if row is not None and row[1] is aggregate:
            raise ViewChanged(f"{self._kind.__name__} {key!r}: a view cannot be saved")
        if key not in self.added and key not in self.saved:
            self.saved[key] = aggregate
            self._staged.append((self._kind, key))

    def remove(self, aggregate: A) -> None:
        key = aggregate.id
        take_loaded(self.loaded, aggregate, self._kind)
        if self.saved.pop(key, None) is not None:
            self._staged.remove((self._kind, key))
        self.removed[key] = aggregate

    def ids(self) -> Iterator[str]:
        return iter(list(self._store.tables.get(self._kind, {})))

    def check(self) -> None:
        """Raise if any staged write would overwrite someone else's commit."""
        table = self._store.tables.get(self._kind, {})
        for key in self.added:
            if key in table:
                raise ConcurrencyError(f"{self._kind.__name__} {key!r} was added concurrently")
        for key, aggregate in [*self.saved.items(), *self.removed.items()]:
            row = table.get(key)
            stored = row[0] if row else None
            if stored != aggregate.version:
                raise ConcurrencyError(
                    f"{self._kind.__name__} {key!r} changed since it was loaded "
                    f"(loaded version {aggregate.version}, stored {stored})"
                )

    def write(self) -> dict[str, list[DomainEvent]]:
        """Store every staged aggregate; their events by id."""
        table = self._store.table(self._kind)
        events: dict[str, list[DomainEvent]] = {}
        for key, aggregate in [*self.added.items(), *self.saved.items()]:
            events[key] = aggregate.pull_events()
            aggregate.version += 1
            table[key] = (aggregate.version, _copy(aggregate))
        for key in self.removed:
            del table[key]
        self.added.clear()
        self.saved.clear()
        self.removed.clear()
        return events


class MemoryUnitOfWork:
    """A unit of work over a :class:`MemoryStore` (see :mod:`merx.kernel.uow`)."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._repos: dict[type[Any], MemoryRepository[Any]] = {}
        self._staged: list[tuple[type[Any], str]] = []
        self._viewed: list[tuple[Any, Any]] = []  # (view, its copy) under check_views
        self._events: list[DomainEvent] = []
        self._participants: dict[Hashable, Participant] = {}
        self._commits = 0

    @property
    def store(self) -> MemoryStore:
        return self._store

    @property
    def committed(self) -> bool:
        return self._commits > 0

    def joined(self, key: Hashable, make: Callable[[], P]) -> P:
        """The participant of this unit of work under ``key``, made by ``make`` the first
        time (see :class:`Participant`); commit and rollback drop every participant."""
        found = self._participants.get(key)
        if found is None:
            found = self._participants[key] = make()
        return cast(P, found)

    def repo(self, kind: type[A]) -> Repository[A]:
        found = self._repos.get(kind)
        if found is None:
            found = self._repos[kind] = MemoryRepository(
                self._store, kind, self._staged, self._viewed
            )
        return cast("Repository[A]", found)

    def _check_views(self) -> None:
        viewed = list(self._viewed)
        self._viewed.clear()  # shared with the repositories: cleared in place
        for view, copied in viewed:
            if view != copied or view.pending_events:
                raise ViewChanged(f"{type(view).__name__} {view.id!r} was changed through a view")

    def commit(self) -> None:
        self._check_views()
        participants = list(self._participants.values())
        with self._store.lock:
            for repo in self._repos.values():
                repo.check()
            for participant in participants:
                participant.check()
            for participant in participants:
                participant.write()
            written = {kind: repo.write() for kind, repo in self._repos.items()}
        for kind, key in self._staged:
            self._events.extend(written[kind][key])
        self._commits += 1
        self._repos.clear()
        self._staged.clear()
        self._participants.clear()

    def rollback(self) -> None:
        self._repos.clear()
        self._staged.clear()
        self._participants.clear()
        self._check_views()

    def collect_events(self) -> list[DomainEvent]:
        events, self._events = self._events, []
        return events

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()
