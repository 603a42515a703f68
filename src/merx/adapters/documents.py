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

import copy
import enum
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any, Final, Protocol, Self, TypeVar, cast, runtime_checkable

import attrs

from merx.kernel.documents import Documents
from merx.kernel.errors import AlreadyExists, MerxError, NotFound, ValidationError
from merx.kernel.events import DomainEvent
from merx.kernel.ids import IdSource
from merx.kernel.uow import Keyed, Repository, take_loaded

A = TypeVar("A", bound=Keyed)


#: An aggregate's index entries, (index name, value) pairs; ``None``: its kind is not indexed
#: (or, in a :class:`ChangedDocument`, its entries did not change: the stored ones stay).
IndexEntries = tuple[tuple[str, str], ...] | None

#: An event as a commit appended it to the outbox: its seq, its id and the event itself.
CommittedEvent = tuple[int, str, DomainEvent]


@attrs.frozen
class NewDocument:
    kind: str
    key: str
    document: Any
    index: IndexEntries = None


@attrs.frozen
class ChangedDocument:
    """A document to write over the one stored at ``version`` (it becomes ``version + 1``);
    ``index``: its entries, ``None`` if its kind is not indexed or they are the ones it had
    when it was read (its stored entries are left as they are, not rewritten); ``was``:
    with ``index``, the entries stored with ``version`` if the unit of work knows them (a
    database may then write only the difference: the commit holds only if ``version`` is
    still the stored one), else ``None`` (every stored entry replaced)."""

    kind: str
    key: str
    version: int
    document: Any
    index: IndexEntries = None
    was: IndexEntries = None


@attrs.frozen
class RemovedDocument:
    """A document to delete, with its index entries, if it is still at ``version``."""

    kind: str
    key: str
    version: int


@attrs.frozen
class StoredEvent:
    """An event for the outbox: its id, its document name and its data."""

    event_id: str
    name: str
    data: Any


#: A ledger entry as a row: (book, key, kind, ref, at as ISO text, phase, link, legs as
#: (account name, signed minor units) pairs). See :mod:`merx.adapters.journal`.
EntryRow = tuple[str, str, str, str, str, str, str | None, tuple[tuple[str, int], ...]]

#: An account of a book: (book, account name).
BookAccount = tuple[str, str]


@attrs.frozen
class JournalRows:
    """What a commit writes to the ledger's journals: the entries appended, in order; how
    each account's four counters move, (debits, credits, pending debits, pending credits);
    and the version at which the unit of work read an account's figures, which must still
    be the stored one when it commits (``0``: no commit has moved it)."""

    entries: Sequence[EntryRow] = ()
    moves: Mapping[BookAccount, tuple[int, int, int, int]] = attrs.field(factory=dict)
    guards: Mapping[BookAccount, int] = attrs.field(factory=dict)

    def __bool__(self) -> bool:
        return bool(self.entries or self.moves or self.guards)


@attrs.frozen
class IndexWrites:
    """What a commit does to the index entries of its documents (:func:`index_writes`):
    the (kind, id) whose stored entries all go, the (kind, id, name) entries that go, and
    the (kind, name, value, id) entries to write (an entry of that name stored for the
    document is overwritten)."""

    replaced: list[tuple[str, str]]
    gone: list[tuple[str, str, str]]
    entries: list[tuple[str, str, str, str]]


def index_writes(
    new: Sequence[NewDocument],
    changed: Sequence[ChangedDocument],
    removed: Sequence[RemovedDocument] = (),
) -> IndexWrites:
    """The index writes of a commit: a removed document's entries go; a changed one whose
    entries as stored are known (``was``) writes only those that moved or came, and drops
    those gone (most changes move one value: one entry written, none dropped); any other
    changed one's are replaced; a new one's written."""
    replaced = [(row.kind, row.key) for row in removed]
    gone: list[tuple[str, str, str]] = []
    entries: list[tuple[str, str, str, str]] = []
    for row in changed:
        if row.index is None:
            continue
        if row.was is None:
            replaced.append((row.kind, row.key))
            entries.extend((row.kind, name, value, row.key) for name, value in row.index)
            continue
        names = {name for name, _ in row.index}
        gone.extend((row.kind, row.key, name) for name, _ in row.was if name not in names)
        stored = set(row.was)
        entries.extend(
            (row.kind, name, value, row.key)
            for name, value in row.index
            if (name, value) not in stored
        )
    entries.extend(
        (row.kind, name, value, row.key) for row in new for name, value in row.index or ()
    )
    return IndexWrites(replaced, gone, entries)


