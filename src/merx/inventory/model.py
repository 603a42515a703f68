"""Inventory: stock of one SKU in one warehouse, as on hand / reserved / available.

Invariants (checked before every change, asserted after): ``on_hand >= 0``,
``reserved >= 0``, ``reserved <= on_hand``, ``available == on_hand - reserved``. A lock
belongs to an order, so a repeated lock, release or deduction for the same order is a
replay and changes nothing.
"""

from __future__ import annotations

import attrs

from merx.kernel.aggregate import Aggregate
from merx.kernel.errors import BusinessRuleViolation, IdempotencyConflict
from merx.kernel.events import DomainEvent
from merx.kernel.ids import SkuId, WarehouseId
from merx.kernel.quantity import require_quantity


class OutOfStock(BusinessRuleViolation):
    """Fewer units are available than asked for."""


def stock_key(warehouse: WarehouseId, sku: SkuId) -> str:
    return f"{warehouse}/{sku}"


@attrs.frozen
class StockReceived(DomainEvent):
    warehouse: WarehouseId
    sku: SkuId
    quantity: int
    reference: str


@attrs.frozen
class StockLocked(DomainEvent):
    warehouse: WarehouseId
    sku: SkuId
    order_id: str
    quantity: int


@attrs.frozen
class StockReleased(DomainEvent):
    warehouse: WarehouseId
    sku: SkuId
    order_id: str
    quantity: int


@attrs.frozen
class StockDeducted(DomainEvent):
    warehouse: WarehouseId
    sku: SkuId
    order_id: str
    quantity: int


@attrs.frozen
class StockRestocked(DomainEvent):
    warehouse: WarehouseId
    sku: SkuId
    quantity: int
    reference: str


@attrs.define(kw_only=True)
class StockItem(Aggregate):
    """Stock of one SKU in one warehouse."""

    id: str
    warehouse: WarehouseId
    sku: SkuId
    on_hand: int = 0
    locks: dict[str, int] = attrs.field(factory=dict)
    deducted: dict[str, int] = attrs.field(factory=dict)

    @classmethod
    def open(cls, warehouse: WarehouseId, sku: SkuId) -> StockItem:
        return cls(id=stock_key(warehouse, sku), warehouse=warehouse, sku=sku)

    @property
    def reserved(self) -> int:
        return sum(self.locks.values())

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    def receive(self, quantity: int, reference: str) -> None:
        require_quantity(quantity)
        self.on_hand += quantity
        self.record(StockReceived(self.warehouse, self.sku, quantity, reference))
        self._check()

    def check_lock(self, order_id: str, quantity: int) -> bool:
        """Raise if ``lock(order_id, quantity)`` would fail; ``False`` if it would be a replay."""
        require_quantity(quantity)
        earlier = self.locks.get(order_id, self.deducted.get(order_id))
        if earlier is not None:
            if earlier != quantity:
                raise IdempotencyConflict(
                    f"order {order_id!r} already locked {earlier} of {self.sku!r}, not {quantity}"
                )
            return False
        if quantity > self.available:
            raise OutOfStock(
                f"{self.sku!r} in {self.warehouse!r}: {quantity} wanted, {self.available} available"
            )
        return True

    def lock(self, order_id: str, quantity: int) -> None:
        """Reserve ``quantity`` units for ``order_id``; the same lock again is a no-op."""
        if not self.check_lock(order_id, quantity):
            return
        self.locks[order_id] = quantity
        self.record(StockLocked(self.warehouse, self.sku, order_id, quantity))
        self._check()

    def release(self, order_id: str) -> int:
        """Give back ``order_id``'s lock; returns the units released (0 if none: a replay)."""
        quantity = self.locks.pop(order_id, 0)
        if quantity:
            self.record(StockReleased(self.warehouse, self.sku, order_id, quantity))
        self._check()
        return quantity

    def deduct(self, order_id: str) -> int:
        """The locked units leave the warehouse (shipment); a replay returns 0."""
        if order_id in self.deducted:
            return 0
        quantity = self.locks.pop(order_id, 0)
        if not quantity:
            raise BusinessRuleViolation(f"order {order_id!r} holds no lock on {self.sku!r}")
        self.on_hand -= quantity
        self.deducted[order_id] = quantity
        self.record(StockDeducted(self.warehouse, self.sku, order_id, quantity))
        self._check()
        return quantity

    def restock(self, quantity: int, reference: str) -> None:
        """Units come back (an accepted return) and are sellable again."""
        require_quantity(quantity)
        self.on_hand += quantity
        self.record(StockRestocked(self.warehouse, self.sku, quantity, reference))
        self._check()

    def _check(self) -> None:
        assert self.on_hand >= 0, f"{self.id}: on hand went negative"
        assert 0 <= self.reserved <= self.on_hand, f"{self.id}: reserved beyond on hand"
