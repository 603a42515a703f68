"""Suppliers use cases: onboard suppliers, manage the relationship, push consignment orders.

Each handler is ``handler(cmd, uow, *, clock=..., ids=...)``: it loads the supplier, calls
the model, saves and commits.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import attrs

from merx.kernel.bus import Command
from merx.kernel.clock import Clock
from merx.kernel.ids import IdSource, SkuId, SupplierId
from merx.kernel.uow import UnitOfWork
from merx.qualification import DocumentKind
from merx.suppliers.model import Supplier, SupplierType
from merx.suppliers.ports import ConsignmentAck, ConsignmentChannel

# -- commands --------------------------------------------------------------------------


@attrs.frozen
class ApplySupplier(Command[SupplierId]):
    """A company applies to supply us; ``currency`` is the one it is settled in."""

    name: str
    supplier_type: SupplierType
    currency: str = "CNY"


@attrs.frozen
class AddQualificationDocument(Command[None]):
    supplier_id: SupplierId
    kind: DocumentKind
    number: str
    expires_on: date
    brand: str | None = None


@attrs.frozen
class RemoveQualificationDocument(Command[None]):
    supplier_id: SupplierId
    number: str


@attrs.frozen
class SubmitSupplierApplication(Command[None]):
    supplier_id: SupplierId


@attrs.frozen
class ReviewQualificationDocument(Command[None]):
    supplier_id: SupplierId
    number: str
    accepted: bool
    note: str | None = None


@attrs.frozen
class ApproveSupplier(Command[None]):
    supplier_id: SupplierId


@attrs.frozen
class RejectSupplier(Command[None]):
    supplier_id: SupplierId
    reasons: tuple[str, ...] = ()


@attrs.frozen
class ReapplySupplier(Command[None]):
    supplier_id: SupplierId


@attrs.frozen
class SuspendSupplier(Command[None]):
    supplier_id: SupplierId
    reason: str


@attrs.frozen
class ReinstateSupplier(Command[None]):
    supplier_id: SupplierId


@attrs.frozen
class TerminateSupplier(Command[None]):
    supplier_id: SupplierId
    reason: str


@attrs.frozen
class PushConsignmentOrder(Command[ConsignmentAck]):
    """Push a paid order's items to the consignment supplier that ships them."""

    supplier_id: SupplierId
    order_ref: str
    items: tuple[tuple[SkuId, int], ...]
    destination: str


# -- handlers --------------------------------------------------------------------------


def apply_supplier(
    cmd: ApplySupplier, uow: UnitOfWork, *, clock: Clock, ids: IdSource
) -> SupplierId:
    supplier = Supplier.apply(
        supplier_id=SupplierId(ids.next_id("sup")),
        name=cmd.name,
        supplier_type=cmd.supplier_type,
        currency=cmd.currency,
        at=clock.now(),
    )
    uow.repo(Supplier).add(supplier)
    uow.commit()
    return supplier.id


def _change(uow: UnitOfWork, supplier_id: SupplierId, change: Callable[[Supplier], None]) -> None:
    """Load the supplier, apply ``change`` (a model method), save and commit."""
    supplier = uow.repo(Supplier).get(supplier_id)
    change(supplier)
    uow.repo(Supplier).save(supplier)
    uow.commit()


def add_qualification_document(
    cmd: AddQualificationDocument, uow: UnitOfWork, *, clock: Clock
) -> None:
    _change(
        uow,
        cmd.supplier_id,
        lambda s: s.add_document(
            kind=cmd.kind,
            number=cmd.number,
            expires_on=cmd.expires_on,
            brand=cmd.brand,
            at=clock.now(),
        ),
    )


def remove_qualification_document(
    cmd: RemoveQualificationDocument, uow: UnitOfWork, *, clock: Clock
) -> None:
    _change(uow, cmd.supplier_id, lambda s: s.remove_document(cmd.number, clock.now()))


def submit_supplier_application(
    cmd: SubmitSupplierApplication, uow: UnitOfWork, *, clock: Clock
) -> None:
    _change(uow, cmd.supplier_id, lambda s: s.submit(clock.now()))


def review_qualification_document(
    cmd: ReviewQualificationDocument, uow: UnitOfWork, *, clock: Clock
) -> None:
    _change(
        uow,
        cmd.supplier_id,
        lambda s: s.review_document(
            cmd.number, accepted=cmd.accepted, note=cmd.note, at=clock.now()
        ),
    )


def approve_supplier(cmd: ApproveSupplier, uow: UnitOfWork, *, clock: Clock) -> None:
    _change(uow, cmd.supplier_id, lambda s: s.approve(clock.now()))


def reject_supplier(cmd: RejectSupplier, uow: UnitOfWork, *, clock: Clock) -> None:
    _change(uow, cmd.supplier_id, lambda s: s.reject(cmd.reasons, clock.now()))


def reapply_supplier(cmd: ReapplySupplier, uow: UnitOfWork, *, clock: Clock) -> None:
    _change(uow, cmd.supplier_id, lambda s: s.reapply(clock.now()))


def suspend_supplier(cmd: SuspendSupplier, uow: UnitOfWork, *, clock: Clock) -> None:
    _change(uow, cmd.supplier_id, lambda s: s.suspend(cmd.reason, clock.now()))


def reinstate_supplier(cmd: ReinstateSupplier, uow: UnitOfWork, *, clock: Clock) -> None:
    _change(uow, cmd.supplier_id, lambda s: s.reinstate(clock.now()))


def terminate_supplier(cmd: TerminateSupplier, uow: UnitOfWork, *, clock: Clock) -> None:
    _change(uow, cmd.supplier_id, lambda s: s.terminate(cmd.reason, clock.now()))


def push_consignment_order(
    cmd: PushConsignmentOrder, uow: UnitOfWork, *, channel: ConsignmentChannel
) -> ConsignmentAck:
    """Push to an approved consignment supplier under the supplier's push key, so a retry
    after :class:`~merx.suppliers.errors.ConsignmentTimeout` never pushes twice. Nothing is
    stored here: the order's side of the push belongs to fulfillment, which calls this
    in-process."""
    supplier = uow.repo(Supplier).view(cmd.supplier_id)
    return channel.push_order(
        supplier_id=supplier.id,
        order_ref=cmd.order_ref,
        items=[(str(sku), quantity) for sku, quantity in cmd.items],
        destination=cmd.destination,
        idempotency_key=supplier.consignment_push_key(cmd.order_ref),
    )
