"""After-sales: a customer's request after payment, its review and its outcome.

Four kinds, each with its own transition table:

* refund before shipment: the whole order, refunded once approved, nothing ships;
* return and refund: approved, the customer sends the goods back, the warehouse inspects,
  and only the *accepted* units are refunded (their frozen net price) and restocked;
* exchange: approved, returned, inspected, then a replacement is shipped; a cheaper
  replacement refunds the difference;
* refund only: approved and refunded, the customer keeps the goods.

The seller of the order reviews (a marketplace merchant, or the platform for its own
goods); the platform may always step in.
"""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from merx.kernel.aggregate import Aggregate
from merx.kernel.errors import BusinessRuleViolation, Unauthorized, ValidationError
from merx.kernel.events import DomainEvent
from merx.kernel.ids import PLATFORM, AfterSaleId, MerchantId, OrderId, SkuId
from merx.kernel.money import Money
from merx.kernel.state import StateMachine


class AfterSaleKind(enum.Enum):
    REFUND_BEFORE_SHIPMENT = "refund_before_shipment"
    RETURN_AND_REFUND = "return_and_refund"
    EXCHANGE = "exchange"
    REFUND_ONLY = "refund_only"

    @property
    def needs_return(self) -> bool:
        return self in (AfterSaleKind.RETURN_AND_REFUND, AfterSaleKind.EXCHANGE)


class AfterSaleStatus(enum.Enum):
    REQUESTED = "requested"
    REJECTED = "rejected"
    AWAITING_RETURN = "awaiting_return"
    RETURNING = "returning"
    REFUNDING = "refunding"
    REPLACING = "replacing"
    COMPLETED = "completed"


_S = AfterSaleStatus
_REVIEW = [(_S.REQUESTED, "reject", _S.REJECTED)]
FLOWS: dict[AfterSaleKind, StateMachine[AfterSaleStatus]] = {
    AfterSaleKind.REFUND_BEFORE_SHIPMENT: StateMachine(
        "refund before shipment",
        [
            *_REVIEW,
            (_S.REQUESTED, "approve", _S.REFUNDING),
            (_S.REFUNDING, "refunded", _S.COMPLETED),
        ],
    ),
    AfterSaleKind.REFUND_ONLY: StateMachine(
        "refund only",
        [
            *_REVIEW,
            (_S.REQUESTED, "approve", _S.REFUNDING),
            (_S.REFUNDING, "refunded", _S.COMPLETED),
        ],
    ),
    AfterSaleKind.RETURN_AND_REFUND: StateMachine(
        "return and refund",
        [
            *_REVIEW,
            (_S.REQUESTED, "approve", _S.AWAITING_RETURN),
            (_S.AWAITING_RETURN, "send back", _S.RETURNING),
            (_S.RETURNING, "accept", _S.REFUNDING),
            (_S.RETURNING, "refuse", _S.REJECTED),
            (_S.REFUNDING, "refunded", _S.COMPLETED),
        ],
    ),
    AfterSaleKind.EXCHANGE: StateMachine(
        "exchange",
        [
            *_REVIEW,
            (_S.REQUESTED, "approve", _S.AWAITING_RETURN),
            (_S.AWAITING_RETURN, "send back", _S.RETURNING),
            (_S.RETURNING, "accept", _S.REPLACING),
            (_S.RETURNING, "refuse", _S.REJECTED),
            (_S.REPLACING, "replaced", _S.COMPLETED),
        ],
    ),
}
#: The oldest name: the refund-before-shipment table.
AFTERSALE_FLOW = FLOWS[AfterSaleKind.REFUND_BEFORE_SHIPMENT]


class NotEligible(BusinessRuleViolation):
    """The order is not in a state (or window) this kind of after-sale applies to."""


@attrs.frozen
class AfterSaleRequested(DomainEvent):
    case_id: AfterSaleId
    order_id: OrderId
    kind: AfterSaleKind
    items: tuple[tuple[SkuId, int], ...]
    at: datetime


@attrs.frozen
class AfterSaleApproved(DomainEvent):
    case_id: AfterSaleId
    reviewer: MerchantId
    at: datetime


@attrs.frozen
class AfterSaleRejected(DomainEvent):
    case_id: AfterSaleId
    reason: str
    at: datetime


@attrs.frozen
class ReturnShipped(DomainEvent):
    case_id: AfterSaleId
    carrier: str
    tracking_number: str
    at: datetime


@attrs.frozen
class ReturnInspected(DomainEvent):
    case_id: AfterSaleId
    accepted: tuple[tuple[SkuId, int], ...]
    at: datetime


