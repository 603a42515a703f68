"""After-sales use cases: request, review, refund."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from merx.aftersales.model import AfterSale, AfterSaleKind, AfterSaleStatus
from merx.catalog import FulfillmentMode
from merx.inventory import release_holds
from merx.kernel.bus import Command
from merx.kernel.clock import Clock
from merx.kernel.errors import BusinessRuleViolation
from merx.kernel.ids import AfterSaleId, IdSource, OrderId, PaymentId
from merx.kernel.uow import UnitOfWork
from merx.orders import Order, OrderStatus
from merx.payments import Payment, PaymentGateway, RefundStatus, gateway_for, refund_payment


class NotEligible(BusinessRuleViolation):
    """The order is not in a state this kind of after-sale applies to."""


@attrs.frozen
class RequestRefund(Command[AfterSaleId]):
    """Ask for the whole order to be refunded before it ships."""

    order_id: OrderId
    reason: str


@attrs.frozen
class ApproveAfterSale(Command[AfterSaleStatus]):
    case_id: AfterSaleId


@attrs.frozen
class RejectAfterSale(Command[None]):
    case_id: AfterSaleId
    reason: str


def request_refund(
    cmd: RequestRefund, uow: UnitOfWork, *, clock: Clock, ids: IdSource
) -> AfterSaleId:
    order = uow.repo(Order).get(cmd.order_id)
    if order.status is not OrderStatus.PAID:
        raise NotEligible(
            f"order {order.id!r} is {order.status.value}: a refund before shipment needs a "
            "paid order that has not shipped"
        )
    if order.shipment_ids or order.lines_fulfilled_by(FulfillmentMode.CONSIGNMENT):
        raise NotEligible(
            f"order {order.id!r} is already with a carrier or a consignment supplier: "
            "ask for a return instead"
        )
    case = AfterSale.request(
        case_id=AfterSaleId(ids.next_id("as")),
        order_id=order.id,
        kind=AfterSaleKind.REFUND_BEFORE_SHIPMENT,
        amount=order.payable,
        reason=cmd.reason,
        at=clock.now(),
    )
    uow.repo(AfterSale).add(case)
    uow.commit()
    return case.id


def approve_after_sale(
    cmd: ApproveAfterSale,
    uow: UnitOfWork,
    *,
    gateways: Mapping[str, PaymentGateway],
    clock: Clock,
) -> AfterSaleStatus:
    """Approve: the order closes and its stock is released, then the payment is refunded."""
    case = uow.repo(AfterSale).get(cmd.case_id)
    order = uow.repo(Order).get(case.order_id)
    if order.payment_id is None:
        raise NotEligible(f"order {order.id!r} was never paid")
    payment = uow.repo(Payment).get(order.payment_id)
    gateway = gateway_for(gateways, payment.channel)
    now = clock.now()
    case.approve(now)
    order.close(f"after-sale {case.id}", now)
    release_holds(uow, order.id, order.allocations)
    uow.repo(AfterSale).save(case)
    uow.repo(Order).save(order)
    uow.commit()
    return _refund(uow, case.id, PaymentId(payment.id), gateway, clock)


def _refund(
    uow: UnitOfWork,
    case_id: AfterSaleId,
    payment_id: PaymentId,
    gateway: PaymentGateway,
    clock: Clock,
) -> AfterSaleStatus:
    case = uow.repo(AfterSale).get(case_id)
    assert case.refund_id is not None
    status = refund_payment(
        uow,
        gateway,
        payment_id=payment_id,
        refund_id=case.refund_id,
        amount=case.amount,
        reason=case.reason,
        clock=clock,
    )
    if status is RefundStatus.SUCCEEDED:
        case = uow.repo(AfterSale).get(case_id)
        case.refunded(clock.now())
        uow.repo(AfterSale).save(case)
        uow.commit()
    return case.status


def reject_after_sale(cmd: RejectAfterSale, uow: UnitOfWork, *, clock: Clock) -> None:
    case = uow.repo(AfterSale).get(cmd.case_id)
    case.reject(cmd.reason, clock.now())
    uow.repo(AfterSale).save(case)
    uow.commit()
