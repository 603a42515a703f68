"""Orders: what a customer bought, frozen at placement, and where it is in its life.

One checkout places one :class:`ParentOrder`, paid once, and one :class:`Order` per
seller (the platform or a marketplace merchant), each with its own life cycle. The
quote's lines are frozen into :class:`OrderLine`\\ s at placement (unit price and the
discount allocated to the line), so later price changes never touch a placed order and a
refund knows exactly what each unit cost.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime, timedelta

import attrs

from merx.catalog import FulfillmentMode, TaxMode
from merx.checkout import POINTS, FreightCharge, OrderLimits, QuotedLine
from merx.customers import Address
from merx.inventory import Allocation
from merx.kernel.aggregate import Aggregate, flat_field
from merx.kernel.errors import Unauthorized, ValidationError
from merx.kernel.events import DomainEvent
from merx.kernel.ids import CustomerId, MerchantId, OrderId, SkuId, WarehouseId
from merx.kernel.money import Money
from merx.kernel.state import StateMachine
from merx.orders.errors import ClaimExceedsOrder, PaymentInFlight


class ParentStatus(enum.Enum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    CANCELLED = "cancelled"


PARENT_FLOW: StateMachine[ParentStatus] = StateMachine(
    "parent order",
    [
        (ParentStatus.PENDING_PAYMENT, "pay", ParentStatus.PAID),
        (ParentStatus.PENDING_PAYMENT, "cancel", ParentStatus.CANCELLED),
    ],
)


class OrderStatus(enum.Enum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    PROCURING = "procuring"
    FULFILLED = "fulfilled"
    REFUNDING = "refunding"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    CLOSED = "closed"


@attrs.frozen
class OrderPolicy:
    """Time limits of the golden process.

    ``unpaid_ttl``: an unpaid order closes after this long (never while a payment attempt
    is in flight). ``confirm_after_delivery`` / ``confirm_after_shipment``: receipt is
    confirmed for the customer this long after the delivery scan, or after shipment when
    no scan ever comes. ``after_sales_window``: returns and refunds are accepted until this
    long after delivery (or completion). ``limits``: how many units a line and an order
    may hold and how much an order may charge (:class:`merx.checkout.OrderLimits`), checked
    when a cart changes and when an order is placed.
    """

    unpaid_ttl: timedelta = timedelta(minutes=30)
    confirm_after_delivery: timedelta = timedelta(days=7)
    confirm_after_shipment: timedelta = timedelta(days=15)
    after_sales_window: timedelta = timedelta(days=7)
    limits: OrderLimits = attrs.field(factory=OrderLimits)

    def __attrs_post_init__(self) -> None:
        for name in ("unpaid_ttl", "confirm_after_delivery", "confirm_after_shipment"):
            if getattr(self, name) <= timedelta(0):
                raise ValidationError(f"order policy {name} must be positive")
        if self.after_sales_window < timedelta(0):
            raise ValidationError("the after-sales window cannot be negative")


class OrderKind(enum.Enum):
    """Which life cycle an order follows: goods that ship, or a virtual top-up."""

    GOODS = "goods"
    TOPUP = "topup"
    DEPOSIT = "deposit"


#: Physical goods: shipped in one or more parcels, delivered, confirmed. ``close`` ends an
#: order whose every unit was refunded (before shipment, or after returns).
ORDER_FLOW: StateMachine[OrderStatus] = StateMachine(
    "order",
    [
        (OrderStatus.PENDING_PAYMENT, "pay", OrderStatus.PAID),
        (OrderStatus.PENDING_PAYMENT, "cancel", OrderStatus.CANCELLED),
        (
            (OrderStatus.PAID, OrderStatus.PARTIALLY_SHIPPED),
            "ship part",
            OrderStatus.PARTIALLY_SHIPPED,
        ),
        ((OrderStatus.PAID, OrderStatus.PARTIALLY_SHIPPED), "ship", OrderStatus.SHIPPED),
        (OrderStatus.SHIPPED, "deliver", OrderStatus.DELIVERED),
        ((OrderStatus.SHIPPED, OrderStatus.DELIVERED), "complete", OrderStatus.COMPLETED),
        (
            (
                OrderStatus.PAID,
                OrderStatus.PARTIALLY_SHIPPED,
                OrderStatus.SHIPPED,
                OrderStatus.DELIVERED,
                OrderStatus.COMPLETED,
            ),
            "close",
            OrderStatus.CLOSED,
        ),
    ],
)

#: Virtual top-up: bought from the supplier in real time once paid. A supplier's
#: definitive failure refunds; a timeout waits until the outcome is known.
TOPUP_FLOW: StateMachine[OrderStatus] = StateMachine(
    "top-up order",
    [
        (OrderStatus.PENDING_PAYMENT, "pay", OrderStatus.PAID),
        (OrderStatus.PENDING_PAYMENT, "cancel", OrderStatus.CANCELLED),
        (OrderStatus.PAID, "procure", OrderStatus.PROCURING),
        (OrderStatus.PROCURING, "fulfil", OrderStatus.FULFILLED),
        (OrderStatus.PROCURING, "fail", OrderStatus.REFUNDING),
        (OrderStatus.REFUNDING, "close", OrderStatus.CLOSED),
        (OrderStatus.FULFILLED, "complete", OrderStatus.COMPLETED),
    ],
)

#: A pre-sale's deposit (``merx.orders.PresaleOrder``): it never ships. It completes when
#: the balance is paid (the deposit counts toward the goods) or when it is forfeited, and
#: closes when it is refunded.
DEPOSIT_FLOW: StateMachine[OrderStatus] = StateMachine(
    "deposit order",
    [
        (OrderStatus.PENDING_PAYMENT, "pay", OrderStatus.PAID),
        (OrderStatus.PENDING_PAYMENT, "cancel", OrderStatus.CANCELLED),
        (OrderStatus.PAID, "complete", OrderStatus.COMPLETED),
        (OrderStatus.PAID, "close", OrderStatus.CLOSED),
    ],
)

FLOWS: dict[OrderKind, StateMachine[OrderStatus]] = {
    OrderKind.GOODS: ORDER_FLOW,
    OrderKind.TOPUP: TOPUP_FLOW,
    OrderKind.DEPOSIT: DEPOSIT_FLOW,
}


#: The reason :meth:`ParentOrder.close_unpaid` cancels an order with.
UNPAID_IN_TIME = "unpaid in time"

#: A line as bought: the quote's line (unit price, allocated discount, fulfillment mode,
#: tax rate and tax), frozen into the order at placement.
OrderLine = QuotedLine


def kind_of(line: QuotedLine) -> OrderKind:
    """Top-ups (goods credited to an account) follow their own life cycle."""
    return OrderKind.TOPUP if line.goods_type.requires_account else OrderKind.GOODS


@attrs.frozen
class ParentOrderPlaced(DomainEvent):
    parent_id: OrderId
    customer_id: CustomerId
    order_ids: tuple[OrderId, ...]
    payable: Money
    at: datetime


@attrs.frozen
class ParentOrderPaid(DomainEvent):
    """The parent order was paid. ``customer_id`` spares its subscribers a read of the
    parent; ``None`` in events stored before it was carried."""

    parent_id: OrderId
    payment_id: str
    amount: Money
    at: datetime
    customer_id: CustomerId | None = None


@attrs.frozen
class ParentOrderCancelled(DomainEvent):
    parent_id: OrderId
    reason: str
    at: datetime


@attrs.frozen
class OrderPlaced(DomainEvent):
    order_id: OrderId
    customer_id: CustomerId
    payable: Money
    at: datetime


@attrs.frozen
class OrderPaymentStarted(DomainEvent):
    parent_id: OrderId
    payment_id: str
    at: datetime


@attrs.frozen
class OrderPaymentFailed(DomainEvent):
    parent_id: OrderId
    payment_id: str
    reason: str
    at: datetime


@attrs.frozen
class OrderPaid(DomainEvent):
    """The order was paid. ``customer_id``: see :class:`ParentOrderPaid`."""

    order_id: OrderId
    payment_id: str
    amount: Money
    at: datetime
    customer_id: CustomerId | None = None


@attrs.frozen
class OrderCancelled(DomainEvent):
    order_id: OrderId
    reason: str
    at: datetime


@attrs.frozen
class OrderShipped(DomainEvent):
    order_id: OrderId
    shipment_ids: tuple[str, ...]
    at: datetime


@attrs.frozen
class OrderProcuring(DomainEvent):
    order_id: OrderId
    at: datetime


@attrs.frozen
class OrderFulfilled(DomainEvent):
    order_id: OrderId
    at: datetime


@attrs.frozen
class OrderProcurementFailed(DomainEvent):
    order_id: OrderId
    reason: str
    at: datetime


@attrs.frozen
class OrderPartlyShipped(DomainEvent):
    order_id: OrderId
    shipment_id: str
    at: datetime


@attrs.frozen
class OrderDelivered(DomainEvent):
    order_id: OrderId
    at: datetime


@attrs.frozen
class OrderCompleted(DomainEvent):
    """The order was completed. ``customer_id``: see :class:`ParentOrderPaid`."""

    order_id: OrderId
    at: datetime
    customer_id: CustomerId | None = None


@attrs.frozen
class OrderClosed(DomainEvent):
    order_id: OrderId
    reason: str
    at: datetime


@attrs.define(kw_only=True)
class ParentOrder(Aggregate):
    """What one checkout placed: the sellers' orders, paid together in one payment."""

    id: OrderId
    customer_id: CustomerId
    order_ids: tuple[OrderId, ...]
    payable: Money
    placed_at: datetime
    status: ParentStatus = ParentStatus.PENDING_PAYMENT
    payment_attempt: str | None = None
    payment_id: str | None = None
    paid_at: datetime | None = None

    @classmethod
    def place(
        cls,
        *,
        parent_id: OrderId,
        customer_id: CustomerId,
        orders: Sequence[Order],
        at: datetime,
    ) -> ParentOrder:
        if not orders:
            raise ValidationError(f"parent order {parent_id!r} has no orders")
        currency = orders[0].currency
        parent = cls(
            id=parent_id,
            customer_id=customer_id,
            order_ids=tuple(order.id for order in orders),
            payable=Money.sum((order.payable for order in orders), currency),
            placed_at=at,
        )
        parent.record(
            ParentOrderPlaced(parent_id, customer_id, parent.order_ids, parent.payable, at)
        )
        return parent

    def unpaid_since(self, placed_by: datetime) -> bool:
        """Still waiting for payment, placed at or before ``placed_by`` (a candidate for
        :meth:`close_unpaid`)."""
        return self.status is ParentStatus.PENDING_PAYMENT and self.placed_at <= placed_by

    def close_unpaid(self, now: datetime, policy: OrderPolicy) -> bool:
        """The auto-close rule: an order still unpaid ``policy.unpaid_ttl`` after it was
        placed, with no payment attempt in flight, is cancelled as :data:`UNPAID_IN_TIME`.
        Returns whether it closed; an order the rule does not reach is left as it was."""
        if not self.unpaid_since(now - policy.unpaid_ttl) or self.payment_attempt:
            return False
        self.cancel(UNPAID_IN_TIME, now)
        return True

    def start_payment(self, payment_id: str, at: datetime) -> None:
        """A payment attempt begins; only one may be in flight at a time."""
        PARENT_FLOW.target(self.status, "pay")
        if self.payment_attempt is not None:
            raise PaymentInFlight(
                f"order {self.id!r}: payment {self.payment_attempt!r} has not settled yet"
            )
        self.payment_attempt = payment_id
        self.record(OrderPaymentStarted(self.id, payment_id, at))

    def payment_failed(self, payment_id: str, reason: str, at: datetime) -> bool:
        """The attempt failed: the order can be paid again. Returns whether ``payment_id``
        was the attempt in flight (another one's failure changes nothing)."""
        if self.payment_attempt != payment_id:
            return False
        self.payment_attempt = None
        self.record(OrderPaymentFailed(self.id, payment_id, reason, at))
        return True

    def accepts_payment(self, payment_id: str) -> bool:
        """Whether ``payment_id``'s success pays this order (else it is refunded)."""
        return self.status is ParentStatus.PENDING_PAYMENT and self.payment_attempt == payment_id

    def check_accepts(self, payment_id: str) -> None:
        """Raise :class:`PaymentInFlight` unless the order waits for ``payment_id``."""
        if not self.accepts_payment(payment_id):
            raise PaymentInFlight(f"order {self.id!r} is not waiting for payment {payment_id!r}")

    def mark_paid(self, payment_id: str, amount: Money, at: datetime) -> None:
        if amount != self.payable:
            raise ValidationError(f"order {self.id!r} costs {self.payable}, payment was {amount}")
        self.check_accepts(payment_id)
        self.payment_id = payment_id
        self.payment_attempt = None
        self.paid_at = at
        PARENT_FLOW.move(
            self, "pay", ParentOrderPaid(self.id, payment_id, amount, at, self.customer_id)
        )

    def cancel(self, reason: str, at: datetime) -> None:
        if self.payment_attempt is not None:
            raise PaymentInFlight(
                f"order {self.id!r}: payment {self.payment_attempt!r} is in flight; sync it first"
            )
        PARENT_FLOW.move(self, "cancel", ParentOrderCancelled(self.id, reason, at))


