"""Ports of the suppliers context: the suppliers' own systems we buy and order through.

A :class:`VirtualGoodsSupplier` tops up a phone bill, loads a game card and the like at
fulfillment. Each purchase carries an ``idempotency_key``: the same key and payload never
tops up twice and answers the first result (or, if that result was ``PENDING``, the
purchase's outcome now); the same key and a different payload raises
:class:`~merx.kernel.errors.IdempotencyConflict`. After a :class:`SupplierTimeout` the
outcome is unknown: ask :meth:`VirtualGoodsSupplier.query`, or retry with the same key.

A :class:`ConsignmentChannel` pushes paid orders to consignment suppliers, who ship them
from their own warehouses, and reports the parcels they sent (see the section below).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Protocol

import attrs

from merx.kernel.money import Money


class SupplierStatus(enum.Enum):
    SUCCEEDED = "succeeded"  # the account was credited
    FAILED = "failed"  # nothing was credited
    PENDING = "pending"  # the supplier is still working on it: query later


@attrs.frozen
class SupplierResult:
    """The supplier's answer: ``supplier_ref`` is its reference for the purchase."""

    status: SupplierStatus
    supplier_ref: str
    reason: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status is SupplierStatus.SUCCEEDED


class VirtualGoodsSupplier(Protocol):
    """Port: buy virtual goods from a supplier, in real time."""

    def purchase(
        self, *, order_ref: str, sku: str, account: str, face_value: Money, idempotency_key: str
    ) -> SupplierResult:
        """Credit ``face_value`` of ``sku`` to ``account`` (a phone number, a game id...).

        Raises :class:`SupplierTimeout` when the outcome is unknown.
        """
        ...

    def query(self, *, idempotency_key: str) -> SupplierResult:
        """The purchase's outcome now. Raises :class:`UnknownPurchase` if never received."""
        ...


# -- consignment suppliers -------------------------------------------------------------
#
# A consignment supplier keeps its goods in its own warehouse: once a customer has paid,
# the order is pushed to the supplier, who ships it and reports the parcels. A push carries
# an ``idempotency_key``: the same key and payload is pushed once and answers the first
# acknowledgement; the same key and a different payload raises
# :class:`~merx.kernel.errors.IdempotencyConflict`. After a :class:`ConsignmentTimeout` the
# push may or may not have reached the supplier: retry with the same key.


@attrs.frozen
class ConsignmentAck:
    """The supplier's answer to a push: its reference, and whether it took the order."""

    supplier_order_ref: str
    accepted: bool
    reason: str | None = None


@attrs.frozen
class ConsignmentShipment:
    """A parcel the supplier sent for a pushed order; ``items`` are ``(sku, quantity)``."""

    carrier: str
    tracking_number: str
    items: tuple[tuple[str, int], ...]


class ConsignmentChannel(Protocol):
    """Port: push paid orders to consignment suppliers and learn what they shipped."""

    def push_order(
        self,
        *,
        supplier_id: str,
        order_ref: str,
        items: Sequence[tuple[str, int]],
        destination: str,
        idempotency_key: str,
    ) -> ConsignmentAck:
        """Ask ``supplier_id`` to ship ``items`` (``(sku, quantity)``) to ``destination``.

        A refusal (out of stock, cannot deliver there) is an ack with ``accepted=False``
        and a ``reason``. Raises :class:`ConsignmentTimeout` when the outcome is unknown.
        """
        ...

    def shipments(self, *, supplier_order_ref: str) -> list[ConsignmentShipment]:
        """The parcels shipped for the order so far, oldest first (empty before the first).

        Raises :class:`UnknownConsignmentOrder`, :class:`ConsignmentTimeout`.
        """
        ...
