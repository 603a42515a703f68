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

A case works on units of one seller's order: it claims them when it opens
(:meth:`AfterSale.open`, which also decides whether the order is eligible), gives back what
is not accepted, and marks refunded or exchanged what is. The methods that touch the order
take it as an argument; the service saves both.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime, timedelta

import attrs

from merx.aftersales.errors import NotEligible
from merx.catalog import FulfillmentMode, Sku
from merx.checkout import FreightCharge
from merx.kernel.aggregate import Aggregate
from merx.kernel.errors import Unauthorized, ValidationError
from merx.kernel.events import DomainEvent
from merx.kernel.ids import PLATFORM, AfterSaleId, MerchantId, OrderId, SkuId
from merx.kernel.money import Money
from merx.kernel.state import StateMachine
from merx.orders import Order, OrderKind, OrderStatus

Items = tuple[tuple[SkuId, int], ...]


class GrantKind(enum.Enum):
    """Why money is given back outside after-sales (:class:`~merx.aftersales.GrantRefund`):
    charged to the seller, goodwill and compensation are booked as refunds of the order's
    lines, a price difference as a price adjustment; funded by the platform, any of them is
    the platform's expense (docs/settlement.md)."""

    GOODWILL = "goodwill"
    PRICE_DIFFERENCE = "price_difference"
    COMPENSATION = "compensation"

    @staticmethod
    def of_refund(refund_id: str) -> tuple[OrderId, GrantKind, Funder] | None:
        """The order, kind and funder of a refund granted outside after-sales (``None``
        for any other refund): the inverse of :func:`grant_refund_id`."""
        return granted(refund_id)


class Funder(enum.Enum):
    """Who bears a refund granted outside after-sales: the order's seller (charged to its
    order lines, as after-sales refunds are) or the platform (its own expense; the
    seller's settlement is unchanged)."""

    SELLER = "seller"
    PLATFORM = "platform"

    @staticmethod
    def of(acting: MerchantId, seller: MerchantId, funder: Funder | None) -> Funder:
        """The funder of a grant decided by ``acting`` on an order sold by ``seller``:
        ``funder``, or when ``None`` the one deciding (the platform funds its own
        decisions, a seller its own). A seller may not charge the platform
        (:class:`~merx.errors.Unauthorized`); on the platform's own order the platform is
        the seller, and either name means it."""
        if funder is not None and not isinstance(funder, Funder):
            raise ValidationError(f"a grant's funder is a Funder, not {funder!r}")
        chosen = funder or (Funder.PLATFORM if acting == PLATFORM else Funder.SELLER)
        if seller == PLATFORM:
            return Funder.SELLER  # the platform's own order: one party either way
        if chosen is Funder.PLATFORM and acting != PLATFORM:
            raise Unauthorized(f"{acting!r} may not charge a refund to the platform")
        return chosen


#: How a platform-funded grant's kind is written in its refund id.
_PLATFORM_FUNDED = "platform-"


def grant_refund_id(
    order_id: OrderId, kind: GrantKind, refund_id: str, funder: Funder = Funder.SELLER
) -> str:
    """The payment's refund id of a refund granted outside after-sales: ``<order>/<kind>/
    <caller's id>``, the kind prefixed ``platform-`` when the platform funds it."""
    prefix = _PLATFORM_FUNDED if funder is Funder.PLATFORM else ""
    return f"{order_id}/{prefix}{kind.value}/{refund_id}"


def granted(refund_id: str) -> tuple[OrderId, GrantKind, Funder] | None:
    """The order, kind and funder of a refund granted outside after-sales (``None`` for
    any other refund): the inverse of :func:`grant_refund_id`."""
    parts = refund_id.split("/", 2)
    if len(parts) != 3:
        return None
    name, funder = parts[1], Funder.SELLER
    if name.startswith(_PLATFORM_FUNDED):
        name, funder = name.removeprefix(_PLATFORM_FUNDED), Funder.PLATFORM
    kinds = {kind.value: kind for kind in GrantKind}
    if name in kinds:
        return OrderId(parts[0]), kinds[name], funder
    return None


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


def _refund_flow(name: str) -> StateMachine[AfterSaleStatus]:
    """Approved, then refunded: nothing comes back."""
    return StateMachine(
        name,
        [
            (_S.REQUESTED, "reject", _S.REJECTED),
            (_S.REQUESTED, "approve", _S.REFUNDING),
            (_S.REFUNDING, "refunded", _S.COMPLETED),
        ],
    )


