"""After-sales: a customer's request after payment, its review and its outcome.

The walking skeleton carries the first kind, a refund before shipment; return and refund,
exchange and refund only follow the same case life cycle (issue 5).
"""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from merx.kernel.aggregate import Aggregate
from merx.kernel.errors import ValidationError
from merx.kernel.events import DomainEvent
from merx.kernel.ids import AfterSaleId, OrderId
from merx.kernel.money import Money
from merx.kernel.state import StateMachine


class AfterSaleKind(enum.Enum):
    REFUND_BEFORE_SHIPMENT = "refund_before_shipment"


class AfterSaleStatus(enum.Enum):
    REQUESTED = "requested"
    REJECTED = "rejected"
    REFUNDING = "refunding"
    COMPLETED = "completed"


AFTERSALE_FLOW: StateMachine[AfterSaleStatus] = StateMachine(
    "after-sale",
    [
        (AfterSaleStatus.REQUESTED, "approve", AfterSaleStatus.REFUNDING),
        (AfterSaleStatus.REQUESTED, "reject", AfterSaleStatus.REJECTED),
        (AfterSaleStatus.REFUNDING, "refunded", AfterSaleStatus.COMPLETED),
    ],
)


@attrs.frozen
class AfterSaleRequested(DomainEvent):
    case_id: AfterSaleId
    order_id: OrderId
    kind: AfterSaleKind
    amount: Money
    at: datetime


@attrs.frozen
class AfterSaleApproved(DomainEvent):
    case_id: AfterSaleId
    at: datetime


@attrs.frozen
class AfterSaleRejected(DomainEvent):
    case_id: AfterSaleId
    reason: str
    at: datetime


@attrs.frozen
class AfterSaleCompleted(DomainEvent):
    case_id: AfterSaleId
    refunded: Money
    at: datetime


@attrs.define(kw_only=True)
class AfterSale(Aggregate):
    """One after-sales case of one order."""

    id: AfterSaleId
    order_id: OrderId
    kind: AfterSaleKind
    amount: Money
    reason: str
    status: AfterSaleStatus = AfterSaleStatus.REQUESTED
    refund_id: str | None = None
    rejection: str | None = None

    @classmethod
    def request(
        cls,
        *,
        case_id: AfterSaleId,
        order_id: OrderId,
        kind: AfterSaleKind,
        amount: Money,
        reason: str,
        at: datetime,
    ) -> AfterSale:
        if not amount.is_positive():
            raise ValidationError(f"after-sale amount must be positive, got {amount}")
        case = cls(id=case_id, order_id=order_id, kind=kind, amount=amount, reason=reason)
        case.record(AfterSaleRequested(case_id, order_id, kind, amount, at))
        return case

    def approve(self, at: datetime) -> None:
        AFTERSALE_FLOW.move(self, "approve", AfterSaleApproved(self.id, at))
        self.refund_id = f"{self.id}/refund"

    def reject(self, reason: str, at: datetime) -> None:
        if not reason.strip():
            raise ValidationError("a rejection needs a reason")
        AFTERSALE_FLOW.move(self, "reject", AfterSaleRejected(self.id, reason, at))
        self.rejection = reason

    def refunded(self, at: datetime) -> None:
        AFTERSALE_FLOW.move(self, "refunded", AfterSaleCompleted(self.id, self.amount, at))
