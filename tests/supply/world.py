"""A wired, in-memory supply context for the tests: the bus, store, clock and channel.

:func:`register_supply` is the wiring ``merx.app`` needs (see docs/supply.md); the
journey methods of :class:`SupplyWorld` build the usual starting points through commands.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import attrs

from merx import supply
from merx.adapters.memory import EventLog, FixedClock, MemoryStore, MemoryUnitOfWork, SequentialIds
from merx.adapters.memory.consignment import MemoryConsignmentChannel
from merx.app import register_supply
from merx.inventory import OpenWarehouse, StockItem, stock_key
from merx.inventory.services import open_warehouse
from merx.kernel.bus import Command, MessageBus
from merx.kernel.ids import SkuId, SupplierId, WarehouseId
from merx.kernel.money import Money
from merx.kernel.uow import Keyed
from merx.supply import (
    ContractId,
    DocumentKind,
    PurchaseOrder,
    PurchaseOrderId,
    SupplierType,
)

R = TypeVar("R")
A = TypeVar("A", bound=Keyed)

#: A Monday; the contracts below run for the first half of 2026.
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
TODAY = START.date()
H1 = (date(2026, 1, 1), date(2026, 7, 1))
WAREHOUSE = WarehouseId("wh-main")


@attrs.define
class SupplyWorld:
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

    def on_hand(self, sku: str, warehouse: WarehouseId = WAREHOUSE) -> int:
        with MemoryUnitOfWork(self.store) as uow:
            item = uow.repo(StockItem).find(stock_key(warehouse, SkuId(sku)))
            return 0 if item is None else item.on_hand

    def get_order_supplier(self, order_id: PurchaseOrderId) -> SupplierId:
        return self.get(PurchaseOrder, order_id).supplier_id

    # -- journeys ----------------------------------------------------------------------

    def approved_supplier(
        self, supplier_type: SupplierType = SupplierType.STOCKED, name: str = "Acme Trading"
    ) -> SupplierId:
        supplier_id = self.handle(supply.ApplySupplier(name, supplier_type))
        number = f"BL-{supplier_id}"
        self.handle(
            supply.AddQualificationDocument(
                supplier_id, DocumentKind.BUSINESS_LICENCE, number, date(2030, 1, 1)
            )
        )
        self.handle(supply.SubmitSupplierApplication(supplier_id))
        self.handle(supply.ReviewQualificationDocument(supplier_id, number, accepted=True))
        self.handle(supply.ApproveSupplier(supplier_id))
        return supplier_id

    def signed_contract(
        self,
        supplier_id: SupplierId,
        prices: Mapping[str, str],
        period: tuple[date, date] = H1,
    ) -> ContractId:
        contract_id = self.handle(supply.DraftContract(supplier_id))
        for sku, unit_cost in prices.items():
            self.handle(
                supply.AddContractPrice(
                    contract_id, SkuId(sku), Money.of(unit_cost, "CNY"), period[0], period[1]
                )
            )
        self.handle(supply.SignContract(contract_id))
        return contract_id

    def approved_purchase_order(
        self, items: Mapping[str, int], prices: Mapping[str, str] | None = None
    ) -> PurchaseOrderId:
        """A stocked supplier, a signed contract and an approved PO for ``items``."""
        supplier_id = self.approved_supplier()
        contract_id = self.signed_contract(supplier_id, prices or dict.fromkeys(items, "10.00"))
        order_id = self.handle(
            supply.DraftPurchaseOrder(
                supplier_id,
                contract_id,
                WAREHOUSE,
                tuple((SkuId(sku), quantity) for sku, quantity in items.items()),
            )
        )
        self.handle(supply.ApprovePurchaseOrder(order_id))
        return order_id


def make_world(start: datetime = START) -> SupplyWorld:
    store = MemoryStore()
    clock = FixedClock(start)
    ids = SequentialIds()
    events = EventLog()
    channel = MemoryConsignmentChannel()
    bus = MessageBus(lambda: MemoryUnitOfWork(store), events)
    register_supply(bus, clock=clock, ids=ids, channel=channel)
    with MemoryUnitOfWork(store) as uow:
        open_warehouse(OpenWarehouse(WAREHOUSE, "Main", "Shanghai", {"shanghai": 10}), uow)
    return SupplyWorld(store, clock, ids, events, channel, bus)
