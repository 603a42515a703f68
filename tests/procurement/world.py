"""A wired, in-memory supply side for the tests: suppliers, procurement and a warehouse.

:func:`register_procurement` (with ``register_suppliers``) is the wiring ``merx.app``
needs (see docs/supply.md); the journey methods of :class:`SupplyWorld` build the usual
starting points through commands.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

import attrs

from merx import procurement
from merx.adapters.memory import MemoryPurchaseOrderQueries, MemoryUnitOfWork
from merx.app import register_procurement
from merx.inventory import OpenWarehouse, StockItem, stock_key
from merx.inventory.services import open_warehouse
from merx.kernel.ids import SkuId, SupplierId, WarehouseId
from merx.kernel.money import Money
from merx.procurement import ContractId, PurchaseOrder, PurchaseOrderId
from tests.suppliers import world as suppliers_world
from tests.suppliers.world import START, SuppliersWorld

__all__ = ["H1", "START", "TODAY", "WAREHOUSE", "SupplyWorld", "make_world"]

#: The contracts below run for the first half of 2026.
TODAY = START.date()
H1 = (date(2026, 1, 1), date(2026, 7, 1))
WAREHOUSE = WarehouseId("wh-main")


@attrs.define
class SupplyWorld(SuppliersWorld):
    def on_hand(self, sku: str, warehouse: WarehouseId = WAREHOUSE) -> int:
        with MemoryUnitOfWork(self.store) as uow:
            item = uow.repo(StockItem).find(stock_key(warehouse, SkuId(sku)))
            return 0 if item is None else item.on_hand

    def get_order_supplier(self, order_id: PurchaseOrderId) -> SupplierId:
        return self.get(PurchaseOrder, order_id).supplier_id

    # -- journeys ----------------------------------------------------------------------

    def signed_contract(
        self,
        supplier_id: SupplierId,
        prices: Mapping[str, str],
        period: tuple[date, date] = H1,
    ) -> ContractId:
        contract_id = self.handle(procurement.DraftContract(supplier_id))
        for sku, unit_cost in prices.items():
            self.handle(
                procurement.AddContractPrice(
                    contract_id, SkuId(sku), Money.of(unit_cost, "CNY"), period[0], period[1]
                )
            )
        self.handle(procurement.SignContract(contract_id))
        return contract_id

    def approved_purchase_order(
        self, items: Mapping[str, int], prices: Mapping[str, str] | None = None
    ) -> PurchaseOrderId:
        """A stocked supplier, a signed contract and an approved PO for ``items``."""
        supplier_id = self.approved_supplier()
        contract_id = self.signed_contract(supplier_id, prices or dict.fromkeys(items, "10.00"))
        order_id = self.handle(
            procurement.DraftPurchaseOrder(
                supplier_id,
                contract_id,
                WAREHOUSE,
                tuple((SkuId(sku), quantity) for sku, quantity in items.items()),
            )
        )
        self.handle(procurement.ApprovePurchaseOrder(order_id))
        return order_id


def make_world(start: datetime = START) -> SupplyWorld:
    world = SupplyWorld(**attrs.asdict(suppliers_world.make_world(start), recurse=False))
    queries = MemoryPurchaseOrderQueries(world.store)
    register_procurement(world.bus, clock=world.clock, ids=world.ids, queries=queries)
    with MemoryUnitOfWork(world.store) as uow:
        open_warehouse(OpenWarehouse(WAREHOUSE, "Main", "Shanghai", {"shanghai": 10}), uow)
    return world
