"""Aggregates and events as JSON documents: what a database store needs to know.

A :class:`Documents` maps each stored aggregate class and each event class to a stable
name (``"orders.Order"``, ``"orders.OrderPaid"``) and to the functions that turn it into
plain JSON-ready data and back (each context's ``serde``). The composition root builds one
from every context (``merx.app.documents()``); a store adapter takes it and never imports
a context. Names, not class paths, are written to the database, so a class may move
between modules without a migration.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

import attrs

from merx.kernel.errors import UnknownDocumentKind, ValidationError
from merx.kernel.events import DomainEvent

T = TypeVar("T")

Writer = Callable[[Any], Any]
Reader = Callable[[Any, type[Any]], Any]
#: An aggregate's index entries: name -> value (``None``: not in that index). Values are
#: strings compared as text (instants in :func:`index_instant`'s form sort by time).
Indexer = Callable[[Any], Mapping[str, str | None]]


def index_instant(instant: datetime) -> str:
    """An instant as index text: UTC, always with microseconds, so text order is time
    order."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@attrs.frozen
class DocumentKind:
    """One class, its stored name, and its writer and reader."""

    name: str
    cls: type[Any]
    write: Writer
    read: Reader


@attrs.define
class Documents:
    """The stored aggregates and events, by class and by name."""

    _by_class: dict[type[Any], DocumentKind] = attrs.field(factory=dict)
    _by_name: dict[str, DocumentKind] = attrs.field(factory=dict)
    _indexers: dict[type[Any], Indexer] = attrs.field(factory=dict)
    _removable: set[type[Any]] = attrs.field(factory=set)

    def register(self, name: str, cls: type[Any], write: Writer, read: Reader) -> None:
        """Store ``cls`` under ``name`` (each unique)."""
        if name in self._by_name or cls in self._by_class:
            raise ValidationError(f"{name!r} ({cls.__name__}) is registered twice")
        kind = DocumentKind(name, cls, write, read)
        self._by_class[cls] = kind
        self._by_name[name] = kind

    def register_all(
        self, prefix: str, classes: Iterable[type[Any]], write: Writer, read: Reader
    ) -> None:
        """Each of ``classes`` under ``prefix.ClassName``."""
        for cls in classes:
            self.register(f"{prefix}.{cls.__name__}", cls, write, read)

    def index(self, cls: type[Any], indexer: Indexer) -> None:
        """Keep ``indexer``'s entries of every stored ``cls`` (what a query port looks up)."""
        if cls not in self._by_class:
            raise UnknownDocumentKind(f"{cls.__name__} is not a stored kind")
        self._indexers[cls] = indexer

    def indexed(self, cls: type[Any]) -> bool:
        return cls in self._indexers

    def removable(self, cls: type[Any]) -> None:
        """Let aggregates of ``cls`` be removed (``Repository.remove``). Their documents are
        never kept in a process's cache of decoded aggregates: an id removed and added
        again starts at version 1 again, which another process's cache would answer with
        the removed aggregate."""
        if cls not in self._by_class:
            raise UnknownDocumentKind(f"{cls.__name__} is not a stored kind")
        self._removable.add(cls)

    def is_removable(self, cls: type[Any]) -> bool:
        return cls in self._removable

    def index_entries(self, aggregate: Any) -> tuple[tuple[str, str], ...] | None:
        """The index entries of ``aggregate``; ``None`` for a kind without an indexer."""
        indexer = self._indexers.get(type(aggregate))
        if indexer is None:
            return None
        return tuple(
            sorted((name, value) for name, value in indexer(aggregate).items() if value is not None)
        )

    def name_of(self, cls: type[Any]) -> str:
        kind = self._by_class.get(cls)
        if kind is None:
            raise UnknownDocumentKind(f"{cls.__name__} is not a stored kind")
        return kind.name

    def knows(self, cls: type[Any]) -> bool:
        return cls in self._by_class

    def write(self, value: Any) -> Any:
        """``value`` (an aggregate or an event) as plain JSON-ready data."""
        kind = self._by_class.get(type(value))
        if kind is None:
            raise UnknownDocumentKind(f"{type(value).__name__} is not a stored kind")
        return kind.write(value)

    def read(self, cls: type[T], data: Any) -> T:
        """The ``cls`` that :meth:`write` turned into ``data``."""
        kind = self._by_class.get(cls)
        if kind is None:
            raise UnknownDocumentKind(f"{cls.__name__} is not a stored kind")
        value: T = kind.read(data, cls)
        return value

    def read_event(self, name: str, data: Any) -> DomainEvent:
        """The event stored under ``name``."""
        kind = self._by_name.get(name)
        if kind is None or not issubclass(kind.cls, DomainEvent):
            raise UnknownDocumentKind(f"{name!r} is not a stored event")
        event: DomainEvent = kind.read(data, kind.cls)
        return event

    def classes(self) -> tuple[type[Any], ...]:
        return tuple(self._by_class)