class Participant(Protocol):
    """State an adapter stages in a unit of work beside its documents (a ledger's
    journal): the rows it adds to the commit."""

    def rows(self) -> JournalRows: ...


P = TypeVar("P", bound=Participant)


class UncommittedWork(MerxError):
    """A subscriber run with others in one commit (:meth:`DocumentUnitOfWork.join_commits`)
    staged work it did not commit: the relay runs them again one by one."""


class SchemaTooNew(ValidationError):
    """The database was written by a later merx schema than this code knows."""


class SchemaTooOld(ValidationError):
    """The database needs upgrading (``python -m merx db upgrade``) and was opened
    without it."""


class DocumentDatabase(Protocol):
    """Port: what a database does for :class:`DocumentUnitOfWork`."""

    def load(self, kind: str, key: str) -> tuple[int, Any] | None:
        """The stored version and document of ``kind``/``key`` (parsed, or JSON text the
        unit of work parses only when it has no decoded copy of that version), or ``None``."""
        ...

    def keys(self, kind: str) -> list[str]:
        """The ids of ``kind``, in the order they were first written."""
        ...

    def write(
        self,
        new: Sequence[NewDocument],
        changed: Sequence[ChangedDocument],
        events: Sequence[StoredEvent],
        handled: Sequence[str] = (),
        journal: JournalRows | None = None,
        *,
        removed: Sequence[RemovedDocument] = (),
    ) -> list[int]:
        """Write everything in one transaction: new documents at version 1, changed ones at
        their version + 1, the events appended to the outbox in order, the ``handled``
        marks (a subscriber's, for one event), the ``journal`` rows, and the ``removed``
        documents deleted with their index entries. Raise
        :class:`~merx.errors.ConcurrencyError` and write nothing if a new key, a mark, an
        entry's key or follow-up is taken, a guarded balance moved, or a changed or removed
        document is no longer at its version. The outbox seqs the events got, in their
        order. (The unit of work passes ``journal`` and ``removed`` only when it has some.)"""
        ...

    def is_handled(self, mark: str) -> bool:
        """Whether a commit wrote ``mark``."""
        ...

    def find(
        self,
        kind: str,
        index: str,
        *,
        equal: str | None = None,
        upto: str | None = None,
        limit: int | None = None,
    ) -> list[str]:
        """Ids of ``kind`` whose ``index`` entry equals ``equal`` or is at most ``upto``
        (any entry when both are ``None``), in the order the documents were first written;
        the first ``limit`` of them if given."""
        ...


#: A document's address: (kind, id).
DocumentKey = tuple[str, str]


@runtime_checkable
class LoadsMany(Protocol):
    """Optional port of a :class:`DocumentDatabase`: many documents, of any kinds, in one
    read. A database without it is asked :meth:`DocumentDatabase.load` once per document
    (:func:`load_many`)."""

    def load_many(self, keys: Sequence[DocumentKey]) -> dict[DocumentKey, tuple[int, Any]]:
        """The stored version and document of each of ``keys`` that exists (as
        :meth:`DocumentDatabase.load` answers it), by key; a missing one is left out."""
        ...


@runtime_checkable
class HoldsWriters(Protocol):
    """Optional port of a :class:`DocumentDatabase`: shutting the other writers out, for a
    unit of work that runs alone (:class:`~merx.kernel.uow.Exclusive`). Without it, such a
    unit of work runs as any other (the bus's retries stay its only remedy)."""

    def hold_writers(self) -> None:
        """From now on, until this thread's next :meth:`DocumentDatabase.write` (which
        lets them go once it committed or failed) or :meth:`release_writers`, no other
        connection commits: this thread's reads see the latest commit and nothing can
        change it. Raises :class:`~merx.errors.ConcurrencyError` if the other writers
        cannot be shut out in time."""
        ...

    def release_writers(self) -> None:
        """Let the other writers in again (nothing if they were not shut out)."""
        ...


