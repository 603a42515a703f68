"""Coupon wallets: the coupons one customer holds.

A :class:`Wallet` (one per customer, keyed by the customer id) holds
:class:`CouponInstance`\\ s claimed from coupon campaigns. Each instance walks
:data:`COUPON_FLOW`::

    available -> locked (by an order) -> used        (the order was paid)
                 locked -> available                 (the order was cancelled or closed unpaid)
    available -> expired                             (its ends_at passed: ExpireWalletCoupons)

An instance carries the engine :class:`~merx.pricing.Coupon` it stands for, with the
instance's own id ``"<campaign id>#<n>"`` as the engine id: two coupons of one campaign are
two distinct promotions to :func:`merx.pricing.quote`, and
:func:`~merx.promotions.lifecycle.campaign_id_of` maps a quote's promotion id back to the
campaign (the instance is ``wallet.coupons[promotion_id]``).

Each method checks, then changes, then records; a refused command leaves no trace.
"""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from merx.kernel.aggregate import Aggregate, flat_field
from merx.kernel.clock import require_aware
from merx.kernel.errors import AlreadyExists
from merx.kernel.events import DomainEvent
from merx.kernel.state import StateMachine
from merx.kernel.validation import require_text
from merx.pricing import Coupon
from merx.promotions.errors import CouponHeldByAnotherOrder, UnknownCoupon

# -- states and values -----------------------------------------------------------------


class CouponState(enum.Enum):
    AVAILABLE = "available"
    LOCKED = "locked"
    USED = "used"
    EXPIRED = "expired"


COUPON_FLOW: StateMachine[CouponState] = StateMachine(
    "wallet coupon",
    [
        (CouponState.AVAILABLE, "lock", CouponState.LOCKED),
        (CouponState.LOCKED, "unlock", CouponState.AVAILABLE),
        (CouponState.LOCKED, "use", CouponState.USED),
        (CouponState.AVAILABLE, "expire", CouponState.EXPIRED),
    ],
)


@attrs.frozen
class CouponInstance:
    """One coupon in a wallet: ``coupon`` is the engine value (``coupon.id == id``)."""

    id: str
    campaign_id: str
    coupon: Coupon
    claimed_at: datetime
    state: CouponState = CouponState.AVAILABLE
    order_id: str | None = None  # the order that locked or used it

    def usable_at(self, at: datetime) -> bool:
        """Available, and inside the coupon's window at ``at``."""
        return self.state is CouponState.AVAILABLE and self.coupon.in_force(at)


# -- events ----------------------------------------------------------------------------


@attrs.frozen
class CouponClaimed(DomainEvent):
    customer_id: str
    coupon_id: str
    campaign_id: str
    at: datetime


@attrs.frozen
class CouponLocked(DomainEvent):
    customer_id: str
    coupon_id: str
    order_id: str


@attrs.frozen
class CouponUnlocked(DomainEvent):
    customer_id: str
    coupon_id: str
    order_id: str


@attrs.frozen
class CouponUsed(DomainEvent):
    customer_id: str
    coupon_id: str
    order_id: str


@attrs.frozen
class CouponExpired(DomainEvent):
    customer_id: str
    coupon_id: str
    at: datetime


# -- the aggregate ---------------------------------------------------------------------


@attrs.define(kw_only=True)
class Wallet(Aggregate):
    """A customer's coupons, by coupon id (``id`` is the customer id)."""

    id: str
    coupons: dict[str, CouponInstance] = flat_field(dict)

    @classmethod
    def open(cls, customer_id: str) -> Wallet:
        return cls(id=require_text(customer_id, "customer id"))

    def usable(self, at: datetime) -> list[CouponInstance]:
        """The coupons the customer may spend at ``at``, by id."""
        require_aware(at, "wallet time")
        return sorted((c for c in self.coupons.values() if c.usable_at(at)), key=lambda c: c.id)

    def receive(self, campaign_id: str, coupon: Coupon, at: datetime) -> CouponInstance:
        """Keep a coupon just claimed from ``campaign_id``."""
        require_aware(at, "claim time")
        if coupon.id in self.coupons:
            raise AlreadyExists(f"wallet of {self.id!r} already holds coupon {coupon.id!r}")
        instance = CouponInstance(coupon.id, campaign_id, coupon, at)
        self.coupons[coupon.id] = instance
        self.record(CouponClaimed(self.id, coupon.id, campaign_id, at))
        return instance

    def _get(self, coupon_id: str) -> CouponInstance:
        held = self.coupons.get(coupon_id)
        if held is None:
            raise UnknownCoupon(f"wallet of {self.id!r} holds no coupon {coupon_id!r}")
        return held

    def check_lock(self, coupon_id: str, order_id: str) -> bool:
        """Raise if ``order_id`` may not lock the coupon; ``True`` if it already holds it."""
        held = self._get(coupon_id)
        if held.state is CouponState.LOCKED and held.order_id == order_id:
            return True
        COUPON_FLOW.target(held.state, "lock")
        return False

    def lock(self, coupon_id: str, order_id: str) -> None:
        """Set the coupon aside for an order being placed (an available coupon only)."""
        require_text(order_id, "order id")
        if self.check_lock(coupon_id, order_id):
            return
        self._move(coupon_id, "lock", order_id, CouponLocked(self.id, coupon_id, order_id))

    def check_settle(self, coupon_id: str, order_id: str, command: str) -> None:
        """Raise unless the coupon is locked by ``order_id`` (``use`` or ``unlock``)."""
        held = self._get(coupon_id)
        COUPON_FLOW.target(held.state, command)
        if held.order_id != order_id:
            raise CouponHeldByAnotherOrder(
                f"coupon {coupon_id!r} is locked by {held.order_id!r}, not {order_id!r}"
            )

    def use(self, coupon_id: str, order_id: str) -> None:
        """The order holding the coupon was paid: the coupon is spent."""
        self.check_settle(coupon_id, order_id, "use")
        self._move(coupon_id, "use", order_id, CouponUsed(self.id, coupon_id, order_id))

    def unlock(self, coupon_id: str, order_id: str) -> None:
        """The order holding the coupon was cancelled: the coupon is available again."""
        self.check_settle(coupon_id, order_id, "unlock")
        self._move(coupon_id, "unlock", None, CouponUnlocked(self.id, coupon_id, order_id))

    def expire_due(self, now: datetime) -> tuple[str, ...]:
        """Expire every available coupon whose window has closed; their ids."""
        require_aware(now, "expiry time")
        due = tuple(
            sorted(
                c.id
                for c in self.coupons.values()
                if c.state is CouponState.AVAILABLE
                and c.coupon.ends_at is not None
                and c.coupon.ends_at <= now
            )
        )
        for coupon_id in due:
            self._move(coupon_id, "expire", None, CouponExpired(self.id, coupon_id, now))
        return due

    def _move(self, coupon_id: str, command: str, order_id: str | None, event: DomainEvent) -> None:
        """Move one coupon; ``order_id`` is the order it is locked by or used for, if any."""
        held = self.coupons[coupon_id]
        target = COUPON_FLOW.target(held.state, command)
        self.coupons[coupon_id] = attrs.evolve(held, state=target, order_id=order_id)
        self.record(event)
