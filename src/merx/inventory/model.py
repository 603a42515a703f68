"""Inventory: warehouses, and the stock of one SKU in one warehouse.

Stock is counted as *on hand* (physically in the warehouse), *reserved* (held by orders)
and *available* (``on_hand - reserved``). Invariants, asserted after every change:
``on_hand >= 0``, ``0 <= reserved <= on_hand``. Holds belong to orders, so a repeated
reserve, lock, release or deduction for the same order is a replay and changes nothing.

A hold is either a *reservation* with an expiry (taken when an order is placed, under
the ``AT_PLACEMENT`` policy) or a firm *lock* (taken or confirmed at payment). Expired
reservations are released by :meth:`StockItem.expire`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta

import attrs

from merx.inventory.errors import NoFirmLock, OutOfDeliveryRange, OutOfStock
from merx.kernel.aggregate import Aggregate, flat_field
from merx.kernel.errors import IdempotencyConflict, ValidationError
from merx.kernel.events import DomainEvent
from merx.kernel.ids import SkuId, WarehouseId
from merx.kernel.quantity import require_quantity
from merx.kernel.validation import require_text


class LockPolicy(enum.Enum):
    """When an order takes stock: when it is placed (with expiry) or when it is paid."""

    AT_PLACEMENT = "at_placement"
    AT_PAYMENT = "at_payment"


@attrs.frozen
class InventoryPolicy:
    """How orders take stock.

    ``lock_at``: the seed locks after payment (``AT_PAYMENT``, the default); shops that
    promise stock in the cart reserve at placement for ``reservation_ttl``.
    ``allow_split``: an order no single warehouse can fill may be split across several.
    """

    lock_at: LockPolicy = LockPolicy.AT_PAYMENT
    reservation_ttl: timedelta = timedelta(minutes=30)
    allow_split: bool = True

    def __attrs_post_init__(self) -> None:
        if self.reservation_ttl <= timedelta(0):
            raise ValidationError(f"reservation ttl must be positive, got {self.reservation_ttl}")


def stock_key(warehouse: WarehouseId, sku: SkuId) -> str:
    return f"{warehouse}/{sku}"


# -- events ----------------------------------------------------------------------------


@attrs.frozen
class WarehouseOpened(DomainEvent):
    warehouse: WarehouseId
    regions: tuple[str, ...]


@attrs.frozen
class StockReceived(DomainEvent):
    warehouse: WarehouseId
    sku: SkuId
    quantity: int
    reference: str


@attrs.frozen
class StockReserved(DomainEvent):
    warehouse: WarehouseId
    sku: SkuId
    order_id: str
    quantity: int
    expires_at: datetime


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
    expired: bool = False


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


# -- warehouses ------------------------------------------------------------------------


@attrs.define(kw_only=True)
class Warehouse(Aggregate):
    """A warehouse and its delivery range: region -> distance in km (smaller is nearer)."""

    id: WarehouseId
    name: str
    address: str
    delivery_km: dict[str, int]
    active: bool = True

    @classmethod
    def open(
        cls, *, warehouse_id: WarehouseId, name: str, address: str, delivery_km: Mapping[str, int]
    ) -> Warehouse:
        if not delivery_km:
            raise ValidationError(f"warehouse {warehouse_id!r} must deliver to some region")
        for region, km in delivery_km.items():
            if isinstance(km, bool) or not isinstance(km, int) or km < 0:
                raise ValidationError(
                    f"warehouse {warehouse_id!r}: distance to {region!r} is {km!r}"
                )
        warehouse = cls(id=warehouse_id, name=name, address=address, delivery_km=dict(delivery_km))
        warehouse.record(WarehouseOpened(warehouse_id, tuple(sorted(delivery_km))))
        return warehouse

    def distance_to(self, region: str) -> int | None:
        """Distance in km to ``region``, ``None`` if outside the delivery range."""
        return self.delivery_km.get(region) if self.active else None


# -- stock -----------------------------------------------------------------------------


@attrs.frozen
class Hold:
    """Units held for one order: a reservation (``expires_at`` set) or a firm lock."""

    quantity: int
    expires_at: datetime | None = None


@attrs.define(kw_only=True)
class StockItem(Aggregate):
    """Stock of one SKU in one warehouse."""

    id: str
    warehouse: WarehouseId
    sku: SkuId
    on_hand: int = 0
    reserved: int = 0
    holds: dict[str, Hold] = attrs.field(factory=dict)
    shipped: int = 0
    #: Units received and restocked so far, by the inbound document's reference: a
    #: document delivered again is a no-op (another quantity: ``IdempotencyConflict``).
    receipts: dict[str, int] = flat_field(dict)
    returns: dict[str, int] = flat_field(dict)

    @classmethod
    def open(cls, warehouse: WarehouseId, sku: SkuId) -> StockItem:
        return cls(id=stock_key(warehouse, sku), warehouse=warehouse, sku=sku)

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    @property
    def next_expiry(self) -> datetime | None:
        """When the earliest of its reservations runs out (``None``: it holds none);
        :meth:`expire` at that instant or later releases something."""
        return min(
            (hold.expires_at for hold in self.holds.values() if hold.expires_at is not None),
            default=None,
        )

    def receive(self, quantity: int, reference: str) -> bool:
        """Units arrive under the receipt ``reference``; ``False`` if that receipt was
        already counted (the same quantity: nothing changes)."""
        if not self._inbound(self.receipts, "receipt", quantity, reference):
            return False
        self.on_hand += quantity
        self.receipts[reference] = quantity
        self.record(StockReceived(self.warehouse, self.sku, quantity, reference))
        self._check()
        return True

    def _inbound(self, seen: dict[str, int], what: str, quantity: int, reference: str) -> bool:
        """Whether an inbound document is new; raise if it is malformed, or known with
        another quantity."""
        require_quantity(quantity)
        require_text(reference, f"{what} reference")
        earlier = seen.get(reference)
        if earlier is not None and earlier != quantity:
            raise IdempotencyConflict(
                f"{self.sku!r} in {self.warehouse!r}: {what} {reference!r} counted {earlier} "
                f"units, now {quantity}"
            )
        return earlier is None

    def check_hold(self, order_id: str, quantity: int) -> bool:
        """Raise if the order cannot hold ``quantity``; ``False`` if it already holds it."""
        require_quantity(quantity)
        earlier = self.holds.get(order_id)
        if earlier is not None:
            if earlier.quantity != quantity:
                raise IdempotencyConflict(
                    f"order {order_id!r} holds {earlier.quantity} of {self.sku!r}, not {quantity}"
                )
            return False
        if quantity > self.available:
            raise OutOfStock(
                f"{self.sku!r} in {self.warehouse!r}: {quantity} wanted, {self.available} available"
            )
        return True

    def reserve(self, order_id: str, quantity: int, expires_at: datetime) -> None:
        """Hold units for an order until ``expires_at``; the same hold again is a no-op."""
        if not self.check_hold(order_id, quantity):
            return
        self.holds[order_id] = Hold(quantity, expires_at)
        self.reserved += quantity
        self.record(StockReserved(self.warehouse, self.sku, order_id, quantity, expires_at))
        self._check()

    def _confirms(self, order_id: str, quantity: int) -> bool:
        """Whether locking ``quantity`` for the order confirms its running reservation."""
        held = self.holds.get(order_id)
        return held is not None and held.expires_at is not None and held.quantity == quantity

    def check_lock(self, order_id: str, quantity: int) -> None:
        """Raise if :meth:`lock` would refuse: a reservation of that quantity is confirmed,
        anything else is checked as a new hold (:meth:`check_hold`)."""
        if not self._confirms(order_id, quantity):
            self.check_hold(order_id, quantity)

    def lock(self, order_id: str, quantity: int) -> None:
        """Hold units firmly (payment); confirms the order's reservation if it has one."""
        if self._confirms(order_id, quantity):
            self.holds[order_id] = Hold(quantity)
        elif not self.check_hold(order_id, quantity):
            return
        else:
            self.holds[order_id] = Hold(quantity)
            self.reserved += quantity
        self.record(StockLocked(self.warehouse, self.sku, order_id, quantity))
        self._check()

    def relax(self, order_id: str, expires_at: datetime) -> None:
        """A firm lock becomes a reservation again until ``expires_at`` (its payment
        failed, but the order's reservation still runs)."""
        hold = self.holds.get(order_id)
        if hold is None:
            raise NoFirmLock(f"order {order_id!r} holds nothing of {self.sku!r}")
        if hold.expires_at is not None:
            return
        self.holds[order_id] = Hold(hold.quantity, expires_at)
        self.record(StockReserved(self.warehouse, self.sku, order_id, hold.quantity, expires_at))

    def release(self, order_id: str) -> int:
        """Give back the order's hold; returns the units released (0 if none: a replay)."""
        hold = self.holds.pop(order_id, None)
        if hold is None:
            return 0
        self.reserved -= hold.quantity
        self.record(StockReleased(self.warehouse, self.sku, order_id, hold.quantity))
        self._check()
        return hold.quantity

    def expire(self, now: datetime) -> list[str]:
        """Release every reservation whose expiry is at or before ``now``; their order ids."""
        expired = [
            order_id
            for order_id, hold in self.holds.items()
            if hold.expires_at is not None and hold.expires_at <= now
        ]
        for order_id in expired:
            hold = self.holds.pop(order_id)
            self.reserved -= hold.quantity
            self.record(
                StockReleased(self.warehouse, self.sku, order_id, hold.quantity, expired=True)
            )
        self._check()
        return expired

    def deduct(self, order_id: str) -> int:
        """The order's firmly locked units leave the warehouse (shipment).

        Only a firm lock ships; a second deduction for the same order finds no lock and is
        refused (the order's own life cycle never asks twice).
        """
        hold = self.holds.get(order_id)
        if hold is None or hold.expires_at is not None:
            raise NoFirmLock(f"order {order_id!r} holds no firm lock on {self.sku!r}")
        del self.holds[order_id]
        self.reserved -= hold.quantity
        self.on_hand -= hold.quantity
        self.shipped += hold.quantity
        self.record(StockDeducted(self.warehouse, self.sku, order_id, hold.quantity))
        self._check()
        return hold.quantity

    def restock(self, quantity: int, reference: str) -> bool:
        """Units come back (an accepted return) and are sellable again; ``False`` if the
        return ``reference`` was already counted."""
        if not self._inbound(self.returns, "return", quantity, reference):
            return False
        self.on_hand += quantity
        self.returns[reference] = quantity
        self.record(StockRestocked(self.warehouse, self.sku, quantity, reference))
        self._check()
        return True

    def _check(self) -> None:
        assert self.on_hand >= 0, f"{self.id}: on hand went negative"
        assert 0 <= self.reserved <= self.on_hand, f"{self.id}: reserved beyond on hand"


