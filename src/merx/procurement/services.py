"""Procurement use cases: sign contracts, buy, receive, bill suppliers; copy costs.

Each handler is ``handler(cmd, uow, *, clock=..., ids=...)``: it loads aggregates, calls the
model, saves and commits. Receiving a purchase order raises stock through the inventory
context in the same unit of work, so a receipt and its stock movements commit together.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar

import attrs

from merx.catalog import ProfitPolicy, Sku
from merx.inventory import Warehouse, receive_into
from merx.kernel.bus import Command
from merx.kernel.clock import Clock
from merx.kernel.ids import IdSource, SkuId, SupplierId, WarehouseId
from merx.kernel.money import Money
from merx.kernel.uow import Keyed, UnitOfWork, add_or_save
from merx.procurement.model import (
    Contract,
    ContractId,
    ContractSigned,
    Period,
    PurchaseOrder,
    PurchaseOrderId,
    Receipt,
    SettledPeriods,
    SoldLine,
    Statement,
    StatementId,
    SupplierStatement,
    purchases_statement,
    sales_statement,
)
from merx.procurement.ports import PurchaseOrderQueries
from merx.suppliers import Supplier

A = TypeVar("A", bound=Keyed)

# -- commands: contracts ---------------------------------------------------------------


@attrs.frozen
class DraftContract(Command[ContractId]):
    supplier_id: SupplierId


@attrs.frozen
class AddContractPrice(Command[None]):
    """``unit_cost`` for ``sku`` on the dates ``valid_from <= d < valid_to``."""

    contract_id: ContractId
    sku: SkuId
    unit_cost: Money
    valid_from: date
    valid_to: date


@attrs.frozen
class SignContract(Command[None]):
    contract_id: ContractId


@attrs.frozen
class TerminateContract(Command[None]):
    contract_id: ContractId
    reason: str


# -- commands: purchase orders ---------------------------------------------------------


@attrs.frozen
class DraftPurchaseOrder(Command[PurchaseOrderId]):
    """Order ``items`` (``(sku, quantity)``) into ``warehouse`` at today's contract prices."""

    supplier_id: SupplierId
    contract_id: ContractId
    warehouse: WarehouseId
    items: tuple[tuple[SkuId, int], ...]


@attrs.frozen
class ApprovePurchaseOrder(Command[None]):
    purchase_order_id: PurchaseOrderId


@attrs.frozen
class CancelPurchaseOrder(Command[None]):
    purchase_order_id: PurchaseOrderId
    reason: str


@attrs.frozen
class ClosePurchaseOrder(Command[None]):
    purchase_order_id: PurchaseOrderId
    reason: str


@attrs.frozen
class ReceivePurchaseOrder(Command[Receipt]):
    """A delivery arrived; ``reference`` (the goods-received note) makes a retry a replay."""

    purchase_order_id: PurchaseOrderId
    reference: str
    items: tuple[tuple[SkuId, int], ...]


# -- commands: statements and consignment ----------------------------------------------


@attrs.frozen
class IssuePurchasesStatement(Command[StatementId]):
    """Bill what a stocked supplier delivered on ``period_start <= d < period_end``."""

    supplier_id: SupplierId
    period_start: date
    period_end: date


@attrs.frozen
class IssueSalesStatement(Command[StatementId]):
    """Bill what was sold for a consignment or real-time supplier, at ``contract_id``'s prices."""

    supplier_id: SupplierId
    contract_id: ContractId
    period_start: date
    period_end: date
    sold: tuple[SoldLine, ...]


@attrs.frozen
class ConfirmSupplierStatement(Command[None]):
    statement_id: StatementId


@attrs.frozen
class PaySupplierStatement(Command[None]):
    statement_id: StatementId
    payment_reference: str


# -- handlers: contracts ---------------------------------------------------------------


def draft_contract(
    cmd: DraftContract, uow: UnitOfWork, *, clock: Clock, ids: IdSource
) -> ContractId:
    supplier = uow.repo(Supplier).get(cmd.supplier_id)
    contract = Contract.draft(
        contract_id=ContractId(ids.next_id("ctr")), supplier=supplier, at=clock.now()
    )
    uow.repo(Contract).add(contract)
    uow.commit()
    return contract.id


def add_contract_price(cmd: AddContractPrice, uow: UnitOfWork, *, clock: Clock) -> None:
    period = Period(cmd.valid_from, cmd.valid_to)
    _change(
        uow,
        Contract,
        cmd.contract_id,
        lambda contract: contract.add_price(cmd.sku, cmd.unit_cost, period, clock.now()),
    )


def sign_contract(cmd: SignContract, uow: UnitOfWork, *, clock: Clock) -> None:
    contract = uow.repo(Contract).get(cmd.contract_id)
    supplier = uow.repo(Supplier).get(contract.supplier_id)
    contract.sign(supplier, clock.now())
    uow.repo(Contract).save(contract)
    uow.commit()


def terminate_contract(cmd: TerminateContract, uow: UnitOfWork, *, clock: Clock) -> None:
    _change(uow, Contract, cmd.contract_id, lambda c: c.terminate(cmd.reason, clock.now()))


# -- handlers: purchase orders ---------------------------------------------------------


