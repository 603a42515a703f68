"""Inventory use cases, and the holds other contexts take for orders.

``hold_for_order``, ``confirm_holds``, ``release_holds`` and ``deduct_holds`` stage their
changes in the caller's unit of work (the caller commits): checking every line first and
changing nothing if one fails.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import attrs

from merx.inventory.model import (
    Allocation,
    InventoryPolicy,
    StockItem,
    Warehouse,
    plan_allocations,
    stock_key,
)
from merx.inventory.ports import StockQueries
from merx.kernel.bus import Command
from merx.kernel.clock import Clock
from merx.kernel.ids import SkuId, WarehouseId
from merx.kernel.uow import UnitOfWork, prefetch
from merx.kernel.validation import require_text


@attrs.frozen
class OpenWarehouse(Command[WarehouseId]):
    """Open a warehouse delivering to ``delivery_km``'s regions (region -> distance in km)."""

    warehouse_id: WarehouseId
    name: str
    address: str
    delivery_km: Mapping[str, int]


@attrs.frozen
class ReceiveStock(Command[None]):
    warehouse: WarehouseId
    sku: SkuId
    quantity: int
    reference: str


@attrs.frozen
class ReturnToStock(Command[None]):
    """Returned units passed inspection and are sellable again."""

    warehouse: WarehouseId
    sku: SkuId
    quantity: int
    reference: str


@attrs.frozen
class ExpireReservations(Command[list[str]]):
    """Release every reservation past its expiry; returns the orders that lost stock."""


def open_warehouse(cmd: OpenWarehouse, uow: UnitOfWork) -> WarehouseId:
    warehouse = Warehouse.open(
        warehouse_id=cmd.warehouse_id,
        name=cmd.name,
        address=cmd.address,
        delivery_km=cmd.delivery_km,
    )
    uow.repo(Warehouse).add(warehouse)
    uow.commit()
    return warehouse.id


def receive_stock(cmd: ReceiveStock, uow: UnitOfWork) -> None:
    """Count a receipt; the same receipt (reference and quantity) again changes nothing."""
    if receive_into(uow, cmd.warehouse, cmd.sku, cmd.quantity, cmd.reference):
        uow.commit()


def receive_into(
    uow: UnitOfWork, warehouse: WarehouseId, sku: SkuId, quantity: int, reference: str
) -> bool:
    """Add received units to the SKU's stock in ``warehouse`` (staged; the caller commits);
    ``False`` if the receipt ``reference`` was already counted there (nothing is staged)."""
    require_text(warehouse, "warehouse id")
    require_text(sku, "SKU id")
    uow.repo(Warehouse).get(warehouse)
    repo = uow.repo(StockItem)
    item = repo.find(stock_key(warehouse, sku))
    if item is None:
        item = StockItem.open(warehouse, sku)
        item.receive(quantity, reference)
        repo.add(item)
    elif item.receive(quantity, reference):
        repo.save(item)
    else:
        return False
    return True


def return_to_stock(cmd: ReturnToStock, uow: UnitOfWork) -> None:
    """Count a return; the same return (reference and quantity) again changes nothing."""
    require_text(cmd.warehouse, "warehouse id")
    require_text(cmd.sku, "SKU id")
    item = uow.repo(StockItem).get(stock_key(cmd.warehouse, cmd.sku))
    if item.restock(cmd.quantity, cmd.reference):
        uow.repo(StockItem).save(item)
        uow.commit()


def expire_reservations(
    cmd: ExpireReservations, uow: UnitOfWork, *, clock: Clock, queries: StockQueries
) -> list[str]:
    """Release the reservations whose time ran out (``queries`` finds the stock items that
    hold one; :meth:`StockItem.expire` decides on each); the orders that lost them."""
    repo = uow.repo(StockItem)
    now = clock.now()
    orders: list[str] = []
    for key in list(queries.stock_with_expired_reservations(now)):
        item = repo.get(key)
        expired = item.expire(now)
        if expired:
            repo.save(item)
            orders.extend(expired)
    uow.commit()
    return sorted(set(orders))


