"""Every stored aggregate and every domain event of merx, as documents (see
:mod:`merx.kernel.documents`): what a database store and the outbox need.

Each context's ``serde`` writes and reads its own aggregates (``AGGREGATES``) and events;
the names are ``"<context>.<Class>"``.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from functools import cache
from types import ModuleType
from typing import Any

import merx
from merx.adapters.indexed import register_indexes
from merx.kernel import serde as base
from merx.kernel.documents import Documents
from merx.kernel.events import DomainEvent
from merx.kernel.replies import CommandRecord

#: Packages under ``merx`` that are not bounded contexts.
_NOT_CONTEXTS = frozenset({"adapters", "app", "errors", "kernel", "testing"})


def _contexts() -> list[str]:
    return sorted(
        module.name
        for module in pkgutil.iter_modules(merx.__path__)
        if module.ispkg and module.name not in _NOT_CONTEXTS
    )


def _events(context: str) -> list[type[DomainEvent]]:
    """The event classes defined in ``context``'s modules: those their module holds (attrs
    replaces a slotted class, and the replaced one may linger among the subclasses)."""
    found: set[type[DomainEvent]] = set()
    pending = list(DomainEvent.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        module = sys.modules.get(cls.__module__)
        defined = getattr(module, cls.__qualname__, None) if module is not None else None
        if defined is cls and cls.__module__.split(".")[:2] == ["merx", context]:
            found.add(cls)
    return sorted(found, key=lambda cls: cls.__name__)


def _serde(context: str) -> ModuleType | None:
    try:
        return importlib.import_module(f"merx.{context}.serde")
    except ModuleNotFoundError:
        return None


@cache
def documents() -> Documents:
    """The documents of every context (built once)."""
    contexts = _contexts()
    for context in contexts:  # every event class is defined before they are collected
        importlib.import_module(f"merx.{context}")
    found = Documents()
    for context in contexts:
        serde = _serde(context)
        events = _events(context)
        if serde is None:
            assert not events, f"merx.{context} has events but no serde"
            continue
        aggregates: tuple[type[Any], ...] = getattr(serde, "AGGREGATES", ())
        found.register_all(context, aggregates, serde.unstructure, _reader(serde))
        converter = getattr(serde, "converter", None)
        if events:
            assert converter is not None, f"merx.{context}.serde has no converter for its events"
            found.register_all(context, events, converter.unstructure, base.reader(converter))
    replies = base.make_converter((CommandRecord,))  # the bus's idempotency keys
    found.register_all("kernel", (CommandRecord,), replies.unstructure, base.reader(replies))
    found.removable(CommandRecord)  # expired ones are purged (PurgeCommandRecords)
    register_indexes(found)  # what the query ports look up
    return found


def _reader(serde: ModuleType) -> Any:
    def read(data: Any, kind: type[Any]) -> Any:
        return serde.structure(data, kind)

    return read