def draft_purchase_order(
    cmd: DraftPurchaseOrder, uow: UnitOfWork, *, clock: Clock, ids: IdSource
) -> PurchaseOrderId:
    supplier = uow.repo(Supplier).get(cmd.supplier_id)
    contract = uow.repo(Contract).get(cmd.contract_id)
    uow.repo(Warehouse).get(cmd.warehouse)  # NotFound unless the warehouse was opened
    order = PurchaseOrder.draft(
        purchase_order_id=PurchaseOrderId(ids.next_id("po")),
        supplier=supplier,
        contract=contract,
        warehouse=cmd.warehouse,
        items=cmd.items,
        at=clock.now(),
    )
    uow.repo(PurchaseOrder).add(order)
    uow.commit()
    return order.id


def approve_purchase_order(cmd: ApprovePurchaseOrder, uow: UnitOfWork, *, clock: Clock) -> None:
    order = uow.repo(PurchaseOrder).get(cmd.purchase_order_id)
    supplier = uow.repo(Supplier).get(order.supplier_id)
    order.approve(supplier, clock.now())
    uow.repo(PurchaseOrder).save(order)
    uow.commit()


def cancel_purchase_order(cmd: CancelPurchaseOrder, uow: UnitOfWork, *, clock: Clock) -> None:
    _change(uow, PurchaseOrder, cmd.purchase_order_id, lambda o: o.cancel(cmd.reason, clock.now()))


def close_purchase_order(cmd: ClosePurchaseOrder, uow: UnitOfWork, *, clock: Clock) -> None:
    _change(uow, PurchaseOrder, cmd.purchase_order_id, lambda o: o.close(cmd.reason, clock.now()))


def receive_purchase_order(cmd: ReceivePurchaseOrder, uow: UnitOfWork, *, clock: Clock) -> Receipt:
    """Book the receipt and raise stock by each of its lines; a replay raises nothing."""
    order = uow.repo(PurchaseOrder).get(cmd.purchase_order_id)
    if order.receive(cmd.reference, cmd.items, clock.now()):
        _receive_into_stock(uow, order, order.receipt(cmd.reference))
        uow.repo(PurchaseOrder).save(order)
        uow.commit()
    return order.receipt(cmd.reference)


def _receive_into_stock(uow: UnitOfWork, order: PurchaseOrder, receipt: Receipt) -> None:
    reference = f"{order.id}/{receipt.reference}"
    for line in receipt.lines:
        receive_into(uow, order.warehouse, line.sku, line.quantity, reference)


# -- handlers: statements --------------------------------------------------------------


def issue_purchases_statement(
    cmd: IssuePurchasesStatement,
    uow: UnitOfWork,
    *,
    clock: Clock,
    ids: IdSource,
    queries: PurchaseOrderQueries,
) -> StatementId:
    """Everything received from the supplier in the period: ``queries`` finds its purchase
    orders with a receipt in the period's months, read without being changed."""
    supplier = uow.repo(Supplier).view(cmd.supplier_id)
    period = Period(cmd.period_start, cmd.period_end)
    orders_repo = uow.repo(PurchaseOrder)
    orders = [orders_repo.view(key) for key in queries.received_from(supplier.id, period)]
    statement = purchases_statement(
        supplier,
        [order for order in orders if order.supplier_id == supplier.id],
        period,
    )
    return _issue(uow, statement, StatementId(ids.next_id("sst")), clock)


def issue_sales_statement(
    cmd: IssueSalesStatement, uow: UnitOfWork, *, clock: Clock, ids: IdSource
) -> StatementId:
    supplier = uow.repo(Supplier).view(cmd.supplier_id)
    contract = uow.repo(Contract).get(cmd.contract_id)
    statement = sales_statement(
        supplier, contract, cmd.sold, Period(cmd.period_start, cmd.period_end)
    )
    return _issue(uow, statement, StatementId(ids.next_id("sst")), clock)


def _issue(
    uow: UnitOfWork, statement: Statement, statement_id: StatementId, clock: Clock
) -> StatementId:
    settled = uow.repo(SettledPeriods).find(statement.supplier_id) or SettledPeriods(
        id=statement.supplier_id
    )
    issued = SupplierStatement.issue(
        statement_id=statement_id, settled=settled, statement=statement, at=clock.now()
    )
    uow.repo(SupplierStatement).add(issued)
    add_or_save(uow.repo(SettledPeriods), settled)
    uow.commit()
    return issued.id


def confirm_supplier_statement(
    cmd: ConfirmSupplierStatement, uow: UnitOfWork, *, clock: Clock
) -> None:
    _change(uow, SupplierStatement, cmd.statement_id, lambda s: s.confirm(clock.now()))


def pay_supplier_statement(cmd: PaySupplierStatement, uow: UnitOfWork, *, clock: Clock) -> None:
    _change(
        uow,
        SupplierStatement,
        cmd.statement_id,
        lambda s: s.pay(cmd.payment_reference, clock.now()),
    )


def _change(uow: UnitOfWork, kind: type[A], key: str, change: Callable[[A], object]) -> None:
    """Load the ``kind`` with id ``key``, apply ``change`` (a model method), save, commit."""
    aggregate = uow.repo(kind).get(key)
    change(aggregate)
    uow.repo(kind).save(aggregate)
    uow.commit()


# -- subscribers -----------------------------------------------------------------------


def copy_costs_to_catalog(event: ContractSigned, uow: UnitOfWork, *, policy: ProfitPolicy) -> None:
    """When a contract is signed, the purchase cost in force that day becomes each
    catalogued SKU's cost, so profit control checks listings against it."""
    day = event.at.date()
    for price in event.prices:
        sku = uow.repo(Sku).find(price.sku)
        if sku is not None and price.valid.contains(day):
            sku.set_cost(price.unit_cost, policy=policy, reference=event.contract_id)
            uow.repo(Sku).save(sku)
    uow.commit()