def stock_of(uow: UnitOfWork, warehouse: WarehouseId, sku: SkuId) -> StockItem:
    """The stock item, or an empty one if nothing was ever received (not stored)."""
    found = uow.repo(StockItem).find(stock_key(warehouse, sku))
    return found if found is not None else StockItem.open(warehouse, sku)


def _prefetch(uow: UnitOfWork, plan: Sequence[Allocation]) -> None:
    """The stock items of ``plan``, read together with the next read."""
    prefetch(uow.repo(StockItem), [stock_key(a.warehouse, a.sku) for a in plan])


def hold_for_order(
    uow: UnitOfWork,
    order_id: str,
    lines: Sequence[tuple[SkuId, int]],
    region: str,
    *,
    policy: InventoryPolicy,
    expires_at: datetime | None,
) -> tuple[Allocation, ...]:
    """Choose warehouses for ``lines`` and hold the stock: a reservation until
    ``expires_at``, or a firm lock when ``expires_at`` is ``None``. Staged, not committed.

    Every warehouse is weighed: reference data, a handful per shop, so no query port finds
    them (docs/persistence.md, section 4)."""
    keys = [WarehouseId(key) for key in uow.repo(Warehouse).ids()]
    prefetch(uow.repo(Warehouse), keys)  # each warehouse's stock of the lines read with them
    prefetch(uow.repo(StockItem), [stock_key(key, sku) for key in keys for sku, _ in lines])
    warehouses = [uow.repo(Warehouse).view(key) for key in keys]
    plan = plan_allocations(
        lines,
        region,
        warehouses,
        lambda wid, sku: stock_of(uow, wid, sku).available,
        allow_split=policy.allow_split,
    )
    items = [stock_of(uow, a.warehouse, a.sku) for a in plan]
    for item, allocation in zip(items, plan, strict=True):
        item.check_hold(order_id, allocation.quantity)
    for item, allocation in zip(items, plan, strict=True):
        if expires_at is None:
            item.lock(order_id, allocation.quantity)
        else:
            item.reserve(order_id, allocation.quantity, expires_at)
        uow.repo(StockItem).save(item)
    return plan


def confirm_holds(uow: UnitOfWork, order_id: str, plan: Sequence[Allocation]) -> None:
    """Turn the order's reservations into firm locks (at payment). If a reservation
    expired meanwhile, the stock is locked again if still available, else ``OutOfStock``."""
    _prefetch(uow, plan)
    items = [stock_of(uow, a.warehouse, a.sku) for a in plan]
    for item, allocation in zip(items, plan, strict=True):
        item.check_lock(order_id, allocation.quantity)
    for item, allocation in zip(items, plan, strict=True):
        item.lock(order_id, allocation.quantity)
        uow.repo(StockItem).save(item)


def relax_holds(
    uow: UnitOfWork, order_id: str, plan: Sequence[Allocation], expires_at: datetime
) -> None:
    """Turn the order's firm locks back into reservations until ``expires_at`` (staged)."""
    _prefetch(uow, plan)
    for allocation in plan:
        item = uow.repo(StockItem).get(stock_key(allocation.warehouse, allocation.sku))
        item.relax(order_id, expires_at)
        uow.repo(StockItem).save(item)


def release_holds(uow: UnitOfWork, order_id: str, plan: Sequence[Allocation]) -> None:
    _prefetch(uow, plan)
    for allocation in plan:
        item = stock_of(uow, allocation.warehouse, allocation.sku)
        if item.release(order_id):
            uow.repo(StockItem).save(item)


def deduct_holds(uow: UnitOfWork, order_id: str, plan: Sequence[Allocation]) -> None:
    _prefetch(uow, plan)
    items = [uow.repo(StockItem).get(stock_key(a.warehouse, a.sku)) for a in plan]
    for item in items:
        item.deduct(order_id)
        uow.repo(StockItem).save(item)
