"""Merchants: the stores that sell on the platform, from application to closing.

One aggregate, :class:`Merchant`, with its life cycle as a transition table
(:data:`MERCHANT_FLOW`):

* **applying** - the company attaches qualification documents (a business licence is
  required; brand authorisations name their brand) and declares its *goods scope* (the
  categories it wants to sell in), then submits;
* **under review** - the platform reviews every document on its own (accept, or reject
  with a reason), then approves (fixing the deposit the merchant must hold) or rejects
  with reasons; a rejected merchant may reapply;
* **approved** - onboarding: the settlement context opens the merchant's clearing account
  and books the deposit; the merchant opens its store once both are done;
* **active** - trading; the platform can suspend it (a suspended merchant is reinstated only
  once its deposit is back to the required level);
* **closing** - no new business; the settlement context closes the merchant for good
  (**closed**) only after a final settlement has left every balance at zero.

``deposit_held`` mirrors the ledger's deposit account: it is changed only by the settlement
context's deposit use cases, in the same unit of work as the ledger entry, and the
reconciliation report checks the two agree.

The merchant score (:func:`merchant_score`) is documented in docs/merchants.md.
Each method checks, then changes, then records; a refused command leaves no trace.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import attrs

from merx.kernel.aggregate import Aggregate
from merx.kernel.clock import require_aware
from merx.kernel.errors import CurrencyMismatch, InvalidAmount, ValidationError
from merx.kernel.events import DomainEvent
from merx.kernel.ids import MerchantId
from merx.kernel.money import Money, minor_unit
from merx.kernel.state import StateMachine
from merx.kernel.validation import business_date, require_text
from merx.merchants.errors import (
    DepositShort,
    DepositStillHeld,
    EmptyGoodsScope,
    InsufficientDeposit,
    MerchantNotActive,
    NotYourMerchant,
    OnboardingIncomplete,
    OutsideGoodsScope,
)
from merx.qualification import DocumentKind, DocumentReview, Qualification, QualificationDocument

# -- small values ----------------------------------------------------------------------


def check_actor(actor: MerchantId, merchant_id: MerchantId) -> None:
    """Refuse a merchant acting on another merchant's records (:class:`NotYourMerchant`)."""
    if actor != merchant_id:
        raise NotYourMerchant(f"merchant {actor!r} may not act for merchant {merchant_id!r}")


class MerchantState(enum.Enum):
    APPLYING = "applying"
    UNDER_REVIEW = "under_review"
    REJECTED = "rejected"
    APPROVED = "approved"  # onboarding: account and deposit, then the store opens
    ACTIVE = "active"
    SUSPENDED = "suspended"
    CLOSING = "closing"  # waiting for the final settlement
    CLOSED = "closed"


# -- the score -------------------------------------------------------------------------

#: Weights of the three components of the merchant score (they sum to 1).
SCORE_WEIGHTS: tuple[Fraction, Fraction, Fraction] = (
    Fraction(4, 10),  # fulfilment speed
    Fraction(3, 10),  # after-sales
    Fraction(3, 10),  # ratings
)
#: An after-sales rate at or above this scores 0 on the after-sales component.
AFTER_SALES_CEILING = Fraction(1, 5)