def _return_flow(
    name: str, accepted: AfterSaleStatus, finish: str
) -> StateMachine[AfterSaleStatus]:
    """Approved, the goods come back and are inspected, then ``finish`` from ``accepted``."""
    return StateMachine(
        name,
        [
            (_S.REQUESTED, "reject", _S.REJECTED),
            (_S.REQUESTED, "approve", _S.AWAITING_RETURN),
            (_S.AWAITING_RETURN, "send back", _S.RETURNING),
            (_S.RETURNING, "accept", accepted),
            (_S.RETURNING, "refuse", _S.REJECTED),
            (accepted, finish, _S.COMPLETED),
        ],
    )


FLOWS: dict[AfterSaleKind, StateMachine[AfterSaleStatus]] = {
    AfterSaleKind.REFUND_BEFORE_SHIPMENT: _refund_flow("refund before shipment"),
    AfterSaleKind.REFUND_ONLY: _refund_flow("refund only"),
    AfterSaleKind.RETURN_AND_REFUND: _return_flow("return and refund", _S.REFUNDING, "refunded"),
    AfterSaleKind.EXCHANGE: _return_flow("exchange", _S.REPLACING, "replaced"),
}
#: The oldest name: the refund-before-shipment table.
AFTERSALE_FLOW = FLOWS[AfterSaleKind.REFUND_BEFORE_SHIPMENT]


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


def check_eligible(order: Order, kind: AfterSaleKind, now: datetime, window: timedelta) -> None:
    """Raise :class:`NotEligible` unless ``order`` may open a case of ``kind`` at ``now``.

    No after-sales on a virtual top-up, nor on a pre-sale's deposit (its pre-sale order
    decides: ``merx.orders.CancelPresaleOrder``). A refund before shipment needs a paid order that
    no carrier or consignment supplier has yet; the other kinds need shipped goods and a
    window of ``window`` after delivery (or completion) still open.
    """
    if order.kind is OrderKind.TOPUP:
        raise NotEligible(f"order {order.id!r} is a virtual top-up: no after-sales")
    if order.kind is OrderKind.DEPOSIT:
        raise NotEligible(
            f"order {order.id!r} is a pre-sale deposit: cancel the pre-sale order instead "
            "(orders.CancelPresaleOrder)"
        )
    if kind is AfterSaleKind.REFUND_BEFORE_SHIPMENT:
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
        return
    if order.status not in (OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED):
        raise NotEligible(f"order {order.id!r} is {order.status.value}: nothing to return yet")
    since = order.delivered_at or order.completed_at
    if since is not None and now > since + window:
        raise NotEligible(
            f"order {order.id!r}: the after-sales window closed at {(since + window).isoformat()}"
        )


def replacement_of(items: Sequence[tuple[SkuId, int]], named: SkuId | None) -> SkuId:
    """The SKU an exchange ships: the one named, else the one SKU sent back."""
    if named is not None:
        return named
    skus = {sku for sku, _ in items}
    if len(skus) != 1:
        raise NotEligible("an exchange of several SKUs must name the replacement")
    return next(iter(skus))


def unit_net(order: Order, sku: SkuId) -> Money:
    """The lowest unit net of a line (units differ by at most one cent)."""
    line = order.line(sku)
    return min(line.net.allocate([1] * line.quantity))


def _check_replacement(order: Order, items: Items, replacement: Sku) -> None:
    replacement.require_on_sale()
    if replacement.merchant != order.seller:
        raise NotEligible(f"{replacement.id!r} is not sold by {order.seller!r}")
    for returned, _ in items:
        if returned != replacement.id and replacement.price > unit_net(order, returned):
            raise NotEligible(
                f"{replacement.id!r} costs more than the returned {returned!r}: place a new order"
            )


