"""Ports for storage: repositories and the unit of work.

A command handler opens a unit of work, loads aggregates through ``uow.repo(Kind)``,
calls the model, ``save``\\ s what changed and commits. Commit is all or nothing: every
saved aggregate is version-checked first (a lost update raises
:class:`merx.errors.ConcurrencyError` and writes nothing), then all are written. Leaving
the ``with`` block without commit discards everything.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, MutableMapping
from types import TracebackType
from typing import Protocol, Self, TypeVar, runtime_checkable

from merx.kernel.errors import ValidationError
from merx.kernel.events import DomainEvent


class Keyed(Protocol):
    """What a repository needs of an aggregate: an id, a version and recorded events."""

    @property
    def id(self) -> str: ...

    version: int

    def pull_events(self) -> list[DomainEvent]: ...


A = TypeVar("A", bound=Keyed)


class Repository(Protocol[A]):
    """Port: loads and stores one kind of aggregate by id."""

    def get(self, key: str) -> A:
        """The aggregate with id ``key``; :class:`merx.errors.NotFound` if there is none."""
        ...

    def find(self, key: str) -> A | None:
        """The aggregate with id ``key``, or ``None``."""
        ...

    def view(self, key: str) -> A:
        """The aggregate ``key`` for reading only (:class:`merx.errors.NotFound` if there is
        none): the one this unit of work holds, else the committed state, which the caller
        must neither change nor save (adapters may hand it out without a private copy)."""
        ...

    def peek(self, key: str) -> A | None:
        """Like :meth:`view`, ``None`` if there is none."""
        ...

    def add(self, aggregate: A) -> None:
        """Stage a new aggregate; :class:`merx.errors.AlreadyExists` if the id is taken. (An
        id this unit of work read as missing may be taken by another commit since: a store
        may leave that to the commit, which refuses it with
        :class:`merx.errors.ConcurrencyError`, as it refuses any id added concurrently.)"""
        ...

    def save(self, aggregate: A) -> None:
        """Stage a loaded aggregate's changes for commit."""
        ...

    def remove(self, aggregate: A) -> None:
        """Stage the deletion of a loaded aggregate (``get`` or ``find`` of this unit of
        work): at commit it must still be at the version loaded, else the commit raises
        :class:`merx.errors.ConcurrencyError` and writes nothing, as a lost update does.
        After the commit its id is free, as if it had never been added."""
        ...

    def ids(self) -> Iterator[str]:
        """Every stored id (committed state), in insertion order."""
        ...


@runtime_checkable
class Prefetching(Protocol):
    """Optional part of a :class:`Repository`: reading many ids at once (see
    :func:`prefetch`)."""

    def prefetch(self, keys: Iterable[str]) -> None:
        """Read ``keys`` together, as :meth:`Repository.find` would, no later than the
        next read of this unit of work that needs the database."""
        ...


@runtime_checkable
class Exclusive(Protocol):
    """Optional part of a :class:`UnitOfWork`: running alone. :meth:`exclusively` shuts
    the store's other writers out from now until this unit of work's first commit (or its
    rollback): what it reads cannot change under it, so that commit cannot meet another.
    The bus asks for it once a command kept meeting other commits
    (:class:`merx.kernel.bus.MessageBus`, ``exclusive_after``)."""

    def exclusively(self) -> None: ...


def prefetch(repo: Repository[A], keys: Iterable[str]) -> None:
    """Tell ``repo`` its unit of work is about to read ``keys`` (``get``, ``find``,
    ``view``, ``peek``, or ``add`` of a new id), so that a store that can reads them
    together with its next read instead of one read each: a :class:`Prefetching`
    repository. Each one found is then this unit of work's own object, as ``find`` would
    load it (a ``view`` answers it; saved, it is version-checked like any loaded
    aggregate); a missing one answers ``None`` as ``find`` would have then, and lets ``add``
    skip asking again. Any other store ignores the
    hint and reads each id when asked, so callers never rely on it for anything but the
    number of reads."""
    ahead = getattr(repo, "prefetch", None)  # Prefetching: an isinstance of a runtime
    if ahead is not None:  # protocol costs ~10 us on every read of every order
        ahead(keys)


def take_loaded(loaded: MutableMapping[str, A], aggregate: A, kind: type[A]) -> None:
    """Take ``aggregate`` out of a repository's ``loaded`` aggregates, to remove it
    (:meth:`Repository.remove`); :class:`merx.errors.ValidationError` unless it is the one
    this unit of work loaded under its id (a view, a copy or a stranger is refused)."""
    key = aggregate.id
    if loaded.get(key) is not aggregate:
        raise ValidationError(
            f"{kind.__name__} {key!r}: only an aggregate loaded in this unit of work can be removed"
        )
    del loaded[key]


def add_or_save(repo: Repository[A], aggregate: A) -> None:
    """Stage ``aggregate``: added when ``repo`` holds none with its id yet (one made fresh
    in this unit of work, such as a singleton index), saved otherwise."""
    if repo.find(aggregate.id) is None:
        repo.add(aggregate)
    else:
        repo.save(aggregate)


class UnitOfWork(Protocol):
    """Port: one atomic change across any number of aggregates."""

    def repo(self, kind: type[A]) -> Repository[A]: ...

    @property
    def committed(self) -> bool:
        """Whether this unit of work has committed anything yet."""
        ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def collect_events(self) -> list[DomainEvent]:
        """Events of the aggregates written by the commits so far, drained on each call.

        Each aggregate's events come in the order it recorded them; aggregates come in the
        order they were first added or saved in the unit of work.
        """
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