def load_many(
    database: DocumentDatabase, keys: Sequence[DocumentKey]
) -> dict[DocumentKey, tuple[int, Any]]:
    """``database.load_many(keys)`` if it has it (:class:`LoadsMany`), else one
    :meth:`~DocumentDatabase.load` per key."""
    many = getattr(database, "load_many", None)  # LoadsMany, without isinstance's cost
    if many is not None:
        found_many: dict[DocumentKey, tuple[int, Any]] = many(keys)
        return found_many
    found: dict[DocumentKey, tuple[int, Any]] = {}
    for kind, key in keys:
        row = database.load(kind, key)
        if row is not None:
            found[(kind, key)] = row
    return found


class Unread(enum.Enum):
    """The index entries of a cached version, not computed yet (or a version not cached)."""

    UNREAD = "unread"


UNREAD: Final = Unread.UNREAD


class DocumentCache:
    """The last decoded state of recently read or written aggregates, by kind and id with
    its version: reading a document whose version is the one cached costs a copy instead
    of parsing and decoding it (the database is still asked for the version, so the answer
    is always the committed state). Least recently used first out; shared by the units of
    work of one process.

    Each cached version also keeps its index entries once known (:meth:`index_of`): a
    saved aggregate's entries are compared with those of the version it was read at, so
    unchanged ones are not rewritten, and most aggregates read are not saved."""

    def __init__(self, size: int = 20_000) -> None:
        self._size = size
        self._entries: OrderedDict[tuple[str, str], tuple[int, Any, IndexEntries | Unread]] = (
            OrderedDict()
        )
        self._lock = threading.Lock()

    def get(self, kind: str, key: str, version: int) -> Any | None:
        """A private copy of the cached aggregate at ``version``, or ``None``."""
        with self._lock:
            entry = self._entries.get((kind, key))
            if entry is None or entry[0] != version:
                return None
            self._entries.move_to_end((kind, key))
            snapshot = entry[1]
        return _copy(snapshot)

    def index_of(
        self, kind: str, key: str, version: int, documents: Documents
    ) -> IndexEntries | Unread:
        """The index entries of the cached aggregate at ``version`` (computed from its
        snapshot the first time), or :data:`UNREAD` if that version is not cached."""
        with self._lock:
            entry = self._entries.get((kind, key))
        if entry is None or entry[0] != version:
            return UNREAD
        if entry[2] is not UNREAD:
            return entry[2]
        index = documents.index_entries(entry[1])  # the snapshot is never changed
        with self._lock:
            if self._entries.get((kind, key)) is entry:
                self._entries[(kind, key)] = (version, entry[1], index)
        return index

    def put(
        self, kind: str, key: str, aggregate: Any, index: IndexEntries | Unread = UNREAD
    ) -> None:
        """Keep a private copy of ``aggregate`` at its version, with its index entries if
        known."""
        snapshot = _copy(aggregate)
        with self._lock:
            self._entries[(kind, key)] = (aggregate.version, snapshot, index)
            self._entries.move_to_end((kind, key))
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)


def _copy(aggregate: Any) -> Any:
    clone = getattr(aggregate, "clone", None)
    return clone() if clone is not None else copy.deepcopy(aggregate)


