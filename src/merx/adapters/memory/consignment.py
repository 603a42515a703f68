"""In-memory :class:`~merx.suppliers.ports.ConsignmentChannel`: scriptable consignment suppliers.

One channel stands for every consignment supplier. Tests script the next pushes with
:meth:`MemoryConsignmentChannel.refuse_next` and :meth:`~MemoryConsignmentChannel.timeout_next`
(consumed in order by pushes that reach the channel; replays and invalid calls consume
none), make a supplier ship with :meth:`~MemoryConsignmentChannel.ship`, and make the
shipment query time out with :meth:`~MemoryConsignmentChannel.timeout_shipments_next`.
Every accepted push is kept in :attr:`~MemoryConsignmentChannel.pushed`, so a test can check
that no order reached a supplier twice.
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Sequence

import attrs

from merx.kernel.errors import (
    AlreadyExists,
    BusinessRuleViolation,
    IllegalTransition,
    ValidationError,
)
from merx.kernel.idempotency import IdempotencyLog
from merx.kernel.quantity import require_quantity
from merx.kernel.validation import require_text
from merx.suppliers import (
    ConsignmentAck,
    ConsignmentShipment,
    ConsignmentTimeout,
    UnknownConsignmentOrder,
)


@attrs.frozen
class PushedOrder:
    """An order as the supplier received it."""

    supplier_id: str
    order_ref: str
    items: tuple[tuple[str, int], ...]
    destination: str
    idempotency_key: str
    ack: ConsignmentAck


class _Script(enum.Enum):
    REFUSE = "refuse"
    TIMEOUT_APPLIED = "timeout, applied"
    TIMEOUT_LOST = "timeout, not applied"


@attrs.frozen
class _Scripted:
    outcome: _Script
    reason: str | None = None


class MemoryConsignmentChannel:
    """Consignment suppliers held in memory (see the module docstring for the hooks)."""

    def __init__(self, name: str = "memory_consignment") -> None:
        require_text(name, "channel name")
        self.name = name
        self._log: IdempotencyLog[ConsignmentAck] = IdempotencyLog()
        self._orders: dict[str, PushedOrder] = {}  # supplier order ref -> order
        self._shipments: dict[str, list[ConsignmentShipment]] = {}
        self._tracking_numbers: set[str] = set()
        self._script: deque[_Scripted] = deque()
        self._shipment_timeouts = 0
        self._sequence = 0

    # -- the port ----------------------------------------------------------------------

    def push_order(
        self,
        *,
        supplier_id: str,
        order_ref: str,
        items: Sequence[tuple[str, int]],
        destination: str,
        idempotency_key: str,
    ) -> ConsignmentAck:
        require_text(idempotency_key, "idempotency key")
        normalized = tuple((sku, quantity) for sku, quantity in items)
        payload = (supplier_id, order_ref, normalized, destination)
        earlier = self._log.replay(idempotency_key, payload)
        if earlier is not None:
            return earlier
        require_text(supplier_id, "supplier id")
        require_text(order_ref, "order reference")
        require_text(destination, "destination")
        _require_items(normalized)
        scripted = self._script.popleft() if self._script else None
        outcome = None if scripted is None else scripted.outcome
        if outcome is _Script.TIMEOUT_LOST:
            raise ConsignmentTimeout(
                f"{self.name}: push {idempotency_key!r} to {supplier_id!r} timed out before "
                "reaching the supplier; retry with the same key"
            )
        self._sequence += 1
        supplier_order_ref = f"{supplier_id}-{self._sequence:06d}"
        if scripted is not None and outcome is _Script.REFUSE:
            ack = ConsignmentAck(supplier_order_ref, accepted=False, reason=scripted.reason)
        else:
            ack = ConsignmentAck(supplier_order_ref, accepted=True)
        self._orders[supplier_order_ref] = PushedOrder(
            supplier_id, order_ref, normalized, destination, idempotency_key, ack
        )
        self._shipments[supplier_order_ref] = []
        self._log.remember(idempotency_key, payload, ack)
        if outcome is _Script.TIMEOUT_APPLIED:
            raise ConsignmentTimeout(
                f"{self.name}: push {idempotency_key!r} to {supplier_id!r} timed out; it may "
                "have reached the supplier: retry with the same key"
            )
        return ack

    def shipments(self, *, supplier_order_ref: str) -> list[ConsignmentShipment]:
        self._order(supplier_order_ref)
        if self._shipment_timeouts:
            self._shipment_timeouts -= 1
            raise ConsignmentTimeout(f"{self.name}: shipments of {supplier_order_ref!r} timed out")
        return list(self._shipments[supplier_order_ref])

    # -- test hooks --------------------------------------------------------------------

    @property
    def pushed(self) -> tuple[PushedOrder, ...]:
        """Every order the suppliers accepted, in order."""
        return tuple(order for order in self._orders.values() if order.ack.accepted)

    def refuse_next(self, n: int = 1, *, reason: str = "refused by the supplier") -> None:
        """The next ``n`` pushes are answered ``accepted=False`` with ``reason``."""
        require_text(reason, "reason")
        self._push(n, _Scripted(_Script.REFUSE, reason))

    def timeout_next(self, n: int = 1, *, applied: bool) -> None:
        """The next ``n`` pushes raise :class:`ConsignmentTimeout`.

        ``applied=True``: the supplier took the order (a retry with the same key answers its
        ack); ``applied=False``: it never arrived (a retry pushes it now).
        """
        self._push(n, _Scripted(_Script.TIMEOUT_APPLIED if applied else _Script.TIMEOUT_LOST))

    def timeout_shipments_next(self, n: int = 1) -> None:
        """The next ``n`` calls of :meth:`shipments` raise :class:`ConsignmentTimeout`."""
        _require_count(n)
        self._shipment_timeouts += n

    def ship(
        self,
        supplier_order_ref: str,
        carrier: str,
        tracking_number: str,
        items: Sequence[tuple[str, int]] | None = None,
    ) -> ConsignmentShipment:
        """The supplier ships ``items`` (default: everything not shipped yet) in one parcel."""
        order = self._order(supplier_order_ref)
        if not order.ack.accepted:
            raise IllegalTransition(f"{self.name} order {supplier_order_ref}", "refused", "ship")
        require_text(carrier, "carrier")
        require_text(tracking_number, "tracking number")
        if tracking_number in self._tracking_numbers:
            raise AlreadyExists(f"{self.name}: tracking number {tracking_number!r} already used")
        outstanding = self._outstanding(supplier_order_ref)
        if items is None:
            parcel = tuple((sku, qty) for sku, qty in outstanding.items() if qty)
            if not parcel:
                raise BusinessRuleViolation(f"order {supplier_order_ref!r} is fully shipped")
        else:
            parcel = tuple((sku, quantity) for sku, quantity in items)
            _require_items(parcel)
            for sku, quantity in parcel:
                if quantity > outstanding.get(sku, 0):
                    raise BusinessRuleViolation(
                        f"order {supplier_order_ref!r}: shipping {quantity} of {sku!r}, "
                        f"{outstanding.get(sku, 0)} not yet shipped"
                    )
        shipment = ConsignmentShipment(carrier, tracking_number, parcel)
        self._shipments[supplier_order_ref].append(shipment)
        self._tracking_numbers.add(tracking_number)
        return shipment

    # -- internals ---------------------------------------------------------------------

    def _order(self, supplier_order_ref: str) -> PushedOrder:
        order = self._orders.get(supplier_order_ref)
        if order is None:
            raise UnknownConsignmentOrder(f"{self.name}: no order {supplier_order_ref!r}")
        return order

    def _outstanding(self, supplier_order_ref: str) -> dict[str, int]:
        outstanding = dict(self._orders[supplier_order_ref].items)
        for shipment in self._shipments[supplier_order_ref]:
            for sku, quantity in shipment.items:
                outstanding[sku] -= quantity
        assert all(qty >= 0 for qty in outstanding.values()), "shipped beyond the order"
        return outstanding

    def _push(self, n: int, scripted: _Scripted) -> None:
        _require_count(n)
        self._script.extend([scripted] * n)


def _require_count(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValidationError(f"number of scripted outcomes must be a whole number >= 1, not {n!r}")


def _require_items(items: tuple[tuple[str, int], ...]) -> None:
    if not items:
        raise ValidationError("a consignment order needs at least one item")
    for sku, quantity in items:
        require_text(sku, "sku")
        require_quantity(quantity, f"quantity of {sku!r}")
    skus = [sku for sku, _ in items]
    if len(set(skus)) != len(skus):
        raise ValidationError(f"items name a SKU twice: {skus}")
