"""Units of work over any database that keeps aggregates as JSON documents.

A database adapter implements the small port :class:`DocumentDatabase`: read one
document, list the ids of a kind, and write a commit (new documents, changed documents
each guarded by the version it was read at, the commit's events for the outbox) all or
nothing. :class:`DocumentUnitOfWork` does the rest of the :class:`~merx.kernel.uow.UnitOfWork`
contract the same way for every database: one object per id in a unit of work, staging,
views, versions, events in order. Documents are written and read through a
:class:`~merx.kernel.documents.Documents` (``merx.app.documents()``), so this module knows
no context.

Reads run outside any transaction (each sees the latest commit, as the memory store's
do); a commit checks the version of every changed document, so a lost update is refused
with :class:`~merx.errors.ConcurrencyError` and nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar, cast

import attrs

from merx.kernel.documents import Documents
from merx.kernel.errors import AlreadyExists, NotFound, ValidationError
from merx.kernel.events import DomainEvent
from merx.kernel.ids import IdSource
from merx.kernel.uow import Keyed, Repository

A = TypeVar("A", bound=Keyed)


@attrs.frozen
class NewDocument:
    kind: str
    key: str
    document: Any


@attrs.frozen
class ChangedDocument:
    """A document to write over the one stored at ``version`` (it becomes ``version + 1``)."""

    kind: str
    key: str
    version: int
    document: Any


@attrs.frozen
class StoredEvent:
    """An event for the outbox: its id, its document name and its data."""

    event_id: str
    name: str
    data: Any


class SchemaTooNew(ValidationError):
    """The database was written by a later merx schema than this code knows."""


class DocumentDatabase(Protocol):
    """Port: what a database does for :class:`DocumentUnitOfWork`."""

    def load(self, kind: str, key: str) -> tuple[int, Any] | None:
        """The stored version and document of ``kind``/``key``, or ``None``."""
        ...

    def keys(self, kind: str) -> list[str]:
        """The ids of ``kind``, in the order they were first written."""
        ...

    def write(
        self,
        new: Sequence[NewDocument],
        changed: Sequence[ChangedDocument],
        events: Sequence[StoredEvent],
    ) -> None:
        """Write everything in one transaction: new documents at version 1, changed ones at
        their version + 1, the events appended to the outbox in order. Raise
        :class:`~merx.errors.ConcurrencyError` and write nothing if a new key is taken or a
        changed document is no longer at its version."""
        ...


class DocumentRepository(Repository[A]):
    """A repository staging changes in its unit of work until commit."""

    def __init__(self, uow: DocumentUnitOfWork, kind: type[A]) -> None:
        self._uow = uow
        self._kind = kind
        self._name = uow.documents.name_of(kind)
        self.loaded: dict[str, A] = {}
        self.added: dict[str, A] = {}
        self.saved: dict[str, A] = {}
        self.viewed: dict[str, A] = {}

    def _read(self, key: str) -> A | None:
        row = self._uow.database.load(self._name, key)
        if row is None:
            return None
        version, document = row
        aggregate = self._uow.documents.read(self._kind, document)
        aggregate.version = version
        return aggregate

    def _held(self, key: str) -> A | None:
        for staged in (self.added, self.loaded):
            if key in staged:
                return staged[key]
        return None

    def get(self, key: str) -> A:
        return self._required(self.find(key), key)

    def find(self, key: str) -> A | None:
        held = self._held(key)
        if held is not None:
            return held
        aggregate = self._read(key)
        if aggregate is not None:
            self.loaded[key] = aggregate
            self.viewed.pop(key, None)
        return aggregate

    def view(self, key: str) -> A:
        return self._required(self.peek(key), key)

    def peek(self, key: str) -> A | None:
        held = self._held(key)
        if held is not None:
            return held
        viewed = self.viewed.get(key)
        if viewed is None:
            viewed = self._read(key)
            if viewed is not None:
                self.viewed[key] = viewed
        return viewed

    def _required(self, found: A | None, key: str) -> A:
        if found is None:
            raise NotFound(f"{self._kind.__name__} {key!r} not found")
        return found

    def add(self, aggregate: A) -> None:
        key = aggregate.id
        if key in self.added or self._uow.database.load(self._name, key) is not None:
            raise AlreadyExists(f"{self._kind.__name__} {key!r} already exists")
        self.added[key] = aggregate
        self._uow.stage(self, key)

    def save(self, aggregate: A) -> None:
        key = aggregate.id
        if key not in self.added and key not in self.saved:
            self.saved[key] = aggregate
            self._uow.stage(self, key)

    def ids(self) -> Iterator[str]:
        return iter(self._uow.database.keys(self._name))

    def document(self, key: str) -> NewDocument | ChangedDocument:
        """What to write for the staged ``key``."""
        if key in self.added:
            return NewDocument(self._name, key, self._uow.documents.write(self.added[key]))
        aggregate = self.saved[key]
        data = self._uow.documents.write(aggregate)
        return ChangedDocument(self._name, key, aggregate.version, data)

    def pending(self, key: str) -> list[DomainEvent]:
        """The events the staged ``key`` recorded, not drained."""
        aggregate: Any = self.added.get(key) or self.saved[key]
        return list(aggregate.pending_events)

    def written(self, key: str) -> list[DomainEvent]:
        """``key`` was committed: its new version, and its events drained."""
        aggregate = self.added.get(key) or self.saved[key]
        aggregate.version = 1 if key in self.added else aggregate.version + 1
        return aggregate.pull_events()


class DocumentUnitOfWork:
    """A unit of work over a :class:`DocumentDatabase` (see the module docstring)."""

    def __init__(self, database: DocumentDatabase, documents: Documents, ids: IdSource) -> None:
        self.database = database
        self.documents = documents
        self._ids = ids
        self._repos: dict[type[Any], DocumentRepository[Any]] = {}
        self._staged: list[tuple[DocumentRepository[Any], str]] = []
        self._events: list[DomainEvent] = []
        self._commits = 0

    @property
    def committed(self) -> bool:
        return self._commits > 0

    def repo(self, kind: type[A]) -> Repository[A]:
        found = self._repos.get(kind)
        if found is None:
            found = self._repos[kind] = DocumentRepository(self, kind)
        return cast("Repository[A]", found)

    def stage(self, repo: DocumentRepository[Any], key: str) -> None:
        self._staged.append((repo, key))

    def commit(self) -> None:
        new: list[NewDocument] = []
        changed: list[ChangedDocument] = []
        events: list[DomainEvent] = []
        for repo, key in self._staged:
            row = repo.document(key)
            if isinstance(row, NewDocument):
                new.append(row)
            else:
                changed.append(row)
            events.extend(repo.pending(key))
        stored = [
            StoredEvent(self._ids.next_id("evt"), self.documents.name_of(type(event)), data)
            for event in events
            for data in (self.documents.write(event),)
        ]
        self.database.write(new, changed, stored)  # all or nothing; ConcurrencyError if lost
        for repo, key in self._staged:
            self._events.extend(repo.written(key))
        self._commits += 1
        self._repos.clear()
        self._staged.clear()

    def rollback(self) -> None:
        self._repos.clear()
        self._staged.clear()

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
