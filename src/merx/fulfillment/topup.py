"""Virtual top-up fulfilment: what a paid top-up order buys from its supplier, unit by unit.

One purchase per unit, each with its own idempotency key (the unit's ``key``), so a retry
after a timeout never credits an account twice. A unit is *unknown* until the supplier
gives a final answer; only a definitive failure is refunded, and only for the units that
failed (their frozen net price, at most what is left to refund of the payment), the refund
reserved in the commit that ends the procurement. When every unit failed, the order is
refunded and closed, whenever the refund succeeds.
"""

from __future__ import annotations

import enum

import attrs

from merx.fulfillment.errors import NotATopUp, UnknownVirtualSupplier
from merx.kernel.aggregate import Aggregate
from merx.kernel.events import DomainEvent
from merx.kernel.ids import OrderId, SkuId, SupplierId
from merx.kernel.money import Money
from merx.kernel.vault import Sealed
from merx.orders import Order, OrderKind


class UnitStatus(enum.Enum):
    UNKNOWN = "unknown"  # asked (or about to be), no final answer yet
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@attrs.frozen
class TopUpUnit:
    key: str
    sku: SkuId
    supplier: SupplierId
    face_value: Money
    net: Money
    status: UnitStatus = UnitStatus.UNKNOWN
    supplier_ref: str | None = None
    reason: str | None = None


@attrs.frozen
class TopUpOpened(DomainEvent):
    """A paid top-up order is being bought from its supplier, ``units`` purchases."""

    top_up_id: str
    order_id: OrderId
    units: int


@attrs.frozen
class TopUpUnitSettled(DomainEvent):
    top_up_id: str
    order_id: OrderId
    key: str
    status: UnitStatus
    reason: str | None


def topup_id_of(order_id: OrderId) -> str:
    """One top-up per order: its id is derived from the order's."""
    return f"topup-{order_id}"


_REFUND_SUFFIX = "/topup-failed"


def topup_refund_id(order_id: OrderId) -> str:
    """One refund of failed units per top-up order: its id is derived from the order's."""
    return f"{order_id}{_REFUND_SUFFIX}"


def is_topup_refund(refund_id: str) -> bool:
    """Whether ``refund_id`` names a top-up's refund of failed units (told without a read)."""
    return refund_id.endswith(_REFUND_SUFFIX)


@attrs.define(kw_only=True)
class TopUp(Aggregate):
    """The purchases that fulfil one top-up order."""

    id: str
    order_id: OrderId
    #: the account to credit (a phone number), sealed: revealed at the vault only to be
    #: handed to the supplier (:func:`merx.fulfillment.services.fulfill_topup`)
    account: Sealed = attrs.field(repr=False)
    units: dict[str, TopUpUnit]

    @classmethod
    def open(cls, order: Order) -> TopUp:
        """One unit per unit bought, each with its share of its line's frozen net
        (:meth:`Money.allocate`) and the face value to credit."""
        if order.kind is not OrderKind.TOPUP:
            raise NotATopUp(f"order {order.id!r} is not a top-up")
        assert order.account is not None, "a top-up order always names the account"
        units: dict[str, TopUpUnit] = {}
        for line in order.lines:
            supplier = line.fulfillment.supplier
            if supplier is None:
                raise UnknownVirtualSupplier(f"SKU {line.sku!r} names no real-time supplier")
            face = line.face_value if line.face_value is not None else line.unit_price
            for k, net in enumerate(line.net.allocate([1] * line.quantity), start=1):
                key = f"{order.id}/{line.sku}/{k}"
                units[key] = TopUpUnit(key, line.sku, supplier, face, net)
        top_up = cls(
            id=topup_id_of(order.id), order_id=order.id, account=order.account, units=units
        )
        top_up.record(TopUpOpened(top_up.id, order.id, len(units)))
        return top_up

    @property
    def settled(self) -> bool:
        return all(unit.status is not UnitStatus.UNKNOWN for unit in self.units.values())

    def of(self, status: UnitStatus) -> list[TopUpUnit]:
        return [unit for unit in self.units.values() if unit.status is status]

    @property
    def credited(self) -> bool:
        """Whether any unit was credited to the account."""
        return bool(self.of(UnitStatus.SUCCEEDED))

    @property
    def failure(self) -> str:
        """Why the failed units failed, each reason once."""
        return "; ".join(sorted({unit.reason or "failed" for unit in self.of(UnitStatus.FAILED)}))

    @property
    def refund_due(self) -> Money:
        """The failed units' net price: what goes back to the payer."""
        currency = next(iter(self.units.values())).net.currency
        return Money.sum((unit.net for unit in self.of(UnitStatus.FAILED)), currency)

    def settle(self, key: str, status: UnitStatus, supplier_ref: str, reason: str | None) -> None:
        unit = self.units[key]
        if unit.status is not UnitStatus.UNKNOWN or status is UnitStatus.UNKNOWN:
            return
        self.units[key] = attrs.evolve(
            unit, status=status, supplier_ref=supplier_ref, reason=reason
        )
        self.record(TopUpUnitSettled(self.id, self.order_id, key, status, reason))
