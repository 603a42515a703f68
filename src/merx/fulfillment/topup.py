"""Virtual top-up fulfilment: bought from the supplier in real time once paid.

One purchase per unit, each with its own idempotency key, so a retry after a timeout
never credits an account twice. A unit is *unknown* until the supplier gives a final
answer; only a definitive failure is refunded, and only for the units that failed (their
frozen net price). When every unit failed, the order is refunded and closed.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

import attrs

from merx.kernel.aggregate import Aggregate
from merx.kernel.bus import Command
from merx.kernel.clock import Clock
from merx.kernel.errors import BusinessRuleViolation, NotFound
from merx.kernel.events import DomainEvent
from merx.kernel.ids import OrderId, PaymentId, SkuId, SupplierId
from merx.kernel.money import Money
from merx.kernel.uow import UnitOfWork
from merx.orders import Order, OrderKind, OrderPaid, OrderStatus
from merx.payments import Payment, PaymentGateway, RefundStatus, refund_to_payer
from merx.suppliers import SupplierStatus, SupplierTimeout, VirtualGoodsSupplier


class UnitStatus(enum.Enum):
    UNKNOWN = "unknown"  # asked (or about to be), no final answer yet
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class UnknownVirtualSupplier(NotFound):
    """No real-time supplier is configured under the SKU's supplier id."""


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
class TopUpUnitSettled(DomainEvent):
    top_up_id: str
    order_id: OrderId
    key: str
    status: UnitStatus
    reason: str | None


@attrs.define(kw_only=True)
class TopUp(Aggregate):
    """The purchases that fulfil one top-up order."""

    id: str
    order_id: OrderId
    account: str
    units: dict[str, TopUpUnit]

    @property
    def settled(self) -> bool:
        return all(unit.status is not UnitStatus.UNKNOWN for unit in self.units.values())

    def of(self, status: UnitStatus) -> list[TopUpUnit]:
        return [unit for unit in self.units.values() if unit.status is status]

    def settle(self, key: str, status: UnitStatus, supplier_ref: str, reason: str | None) -> None:
        unit = self.units[key]
        if unit.status is not UnitStatus.UNKNOWN or status is UnitStatus.UNKNOWN:
            return
        self.units[key] = attrs.evolve(
            unit, status=status, supplier_ref=supplier_ref, reason=reason
        )
        self.record(TopUpUnitSettled(self.id, self.order_id, key, status, reason))


@attrs.frozen
class FulfillTopUp(Command[OrderStatus]):
    """Buy a paid top-up order from its supplier, or carry on where a timeout stopped."""

    order_id: OrderId


def fulfill_topup(
    cmd: FulfillTopUp,
    uow: UnitOfWork,
    *,
    suppliers: Mapping[str, VirtualGoodsSupplier],
    gateways: Mapping[str, PaymentGateway],
    clock: Clock,
) -> OrderStatus:
    order = uow.repo(Order).get(cmd.order_id)
    if order.kind is not OrderKind.TOPUP:
        raise BusinessRuleViolation(f"order {order.id!r} is not a top-up")
    if order.status is OrderStatus.PAID:
        top_up = _open(order)
        order.start_procurement(clock.now())
        uow.repo(TopUp).add(top_up)
        uow.repo(Order).save(order)
        uow.commit()
    elif order.status is OrderStatus.PROCURING:
        top_up = uow.repo(TopUp).get(f"topup-{order.id}")
    elif order.status is OrderStatus.REFUNDING:
        return _refund_failed(uow, order.id, gateways, clock)
    else:
        return order.status
    _purchase(uow, top_up.id, suppliers)
    return _conclude(uow, order.id, gateways, clock)


def _open(order: Order) -> TopUp:
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
    return TopUp(id=f"topup-{order.id}", order_id=order.id, account=order.account, units=units)


def _purchase(
    uow: UnitOfWork, top_up_id: str, suppliers: Mapping[str, VirtualGoodsSupplier]
) -> None:
    top_up = uow.repo(TopUp).get(top_up_id)
    for unit in top_up.of(UnitStatus.UNKNOWN):
        try:
            supplier = suppliers[unit.supplier]
        except KeyError:
            raise UnknownVirtualSupplier(
                f"no real-time supplier {unit.supplier!r} is configured"
            ) from None
        try:
            result = supplier.purchase(
                order_ref=top_up.order_id,
                sku=unit.sku,
                account=top_up.account,
                face_value=unit.face_value,
                idempotency_key=unit.key,
            )
        except SupplierTimeout:
            continue  # unknown: never refunded until the supplier says it failed
        if result.status is SupplierStatus.SUCCEEDED:
            top_up.settle(unit.key, UnitStatus.SUCCEEDED, result.supplier_ref, None)
        elif result.status is SupplierStatus.FAILED:
            top_up.settle(unit.key, UnitStatus.FAILED, result.supplier_ref, result.reason)
    uow.repo(TopUp).save(top_up)
    uow.commit()


def _conclude(
    uow: UnitOfWork, order_id: OrderId, gateways: Mapping[str, PaymentGateway], clock: Clock
) -> OrderStatus:
    top_up = uow.repo(TopUp).get(f"topup-{order_id}")
    order = uow.repo(Order).get(order_id)
    if not top_up.settled:
        return order.status
    now = clock.now()
    if top_up.of(UnitStatus.SUCCEEDED):
        order.fulfilled(now)
        order.complete(now)
    else:
        reasons = sorted({unit.reason or "failed" for unit in top_up.of(UnitStatus.FAILED)})
        order.procurement_failed("; ".join(reasons), now)
    uow.repo(Order).save(order)
    uow.commit()
    if top_up.of(UnitStatus.FAILED):
        return _refund_failed(uow, order_id, gateways, clock)
    return order.status


def _refund_failed(
    uow: UnitOfWork, order_id: OrderId, gateways: Mapping[str, PaymentGateway], clock: Clock
) -> OrderStatus:
    """Refund the failed units' net price; close the order once a full failure is refunded."""
    top_up = uow.repo(TopUp).get(f"topup-{order_id}")
    order = uow.repo(Order).get(order_id)
    assert order.payment_id is not None, "a top-up is procured only once paid"
    failed = top_up.of(UnitStatus.FAILED)
    amount = Money.sum((unit.net for unit in failed), order.currency)
    payment = uow.repo(Payment).get(order.payment_id)
    status = refund_to_payer(
        uow,
        gateways,
        payment_id=PaymentId(payment.id),
        refund_id=f"{order.id}/topup-failed",
        amount=amount,
        reason=f"the supplier could not top up {len(failed)} unit(s)",
        clock=clock,
        order_id=order.id,
    )
    order = uow.repo(Order).get(order_id)
    if status is RefundStatus.SUCCEEDED and order.status is OrderStatus.REFUNDING:
        order.close("supplier failed; refunded", clock.now())
        uow.repo(Order).save(order)
        uow.commit()
    return order.status


def fulfill_paid_topup(
    event: OrderPaid,
    uow: UnitOfWork,
    *,
    suppliers: Mapping[str, VirtualGoodsSupplier],
    gateways: Mapping[str, PaymentGateway],
    clock: Clock,
) -> None:
    """Subscriber: a paid top-up is bought from its supplier at once."""
    order = uow.repo(Order).view(event.order_id)
    if order.kind is OrderKind.TOPUP:
        fulfill_topup(
            FulfillTopUp(order.id), uow, suppliers=suppliers, gateways=gateways, clock=clock
        )