# -- choosing warehouses ---------------------------------------------------------------


@attrs.frozen
class Allocation:
    """``quantity`` units of ``sku`` for an order, taken from ``warehouse``."""

    warehouse: WarehouseId
    sku: SkuId
    quantity: int


def plan_allocations(
    lines: Sequence[tuple[SkuId, int]],
    region: str,
    warehouses: Iterable[Warehouse],
    available: Callable[[WarehouseId, SkuId], int],
    *,
    allow_split: bool,
) -> tuple[Allocation, ...]:
    """Choose where each line ships from.

    The nearest warehouse that delivers to ``region`` and can fill *every* line wins
    (ties by warehouse id). If none can and ``allow_split``, each line is filled from the
    nearest warehouses in turn, splitting its quantity where needed. Raises
    :class:`OutOfDeliveryRange` when no warehouse serves the region and
    :class:`OutOfStock` when the stock in range is short.
    """
    for _, quantity in lines:
        require_quantity(quantity)
    in_range = sorted(
        ((km, w.id) for w in warehouses if (km := w.distance_to(region)) is not None),
    )
    if not in_range:
        raise OutOfDeliveryRange(f"no warehouse delivers to region {region!r}")
    nearest_first = [wid for _, wid in in_range]
    for wid in nearest_first:
        if all(available(wid, sku) >= quantity for sku, quantity in lines):
            return tuple(Allocation(wid, sku, quantity) for sku, quantity in lines)
    if not allow_split:
        raise OutOfStock(f"no single warehouse serving {region!r} holds the whole order")
    plan: list[Allocation] = []
    for sku, quantity in lines:
        missing = quantity
        for wid in nearest_first:
            take = min(missing, available(wid, sku))
            if take > 0:
                plan.append(Allocation(wid, sku, take))
                missing -= take
            if not missing:
                break
        if missing:
            raise OutOfStock(
                f"{sku!r}: {quantity} wanted, {quantity - missing} in range of {region!r}"
            )
    return tuple(plan)