class DocumentRepository(Repository[A]):
    """A repository staging changes in its unit of work until commit.

    :meth:`prefetch` asks its unit of work to read ids with the next read it sends (of
    any kind, :meth:`DocumentUnitOfWork.read`); each one found becomes this unit of work's
    own, as :meth:`find` would load it, and each one missing answers ``None`` as if
    :meth:`find` had been asked then. An id read as missing, prefetched or not, is
    remembered (:attr:`absent`) so that :meth:`add` need not ask again (the commit
    refuses an id taken meanwhile)."""

    def __init__(self, uow: DocumentUnitOfWork, kind: type[A]) -> None:
        self._uow = uow
        self._kind = kind
        self.name = uow.documents.name_of(kind)
        #: the process's cache, unless this kind's documents may be removed (see
        #: :meth:`merx.kernel.documents.Documents.removable`)
        self._cache = None if uow.documents.is_removable(kind) else uow.cache
        self.loaded: dict[str, A] = {}
        self.added: dict[str, A] = {}
        self.saved: dict[str, A] = {}
        self.removed: dict[str, A] = {}
        self.absent: set[str] = set()
        self.missing: set[str] = set()  # prefetched and not found: find answers None
        #: without a cache, the index entries of each loaded aggregate as it was read
        #: (unchanged ones are not rewritten at commit); with one, the cached version
        #: read answers (:meth:`DocumentCache.index_of`)
        self._indexed: dict[str, IndexEntries] = {}
        #: the entries of each staged aggregate as :meth:`document` wrote them
        self._writing: dict[str, IndexEntries] = {}

    def _loaded(self, key: str, aggregate: A) -> None:
        """``aggregate`` was read to change it: held, with its index entries as read (kept
        here only without a cache: the cache keeps them with the version read)."""
        self.loaded[key] = aggregate
        if self._cache is None:
            self._indexed[key] = self._uow.documents.index_entries(aggregate)

    def _as_read(self, key: str, version: int) -> IndexEntries | Unread:
        """The index entries ``key`` had at ``version``, when it was read."""
        if key in self._indexed:
            return self._indexed[key]
        if self._cache is None:
            return UNREAD
        return self._cache.index_of(self.name, key, version, self._uow.documents)

    def decoded(self, key: str, row: tuple[int, Any]) -> A:
        """The aggregate ``key`` from its stored ``row`` (version, document): the cache's
        copy of that version, else the document decoded (and cached)."""
        version, document = row
        cache = self._cache
        cached: A | None = cache.get(self.name, key, version) if cache is not None else None
        if cached is not None:
            return cached
        data = json.loads(document) if isinstance(document, str | bytes) else document
        aggregate = self._uow.documents.read(self._kind, data)
        aggregate.version = version
        if cache is not None:
            cache.put(self.name, key, aggregate)
        return aggregate

    def _read(self, key: str) -> A | None:
        row = self._uow.read(self, key)
        return None if row is None else self.decoded(key, row)

    def _held(self, key: str) -> A | None:
        for staged in (self.added, self.loaded):
            if key in staged:
                return staged[key]
        return None

    def prefetch(self, keys: Iterable[str]) -> None:
        """Read ``keys`` with this unit of work's next read (see the class docstring)."""
        for key in keys:
            if key not in self.added and key not in self.loaded:
                self._uow.want(self, key)

    def prefetched(self, key: str, row: tuple[int, Any] | None) -> None:
        """What the unit of work read for a prefetched ``key``: its row, or ``None``."""
        if key in self.added or key in self.loaded or key in self.removed:
            return
        if row is None:
            self.absent.add(key)
            self.missing.add(key)
        else:
            self._loaded(key, self.decoded(key, row))
            self.absent.discard(key)
            self.missing.discard(key)

    def get(self, key: str) -> A:
        return self._required(self.find(key), key)

    def find(self, key: str) -> A | None:
        held = self._held(key)
        if held is not None or key in self.missing:
            return held
        wanted = self._uow.wants(self, key)
        aggregate = self._read(key)
        if aggregate is None:
            self.absent.add(key)
            if wanted:  # prefetched and not found, as for the other prefetched keys
                self.missing.add(key)
        else:
            self._loaded(key, aggregate)
            self.absent.discard(key)
        return aggregate

    def view(self, key: str) -> A:
        return self._required(self.peek(key), key)

    def peek(self, key: str) -> A | None:
        held = self._held(key)
        if held is not None or key in self.missing:
            return held
        if self._uow.wants(self, key):
            return self.find(key)  # prefetched: held, as the prefetch said
        aggregate = self._read(key)  # the committed state as it is now, a private copy
        if aggregate is None:
            self.absent.add(key)
        return aggregate

    def _required(self, found: A | None, key: str) -> A:
        if found is None:
            raise NotFound(f"{self._kind.__name__} {key!r} not found")
        return found

    def add(self, aggregate: A) -> None:
        key = aggregate.id
        taken = key in self.added or key in self.loaded
        if not taken and key not in self.absent:
            taken = self._uow.read(self, key) is not None
        if taken:
            raise AlreadyExists(f"{self._kind.__name__} {key!r} already exists")
        self.added[key] = aggregate
        self._uow.stage(self, key)

    def save(self, aggregate: A) -> None:
        key = aggregate.id
        if key not in self.added and key not in self.saved:
            self.saved[key] = aggregate
            self._uow.stage(self, key)

    def remove(self, aggregate: A) -> None:
        key = aggregate.id
        if not self._uow.documents.is_removable(self._kind):
            raise ValidationError(
                f"{self._kind.__name__} documents are not removable: "
                "register them with Documents.removable"
            )
        take_loaded(self.loaded, aggregate, self._kind)
        if self.saved.pop(key, None) is not None:
            self._uow.unstage(self, key)
        self.removed[key] = aggregate
        self.missing.add(key)  # find answers None from now on

    def removals(self) -> list[RemovedDocument]:
        """What to delete at commit."""
        return [RemovedDocument(self.name, key, a.version) for key, a in self.removed.items()]

    def ids(self) -> Iterator[str]:
        return iter(self._uow.database.keys(self.name))

    def drop_unstaged(self) -> None:
        """Forget the loaded aggregates that are not staged (:meth:`DocumentUnitOfWork.settle`)."""
        for key in [key for key in self.loaded if key not in self.saved]:
            del self.loaded[key]

    def document(self, key: str) -> NewDocument | ChangedDocument:
        """What to write for the staged ``key``."""
        documents = self._uow.documents
        if key in self.added:
            added = self.added[key]
            entries = self._writing[key] = documents.index_entries(added)
            return NewDocument(self.name, key, documents.write(added), entries)
        aggregate = self.saved[key]
        data = documents.write(aggregate)
        entries = self._writing[key] = documents.index_entries(aggregate)
        if entries is None:
            return ChangedDocument(self.name, key, aggregate.version, data)
        was = self._as_read(key, aggregate.version)
        if was == entries:  # as read: the stored entries stay
            return ChangedDocument(self.name, key, aggregate.version, data)
        known = None if was is UNREAD else was
        return ChangedDocument(self.name, key, aggregate.version, data, entries, known)

    def pending(self, key: str) -> list[DomainEvent]:
        """The events the staged ``key`` recorded, not drained."""
        aggregate: Any = self.added.get(key) or self.saved[key]
        return list(aggregate.pending_events)

    def written(self, key: str) -> list[DomainEvent]:
        """``key`` was committed: its new version, and its events drained."""
        aggregate = self.added.get(key) or self.saved[key]
        aggregate.version = 1 if key in self.added else aggregate.version + 1
        events = aggregate.pull_events()
        if self._cache is not None:
            self._cache.put(self.name, key, aggregate, self._writing.pop(key, UNREAD))
        return events


