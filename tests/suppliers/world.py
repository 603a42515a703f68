"""A wired, in-memory suppliers context for the tests: the bus, store, clock and channel.

:func:`register_suppliers` is the wiring ``merx.app`` needs (see docs/supply.md);
:meth:`SuppliersWorld.approved_supplier` onboards a supplier through commands.
``tests/procurement/world.py`` builds on this world.
"""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import attrs

from merx import suppliers
from merx.adapters.memory import EventLog, FixedClock, MemoryStore, MemoryUnitOfWork, SequentialIds
from merx.adapters.memory.consignment import MemoryConsignmentChannel
from merx.app import register_suppliers
from merx.kernel.bus import Command, MessageBus
from merx.kernel.ids import SupplierId
from merx.kernel.uow import Keyed
from merx.suppliers import DocumentKind, SupplierType

R = TypeVar("R")
A = TypeVar("A", bound=Keyed)

#: A Monday.
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@attrs.define
class SuppliersWorld:
    store: MemoryStore
    clock: FixedClock
    ids: SequentialIds
    events: EventLog
    channel: MemoryConsignmentChannel
    bus: MessageBus

    def handle(self, command: Command[R]) -> R:
        return self.bus.handle(command)

    def get(self, kind: type[A], key: str) -> A:
        with MemoryUnitOfWork(self.store) as uow:
            return uow.repo(kind).get(key)

    def snapshot(self) -> dict[type[Any], dict[str, tuple[int, Any]]]:
        """A deep copy of everything committed, to compare before and after a command."""
        return copy.deepcopy(self.store.tables)

    def approved_supplier(
        self, supplier_type: SupplierType = SupplierType.STOCKED, name: str = "Acme Trading"
    ) -> SupplierId:
        supplier_id = self.handle(suppliers.ApplySupplier(name, supplier_type))
        number = f"BL-{supplier_id}"
        self.handle(
            suppliers.AddQualificationDocument(
                supplier_id, DocumentKind.BUSINESS_LICENCE, number, date(2030, 1, 1)
            )
        )
        self.handle(suppliers.SubmitSupplierApplication(supplier_id))
        self.handle(suppliers.ReviewQualificationDocument(supplier_id, number, accepted=True))
        self.handle(suppliers.ApproveSupplier(supplier_id))
        return supplier_id


def make_world(start: datetime = START) -> SuppliersWorld:
    store = MemoryStore()
    events = EventLog()
    bus = MessageBus(lambda: MemoryUnitOfWork(store), events)
    world = SuppliersWorld(
        store, FixedClock(start), SequentialIds(), events, MemoryConsignmentChannel(), bus
    )
    register_suppliers(bus, clock=world.clock, ids=world.ids, channel=world.channel)
    return world
