"""A purchases statement reads only the supplier's purchase orders with a receipt in the
period's months: found through ``PurchaseOrderQueries``, never by loading every purchase
order (counted through a unit of work that counts its reads)."""

from __future__ import annotations

from datetime import date, timedelta

from merx import procurement
from merx.adapters.memory import MemoryPurchaseOrderQueries, MemoryUnitOfWork
from merx.kernel.ids import SkuId, SupplierId
from merx.procurement import (
    IssuePurchasesStatement,
    PurchaseOrder,
    PurchaseOrderId,
    SupplierStatement,
)
from merx.procurement.services import issue_purchases_statement
from tests.counting import CountingUnitOfWork
from tests.procurement.world import WAREHOUSE, SupplyWorld

A = SkuId("A")


def orders_of(world: SupplyWorld, supplier_id: SupplierId, count: int) -> list[PurchaseOrderId]:
    contract_id = world.signed_contract(supplier_id, {"A": "10.00"})
    made = []
    for _ in range(count):
        order_id = world.handle(
            procurement.DraftPurchaseOrder(supplier_id, contract_id, WAREHOUSE, ((A, 10),))
        )
        world.handle(procurement.ApprovePurchaseOrder(order_id))
        made.append(order_id)
    return made


def receive(world: SupplyWorld, order_ids: list[PurchaseOrderId]) -> None:
    for order_id in order_ids:
        world.handle(procurement.ReceivePurchaseOrder(order_id, "grn-1", ((A, 10),)))


def test_a_purchases_statement_reads_only_the_orders_received_in_its_months(
    world: SupplyWorld,
) -> None:
    acme, brio = world.approved_supplier(name="Acme"), world.approved_supplier(name="Brio")
    january, february, never = (orders_of(world, acme, 3) for _ in range(3))
    brio_february = orders_of(world, brio, 3)
    receive(world, january)  # on 5 January
    world.clock.advance(timedelta(days=31))
    receive(world, february + brio_february)  # on 5 February
    world.clock.advance(timedelta(days=31))  # the period has ended

    with CountingUnitOfWork(MemoryUnitOfWork(world.store)) as uow:
        queries = MemoryPurchaseOrderQueries(world.store)
        command = IssuePurchasesStatement(acme, date(2026, 2, 1), date(2026, 3, 1))
        statement_id = issue_purchases_statement(
            command, uow, clock=world.clock, ids=world.ids, queries=queries
        )

    assert uow.of(PurchaseOrder) == set(february)
    assert not uow.scans
    statement = world.get(SupplierStatement, statement_id).statement
    assert {line.reference.split("/")[0] for line in statement.lines} == set(february)
    assert never  # drafted and approved, never received: never read