@attrs.define(kw_only=True)
class AfterSale(Aggregate):
    """One after-sales case on units of one seller's order."""

    id: AfterSaleId
    order_id: OrderId
    seller: MerchantId
    kind: AfterSaleKind
    items: Items
    reason: str
    status: AfterSaleStatus = AfterSaleStatus.REQUESTED
    replacement: SkuId | None = None
    accepted: Items = ()
    amount: Money | None = None
    refund_lines: tuple[tuple[SkuId, Money], ...] = ()
    due_lines: tuple[tuple[SkuId, Money], ...] = ()  # the units' full share, before the cap
    refund_id: str | None = None
    return_tracking: str | None = None
    replacement_shipment: str | None = None
    rejection: str | None = None
    #: the goods were wrong or defective: the freight comes back with the order's last
    #: units even after shipment (:meth:`merx.orders.Order.refund_freight`)
    seller_at_fault: bool = False

    @property
    def is_open(self) -> bool:
        """Neither completed nor rejected: the seller or the customer still acts on it."""
        return self.status not in {AfterSaleStatus.COMPLETED, AfterSaleStatus.REJECTED}

    @classmethod
    def open(
        cls,
        *,
        case_id: AfterSaleId,
        order: Order,
        kind: AfterSaleKind,
        items: Items,
        reason: str,
        at: datetime,
        window: timedelta,
        replacement: Sku | None = None,
        seller_at_fault: bool = False,
    ) -> AfterSale:
        """A customer's request on ``items`` of ``order``: refused unless the order is
        eligible (:func:`check_eligible`) and, for an exchange, the ``replacement`` is on
        sale, sold by the order's seller and not dearer than a returned unit; then the
        units are claimed on the order (:class:`~merx.orders.ClaimExceedsOrder` beyond
        what it has left) and the case is requested."""
        check_eligible(order, kind, at, window)
        if not reason.strip():
            raise ValidationError("an after-sale needs a reason")
        if (replacement is not None) != (kind is AfterSaleKind.EXCHANGE):
            raise ValidationError("an exchange, and only an exchange, names a replacement")
        if replacement is not None:
            _check_replacement(order, items, replacement)
        order.claim(items)
        case = cls(
            id=case_id,
            order_id=order.id,
            seller=order.seller,
            kind=kind,
            items=tuple(items),
            reason=reason,
            replacement=None if replacement is None else replacement.id,
            seller_at_fault=seller_at_fault,
        )
        case.record(AfterSaleRequested(case_id, order.id, kind, case.items, at))
        return case

    @property
    def flow(self) -> StateMachine[AfterSaleStatus]:
        return FLOWS[self.kind]

    def check_reviewer(self, acting: MerchantId) -> None:
        """The order's seller reviews; the platform may always step in."""
        if acting not in (self.seller, PLATFORM):
            raise Unauthorized(f"{acting!r} may not review after-sale {self.id!r}")

    def approve(
        self, acting: MerchantId, at: datetime, order: Order, left: Money | None = None
    ) -> None:
        """Approve: a refund is decided now (a refund before shipment closes the order:
        nothing of it ships); returns and exchanges wait for the goods. ``left`` is what
        the order's payment can still refund to it (refunds outside after-sales count):
        a case never refunds more."""
        self.check_reviewer(acting)
        self.flow.target(self.status, "approve")
        if self.kind is AfterSaleKind.REFUND_BEFORE_SHIPMENT:
            order.close(f"after-sale {self.id}", at)
        if self.kind in (AfterSaleKind.REFUND_BEFORE_SHIPMENT, AfterSaleKind.REFUND_ONLY):
            self._to_refund(self._refund_units(order, self.items), left)
        self.flow.move(self, "approve", AfterSaleApproved(self.id, acting, at))

    def reject(self, acting: MerchantId, reason: str, at: datetime, order: Order) -> None:
        """Refuse the request; its units may be claimed again."""
        self.check_reviewer(acting)
        if not reason.strip():
            raise ValidationError("a rejection needs a reason")
        self.flow.target(self.status, "reject")
        self.rejection = reason
        order.unclaim(self.items)
        self.flow.move(self, "reject", AfterSaleRejected(self.id, reason, at))

    def send_back(self, carrier: str, tracking_number: str, at: datetime) -> None:
        if not carrier.strip() or not tracking_number.strip():
            raise ValidationError("a return needs a carrier and a tracking number")
        self.flow.target(self.status, "send back")
        self.return_tracking = tracking_number
        self.flow.move(self, "send back", ReturnShipped(self.id, carrier, tracking_number, at))

    def inspect(
        self,
        acting: MerchantId,
        accepted: Items,
        at: datetime,
        order: Order,
        left: Money | None = None,
    ) -> None:
        """The returned goods are checked: ``accepted`` units (a part of the case's items)
        go on, to be refunded (a return) or replaced (an exchange); the others may be
        claimed again. If none is accepted the case is refused. A refund is at most
        ``left`` (see :meth:`approve`)."""
        self.check_reviewer(acting)
        asked = dict(self.items)
        for sku, quantity in accepted:
            if quantity <= 0 or quantity > asked.get(sku, 0):
                raise ValidationError(f"case {self.id!r}: cannot accept {quantity} of {sku!r}")
        command = "accept" if accepted else "refuse"
        self.flow.target(self.status, command)
        self.accepted = accepted
        taken = dict(accepted)
        order.unclaim(
            [(sku, n - taken.get(sku, 0)) for sku, n in self.items if n > taken.get(sku, 0)]
        )
        if accepted and self.kind is AfterSaleKind.RETURN_AND_REFUND:
            self._to_refund(self._refund_units(order, accepted), left)
        if not accepted:
            self.rejection = "nothing returned was accepted"
        self.flow.move(self, command, ReturnInspected(self.id, accepted, at))

    def _refund_units(self, order: Order, items: Items) -> tuple[tuple[SkuId, Money], ...]:
        """Mark ``items`` refunded on ``order``: what each line gives back, and the
        freight (under :attr:`FreightCharge.KEY`) if the freight rule returns it now."""
        lines = order.refund_units(items)
        freight = order.refund_freight(seller_at_fault=self.seller_at_fault)
        return (*lines, (FreightCharge.KEY, freight)) if freight.is_positive() else lines

    def _to_refund(self, lines: tuple[tuple[SkuId, Money], ...], left: Money | None) -> None:
        """What to refund is known, per line (the frozen net of the units, or a price
        difference), at most ``left`` (split over the lines in proportion, largest
        remainder); the refund id is assigned unless nothing is left to refund."""
        if self.amount is not None or not lines:
            return
        total = Money.sum((amount for _, amount in lines), lines[0][1].currency)
        self.due_lines = tuple((sku, amount) for sku, amount in lines if amount.is_positive())
        if left is not None and total > left:
            shares = left.max(Money.zero(total.currency)).allocate([a for _, a in lines])
            lines = tuple((sku, share) for (sku, _), share in zip(lines, shares, strict=True))
            total = Money.sum(shares, total.currency)
        self.refund_lines = tuple((sku, amount) for sku, amount in lines if amount.is_positive())
        self.amount = total
        self.refund_id = f"{self.id}/refund" if total.is_positive() else None

    def refunded(self, at: datetime) -> None:
        """The refund succeeded (or there was nothing left to refund): the case completes."""
        assert self.amount is not None
        self.flow.move(self, "refunded", AfterSaleCompleted(self.id, self.amount, at))

    @staticmethod
    def case_of_refund(refund_id: str) -> AfterSaleId | None:
        """The case whose refund is ``refund_id`` (the inverse of the id it assigns)."""
        case_id, slash, rest = refund_id.partition("/")
        return AfterSaleId(case_id) if slash and rest == "refund" else None

    def check_merchant_replacement(self, acting: MerchantId, shipment_id: str) -> bool:
        """Raise unless ``acting`` may ship this case's replacement itself now: the
        order's seller (:class:`~merx.errors.Unauthorized`), an exchange
        (:class:`NotEligible`) whose return was accepted. ``False``: ``shipment_id`` is
        already the replacement's (a replay)."""
        if acting != self.seller:
            raise Unauthorized(f"{acting!r} may not ship the replacement of {self.id!r}")
        if self.replacement_shipment == shipment_id:
            return False
        if self.kind is not AfterSaleKind.EXCHANGE:
            raise NotEligible(f"after-sale {self.id!r} is a {self.kind.value}, not an exchange")
        self.flow.target(self.status, "replaced")
        return True

    @staticmethod
    def shipped_by_merchant(replacement: Sku) -> bool:
        """Whether the merchant ships the replacement itself (it is not in our warehouses)."""
        return replacement.fulfillment.mode is FulfillmentMode.MERCHANT

    def replaced(
        self, shipment_id: str, at: datetime, order: Order, price: Money, left: Money | None = None
    ) -> None:
        """The replacement left in ``shipment_id``: the exchange completes and the units
        leave after-sales for good. A cheaper replacement (at ``price`` a unit) refunds the
        difference: the same SKU again costs nothing more; another one is priced against
        what was paid."""
        self.flow.target(self.status, "replaced")
        assert self.replacement is not None
        difference = Money.sum(
            (
                (unit_net(order, sku) - price) * n
                for sku, n in self.accepted
                if sku != self.replacement
            ),
            order.currency,
        )
        if difference.is_positive():
            self._to_refund(((self.accepted[0][0], difference),), left)
            if self.amount is not None:
                difference = self.amount
        self.replacement_shipment = shipment_id
        order.exchange_units(self.accepted)
        completed = AfterSaleCompleted(self.id, difference.max(Money.zero(order.currency)), at)
        self.flow.move(self, "replaced", completed)