class DocumentUnitOfWork:
    """A unit of work over a :class:`DocumentDatabase` (see the module docstring).

    ``cache``: decoded aggregates shared by the units of work of a process;
    ``on_commit``: told, after each commit that appended events, each event with the seq
    and id the outbox gave it (the outbox relay of the process delivers them from there
    without reading them back, :class:`merx.adapters.relay.OutboxRelay`).
    """

    def __init__(
        self,
        database: DocumentDatabase,
        documents: Documents,
        ids: IdSource,
        cache: DocumentCache | None = None,
        on_commit: Callable[[Sequence[CommittedEvent]], None] | None = None,
    ) -> None:
        self.database = database
        self.documents = documents
        self.cache = cache
        self._ids = ids
        self._on_commit = on_commit
        self._repos: dict[type[Any], DocumentRepository[Any]] = {}
        self._staged: list[tuple[DocumentRepository[Any], str]] = []
        self._events: list[DomainEvent] = []
        self._marks: list[str] = []
        self._deferred: list[str] = []  # marks written by :meth:`finish_handling`
        self._participants: dict[Hashable, Participant] = {}
        self._wanted: dict[DocumentKey, DocumentRepository[Any]] = {}
        self._commits = 0
        self._holding = False  # the other writers are shut out (:meth:`exclusively`)
        self._shared: dict[DocumentKey, tuple[int, Any] | None] | None = None  # share_reads
        self._ahead: list[DocumentKey] = []  # read_ahead: read with the next read, shared
        self._joining = False  # commits wait for commit_joined (join_commits)
        self._joined = 0  # commits asked for while joining
        self._at_joined: tuple[int, int, tuple[JournalRows, ...]] = (0, 0, ())

    @property
    def committed(self) -> bool:
        return self._commits > 0

    @property
    def commits(self) -> int:
        """How many times this unit of work committed (while joining: was asked to)."""
        return self._joined if self._joining else self._commits

    def join_commits(self) -> None:
        """From now on :meth:`commit` writes nothing: what each commit would have written
        waits, staged, for :meth:`commit_joined`, which writes it all in one commit. The
        relay runs several subscribers so (:class:`merx.adapters.relay.OutboxRelay`): each
        sees what the ones before it staged, as it would have seen their commits, and
        :meth:`settle` between two checks that none left work it did not commit."""
        self._joining = True
        self._joined = 0
        self._at_joined = self._staging()

    def settle(self, since: int, mark: str) -> int:
        """After a subscriber run while joining returned: ``since`` is :attr:`commits`
        before it ran, ``mark`` what its work writes. One that asked for no commit writes
        no mark (as on leaving a unit of work of its own); loaded aggregates nobody staged
        are dropped, so the next one reads them afresh, as in a unit of work of its own.
        :class:`UncommittedWork` if something was staged since the last commit asked for
        (another subscriber's commit would write it). :attr:`commits` now."""
        if self._staging() != self._at_joined:
            raise UncommittedWork(f"{mark}: staged work left uncommitted")
        if self._joined == since:
            self._marks.remove(mark)
        for repo in self._repos.values():
            repo.drop_unstaged()
        return self._joined

    def _staging(self) -> tuple[int, int, tuple[JournalRows, ...]]:
        """What is staged: documents, removals, the participants' rows."""
        removed = sum(len(repo.removed) for repo in self._repos.values())
        rows = tuple(participant.rows() for participant in self._participants.values())
        return len(self._staged), removed, rows

    def commit_joined(self) -> bool:
        """Write what the commits asked for while joining staged, in one commit, and stop
        joining; whether there was anything to write (else nothing is, as on a rollback)."""
        self._joining = False
        if not self._joined:
            self.rollback()
            return False
        self.commit()
        return True

    def exclusively(self) -> None:
        """Shut the database's other writers out until this unit of work's next commit or
        rollback (:class:`~merx.kernel.uow.Exclusive`), if it can (:class:`HoldsWriters`)."""
        if self._holding or not isinstance(self.database, HoldsWriters):
            return
        self.database.hold_writers()
        self._holding = True

    def want(self, repo: DocumentRepository[Any], key: str) -> None:
        """Read ``repo``'s ``key`` with the next read (a prefetch)."""
        self._wanted[(repo.name, key)] = repo

    def wants(self, repo: DocumentRepository[Any], key: str) -> bool:
        """Whether a prefetch of ``repo``'s ``key`` waits for the next read."""
        return (repo.name, key) in self._wanted

    def share_reads(self, reads: dict[DocumentKey, tuple[int, Any] | None]) -> None:
        """Answer reads from ``reads`` first and add to it the rows this unit of work reads
        from the database (``None``: read ahead and absent); its commits drop what they
        wrote. The relay shares one between the subscribers of one event (each in its unit
        of work, most reading the same order): a row read a moment earlier is as good as one
        read now (a view is the committed state of a moment; a saved aggregate is
        version-checked at commit, an added one refused if another commit added it)."""
        self._shared = reads

    def read_ahead(self, keys: Iterable[tuple[type[Any], str]]) -> None:
        """Read ``keys`` (class, id) with this unit of work's next read, into the shared
        reads (:meth:`share_reads`; without them, a no-op): what the other subscribers of
        the event declared they read (:func:`merx.kernel.bus.reads_ahead`)."""
        shared = self._shared
        if shared is None:
            return
        for cls, key in keys:
            address = (self.documents.name_of(cls), key)
            if address not in shared and address not in self._ahead:
                self._ahead.append(address)

    def read(self, repo: DocumentRepository[Any], key: str) -> tuple[int, Any] | None:
        """The stored row of ``repo``'s ``key``, read with every prefetch waiting (one
        read: :func:`load_many`), whose rows go to their repositories."""
        shared = self._shared
        if not self._wanted and shared is None:
            return self.database.load(repo.name, key)
        wanted, self._wanted = self._wanted, {}
        wanted.pop((repo.name, key), None)
        keys: list[DocumentKey] = [(repo.name, key), *wanted]
        rows = {k: shared[k] for k in keys if k in shared} if shared else {}
        missing = [k for k in keys if k not in rows]
        ahead, self._ahead = self._ahead, []
        if missing and shared is not None:  # no read, no read ahead: it waits for one
            missing += [k for k in ahead if k not in shared and k not in missing]
        elif ahead:
            self._ahead = ahead
        if len(missing) == 1:
            row = self.database.load(*missing[0])
            found = {} if row is None else {missing[0]: row}
        else:
            found = load_many(self.database, missing) if missing else {}
        rows.update(found)
        if shared is not None:
            shared.update(found)
            shared.update({k: None for k in ahead if k in missing and k not in found})
        for address, owner in wanted.items():
            owner.prefetched(address[1], rows.get(address))
        return rows.get((repo.name, key))

    def joined(self, key: Hashable, make: Callable[[], P]) -> P:
        """The participant of this unit of work under ``key``, made by ``make`` the first
        time (see :class:`Participant`); commit and rollback drop every participant."""
        found = self._participants.get(key)
        if found is None:
            found = self._participants[key] = make()
        return cast(P, found)

    def handling(self, mark: str, *, known_new: bool = False, deferred: bool = False) -> bool:
        """Start handling what ``mark`` names (a subscriber and an event): ``False`` if a
        commit already wrote it (the work was done), else ``True``, and the next commit of
        this unit of work writes the mark with its changes, all or nothing. ``known_new``:
        the caller knows no commit wrote it (the database is not asked; a commit that finds
        the mark taken after all is refused with :class:`~merx.errors.ConcurrencyError`).
        ``deferred``: the work commits in steps (:func:`~merx.kernel.bus.commits_in_steps`);
        the mark waits for :meth:`finish_handling`, once every step is done."""
        if not known_new and self.database.is_handled(mark):
            return False
        (self._deferred if deferred else self._marks).append(mark)
        return True

    def finish_handling(self) -> None:
        """Write the deferred marks (:meth:`handling`) in a commit of their own, the work
        done: whatever was staged and not committed is dropped first, as on leaving. If
        the work committed nothing, no mark is written (running it again does nothing)."""
        if not self._commits:  # no step was stored: nothing to mark
            self._deferred.clear()
            return
        self.rollback()
        self._marks, self._deferred = self._deferred, []
        self.commit()

    def repo(self, kind: type[A]) -> Repository[A]:
        found = self._repos.get(kind)
        if found is None:
            found = self._repos[kind] = DocumentRepository(self, kind)
        return cast("Repository[A]", found)

    def stage(self, repo: DocumentRepository[Any], key: str) -> None:
        self._staged.append((repo, key))

    def unstage(self, repo: DocumentRepository[Any], key: str) -> None:
        self._staged.remove((repo, key))

    def commit(self) -> None:
        if self._joining:
            self._joined += 1
            self._at_joined = self._staging()
            return
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
        journal = _merged([participant.rows() for participant in self._participants.values()])
        removed = [gone for repo in self._repos.values() for gone in repo.removals()]
        try:
            if removed:
                seqs = self.database.write(
                    new, changed, stored, self._marks, journal, removed=removed
                )
            elif journal:
                seqs = self.database.write(new, changed, stored, self._marks, journal)
            else:
                seqs = self.database.write(new, changed, stored, self._marks)  # all or nothing
        finally:
            self._holding = False  # a write lets the other writers in again
        self._marks = []
        self._participants.clear()
        if self._shared is not None:  # what others read of these is stale now
            touched: list[NewDocument | ChangedDocument | RemovedDocument] = [
                *new, *changed, *removed
            ]  # fmt: skip
            for gone in touched:
                self._shared.pop((gone.kind, gone.key), None)
        for repo, key in self._staged:
            self._events.extend(repo.written(key))
        if self._on_commit is not None and events:
            assert len(seqs) == len(events), "the outbox gave one seq per event"
            self._on_commit(
                [
                    (seq, row.event_id, event)
                    for seq, row, event in zip(seqs, stored, events, strict=True)
                ]
            )
        self._commits += 1
        self._repos.clear()
        self._staged.clear()
        self._wanted.clear()

    def rollback(self) -> None:
        self._joining = False
        if self._holding:
            self._holding = False
            assert isinstance(self.database, HoldsWriters)
            self.database.release_writers()
        self._repos.clear()
        self._staged.clear()
        self._participants.clear()
        self._wanted.clear()

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


def _merged(parts: Sequence[JournalRows]) -> JournalRows:
    """The rows of every participant as one."""
    if len(parts) <= 1:
        return parts[0] if parts else JournalRows()
    entries: list[EntryRow] = []
    moves: dict[BookAccount, tuple[int, int, int, int]] = {}
    guards: dict[BookAccount, int] = {}
    for part in parts:
        entries.extend(part.entries)
        moves.update(part.moves)  # participants are per book: their accounts never overlap
        guards.update(part.guards)
    return JournalRows(entries, moves, guards)