@attrs.frozen
class AfterSaleCompleted(DomainEvent):
    case_id: AfterSaleId
    refunded: Money
    at: datetime


@attrs.define(kw_only=True)
class AfterSale(Aggregate):
    """One after-sales case on units of one seller's order."""

    id: AfterSaleId
    order_id: OrderId
    seller: MerchantId
    kind: AfterSaleKind
    items: tuple[tuple[SkuId, int], ...]
    reason: str
    status: AfterSaleStatus = AfterSaleStatus.REQUESTED
    replacement: SkuId | None = None
    accepted: tuple[tuple[SkuId, int], ...] = ()
    amount: Money | None = None
    refund_lines: tuple[tuple[SkuId, Money], ...] = ()
    refund_id: str | None = None
    return_tracking: str | None = None
    replacement_shipment: str | None = None
    rejection: str | None = None

    @classmethod
    def request(
        cls,
        *,
        case_id: AfterSaleId,
        order_id: OrderId,
        seller: MerchantId,
        kind: AfterSaleKind,
        items: tuple[tuple[SkuId, int], ...],
        reason: str,
        at: datetime,
        replacement: SkuId | None = None,
    ) -> AfterSale:
        if not reason.strip():
            raise ValidationError("an after-sale needs a reason")
        if replacement is not None and kind is not AfterSaleKind.EXCHANGE:
            raise ValidationError("only an exchange names a replacement")
        case = cls(
            id=case_id,
            order_id=order_id,
            seller=seller,
            kind=kind,
            items=items,
            reason=reason,
            replacement=replacement,
        )
        case.record(AfterSaleRequested(case_id, order_id, kind, items, at))
        return case

    @property
    def flow(self) -> StateMachine[AfterSaleStatus]:
        return FLOWS[self.kind]

    def check_reviewer(self, acting: MerchantId) -> None:
        """The order's seller reviews; the platform may always step in."""
        if acting not in (self.seller, PLATFORM):
            raise Unauthorized(f"{acting!r} may not review after-sale {self.id!r}")

    def approve(self, acting: MerchantId, at: datetime) -> None:
        self.check_reviewer(acting)
        self.flow.move(self, "approve", AfterSaleApproved(self.id, acting, at))

    def reject(self, acting: MerchantId, reason: str, at: datetime) -> None:
        self.check_reviewer(acting)
        if not reason.strip():
            raise ValidationError("a rejection needs a reason")
        self.flow.target(self.status, "reject")
        self.rejection = reason
        self.flow.move(self, "reject", AfterSaleRejected(self.id, reason, at))

    def send_back(self, carrier: str, tracking_number: str, at: datetime) -> None:
        if not carrier.strip() or not tracking_number.strip():
            raise ValidationError("a return needs a carrier and a tracking number")
        self.flow.target(self.status, "send back")
        self.return_tracking = tracking_number
        self.flow.move(self, "send back", ReturnShipped(self.id, carrier, tracking_number, at))

    def inspect(
        self, acting: MerchantId, accepted: tuple[tuple[SkuId, int], ...], at: datetime
    ) -> None:
        """The returned goods are checked: ``accepted`` units (a part of the case's items)
        go on; if none is accepted the case is refused."""
        self.check_reviewer(acting)
        asked = dict(self.items)
        for sku, quantity in accepted:
            if quantity <= 0 or quantity > asked.get(sku, 0):
                raise ValidationError(f"case {self.id!r}: cannot accept {quantity} of {sku!r}")
        command = "accept" if accepted else "refuse"
        self.flow.target(self.status, command)
        self.accepted = accepted
        event = ReturnInspected(self.id, accepted, at)
        if accepted:
            self.flow.move(self, "accept", event)
        else:
            self.rejection = "nothing returned was accepted"
            self.flow.move(self, "refuse", event)

    def to_refund(self, lines: tuple[tuple[SkuId, Money], ...]) -> None:
        """What to refund is known, per line (the frozen net of the units, or a price
        difference); the refund id is assigned."""
        if self.amount is not None or not lines:
            return
        self.refund_lines = lines
        self.amount = Money.sum((amount for _, amount in lines), lines[0][1].currency)
        self.refund_id = f"{self.id}/refund"

    def refunded(self, at: datetime) -> None:
        assert self.amount is not None
        self.flow.move(self, "refunded", AfterSaleCompleted(self.id, self.amount, at))

    def replaced(self, shipment_id: str, refunded: Money, at: datetime) -> None:
        self.flow.target(self.status, "replaced")
        self.replacement_shipment = shipment_id
        self.flow.move(self, "replaced", AfterSaleCompleted(self.id, refunded, at))
