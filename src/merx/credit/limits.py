"""Credit applications and the revolving limit account (a grade's pricing is
:class:`merx.schedules.GradePricing`).

The limit model (docs/credit.md, "Limits"): an account has *pools* of limit. The general
pool is the base limit plus every temporary limit still in force; each special limit is a
pool of its own, usable only by purchases in its scope (a campaign, a merchant). For every
pool, on a given day::

    used + frozen + available == granted

* ``used`` is the principal the customer still owes on purchases drawn from the pool;
* ``granted`` is the pool's limit, but never less than ``used``: when a temporary limit
  expires or the limit is lowered while in use, the part in use stays granted until it
  is repaid (it retires as the principal comes back);
* ``frozen`` is the whole unused limit while the account is frozen (a risk event), zero
  otherwise; so with no freeze ``used + available == granted`` exactly;
* ``available`` is what a purchase may draw now.

A purchase in a scope draws from that scope's special pool first, then from the general
pool; each repayment's principal restores the general pool first, then the special pool
(the general limit is the one a customer can use anywhere).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Final, NewType

import attrs

from merx.credit.errors import (
    AccountFrozen,
    ConsentMissing,
    CreditDeclined,
    LimitExceeded,
    TermNotAllowed,
    UnknownDraw,
)
from merx.credit.ports import RiskAssessment, RiskCheck, ScoringFacts
from merx.kernel.aggregate import Aggregate, flat_field
from merx.kernel.clock import require_aware
from merx.kernel.errors import (
    AlreadyExists,
    CurrencyMismatch,
    IdempotencyConflict,
    InvalidAmount,
    NotFound,
    ValidationError,
)
from merx.kernel.events import DomainEvent
from merx.kernel.ids import CustomerId, OrderId
from merx.kernel.money import Money
from merx.kernel.state import StateMachine
from merx.kernel.validation import require_date, require_text
from merx.kernel.vault import PERSONAL, PersonalKind, Sealed
from merx.schedules import FeePayer, GradePricing, InvalidPlan, Schedule, TermOffer, price_plan

#: The id of an installment plan (:mod:`merx.installments`): the account keys what each
#: plan drew on the limit by it.
PlanId = NewType("PlanId", str)

# -- the application -------------------------------------------------------------------


@attrs.frozen
class Identity:
    """Who asks for credit, as the customer declared it, in clear (personal data: its repr
    shows none of it, and an idempotency fingerprint takes the vault's digests): what
    :class:`ApplyForCredit` carries. The application keeps it sealed
    (:class:`SealedIdentity`)."""

    legal_name: str = attrs.field(repr=False, metadata={PERSONAL: PersonalKind.NAME})
    id_number: str = attrs.field(repr=False, metadata={PERSONAL: PersonalKind.ID_CARD})
    phone: str = attrs.field(repr=False, metadata={PERSONAL: PersonalKind.PHONE})

    def __attrs_post_init__(self) -> None:
        for name in ("legal_name", "id_number", "phone"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ValidationError(f"identity {name} must be a non-empty string")


@attrs.frozen
class SealedIdentity:
    """An :class:`Identity` as a credit application keeps it: each value at the vault
    (:mod:`merx.kernel.vault`), the application holding its token and mask (``张**``,
    ``110***********1234``, ``138****0000``). A host checking an application (a bureau
    query) reveals the values at the vault."""

    legal_name: Sealed
    id_number: Sealed
    phone: Sealed


@attrs.frozen
class Consent:
    """The customer's consent to the credit check and the credit terms."""

    given: bool
    at: datetime
    terms_version: str

    def __attrs_post_init__(self) -> None:
        require_aware(self.at, "consent time")


class ApplicationState(enum.Enum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"


APPLICATION_FLOW: Final = StateMachine[ApplicationState](
    "credit application",
    [
        (ApplicationState.SUBMITTED, "approve", ApplicationState.APPROVED),
        (ApplicationState.SUBMITTED, "reject", ApplicationState.REJECTED),
    ],
)


@attrs.frozen
class CreditApplicationSubmitted(DomainEvent):
    application_id: str
    customer_id: CustomerId


@attrs.frozen
class CreditApplicationApproved(DomainEvent):
    application_id: str
    customer_id: CustomerId
    grade: str
    limit: Money


@attrs.frozen
class CreditApplicationRejected(DomainEvent):
    application_id: str
    customer_id: CustomerId
    reasons: tuple[str, ...]


@attrs.define(kw_only=True)
class CreditApplication(Aggregate):
    id: str
    customer_id: CustomerId
    identity: SealedIdentity
    consent: Consent
    status: ApplicationState = ApplicationState.SUBMITTED
    grade: str | None = None
    limit: Money | None = None
    reasons: tuple[str, ...] = ()

    @classmethod
    def submit(
        cls,
        application_id: str,
        customer_id: CustomerId,
        identity: SealedIdentity,
        consent: Consent,
        facts: ScoringFacts,
    ) -> CreditApplication:
        """A customer's application, with their consent and the facts it is scored on."""
        if not isinstance(consent, Consent) or not consent.given:
            raise ConsentMissing(f"customer {customer_id!r} has not consented to a credit check")
        if facts.customer_id != customer_id:
            raise ValidationError(
                f"scoring facts are about {facts.customer_id!r}, not {customer_id!r}"
            )
        application = cls(
            id=application_id, customer_id=customer_id, identity=identity, consent=consent
        )
        application.record(CreditApplicationSubmitted(application_id, customer_id))
        return application

    def approve(self, grade: str, limit: Money) -> None:
        APPLICATION_FLOW.target(self.status, "approve")
        self.grade, self.limit = grade, limit
        APPLICATION_FLOW.move(
            self, "approve", CreditApplicationApproved(self.id, self.customer_id, grade, limit)
        )

    def reject(self, reasons: tuple[str, ...]) -> None:
        APPLICATION_FLOW.target(self.status, "reject")
        self.reasons = reasons
        APPLICATION_FLOW.move(
            self, "reject", CreditApplicationRejected(self.id, self.customer_id, reasons)
        )

    def decide(self, assessment: RiskAssessment, statement_day: int = 1) -> CreditAccount | None:
        """The risk assessment's verdict: approved, the customer's account opens with the
        grade, its limit and its pricing (returned, to be added); rejected, with reasons."""
        if not assessment.approved:
            self.reject(assessment.reasons)
            return None
        APPLICATION_FLOW.target(self.status, "approve")
        account = CreditAccount.open(
            self.customer_id,
            assessment.grade,
            assessment.pricing,
            assessment.limit,
            statement_day,
        )
        self.approve(assessment.grade, assessment.limit)
        return account


# -- the limit account -----------------------------------------------------------------


@attrs.frozen
class TemporaryLimit:
    """Extra general limit in force on the days before ``expires_on``."""

    amount: Money
    expires_on: date
    reason: str


@attrs.frozen
class SpecialLimit:
    """A limit usable only by purchases in ``scope``, before ``expires_on``."""

    scope: str
    amount: Money
    expires_on: date
    reason: str


@attrs.frozen
class Draw:
    """What a plan still uses, in minor units, from the general and its special pool."""

    general: int
    special: int
    scope: str | None


@attrs.frozen
class PurchaseTerms:
    """What an installment purchase asked for: a replay must ask the same."""

    principal: Money
    term_months: int
    fee_payer: str
    scope: str | None


@attrs.frozen
class InstallmentOption:
    """One term the customer may choose at checkout, priced, with its schedule."""

    offer: TermOffer
    schedule: Schedule
    within_limit: bool


@attrs.frozen
class LimitPosition:
    """One pool's figures on a day: ``used + frozen + available == granted``."""

    granted: Money
    used: Money
    frozen: Money
    available: Money

    def __attrs_post_init__(self) -> None:
        assert self.used + self.frozen + self.available == self.granted, self
        assert not self.available.is_negative(), self
        assert not self.frozen.is_negative(), self


class AccountState(enum.Enum):
    ACTIVE = "active"
    FROZEN = "frozen"


ACCOUNT_FLOW: Final = StateMachine[AccountState](
    "credit account",
    [
        (AccountState.ACTIVE, "freeze", AccountState.FROZEN),
        (AccountState.FROZEN, "unfreeze", AccountState.ACTIVE),
        (AccountState.ACTIVE, "draw", AccountState.ACTIVE),
    ],
)


@attrs.frozen
class CreditAccountOpened(DomainEvent):
    customer_id: CustomerId
    grade: str
    limit: Money


@attrs.frozen
class CreditLimitChanged(DomainEvent):
    customer_id: CustomerId
    limit: Money
    reason: str


@attrs.frozen
class TemporaryLimitGranted(DomainEvent):
    customer_id: CustomerId
    amount: Money
    expires_on: date
    reason: str


@attrs.frozen
class SpecialLimitGranted(DomainEvent):
    customer_id: CustomerId
    scope: str
    amount: Money
    expires_on: date
    reason: str


@attrs.frozen
class CreditLimitDrawn(DomainEvent):
    customer_id: CustomerId
    plan_id: PlanId
    order_id: OrderId
    amount: Money


@attrs.frozen
class CreditLimitRestored(DomainEvent):
    customer_id: CustomerId
    plan_id: PlanId
    amount: Money


@attrs.frozen
class CreditAccountFrozen(DomainEvent):
    customer_id: CustomerId
    reason: str


@attrs.frozen
class CreditAccountUnfrozen(DomainEvent):
    customer_id: CustomerId


@attrs.frozen
class OverpaymentHeld(DomainEvent):
    customer_id: CustomerId
    amount: Money


@attrs.frozen
class OverpaymentReleased(DomainEvent):
    """Held credit left the account: refunded to the customer or applied to a bill."""

    customer_id: CustomerId
    amount: Money
    refunded: bool


@attrs.define(kw_only=True)
class CreditAccount(Aggregate):
    """A customer's revolving limit (id = the customer id); see the module docstring.

    ``statement_day`` is the day of the month the customer's bill is drawn up (clamped to
    the month's end). ``credit_minor`` is overpayment held for the customer.
    """

    id: CustomerId
    grade: str
    pricing: GradePricing
    base_limit: Money
    statement_day: int = 1
    status: AccountState = AccountState.ACTIVE
    freeze_reason: str | None = None
    temporary: list[TemporaryLimit] = flat_field(list)
    special: dict[str, SpecialLimit] = flat_field(dict)
    draws: dict[PlanId, Draw] = flat_field(dict)
    purchases: dict[OrderId, tuple[PurchaseTerms, PlanId]] = flat_field(dict)
    open_plans: list[PlanId] = flat_field(list)
    open_bills: list[str] = flat_field(list)
    credit_minor: int = 0

    @classmethod
    def open(
        cls,
        customer_id: CustomerId,
        grade: str,
        pricing: GradePricing,
        limit: Money,
        statement_day: int = 1,
    ) -> CreditAccount:
        if not isinstance(limit, Money) or limit.is_negative():
            raise InvalidAmount(f"a credit limit must be a Money >= 0, not {limit!r}")
        if isinstance(statement_day, bool) or statement_day not in range(1, 32):
            raise ValidationError(f"statement day must be 1..31, not {statement_day!r}")
        account = cls(
            id=customer_id,
            grade=grade,
            pricing=pricing,
            base_limit=limit,
            statement_day=statement_day,
        )
        account.record(CreditAccountOpened(customer_id, grade, limit))
        return account

    # -- views -------------------------------------------------------------------------

    @property
    def customer_id(self) -> CustomerId:
        return self.id

    @property
    def currency(self) -> str:
        return self.base_limit.currency

    def _money(self, units: int) -> Money:
        return Money.from_minor(units, self.currency)

    @property
    def credit(self) -> Money:
        """Overpayment held for the customer."""
        return self._money(self.credit_minor)

    def _position(self, line: int, used: int) -> LimitPosition:
        granted = max(line, used)
        frozen = granted - used if self.status is AccountState.FROZEN else 0
        return LimitPosition(
            self._money(granted),
            self._money(used),
            self._money(frozen),
            self._money(granted - used - frozen),
        )

    def position(self, on: date) -> LimitPosition:
        """The general pool on ``on``."""
        require_date(on, "date", InvalidPlan)
        line = self.base_limit.minor + sum(
            t.amount.minor for t in self.temporary if on < t.expires_on
        )
        return self._position(line, sum(d.general for d in self.draws.values()))

    def special_position(self, scope: str, on: date) -> LimitPosition:
        """The special pool of ``scope`` on ``on`` (all zero if there is none)."""
        require_date(on, "date", InvalidPlan)
        special = self.special.get(scope)
        line = special.amount.minor if special is not None and on < special.expires_on else 0
        used = sum(d.special for d in self.draws.values() if d.scope == scope)
        return self._position(line, used)

    @property
    def used(self) -> Money:
        return self._money(sum(d.general + d.special for d in self.draws.values()))

    def available_for(self, on: date, scope: str | None = None) -> Money:
        available = self.position(on).available
        if scope is not None:
            available += self.special_position(scope, on).available
        return available

    # -- purchases ---------------------------------------------------------------------

    def review(
        self, principal: Money, term_months: int, on: date, scope: str | None = None
    ) -> TermOffer:
        """The real-time review of an installment purchase: the account is not frozen,
        the grade offers the term, the limit covers the principal. Returns the offer."""
        if not isinstance(principal, Money) or not principal.is_positive():
            raise InvalidAmount(f"principal must be a positive Money, not {principal!r}")
        if principal.currency != self.currency:
            raise CurrencyMismatch(f"{principal} is not in the account's {self.currency}")
        if self.status is AccountState.FROZEN:
            raise AccountFrozen(
                f"credit account {self.id!r} is frozen ({self.freeze_reason}); no purchase"
            )
        offer = self.pricing.offer_for(term_months)
        if offer is None:
            raise TermNotAllowed(
                f"grade {self.pricing.grade!r} offers {list(self.pricing.terms_allowed)} "
                f"months, not {term_months}"
            )
        available = self.available_for(on, scope)
        if principal > available:
            raise LimitExceeded(
                f"credit account {self.id!r}: {principal} asked, {available} available"
            )
        return offer

    def admit(self, order_id: OrderId, principal: Money, check: RiskCheck) -> None:
        """The real-time risk check's verdict on a purchase: a refusal is
        :class:`CreditDeclined` (nothing changes either way)."""
        if not check.approved:
            raise CreditDeclined(
                f"installment purchase of {principal} for order {order_id!r} declined: "
                f"{check.reason}"
            )

    def options(
        self,
        principal: Money,
        on: date,
        scope: str | None = None,
        fee_payer: FeePayer = FeePayer.CUSTOMER,
    ) -> tuple[InstallmentOption, ...]:
        """Every term the grade offers for ``principal``, priced from ``on``, and whether
        the limit available to ``scope`` covers it."""
        available = self.available_for(on, scope)
        options: list[InstallmentOption] = []
        for offer in sorted(self.pricing.offers, key=lambda o: o.term_months):
            schedule, _ = price_plan(offer, principal, on, fee_payer)
            options.append(InstallmentOption(offer, schedule, principal <= available))
        return tuple(options)

    def replayed_purchase(
        self,
        order_id: OrderId,
        principal: Money,
        term_months: int,
        fee_payer: FeePayer = FeePayer.CUSTOMER,
        scope: str | None = None,
    ) -> PlanId | None:
        """The plan of an earlier purchase of ``order_id`` asked with the same terms; an
        earlier purchase asked differently is an :class:`IdempotencyConflict`."""
        payload = PurchaseTerms(principal, term_months, fee_payer.value, scope)
        seen = self.purchases.get(order_id)
        if seen is None:
            return None
        if seen[0] != payload:
            raise IdempotencyConflict(
                f"order {order_id!r} was financed with {seen[0]!r}, now asked with {payload!r}"
            )
        return seen[1]

    def draw(
        self,
        plan_id: PlanId,
        order_id: OrderId,
        principal: Money,
        term_months: int,
        *,
        on: date,
        scope: str | None = None,
        fee_payer: FeePayer = FeePayer.CUSTOMER,
    ) -> None:
        """Deduct ``principal`` for a new plan (after :meth:`review`, which it repeats);
        the purchase of ``order_id`` is remembered for :meth:`replayed_purchase`."""
        self.review(principal, term_months, on, scope)
        payload = PurchaseTerms(principal, term_months, fee_payer.value, scope)
        ACCOUNT_FLOW.target(self.status, "draw")
        if plan_id in self.draws:
            raise IdempotencyConflict(f"plan {plan_id!r} already drew on the limit")
        units = principal.minor
        special = 0
        if scope is not None:
            special = min(units, self.special_position(scope, on).available.minor)
        self.draws[plan_id] = Draw(units - special, special, scope if special else None)
        self.purchases[order_id] = (payload, plan_id)
        self.open_plans.append(plan_id)
        ACCOUNT_FLOW.move(self, "draw", CreditLimitDrawn(self.id, plan_id, order_id, principal))

    def restore(self, plan_id: PlanId, principal: Money) -> None:
        """A plan repaid ``principal``: give it back to the limit (general pool first)."""
        draw = self.draws.get(plan_id)
        if draw is None:
            raise UnknownDraw(f"credit account {self.id!r} has no draw for plan {plan_id!r}")
        units = principal.minor
        if units < 0 or units > draw.general + draw.special:
            raise InvalidAmount(
                f"plan {plan_id!r}: cannot restore {principal}, it uses "
                f"{self._money(draw.general + draw.special)}"
            )
        if not units:
            return
        general = min(units, draw.general)
        rest = Draw(draw.general - general, draw.special - (units - general), draw.scope)
        if rest.general or rest.special:
            self.draws[plan_id] = rest
        else:
            del self.draws[plan_id]
        self.record(CreditLimitRestored(self.id, plan_id, principal))

    def release(self, plan_id: PlanId) -> Money:
        """A plan ended with principal unpaid by the customer (cancelled, refunded):
        restore all it still uses."""
        draw = self.draws.get(plan_id)
        if draw is None:
            return Money.zero(self.currency)
        amount = self._money(draw.general + draw.special)
        self.restore(plan_id, amount)
        return amount

    def plan_ended(self, plan_id: PlanId) -> Money:
        """A plan was paid off, closed or cancelled: restore what it still uses (nothing
        for a plan paid off) and stop billing it."""
        released = self.release(plan_id)
        if plan_id in self.open_plans:
            self.open_plans.remove(plan_id)
        return released

    def plan_of(self, order_id: OrderId) -> PlanId:
        """The plan that financed ``order_id``."""
        seen = self.purchases.get(order_id)
        if seen is None:
            raise NotFound(f"customer {self.id!r} bought no order {order_id!r} on credit")
        return seen[1]

    # -- limits ------------------------------------------------------------------------

    def change_limit(self, limit: Money, reason: str) -> None:
        """Set the base limit (an increase after a reassessment, or a decrease)."""
        if not isinstance(limit, Money) or limit.is_negative():
            raise InvalidAmount(f"a credit limit must be a Money >= 0, not {limit!r}")
        if limit.currency != self.currency:
            raise CurrencyMismatch(f"{limit} is not in the account's {self.currency}")
        require_text(reason, "reason")
        self.base_limit = limit
        self.record(CreditLimitChanged(self.id, limit, reason))

    def reassess(self, assessment: RiskAssessment) -> bool:
        """A new risk assessment: when it earns a higher limit, the account takes its
        grade, pricing and limit (:class:`CreditLimitChanged` names the grade); a lower
        one changes nothing here (a decrease is :meth:`change_limit`). Returns whether the
        account changed."""
        if not assessment.approved or not assessment.limit > self.base_limit:
            return False
        self.change_limit(assessment.limit, f"reassessed as grade {assessment.grade}")
        self.grade, self.pricing = assessment.grade, assessment.pricing
        return True

    def grant_temporary(self, amount: Money, expires_on: date, reason: str, on: date) -> None:
        self._check_grant(amount, expires_on, reason, on)
        self.temporary.append(TemporaryLimit(amount, expires_on, reason))
        self.record(TemporaryLimitGranted(self.id, amount, expires_on, reason))

    def grant_special(
        self, scope: str, amount: Money, expires_on: date, reason: str, on: date
    ) -> None:
        """Grant (or replace) the special limit of ``scope``."""
        require_text(scope, "scope")
        self._check_grant(amount, expires_on, reason, on)
        self.special[scope] = SpecialLimit(scope, amount, expires_on, reason)
        self.record(SpecialLimitGranted(self.id, scope, amount, expires_on, reason))

    def _check_grant(self, amount: Money, expires_on: date, reason: str, on: date) -> None:
        if not isinstance(amount, Money) or not amount.is_positive():
            raise InvalidAmount(f"a limit grant must be a positive Money, not {amount!r}")
        if amount.currency != self.currency:
            raise CurrencyMismatch(f"{amount} is not in the account's {self.currency}")
        require_date(expires_on, "expiry", InvalidPlan)
        if expires_on <= on:
            raise ValidationError(f"a limit granted on {on} must expire later, not {expires_on}")
        require_text(reason, "reason")

    def freeze(self, reason: str) -> None:
        require_text(reason, "reason")
        ACCOUNT_FLOW.target(self.status, "freeze")
        self.freeze_reason = reason
        ACCOUNT_FLOW.move(self, "freeze", CreditAccountFrozen(self.id, reason))

    def unfreeze(self) -> None:
        ACCOUNT_FLOW.target(self.status, "unfreeze")
        self.freeze_reason = None
        ACCOUNT_FLOW.move(self, "unfreeze", CreditAccountUnfrozen(self.id))

    # -- bills -------------------------------------------------------------------------

    def bill_issued(self, bill_id: str) -> None:
        """A bill was drawn up for the customer: it is open until every line is settled."""
        if bill_id in self.open_bills:
            raise AlreadyExists(f"bill {bill_id!r} was already issued")
        self.open_bills.append(bill_id)

    def bill_settled(self, bill_id: str) -> None:
        """Every line of the open bill ``bill_id`` is settled."""
        if bill_id not in self.open_bills:
            raise NotFound(f"credit account {self.id!r} has no open bill {bill_id!r}")
        self.open_bills.remove(bill_id)

    # -- held credit -------------------------------------------------------------------

    def hold(self, amount: Money) -> None:
        """Hold an overpayment for the customer."""
        if amount.currency != self.currency:
            raise CurrencyMismatch(f"cannot hold {amount} on a {self.currency} account")
        if amount.is_negative():
            raise InvalidAmount(f"cannot hold {amount}: a held amount is not negative")
        if amount.is_zero():
            return
        self.credit_minor += amount.minor
        self.record(OverpaymentHeld(self.id, amount))

    def take_credit(self, refunded: bool, up_to: Money | None = None) -> Money:
        """Take held credit out (all of it, or ``up_to``): refunded or applied to a bill."""
        units = self.credit_minor if up_to is None else min(self.credit_minor, up_to.minor)
        if units:
            self.credit_minor -= units
            self.record(OverpaymentReleased(self.id, self._money(units), refunded))
        return self._money(units)