@attrs.define(kw_only=True)
class Order(Aggregate):
    """One seller's part of a checkout: its lines, stock, parcels and life cycle."""

    id: OrderId
    parent_id: OrderId
    seller: MerchantId
    kind: OrderKind
    customer_id: CustomerId
    currency: str
    lines: tuple[OrderLine, ...]
    ship_to: Address | None
    account: str | None = attrs.field(repr=False)  # a phone number to top up: personal data
    placed_at: datetime
    status: OrderStatus = OrderStatus.PENDING_PAYMENT
    allocations: tuple[Allocation, ...] = ()
    reserved_until: datetime | None = None
    payment_id: str | None = None
    paid_at: datetime | None = None
    shipment_ids: tuple[str, ...] = ()
    shipped_from: tuple[str, ...] = ()
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    completed_at: datetime | None = None
    claimed: dict[SkuId, int] = flat_field(dict)
    refunded_units: dict[SkuId, int] = flat_field(dict)
    exchanged_units: dict[SkuId, int] = flat_field(dict)
    #: the seller's freight, frozen from the quote (``None``: no freight template)
    freight: FreightCharge | None = None
    freight_refunded: bool = False
    tax_mode: TaxMode = TaxMode.INCLUSIVE

    @classmethod
    def place(
        cls,
        *,
        order_id: OrderId,
        parent_id: OrderId,
        customer_id: CustomerId,
        lines: Sequence[QuotedLine],
        ship_to: Address | None,
        account: str | None = None,
        at: datetime,
        deposit: bool = False,
        freight: FreightCharge | None = None,
        tax_mode: TaxMode = TaxMode.INCLUSIVE,
    ) -> Order:
        """``deposit``: the order is a pre-sale's deposit (:data:`DEPOSIT_FLOW`), of goods.
        ``freight``: the seller's freight from the quote; ``tax_mode``: whether the lines'
        tax is in their prices or added on top."""
        frozen = tuple(lines)
        if not frozen:
            raise ValidationError(f"order {order_id!r} has no lines")
        sellers = {line.merchant for line in frozen}
        currencies = {line.unit_price.currency for line in frozen}
        kinds = {kind_of(line) for line in frozen}
        if len(sellers) != 1 or len(currencies) != 1 or len(kinds) != 1:
            raise ValidationError(
                f"order {order_id!r} must hold one seller's lines of one kind in one currency, "
                f"got {sorted(sellers)}, {sorted(k.value for k in kinds)}, {sorted(currencies)}"
            )
        if ship_to is None and any(line.goods_type.requires_address for line in frozen):
            raise ValidationError(f"order {order_id!r} holds physical goods but no address")
        needs_account = any(line.goods_type.requires_account for line in frozen)
        if needs_account and not (account and account.strip()):
            raise ValidationError(
                f"order {order_id!r} holds virtual goods: an account to credit is needed"
            )
        if freight is not None and freight.seller not in sellers:
            raise ValidationError(
                f"order {order_id!r} of {sorted(sellers)} cannot carry {freight.seller!r}'s freight"
            )
        kind = kinds.pop()
        if deposit and kind is not OrderKind.GOODS:
            raise ValidationError(f"order {order_id!r}: only goods take a deposit")
        order = cls(
            id=order_id,
            parent_id=parent_id,
            seller=sellers.pop(),
            kind=OrderKind.DEPOSIT if deposit else kind,
            customer_id=customer_id,
            currency=currencies.pop(),
            lines=frozen,
            ship_to=ship_to,
            account=account if needs_account else None,
            placed_at=at,
            freight=freight,
            tax_mode=tax_mode,
        )
        order.record(OrderPlaced(order_id, customer_id, order.payable, at))
        return order

    @property
    def goods(self) -> Money:
        """The lines' net: the goods after discounts."""
        return Money.sum((line.net for line in self.lines), self.currency)

    @property
    def tax(self) -> Money:
        return Money.sum((line.tax for line in self.lines), self.currency)

    @property
    def freight_charged(self) -> Money:
        return self.freight.charged if self.freight else Money.zero(self.currency)

    @property
    def payable(self) -> Money:
        """The goods' net, the freight charged and, in exclusive mode, the tax."""
        return self.goods + self.freight_charged + self.tax_mode.added(self.tax)

    @property
    def flow(self) -> StateMachine[OrderStatus]:
        """The transition table this order's kind follows."""
        return FLOWS[self.kind]

    def lines_fulfilled_by(self, mode: FulfillmentMode) -> list[OrderLine]:
        return [line for line in self.lines if line.fulfillment.mode is mode]

    @property
    def stock_lines(self) -> list[tuple[SkuId, int]]:
        """The (SKU, quantity) pairs that ship from our warehouses and need their stock."""
        return [
            (line.sku, line.quantity)
            for line in self.lines_fulfilled_by(FulfillmentMode.WAREHOUSE)
            if line.goods_type.tracks_stock
        ]

    def assign_stock(
        self, allocations: tuple[Allocation, ...], *, reserved_until: datetime | None = None
    ) -> None:
        """Record which warehouses hold this order's stock (empty: none held), and until
        when a reservation taken at placement runs."""
        self.allocations = allocations
        if reserved_until is not None or not allocations:
            self.reserved_until = reserved_until

    def release_stock_after_failed_payment(self, now: datetime) -> bool:
        """Whether a failed payment gives the stock back (``True``), or keeps the order's
        reservation taken at placement, still running (``False``)."""
        return self.reserved_until is None or self.reserved_until <= now

    def mark_paid(self, payment_id: str, at: datetime) -> None:
        """The parent order's payment succeeded: this order is paid with it."""
        self.flow.target(self.status, "pay")
        self.payment_id = payment_id
        self.paid_at = at
        self.flow.move(
            self, "pay", OrderPaid(self.id, payment_id, self.payable, at, self.customer_id)
        )

    def cancel(self, reason: str, at: datetime) -> None:
        self.flow.move(self, "cancel", OrderCancelled(self.id, reason, at))

    @property
    def parcel_origins(self) -> frozenset[str]:
        """Where this order's parcels leave from: our warehouses holding its stock, the
        consignment suppliers shipping their lines, and the merchant shipping its own."""
        suppliers = {
            line.fulfillment.supplier
            for line in self.lines_fulfilled_by(FulfillmentMode.CONSIGNMENT)
            if line.fulfillment.supplier is not None
        }
        sellers = {self.seller} if self.lines_fulfilled_by(FulfillmentMode.MERCHANT) else set()
        return frozenset({a.warehouse for a in self.allocations} | suppliers | sellers)

    def warehouse_parcels(self) -> tuple[tuple[WarehouseId, tuple[tuple[SkuId, int], ...]], ...]:
        """What leaves our warehouses: one parcel per warehouse holding the order's stock
        (by warehouse id), with its ``(sku, quantity)`` items. Refused unless the order may
        ship now and holds stock and an address."""
        self.flow.target(self.status, "ship part")
        if not self.allocations or self.ship_to is None:
            raise ValidationError(f"order {self.id!r} has nothing to ship from our warehouses")
        parcels: dict[WarehouseId, list[tuple[SkuId, int]]] = {}
        for allocation in sorted(self.allocations, key=lambda a: a.warehouse):
            parcels.setdefault(allocation.warehouse, []).append(
                (allocation.sku, allocation.quantity)
            )
        return tuple((warehouse, tuple(items)) for warehouse, items in parcels.items())

    def merchant_parcel(self, acting: MerchantId) -> tuple[tuple[SkuId, int], ...]:
        """What the seller ships itself, as ``(sku, quantity)`` items: only the order's
        seller (:class:`~merx.errors.Unauthorized`), only merchant-fulfilled lines, only
        while the order may ship."""
        if acting != self.seller:
            raise Unauthorized(f"{acting!r} may not ship order {self.id!r}")
        lines = self.lines_fulfilled_by(FulfillmentMode.MERCHANT)
        if not lines:
            raise ValidationError(f"order {self.id!r} has nothing the merchant ships itself")
        self.flow.target(self.status, "ship part")
        return tuple((line.sku, line.quantity) for line in lines)

    def add_parcel(self, shipment_id: str, origin: str, at: datetime) -> None:
        """A parcel left ``origin``; the order is shipped once every origin has sent one,
        partially shipped until then."""
        self.flow.target(self.status, "ship part")
        if origin not in self.parcel_origins:
            raise ValidationError(f"order {self.id!r} has nothing to ship from {origin!r}")
        if shipment_id in self.shipment_ids:
            return
        self.shipment_ids = (*self.shipment_ids, shipment_id)
        self.shipped_from = tuple(sorted({*self.shipped_from, origin}))
        if set(self.shipped_from) == self.parcel_origins:
            self.shipped_at = at
            self.flow.move(self, "ship", OrderShipped(self.id, self.shipment_ids, at))
        else:
            self.flow.move(self, "ship part", OrderPartlyShipped(self.id, shipment_id, at))

    def mark_delivered(self, at: datetime) -> None:
        self.flow.target(self.status, "deliver")
        self.delivered_at = at
        self.flow.move(self, "deliver", OrderDelivered(self.id, at))

    def parcels_arrived(self, arrivals: Sequence[datetime | None]) -> bool:
        """Every parcel's delivery time (``None``: not delivered yet). Once all have
        arrived, a shipped order is delivered at the last arrival; returns whether it was
        (otherwise nothing changes)."""
        if not self.flow.allows(self.status, "deliver") or None in arrivals or not arrivals:
            return False
        self.mark_delivered(max(at for at in arrivals if at is not None))
        return True

    def complete(self, at: datetime) -> None:
        self.flow.target(self.status, "complete")
        self.completed_at = at
        self.flow.move(self, "complete", OrderCompleted(self.id, at, self.customer_id))

    def awaits_receipt(self, *, shipped_by: datetime, delivered_by: datetime) -> bool:
        """Receipt not confirmed yet for an order delivered at or before ``delivered_by``,
        or shipped (and never scanned delivered) at or before ``shipped_by``."""
        if self.status is OrderStatus.DELIVERED:
            return self.delivered_at is not None and self.delivered_at <= delivered_by
        if self.status is OrderStatus.SHIPPED:
            return self.shipped_at is not None and self.shipped_at <= shipped_by
        return False

    def confirm_receipt_for_customer(self, now: datetime, policy: OrderPolicy) -> bool:
        """The auto-confirm rule: a customer who did not confirm receipt
        ``policy.confirm_after_delivery`` after the delivery scan (or
        ``policy.confirm_after_shipment`` after shipment, when no scan came) has it confirmed:
        the order completes. Returns whether it did; otherwise nothing changes."""
        if not self.awaits_receipt(
            shipped_by=now - policy.confirm_after_shipment,
            delivered_by=now - policy.confirm_after_delivery,
        ):
            return False
        self.complete(now)
        return True

    # -- units under after-sales --------------------------------------------------------

    def line(self, sku: SkuId) -> OrderLine:
        for line in self.lines:
            if line.sku == sku:
                return line
        raise ClaimExceedsOrder(f"order {self.id!r} has no line {sku!r}")

    def claimable(self, sku: SkuId) -> int:
        """Units of ``sku`` neither refunded, exchanged, nor under an open after-sale case."""
        line = self.line(sku)
        done = self.refunded_units.get(sku, 0) + self.exchanged_units.get(sku, 0)
        return line.quantity - self.claimed.get(sku, 0) - done

    @property
    def remaining_items(self) -> tuple[tuple[SkuId, int], ...]:
        """Every unit not yet claimed or refunded, as ``(sku, quantity)``."""
        return tuple(
            (line.sku, left) for line in self.lines if (left := self.claimable(line.sku)) > 0
        )

    def claim(self, items: Sequence[tuple[SkuId, int]]) -> None:
        """Put units under an after-sale case; refuse more than the order has left."""
        wanted: dict[SkuId, int] = {}
        for sku, quantity in items:
            if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
                raise ValidationError(f"claimed quantity of {sku!r} must be positive")
            wanted[sku] = wanted.get(sku, 0) + quantity
        if not wanted and not self.remaining_items:
            raise ClaimExceedsOrder(
                f"order {self.id!r}: every unit is already under an after-sale or refunded"
            )
        if not wanted:
            raise ValidationError(f"an after-sale on order {self.id!r} names no units")
        for sku, quantity in wanted.items():
            if quantity > self.claimable(sku):
                raise ClaimExceedsOrder(
                    f"order {self.id!r}: {quantity} of {sku!r} claimed, "
                    f"{self.claimable(sku)} left to claim"
                )
        for sku, quantity in wanted.items():
            self.claimed[sku] = self.claimed.get(sku, 0) + quantity

    def unclaim(self, items: Sequence[tuple[SkuId, int]]) -> None:
        """A case was rejected or its units were not accepted: they may be claimed again."""
        for sku, quantity in items:
            left = self.claimed.get(sku, 0) - quantity
            assert left >= 0, "only claimed units are given back"
            if left:
                self.claimed[sku] = left
            else:
                self.claimed.pop(sku, None)

    def refund_units(self, items: Sequence[tuple[SkuId, int]]) -> tuple[tuple[SkuId, Money], ...]:
        """Mark claimed units refunded; returns exactly what they cost, per line: their
        frozen net and, when tax was added on top (exclusive mode), their tax.

        Each line's net and tax are split per unit once (:meth:`Money.allocate`, largest
        remainder) and units are refunded in order, so all the refunds of a line add up
        to its net (and tax) to the cent.
        """
        parts: list[tuple[SkuId, Money]] = []
        for sku, quantity in items:
            line = self.line(sku)
            assert quantity <= self.claimed.get(sku, 0), "refund only claimed units"
            done = self.refunded_units.get(sku, 0)
            shares = line.net.allocate([1] * line.quantity)
            net = Money.sum(shares[done : done + quantity], self.currency)
            tax = Money.sum(line.unit_taxes()[done : done + quantity], self.currency)
            parts.append((sku, net + self.tax_mode.added(tax)))
            self.refunded_units[sku] = done + quantity
        self.unclaim(items)
        return tuple(parts)

    def refunded_tax(self, sku: SkuId) -> Money:
        """The tax the refunded units of ``sku``'s line took back (each unit its share)."""
        done = self.refunded_units.get(sku, 0)
        return Money.sum(self.line(sku).unit_taxes()[:done], self.currency)

    def refund_freight(self, *, seller_at_fault: bool) -> Money:
        """The freight to refund now (zero: none), marked refunded if any.

        The freight rule (docs/orders.md, "What a refund gives back"): the freight
        charged comes back once, with the refund that leaves every unit of the order
        refunded, if nothing had shipped yet (a full refund before shipment) or the seller
        is at fault; after shipment it is otherwise the customer's, even once every unit
        went back.
        """
        zero = Money.zero(self.currency)
        if self.freight_refunded or not self.fully_refunded or self.freight_charged.is_zero():
            return zero
        if self.shipment_ids and not seller_at_fault:
            return zero
        self.freight_refunded = True
        return self.freight_charged

    def exchange_units(self, items: Sequence[tuple[SkuId, int]]) -> None:
        """Claimed units were replaced: they leave after-sales for good (a replacement is
        not refunded again on this order, so a line never pays back more than its net)."""
        for sku, quantity in items:
            assert quantity <= self.claimed.get(sku, 0), "exchange only claimed units"
            self.exchanged_units[sku] = self.exchanged_units.get(sku, 0) + quantity
        self.unclaim(items)

    def points_paid(self) -> Money:
        """What the customer's points paid of this order's lines (their points discounts,
        :data:`merx.checkout.POINTS`)."""
        return Money.sum((line.discount_by(POINTS) for line in self.lines), self.currency)

    def points_refunded(self) -> Money:
        """The part of :meth:`points_paid` on the units refunded so far: each line's points
        discount split per unit once (largest remainder, as its net), units refunded in
        order; all of it once every unit is refunded."""
        refunded = Money.zero(self.currency)
        for line in self.lines:
            done = self.refunded_units.get(line.sku, 0)
            paid = line.discount_by(POINTS)
            if done and paid.is_positive():
                shares = paid.allocate([1] * line.quantity)
                refunded += Money.sum(shares[:done], self.currency)
        return refunded

    @property
    def fully_refunded(self) -> bool:
        return all(self.refunded_units.get(line.sku, 0) == line.quantity for line in self.lines)

    def procuring_since(self, paid_by: datetime) -> bool:
        """Still buying from its supplier (virtual goods), and paid at or before
        ``paid_by``: a top-up a host may want to sync."""
        return (
            self.status is OrderStatus.PROCURING
            and self.paid_at is not None
            and self.paid_at <= paid_by
        )

    def start_procurement(self, at: datetime) -> None:
        """A paid top-up is being bought from its supplier."""
        self.flow.move(self, "procure", OrderProcuring(self.id, at))

    def fulfilled(self, at: datetime) -> None:
        """The supplier credited the account."""
        self.flow.move(self, "fulfil", OrderFulfilled(self.id, at))

    def procurement_failed(self, reason: str, at: datetime) -> None:
        """The supplier definitively failed: the order is refunded, then closed."""
        self.flow.move(self, "fail", OrderProcurementFailed(self.id, reason, at))

    def procurement_ended(self, *, credited: bool, failure: str, at: datetime) -> None:
        """The supplier answered for every unit of a top-up: if any unit was credited the
        order is fulfilled and completes (failed units are refunded on their own), if none
        was it failed (refunded, then closed)."""
        if credited:
            self.fulfilled(at)
            self.complete(at)
        else:
            self.procurement_failed(failure, at)

    def close(self, reason: str, at: datetime) -> None:
        """Close a paid order that will not ship (refunded before shipment)."""
        self.flow.move(self, "close", OrderClosed(self.id, reason, at))

    def close_if_refunded(self, reason: str, at: datetime) -> bool:
        """Close the order once nothing of it stays paid: every unit refunded through
        after-sales, or a failed top-up refunded. Returns whether it closed; otherwise
        nothing changes."""
        refunded = self.fully_refunded or self.status is OrderStatus.REFUNDING
        if not (refunded and self.flow.allows(self.status, "close")):
            return False
        self.close(reason, at)
        return True
