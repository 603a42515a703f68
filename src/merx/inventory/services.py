"""Inventory use cases. Locks span several SKUs: all are taken or none."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from merx.inventory.model import StockItem, stock_key
from merx.kernel.bus import Command
from merx.kernel.ids import SkuId, WarehouseId
from merx.kernel.uow import UnitOfWork


@attrs.frozen
class ReceiveStock(Command[None]):
    warehouse: WarehouseId
    sku: SkuId
    quantity: int
    reference: str


def receive_stock(cmd: ReceiveStock, uow: UnitOfWork) -> None:
    repo = uow.repo(StockItem)
    item = repo.find(stock_key(cmd.warehouse, cmd.sku))
    if item is None:
        item = StockItem.open(cmd.warehouse, cmd.sku)
        item.receive(cmd.quantity, cmd.reference)
        repo.add(item)
    else:
        item.receive(cmd.quantity, cmd.reference)
        repo.save(item)
    uow.commit()


def stock_of(uow: UnitOfWork, warehouse: WarehouseId, sku: SkuId) -> StockItem:
    """The stock item, or an empty one if nothing was ever received (not stored)."""
    found = uow.repo(StockItem).find(stock_key(warehouse, sku))
    return found if found is not None else StockItem.open(warehouse, sku)


def lock_stock(
    uow: UnitOfWork, warehouse: WarehouseId, order_id: str, lines: Iterable[tuple[SkuId, int]]
) -> None:
    """Lock every line for ``order_id`` in ``warehouse`` (staged; the caller commits).

    If one line is short, :class:`OutOfStock` is raised before anything is saved.
    """
    repo = uow.repo(StockItem)
    items = [(stock_of(uow, warehouse, sku), quantity) for sku, quantity in lines]
    assert len({item.sku for item, _ in items}) == len(items), "lines must hold distinct SKUs"
    for item, quantity in items:
        item.check_lock(order_id, quantity)
    for item, quantity in items:
        item.lock(order_id, quantity)
    for item, _ in items:
        repo.save(item)


def release_stock(
    uow: UnitOfWork, warehouse: WarehouseId, order_id: str, skus: Iterable[SkuId]
) -> None:
    repo = uow.repo(StockItem)
    for sku in skus:
        item = repo.get(stock_key(warehouse, sku))
        item.release(order_id)
        repo.save(item)


def deduct_stock(
    uow: UnitOfWork, warehouse: WarehouseId, order_id: str, skus: Iterable[SkuId]
) -> None:
    repo = uow.repo(StockItem)
    for sku in skus:
        item = repo.get(stock_key(warehouse, sku))
        item.deduct(order_id)
        repo.save(item)
