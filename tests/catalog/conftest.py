"""A bus of the goods middle platform only (products and catalog) over the in-memory store,
wired by :func:`merx.app.register_catalog`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeVar

import attrs
import pytest

from merx import catalog, products
from merx.adapters.memory import EventLog, MemoryStore, MemoryUnitOfWork
from merx.app import register_catalog
from merx.kernel.bus import Command, MessageBus
from merx.kernel.uow import Keyed

R = TypeVar("R")
A = TypeVar("A", bound=Keyed)

#: The platform's policy in these tests: at least 5 % over purchase cost.
POLICY = catalog.ProfitPolicy(Decimal("0.05"))


@attrs.define
class CatalogApp:
    bus: MessageBus
    store: MemoryStore
    events: EventLog

    def handle(self, command: Command[R]) -> R:
        return self.bus.handle(command)

    def get(self, kind: type[A], key: str) -> A:
        with MemoryUnitOfWork(self.store) as uow:
            return uow.repo(kind).get(key)

    def tree(self) -> products.CategoryTree:
        with MemoryUnitOfWork(self.store) as uow:
            return products.load_category_tree(uow)

    def names(self) -> list[str]:
        return [event.name for event in self.events.events]

    def last(self, kind: type[Any]) -> Any:
        return self.events.of(kind)[-1]


@pytest.fixture
def app() -> CatalogApp:
    store = MemoryStore()
    events = EventLog()
    bus = MessageBus(lambda: MemoryUnitOfWork(store), events)
    register_catalog(bus, policy=POLICY)
    return CatalogApp(bus, store, events)