@attrs.frozen
class Performance:
    """A merchant's record over a review window (counts, so the score is exact).

    ``shipped_on_time`` of ``orders`` left within the promised time; ``after_sales`` of them
    led to an after-sales case; ``rating_points`` is the sum of ``ratings`` stars (1 to 5).
    """

    orders: int
    shipped_on_time: int
    after_sales: int
    ratings: int
    rating_points: int

    def __attrs_post_init__(self) -> None:
        for name in ("orders", "shipped_on_time", "after_sales", "ratings", "rating_points"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValidationError(f"{name} must be a whole number >= 0, not {value!r}")
        if self.shipped_on_time > self.orders or self.after_sales > self.orders:
            raise ValidationError(
                f"on-time shipments ({self.shipped_on_time}) and after-sales cases "
                f"({self.after_sales}) cannot exceed orders ({self.orders})"
            )
        if not self.ratings <= self.rating_points <= 5 * self.ratings:
            raise ValidationError(
                f"{self.ratings} ratings of 1 to 5 stars cannot total {self.rating_points}"
            )


def merchant_score(performance: Performance) -> Decimal:
    """The score, 0 to 100 with one decimal (``ROUND_HALF_UP``, rounded once):

    ``100 x (0.4 x on_time + 0.3 x after_sales + 0.3 x rating)`` where
    ``on_time = shipped_on_time / orders``,
    ``after_sales = max(0, 1 - (after_sales / orders) / 0.2)`` and
    ``rating = (average stars - 1) / 4``. A component with no data (no orders, no ratings)
    counts as 1: a new merchant starts at 100 and earns its way down.
    """
    p = performance
    on_time = Fraction(p.shipped_on_time, p.orders) if p.orders else Fraction(1)
    rate = Fraction(p.after_sales, p.orders) if p.orders else Fraction(0)
    after_sales = max(Fraction(0), 1 - rate / AFTER_SALES_CEILING)
    rating = Fraction(p.rating_points - p.ratings, 4 * p.ratings) if p.ratings else Fraction(1)
    w_speed, w_after, w_rating = SCORE_WEIGHTS
    exact = 100 * (w_speed * on_time + w_after * after_sales + w_rating * rating)
    tenths = exact * 10
    units, remainder = divmod(tenths.numerator, tenths.denominator)
    if 2 * remainder >= tenths.denominator:  # half up (the score is never negative)
        units += 1
    return (Decimal(units) / 10).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# -- events ----------------------------------------------------------------------------


@attrs.frozen
class MerchantApplied(DomainEvent):
    merchant_id: MerchantId
    name: str
    currency: str
    at: datetime


@attrs.frozen
class MerchantDocumentAdded(DomainEvent):
    merchant_id: MerchantId
    kind: DocumentKind
    number: str
    at: datetime


@attrs.frozen
class MerchantDocumentRemoved(DomainEvent):
    merchant_id: MerchantId
    number: str
    at: datetime


@attrs.frozen
class GoodsScopeSet(DomainEvent):
    merchant_id: MerchantId
    categories: tuple[str, ...]
    at: datetime


@attrs.frozen
class MerchantApplicationSubmitted(DomainEvent):
    merchant_id: MerchantId
    at: datetime


@attrs.frozen
class MerchantDocumentReviewed(DomainEvent):
    merchant_id: MerchantId
    number: str
    review: DocumentReview
    note: str | None
    at: datetime


@attrs.frozen
class MerchantApproved(DomainEvent):
    merchant_id: MerchantId
    deposit_required: Money
    at: datetime


@attrs.frozen
class MerchantRejected(DomainEvent):
    merchant_id: MerchantId
    reasons: tuple[str, ...]
    at: datetime


@attrs.frozen
class MerchantReapplied(DomainEvent):
    merchant_id: MerchantId
    at: datetime


@attrs.frozen
class MerchantAccountOpened(DomainEvent):
    merchant_id: MerchantId
    at: datetime


@attrs.frozen
class DepositPaid(DomainEvent):
    merchant_id: MerchantId
    amount: Money
    held: Money
    reference: str
    at: datetime


@attrs.frozen
class DepositDeducted(DomainEvent):
    merchant_id: MerchantId
    amount: Money
    held: Money
    reason: str
    reference: str
    at: datetime


@attrs.frozen
class DepositReleased(DomainEvent):
    merchant_id: MerchantId
    amount: Money
    reference: str
    at: datetime


@attrs.frozen
class StoreOpened(DomainEvent):
    merchant_id: MerchantId
    store_name: str
    at: datetime


@attrs.frozen
class MerchantSuspended(DomainEvent):
    merchant_id: MerchantId
    reason: str
    at: datetime


@attrs.frozen
class MerchantReinstated(DomainEvent):
    merchant_id: MerchantId
    at: datetime


@attrs.frozen
class MerchantClosingStarted(DomainEvent):
    merchant_id: MerchantId
    reason: str
    at: datetime


@attrs.frozen
class MerchantClosed(DomainEvent):
    merchant_id: MerchantId
    final_settlement: str
    at: datetime


@attrs.frozen
class MerchantScored(DomainEvent):
    merchant_id: MerchantId
    performance: Performance
    score: Decimal
    at: datetime


# -- the life cycle --------------------------------------------------------------------

_M = MerchantState
_TRADING = (_M.APPROVED, _M.ACTIVE, _M.SUSPENDED, _M.CLOSING)


def _loops(command: str, states: Iterable[MerchantState]) -> list[tuple[_M, str, _M]]:
    return [(state, command, state) for state in states]


MERCHANT_FLOW: StateMachine[MerchantState] = StateMachine(
    "merchant",
    [
        (_M.APPLYING, "add document", _M.APPLYING),
        (_M.APPLYING, "remove document", _M.APPLYING),
        (_M.APPLYING, "set goods scope", _M.APPLYING),
        (_M.APPLYING, "submit", _M.UNDER_REVIEW),
        (_M.UNDER_REVIEW, "review document", _M.UNDER_REVIEW),
        (_M.UNDER_REVIEW, "approve", _M.APPROVED),
        (_M.UNDER_REVIEW, "reject", _M.REJECTED),
        (_M.REJECTED, "reapply", _M.APPLYING),
        (_M.APPROVED, "open account", _M.APPROVED),
        *_loops("pay deposit", (_M.APPROVED, _M.ACTIVE, _M.SUSPENDED)),
        (_M.APPROVED, "open store", _M.ACTIVE),
        *_loops("deduct deposit", (_M.ACTIVE, _M.SUSPENDED, _M.CLOSING)),
        *_loops("record performance", (_M.ACTIVE, _M.SUSPENDED)),
        (_M.ACTIVE, "suspend", _M.SUSPENDED),
        (_M.SUSPENDED, "reinstate", _M.ACTIVE),
        ((_M.ACTIVE, _M.SUSPENDED), "start closing", _M.CLOSING),
        (_M.CLOSING, "release deposit", _M.CLOSING),
        (_M.CLOSING, "close", _M.CLOSED),
    ],
)


@attrs.define(kw_only=True)
class Merchant(Aggregate):
    """A merchant, from its application to its closing (see the module docstring)."""

    id: MerchantId
    name: str
    currency: str
    status: MerchantState = MerchantState.APPLYING
    qualification: Qualification = attrs.field(factory=Qualification)
    goods_scope: frozenset[str] = frozenset()
    status_reason: str | None = None
    deposit_required: Money | None = None
    deposit_held: Money | None = None
    account_opened: bool = False
    store_name: str | None = None
    score: Decimal | None = None
    performance: Performance | None = None
    final_settlement: str | None = None

    @classmethod
    def apply(cls, *, merchant_id: MerchantId, name: str, currency: str, at: datetime) -> Merchant:
        """A new application, with no documents and no goods scope yet."""
        require_text(merchant_id, "merchant id")
        require_text(name, "merchant name")
        minor_unit(currency)
        require_aware(at)
        merchant = cls(id=merchant_id, name=name, currency=currency)
        merchant.deposit_held = Money.zero(currency)
        merchant.record(MerchantApplied(merchant_id, name, currency, at))
        return merchant

    # -- queries -----------------------------------------------------------------------

    @property
    def is_active(self) -> bool:
        return self.status is MerchantState.ACTIVE

    @property
    def held(self) -> Money:
        return self.deposit_held if self.deposit_held is not None else Money.zero(self.currency)

    @property
    def deposit_shortfall(self) -> Money:
        """How much the deposit is below the required level (zero when it is not)."""
        required = self.deposit_required or Money.zero(self.currency)
        return (required - self.held).max(Money.zero(self.currency))

    def check_active(self, purpose: str) -> None:
        if not self.is_active:
            raise MerchantNotActive(
                f"merchant {self.id!r} is {self.status.value}, cannot {purpose}"
            )

    def check_category(self, category: str) -> None:
        """Raise unless ``category`` is within the approved goods scope."""
        if category not in self.goods_scope:
            scope = ", ".join(sorted(self.goods_scope)) or "nothing"
            raise OutsideGoodsScope(
                f"merchant {self.id!r} may sell in {scope}, not in {category!r}"
            )

    # -- application and review (the qualification review) ----------------------------

    def add_document(
        self,
        *,
        kind: DocumentKind,
        number: str,
        expires_on: date,
        brand: str | None = None,
        at: datetime,
    ) -> None:
        """Attach a document to the application; it must still be valid today."""
        MERCHANT_FLOW.target(self.status, "add document")
        document = QualificationDocument(kind, number, expires_on, brand)
        self.qualification = self.qualification.with_document(
            document, today=business_date(at), holder=self._holder
        )
        MERCHANT_FLOW.move(self, "add document", MerchantDocumentAdded(self.id, kind, number, at))

    def remove_document(self, number: str, at: datetime) -> None:
        MERCHANT_FLOW.target(self.status, "remove document")
        remaining = self.qualification.without_document(number, self._holder)
        require_aware(at)
        self.qualification = remaining
        MERCHANT_FLOW.move(self, "remove document", MerchantDocumentRemoved(self.id, number, at))

    def set_goods_scope(self, categories: Sequence[str], at: datetime) -> None:
        """The categories the merchant applies to sell in (replacing any earlier scope)."""
        MERCHANT_FLOW.target(self.status, "set goods scope")
        scope = self._scope(categories)
        require_aware(at)
        self.goods_scope = frozenset(scope)
        MERCHANT_FLOW.move(self, "set goods scope", GoodsScopeSet(self.id, scope, at))

    def submit(self, at: datetime) -> None:
        """Send the application for review; every document is reviewed afresh."""
        MERCHANT_FLOW.target(self.status, "submit")
        submitted = self.qualification.submitted(self._holder)
        if not self.goods_scope:
            raise EmptyGoodsScope(f"merchant {self.id!r} has not declared a goods scope")
        require_aware(at)
        self.qualification = submitted
        MERCHANT_FLOW.move(self, "submit", MerchantApplicationSubmitted(self.id, at))

    def review_document(
        self, number: str, *, accepted: bool, note: str | None = None, at: datetime
    ) -> None:
        """Accept a document (it must still be valid today) or reject it with a reason."""
        MERCHANT_FLOW.target(self.status, "review document")
        self.qualification = self.qualification.reviewed(
            number, accepted=accepted, note=note, today=business_date(at), holder=self._holder
        )
        review = self.qualification.document(number, self._holder).review
        event = MerchantDocumentReviewed(self.id, number, review, note, at)
        MERCHANT_FLOW.move(self, "review document", event)

    def approve(self, deposit_required: Money, at: datetime) -> None:
        """Approve once every document is accepted and valid; fix the deposit to hold."""
        MERCHANT_FLOW.target(self.status, "approve")
        self._check_money(deposit_required, "required deposit", allow_zero=True)
        self.qualification.check_approvable(business_date(at), self._holder)
        self.deposit_required = deposit_required
        self.status_reason = None
        MERCHANT_FLOW.move(self, "approve", MerchantApproved(self.id, deposit_required, at))

    def reject(self, reasons: Sequence[str], at: datetime) -> None:
        """Refuse the application: ``reasons`` plus the reasons of every rejected document."""
        MERCHANT_FLOW.target(self.status, "reject")
        rejected = self.qualification.rejected(reasons, self._holder)
        require_aware(at)
        self.qualification = rejected
        event = MerchantRejected(self.id, rejected.rejection_reasons, at)
        MERCHANT_FLOW.move(self, "reject", event)

    def reapply(self, at: datetime) -> None:
        MERCHANT_FLOW.target(self.status, "reapply")
        require_aware(at)
        MERCHANT_FLOW.move(self, "reapply", MerchantReapplied(self.id, at))

    # -- onboarding (account and deposit are booked by the settlement context) ---------

    def open_account(self, at: datetime) -> bool:
        """Mark the clearing account as opened; ``False`` (and nothing recorded) if it was."""
        MERCHANT_FLOW.target(self.status, "open account")
        require_aware(at)
        if self.account_opened:
            return False
        self.account_opened = True
        MERCHANT_FLOW.move(self, "open account", MerchantAccountOpened(self.id, at))
        return True

    def check_deposit_payment(self, amount: Money) -> None:
        MERCHANT_FLOW.target(self.status, "pay deposit")
        self._check_money(amount, "deposit payment")

    def pay_deposit(self, amount: Money, reference: str, at: datetime) -> None:
        """The deposit grew by ``amount`` (booked in the ledger in the same unit of work)."""
        self.check_deposit_payment(amount)
        require_text(reference, "deposit reference")
        require_aware(at)
        self.deposit_held = self.held + amount
        event = DepositPaid(self.id, amount, self.deposit_held, reference, at)
        MERCHANT_FLOW.move(self, "pay deposit", event)

    def check_deposit_deduction(self, amount: Money) -> None:
        MERCHANT_FLOW.target(self.status, "deduct deposit")
        self._check_money(amount, "deposit deduction")
        if amount > self.held:
            raise InsufficientDeposit(
                f"merchant {self.id!r} holds a deposit of {self.held}, cannot deduct {amount}"
            )

    def deduct_deposit(self, amount: Money, reason: str, reference: str, at: datetime) -> None:
        """A penalty (or a negative balance) is taken from the deposit; top it up after."""
        self.check_deposit_deduction(amount)
        require_text(reason, "deduction reason")
        require_text(reference, "deduction reference")
        require_aware(at)
        self.deposit_held = self.held - amount
        event = DepositDeducted(self.id, amount, self.deposit_held, reason, reference, at)
        MERCHANT_FLOW.move(self, "deduct deposit", event)

    def release_deposit(self, reference: str, at: datetime) -> Money:
        """Closing: the whole deposit goes back to the merchant's available balance."""
        MERCHANT_FLOW.target(self.status, "release deposit")
        require_text(reference, "release reference")
        require_aware(at)
        amount = self.held
        self.deposit_held = Money.zero(self.currency)
        MERCHANT_FLOW.move(self, "release deposit", DepositReleased(self.id, amount, reference, at))
        return amount

    def open_store(self, store_name: str, at: datetime) -> None:
        """Start trading: the clearing account is open and the deposit is fully paid."""
        MERCHANT_FLOW.target(self.status, "open store")
        require_text(store_name, "store name")
        if not self.account_opened:
            raise OnboardingIncomplete(f"merchant {self.id!r} has no clearing account yet")
        if self.deposit_shortfall.is_positive():
            raise OnboardingIncomplete(
                f"merchant {self.id!r} holds {self.held} of a {self.deposit_required} deposit"
            )
        require_aware(at)
        self.store_name = store_name
        MERCHANT_FLOW.move(self, "open store", StoreOpened(self.id, store_name, at))

    # -- after opening -----------------------------------------------------------------

    def change_goods_scope(self, categories: Sequence[str], at: datetime) -> None:
        """The platform widens or narrows an active merchant's scope."""
        self.check_active("change its goods scope")
        scope = self._scope(categories)
        require_aware(at)
        self.goods_scope = frozenset(scope)
        self.record(GoodsScopeSet(self.id, scope, at))

    def record_performance(self, performance: Performance, at: datetime) -> Decimal:
        MERCHANT_FLOW.target(self.status, "record performance")
        if not isinstance(performance, Performance):
            raise ValidationError(f"performance must be a Performance, not {performance!r}")
        require_aware(at)
        score = merchant_score(performance)
        self.performance = performance
        self.score = score
        MERCHANT_FLOW.move(
            self, "record performance", MerchantScored(self.id, performance, score, at)
        )
        return score

    def suspend(self, reason: str, at: datetime) -> None:
        MERCHANT_FLOW.target(self.status, "suspend")
        require_text(reason, "suspension reason")
        require_aware(at)
        self.status_reason = reason
        MERCHANT_FLOW.move(self, "suspend", MerchantSuspended(self.id, reason, at))

    def reinstate(self, at: datetime) -> None:
        """Lift a suspension: documents still valid and the deposit topped up."""
        MERCHANT_FLOW.target(self.status, "reinstate")
        self.qualification.check_valid(business_date(at), self._holder)
        if self.deposit_shortfall.is_positive():
            raise DepositShort(
                f"merchant {self.id!r} must top its deposit up by {self.deposit_shortfall}"
            )
        self.status_reason = None
        MERCHANT_FLOW.move(self, "reinstate", MerchantReinstated(self.id, at))

    def start_closing(self, reason: str, at: datetime) -> None:
        MERCHANT_FLOW.target(self.status, "start closing")
        require_text(reason, "closing reason")
        require_aware(at)
        self.status_reason = reason
        MERCHANT_FLOW.move(self, "start closing", MerchantClosingStarted(self.id, reason, at))

    def check_close(self) -> None:
        MERCHANT_FLOW.target(self.status, "close")
        if not self.held.is_zero():
            raise DepositStillHeld(
                f"merchant {self.id!r} still holds a deposit of {self.held}; release it first"
            )

    def close(self, final_settlement: str, at: datetime) -> None:
        """Closed for good, after ``final_settlement`` left every balance at zero."""
        self.check_close()
        require_text(final_settlement, "final settlement reference")
        require_aware(at)
        self.final_settlement = final_settlement
        MERCHANT_FLOW.move(self, "close", MerchantClosed(self.id, final_settlement, at))

    # -- internals ---------------------------------------------------------------------

    def _check_money(self, amount: Money, what: str, *, allow_zero: bool = False) -> None:
        if not isinstance(amount, Money):
            raise InvalidAmount(f"{what} must be Money, not {amount!r}")
        if amount.currency != self.currency:
            raise CurrencyMismatch(f"merchant {self.id!r} settles in {self.currency}, not {amount}")
        if amount.is_negative() or (amount.is_zero() and not allow_zero):
            raise InvalidAmount(f"{what} must be positive, not {amount}")

    def _scope(self, categories: Sequence[str]) -> tuple[str, ...]:
        """``categories`` as a goods scope: sorted, once each, at least one."""
        scope = tuple(sorted({require_text(c, "category") for c in categories}))
        if not scope:
            raise EmptyGoodsScope(f"merchant {self.id!r}: the goods scope names no category")
        return scope

    @property
    def _holder(self) -> str:
        return f"merchant {self.id!r}"
