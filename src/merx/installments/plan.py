"""The installment plan: one financed order's schedule, repayments, penalties and refunds.

Amounts inside the plan are whole minor units (``int``, names ending in ``_minor``); every
method takes and returns :class:`~merx.kernel.money.Money`. Rules (docs/credit.md):

* **Allocation.** A repayment pays the installments due on or before its date, oldest
  first, then the current installment (the first not yet due); within an installment the
  components go in the order its transaction type's rule says (default for a customer
  repayment: penalty -> fee -> interest -> principal). What is left is returned
  *unapplied* (the account holds it as credit).
* **Penalty.** Each day after its due date an installment's overdue amount (its unpaid
  principal, interest and fee, never the penalty: no compounding) accrues
  ``penalty_rate_per_day``. Penalties accrue in segments between two transactions,
  each segment rounded once, half up.
* **Early payoff.** Everything due, the whole outstanding principal, the current period's
  interest *up to the payoff day* (pro rata by days, rounded once) and, by the product's
  :class:`PayoffFees` setting, the future fees charged or waived.
* **Partial prepayment.** Only when nothing is due; pays the current period's interest up
  to the day, the rest is principal; the unpaid rows are rebuilt on the new balance,
  keeping the term (smaller installment) or the installment (shorter term).
* **Refund** (after-sales). Pays down the outstanding principal first; a full refund
  cancels every unbilled interest and fee and closes the plan once nothing remains; what
  is left after principal pays the billed amounts, and the rest is the overpayment
  returned to the customer.

Each method checks, then changes, then records: a refused command leaves no trace.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Final

import attrs

from merx.credit import PlanId
from merx.installments.errors import (
    BackdatedTransaction,
    PaymentDueFirst,
    PayoffShortfall,
    PrepaymentNotAllowed,
    PrepaymentTooLarge,
    RefundExceedsPrincipal,
)
from merx.kernel.aggregate import Aggregate, flat_field
from merx.kernel.errors import CurrencyMismatch, InvalidAmount, ValidationError
from merx.kernel.events import DomainEvent
from merx.kernel.ids import CustomerId, OrderId
from merx.kernel.money import Money
from merx.kernel.state import StateMachine
from merx.kernel.validation import require_date
from merx.schedules import (
    FeePayer,
    InstallmentTerms,
    InvalidPlan,
    Reschedule,
    Schedule,
    ScheduleMethod,
    amortize,
    div_half_up,
)

# -- settings --------------------------------------------------------------------------


class Component(enum.Enum):
    PENALTY = "penalty"
    FEE = "fee"
    INTEREST = "interest"
    PRINCIPAL = "principal"


class TransactionType(enum.Enum):
    REPAYMENT = "repayment"  # the customer pays
    REFUND = "refund"  # an after-sales refund from the merchant pays the plan down


class PayoffFees(enum.Enum):
    WAIVE = "waive"  # fees of installments not yet due are waived on payoff
    CHARGE = "charge"  # every remaining fee is charged on payoff


class PrepaymentMode(enum.Enum):
    REDUCE_INSTALLMENT = "reduce_installment"  # keep the term, lower the installment
    REDUCE_TERM = "reduce_term"  # keep the installment, end earlier


_ORDER: Final = (Component.PENALTY, Component.FEE, Component.INTEREST, Component.PRINCIPAL)
_REFUND_ORDER: Final = (Component.PRINCIPAL, Component.INTEREST, Component.FEE, Component.PENALTY)

#: Allocation order per transaction type when a product says nothing else.
DEFAULT_ALLOCATION: Final[Mapping[TransactionType, tuple[Component, ...]]] = {
    TransactionType.REPAYMENT: _ORDER,
    TransactionType.REFUND: _REFUND_ORDER,
}


def _require_order(order: tuple[Component, ...]) -> tuple[Component, ...]:
    if sorted(order, key=lambda c: c.value) != sorted(Component, key=lambda c: c.value):
        raise ValidationError(f"an allocation order names every component once, not {order}")
    return order


@attrs.frozen
class ProductSettings:
    """The credit product's rules for a plan (the defaults are the issue's)."""

    penalty_rate_per_day: Decimal = Decimal("0.0005")
    payoff_fees: PayoffFees = PayoffFees.WAIVE
    repayment_order: tuple[Component, ...] = _ORDER
    refund_order: tuple[Component, ...] = _REFUND_ORDER
    #: days after a due date during which no penalty accrues; from the day after, it
    #: accrues on the days past the grace period only (the grace days stay free)
    grace_days: int = 0

    def __attrs_post_init__(self) -> None:
        rate = self.penalty_rate_per_day
        if not isinstance(rate, Decimal) or not rate.is_finite() or rate < 0:
            raise ValidationError(f"penalty_rate_per_day must be a Decimal >= 0, not {rate!r}")
        grace = self.grace_days
        if isinstance(grace, bool) or not isinstance(grace, int) or not 0 <= grace <= 366:
            raise ValidationError(
                f"grace_days must be a whole number of days 0..366, not {grace!r}"
            )
        if not isinstance(self.payoff_fees, PayoffFees):
            raise ValidationError(f"payoff_fees must be a PayoffFees, not {self.payoff_fees!r}")
        _require_order(self.repayment_order)
        _require_order(self.refund_order)

    def order_for(self, kind: TransactionType) -> tuple[Component, ...]:
        return self.repayment_order if kind is TransactionType.REPAYMENT else self.refund_order


# -- values ----------------------------------------------------------------------------


@attrs.frozen
class Installment:
    """One row as charged and paid so far, in minor units.

    The charged amounts start as the schedule's; a payoff, prepayment or refund may lower
    the interest and fee of rows not yet due (waived or cancelled), never below what was
    paid. ``period_start`` is the previous due date (the plan's start for the first row).
    """

    number: int
    period_start: date
    due: date
    principal: int
    interest: int
    fee: int
    penalty: int = 0
    paid_principal: int = 0
    paid_interest: int = 0
    paid_fee: int = 0
    paid_penalty: int = 0

    def charged(self, component: Component) -> int:
        if component is Component.PRINCIPAL:
            return self.principal
        if component is Component.INTEREST:
            return self.interest
        if component is Component.FEE:
            return self.fee
        return self.penalty

    def paid(self, component: Component) -> int:
        if component is Component.PRINCIPAL:
            return self.paid_principal
        if component is Component.INTEREST:
            return self.paid_interest
        if component is Component.FEE:
            return self.paid_fee
        return self.paid_penalty

    def owed(self, component: Component) -> int:
        return self.charged(component) - self.paid(component)

    @property
    def owed_total(self) -> int:
        return self.overdue_base + self.penalty - self.paid_penalty

    @property
    def overdue_base(self) -> int:
        """What a late penalty accrues on: unpaid principal, interest and fee."""
        return (
            self.principal
            + self.interest
            + self.fee
            - self.paid_principal
            - self.paid_interest
            - self.paid_fee
        )

    @property
    def settled(self) -> bool:
        return self.owed_total == 0

    @property
    def period_days(self) -> int:
        return (self.due - self.period_start).days

    def pay(self, component: Component, units: int) -> Installment:
        if component is Component.PRINCIPAL:
            return attrs.evolve(self, paid_principal=self.paid_principal + units)
        if component is Component.INTEREST:
            return attrs.evolve(self, paid_interest=self.paid_interest + units)
        if component is Component.FEE:
            return attrs.evolve(self, paid_fee=self.paid_fee + units)
        return attrs.evolve(self, paid_penalty=self.paid_penalty + units)


@attrs.frozen
class _PerComponent:
    """An amount of each component of the installments."""

    principal: Money
    interest: Money
    fee: Money
    penalty: Money

    @property
    def _sum(self) -> Money:
        return self.principal + self.interest + self.fee + self.penalty


@attrs.frozen
class Allocation(_PerComponent):
    """Where a payment went; ``unapplied`` is what no installment needed."""

    unapplied: Money

    @property
    def applied(self) -> Money:
        return self._sum


@attrs.frozen
class PayoffQuote(_PerComponent):
    """What paying the plan off on ``on`` costs (per component), and what it waives.

    ``interest_credited`` is interest paid early for days after ``on`` (an installment
    paid before its due date): it is credited back, so the components are what is left
    to pay after it."""

    on: date
    waived_interest: Money
    waived_fee: Money
    interest_credited: Money

    @property
    def total(self) -> Money:
        return self._sum


@attrs.frozen
class RefundOutcome:
    """What an after-sales refund did to the plan."""

    allocation: Allocation  # ``unapplied`` is the overpayment returned to the customer
    cancelled_interest: Money
    cancelled_fee: Money
    closed: bool

    @property
    def overpayment(self) -> Money:
        return self.allocation.unapplied


@attrs.define
class _Waived:
    """A payoff's waived interest and fee, the interest it credits back and the part of
    that credit no component needed (all in minor units)."""

    interest: int = 0
    fee: int = 0
    credited: int = 0
    left: int = 0


# -- events ----------------------------------------------------------------------------


@attrs.frozen
class InstallmentPlanOpened(DomainEvent):
    plan_id: PlanId
    customer_id: CustomerId
    order_id: OrderId
    principal: Money
    term_months: int
    method: ScheduleMethod
    apr: Decimal
    fee_payer: FeePayer
    payer_cost: Money  # interest or fees a merchant or the platform pays (interest-free)


@attrs.frozen
class InstallmentPlanActivated(DomainEvent):
    plan_id: PlanId
    funder_id: str


@attrs.frozen
class InstallmentPlanCancelled(DomainEvent):
    plan_id: PlanId
    order_id: OrderId
    reason: str


@attrs.frozen
class PenaltyAccrued(DomainEvent):
    plan_id: PlanId
    penalty: Money
    through: date


@attrs.frozen
class InstallmentRepaid(DomainEvent):
    plan_id: PlanId
    on: date
    principal: Money
    interest: Money
    fee: Money
    penalty: Money
    unapplied: Money


@attrs.frozen
class InstallmentPrepaid(DomainEvent):
    plan_id: PlanId
    on: date
    mode: PrepaymentMode
    principal: Money
    interest: Money
    next_installment: Money
    installments_left: int


@attrs.frozen
class InstallmentPlanPaidOff(DomainEvent):
    plan_id: PlanId
    on: date
    waived_interest: Money
    waived_fee: Money


@attrs.frozen
class InstallmentPlanRefunded(DomainEvent):
    plan_id: PlanId
    on: date
    refund: Money
    principal: Money
    cancelled_interest: Money
    cancelled_fee: Money
    overpayment: Money


@attrs.frozen
class InstallmentPlanClosed(DomainEvent):
    plan_id: PlanId
    order_id: OrderId
    on: date


# -- the aggregate ---------------------------------------------------------------------


class PlanState(enum.Enum):
    PENDING_FUNDING = "pending_funding"
    ACTIVE = "active"
    PAID_OFF = "paid_off"
    CLOSED = "closed"  # closed by an after-sales refund
    CANCELLED = "cancelled"  # never funded: the order closes

    @property
    def is_open(self) -> bool:
        return self in (PlanState.PENDING_FUNDING, PlanState.ACTIVE)


_S = PlanState
PLAN_FLOW: Final = StateMachine[PlanState](
    "installment plan",
    [
        (_S.PENDING_FUNDING, "activate", _S.ACTIVE),
        (_S.PENDING_FUNDING, "cancel", _S.CANCELLED),
        (_S.ACTIVE, "accrue", _S.ACTIVE),
        (_S.ACTIVE, "repay", _S.ACTIVE),
        (_S.ACTIVE, "prepay", _S.ACTIVE),
        (_S.ACTIVE, "refund", _S.ACTIVE),
        (_S.ACTIVE, "settle", _S.PAID_OFF),
        (_S.ACTIVE, "close", _S.CLOSED),
        (_S.PAID_OFF, "refund", _S.PAID_OFF),
    ],
)


def _rows_of(schedule: Schedule, due_dates: Sequence[date] | None) -> list[Installment]:
    """The schedule's rows as installments, due on ``due_dates`` when given (the schedule's
    dates moved off non-working days: never earlier, still increasing)."""
    scheduled = [row.due for row in schedule.rows]
    dues = scheduled if due_dates is None else list(due_dates)
    if len(dues) != len(scheduled) or any(
        not isinstance(due, date) or due < planned
        for due, planned in zip(dues, scheduled, strict=False)
    ):
        raise InvalidPlan(f"due dates {dues} do not follow the schedule's {scheduled}")
    if any(later <= earlier for earlier, later in itertools.pairwise(dues)):
        raise InvalidPlan(f"due dates {dues} are not increasing")
    start = schedule.terms.start
    rows: list[Installment] = []
    for row, due in zip(schedule.rows, dues, strict=True):
        rows.append(
            Installment(
                row.number,
                start,
                due,
                row.principal_minor,
                row.interest_minor,
                row.fee_minor,
            )
        )
        start = due
    return rows


@attrs.define(kw_only=True)
class InstallmentPlan(Aggregate):
    """One order financed in installments (see the module docstring for the rules).

    ``schedule`` is the plan as disclosed (it never changes); ``installments`` are the
    rows as charged and paid now. With a :class:`FeePayer` other than the customer the
    customer's schedule is interest-free and ``payer_cost`` is what the payer owes.
    """

    id: PlanId
    customer_id: CustomerId
    order_id: OrderId
    schedule: Schedule
    product: ProductSettings
    fee_payer: FeePayer = FeePayer.CUSTOMER
    payer_cost: Money
    status: PlanState = PlanState.PENDING_FUNDING
    installments: list[Installment] = flat_field(list)
    funder_id: str | None = None
    last_transaction_on: date
    refunded_minor: int = 0

    @classmethod
    def open(
        cls,
        plan_id: PlanId,
        customer_id: CustomerId,
        order_id: OrderId,
        schedule: Schedule,
        *,
        product: ProductSettings,
        fee_payer: FeePayer = FeePayer.CUSTOMER,
        payer_cost: Money | None = None,
        due_dates: Sequence[date] | None = None,
    ) -> InstallmentPlan:
        """Open the plan of ``schedule``; ``due_dates`` moves its due dates (off
        non-working days, :func:`merx.installments.ports.working_due_dates`), the amounts
        staying the schedule's."""
        currency = schedule.currency
        cost = payer_cost if payer_cost is not None else Money.zero(currency)
        if cost.currency != currency:
            raise CurrencyMismatch(f"payer cost {cost} is not in the plan's {currency}")
        if fee_payer is FeePayer.CUSTOMER and not cost.is_zero():
            raise ValidationError("a plan the customer pays for has no payer cost")
        plan = cls(
            id=plan_id,
            customer_id=customer_id,
            order_id=order_id,
            schedule=schedule,
            product=product,
            fee_payer=fee_payer,
            payer_cost=cost,
            installments=_rows_of(schedule, due_dates),
            last_transaction_on=schedule.terms.start,
        )
        plan.record(
            InstallmentPlanOpened(
                plan_id,
                customer_id,
                order_id,
                schedule.terms.principal,
                schedule.terms.term_months,
                schedule.terms.method,
                schedule.apr,
                fee_payer,
                cost,
            )
        )
        return plan

    # -- views -------------------------------------------------------------------------

    @property
    def currency(self) -> str:
        return self.schedule.currency

    @property
    def terms(self) -> InstallmentTerms:
        return self.schedule.terms

    @property
    def principal(self) -> Money:
        return self.terms.principal

    def _money(self, units: int) -> Money:
        return Money.from_minor(units, self.currency)

    @property
    def outstanding_principal_minor(self) -> int:
        return sum(row.principal - row.paid_principal for row in self.installments)

    @property
    def outstanding_principal(self) -> Money:
        return self._money(self.outstanding_principal_minor)

    @property
    def outstanding(self) -> Money:
        """Everything charged and not paid (future interest and fees included)."""
        return self._money(sum(row.owed_total for row in self.installments))

    def total_paid(self, component: Component) -> Money:
        return self._money(sum(row.paid(component) for row in self.installments))

    def total_charged(self, component: Component) -> Money:
        return self._money(sum(row.charged(component) for row in self.installments))

    @property
    def is_settled(self) -> bool:
        return all(row.settled for row in self.installments)

    def _current_index(self, on: date) -> int | None:
        """The first unsettled row not yet due on ``on`` (the current period)."""
        for index, row in enumerate(self.installments):
            if row.due > on and not row.settled:
                return index
        return None

    def owing(self, on: date) -> tuple[tuple[int, date, int], ...]:
        """What a repayment on ``on`` pays, in the order it pays it: ``(number, due,
        owed_minor)`` of each unsettled row due on or before ``on`` (penalties to ``on``
        included), then of the current installment."""
        self._check_date(on)
        penalties = self._penalty_increments(on)
        current = self._current_index(on)
        return tuple(
            (row.number, row.due, row.owed_total + penalties[index])
            for index, row in enumerate(self.installments)
            if (row.due <= on or index == current) and row.owed_total + penalties[index]
        )

    def amount_due(self, on: date) -> Money:
        """What a repayment on ``on`` would take: due rows (with penalties to ``on``) and
        the current installment."""
        return self._money(sum(owed for _, _, owed in self.owing(on)))

    def has_overdue(self, on: date) -> bool:
        """Whether an installment due before ``on`` is unpaid (a penalty accrues)."""
        for row in self.installments:
            if row.due >= on:
                return False
            if row.overdue_base:
                return True
        return False

    def overdue(self, on: date) -> Money:
        """Unpaid principal, interest and fee of rows due before ``on``."""
        return self._money(sum(r.overdue_base for r in self.installments if r.due < on))

    # -- checks ------------------------------------------------------------------------

    def _check_date(self, on: date) -> None:
        require_date(on, "transaction date", InvalidPlan)
        if on < self.last_transaction_on:
            raise BackdatedTransaction(
                f"plan {self.id}: {on} is before its last transaction on {self.last_transaction_on}"
            )

    def _check_amount(self, amount: Money, what: str, *, zero: bool = False) -> int:
        """``amount`` in minor units: a positive Money (or zero, when ``zero``) in the
        plan's currency."""
        if not isinstance(amount, Money) or not (
            amount.is_positive() or (zero and amount.is_zero())
        ):
            kind = "a Money >= 0" if zero else "a positive Money"
            raise InvalidAmount(f"{what} must be {kind}, not {amount!r}")
        if amount.currency != self.currency:
            raise CurrencyMismatch(f"{what} {amount} is not in the plan's {self.currency}")
        return amount.minor

    # -- penalties ---------------------------------------------------------------------

    def _penalty_increments(self, on: date) -> list[int]:
        a, b = self.product.penalty_rate_per_day.as_integer_ratio()
        since = self.last_transaction_on
        grace = timedelta(days=self.product.grace_days)
        increments: list[int] = []
        for row in self.installments:
            base = row.overdue_base
            start = max(row.due + grace, since)
            days = (on - start).days
            increments.append(div_half_up(base * a * days, b) if base > 0 and days > 0 and a else 0)
        return increments

    def _accrue(self, on: date) -> None:
        """Add penalties to ``on`` and move the plan's transaction date (no checks)."""
        increments = self._penalty_increments(on)
        total = sum(increments)
        if total:
            self.installments = [
                attrs.evolve(row, penalty=row.penalty + inc) if inc else row
                for row, inc in zip(self.installments, increments, strict=True)
            ]
            self.record(PenaltyAccrued(self.id, self._money(total), on))
        self.last_transaction_on = on

    def accrue_penalties(self, on: date) -> Money:
        """Accrue late penalties up to ``on`` (a bill run does this); returns the amount."""
        self._check_date(on)
        before = sum(row.penalty for row in self.installments)
        if self.status is PlanState.ACTIVE:
            PLAN_FLOW.target(self.status, "accrue")
            self._accrue(on)
        return self._money(sum(row.penalty for row in self.installments) - before)

    # -- life cycle --------------------------------------------------------------------

    def activate(self, funder_id: str) -> bool:
        """``funder_id`` funded the plan: its schedule runs. Returns False, changing nothing,
        for a replay (already active, funded by the same funder)."""
        if not isinstance(funder_id, str) or not funder_id:
            raise ValidationError(f"funder id must be a non-empty string, not {funder_id!r}")
        if self.status is PlanState.ACTIVE and self.funder_id == funder_id:
            return False
        PLAN_FLOW.target(self.status, "activate")
        self.funder_id = funder_id
        PLAN_FLOW.move(self, "activate", InstallmentPlanActivated(self.id, funder_id))
        return True

    def cancel(self, reason: str) -> bool:
        """Funding failed: the plan ends before it began. Returns False, changing nothing,
        for a replay (already cancelled)."""
        if self.status is PlanState.CANCELLED:
            return False
        PLAN_FLOW.target(self.status, "cancel")
        PLAN_FLOW.move(self, "cancel", InstallmentPlanCancelled(self.id, self.order_id, reason))
        return True

    # -- repayment ---------------------------------------------------------------------

    def _allocate(
        self, units: int, indexes: Sequence[int], order: tuple[Component, ...]
    ) -> dict[Component, int]:
        """Pay ``units`` into the rows at ``indexes``, row by row, in ``order``."""
        paid = dict.fromkeys(Component, 0)
        rows = self.installments
        for index in indexes:
            row = rows[index]
            for component in order:
                if not units:
                    break
                take = min(units, row.owed(component))
                if take > 0:
                    row = row.pay(component, take)
                    paid[component] += take
                    units -= take
            rows[index] = row
        return paid

    def _allocation(self, paid: Mapping[Component, int], unapplied: int) -> Allocation:
        return Allocation(
            self._money(paid[Component.PRINCIPAL]),
            self._money(paid[Component.INTEREST]),
            self._money(paid[Component.FEE]),
            self._money(paid[Component.PENALTY]),
            self._money(unapplied),
        )

    def repay(
        self, amount: Money, on: date, kind: TransactionType = TransactionType.REPAYMENT
    ) -> Allocation:
        """Pay ``amount`` on ``on``: due rows oldest first, then the current installment."""
        units = self._check_amount(amount, "repayment")
        self._check_date(on)
        PLAN_FLOW.target(self.status, "repay")
        self._accrue(on)
        current = self._current_index(on)
        indexes = [i for i, row in enumerate(self.installments) if row.due <= on or i == current]
        paid = self._allocate(units, indexes, self.product.order_for(kind))
        unapplied = units - sum(paid.values())
        allocation = self._allocation(paid, unapplied)
        PLAN_FLOW.move(
            self,
            "repay",
            InstallmentRepaid(
                self.id,
                on,
                allocation.principal,
                allocation.interest,
                allocation.fee,
                allocation.penalty,
                allocation.unapplied,
            ),
        )
        if self.is_settled:
            PLAN_FLOW.move(self, "settle", InstallmentPlanPaidOff(self.id, on, *self._zeros(2)))
        return allocation

    def _zeros(self, n: int) -> list[Money]:
        return [Money.zero(self.currency)] * n

    # -- payoff ------------------------------------------------------------------------

    def _accrued_interest(self, row: Installment, on: date) -> int:
        """The row's interest for its period up to ``on``, pro rata by days, half up."""
        if on <= row.period_start:
            return 0
        if on >= row.due or row.period_days <= 0:
            return row.interest
        return div_half_up(row.interest * (on - row.period_start).days, row.period_days)

    def _payoff_rows(self, on: date) -> tuple[list[Installment], dict[Component, int], _Waived]:
        """The rows as a payoff on ``on`` would leave them charged (not yet paid), the
        amounts still to pay per component (after the credited interest) and what the
        payoff waives and credits back.

        A row not yet due is charged its interest accrued to ``on`` (nothing for a period
        that has not begun); what was paid on it beyond that, an installment paid early,
        is credited back: it pays the payoff's other components in the repayment order,
        and what they do not need is returned unapplied."""
        penalties = self._penalty_increments(on)
        charge_fees = self.product.payoff_fees is PayoffFees.CHARGE
        rows: list[Installment] = []
        to_pay = dict.fromkeys(Component, 0)
        waived = _Waived()
        for index, original in enumerate(self.installments):
            row = attrs.evolve(original, penalty=original.penalty + penalties[index])
            if row.due > on:
                interest = self._accrued_interest(row, on)
                credited = max(0, row.paid_interest - interest)
                fee = row.fee if charge_fees else row.paid_fee
                waived.interest += row.interest - max(interest, row.paid_interest)
                waived.fee += row.fee - fee
                waived.credited += credited
                row = attrs.evolve(
                    row, interest=interest, fee=fee, paid_interest=row.paid_interest - credited
                )
            for component in Component:
                to_pay[component] += row.owed(component)
            rows.append(row)
        credit = waived.credited
        for component in self.product.order_for(TransactionType.REPAYMENT):
            take = min(credit, to_pay[component])
            to_pay[component] -= take
            credit -= take
        waived.left = credit
        return rows, to_pay, waived

    def payoff_quote(self, on: date) -> PayoffQuote:
        """What paying the whole plan off on ``on`` costs (nothing changes)."""
        self._check_date(on)
        PLAN_FLOW.target(self.status, "settle")
        _, to_pay, waived = self._payoff_rows(on)
        return PayoffQuote(
            principal=self._money(to_pay[Component.PRINCIPAL]),
            interest=self._money(to_pay[Component.INTEREST]),
            fee=self._money(to_pay[Component.FEE]),
            penalty=self._money(to_pay[Component.PENALTY]),
            on=on,
            waived_interest=self._money(waived.interest),
            waived_fee=self._money(waived.fee),
            interest_credited=self._money(waived.credited),
        )

    def pay_off(self, amount: Money, on: date) -> Allocation:
        """Pay the whole plan off on ``on``; ``amount`` beyond the quote is unapplied."""
        # zero pays off a plan whose credited interest covers what is left
        units = self._check_amount(amount, "payoff amount", zero=True)
        quote = self.payoff_quote(on)
        if units < quote.total.minor:
            raise PayoffShortfall(
                f"plan {self.id}: paying off on {on} takes {quote.total}, got {amount}"
            )
        rows, to_pay, waived = self._payoff_rows(on)
        accrued = sum(row.penalty for row in rows) - sum(r.penalty for r in self.installments)
        if accrued:
            self.record(PenaltyAccrued(self.id, self._money(accrued), on))
        self.installments = [
            attrs.evolve(
                row,
                paid_principal=row.principal,
                paid_interest=row.interest,
                paid_fee=row.fee,
                paid_penalty=row.penalty,
            )
            for row in rows
        ]
        self.last_transaction_on = on
        allocation = self._allocation(to_pay, units - quote.total.minor + waived.left)
        self.record(
            InstallmentRepaid(
                self.id,
                on,
                allocation.principal,
                allocation.interest,
                allocation.fee,
                allocation.penalty,
                allocation.unapplied,
            )
        )
        PLAN_FLOW.move(
            self,
            "settle",
            InstallmentPlanPaidOff(
                self.id, on, self._money(waived.interest), self._money(waived.fee)
            ),
        )
        return allocation

    # -- prepayment and rescheduling -------------------------------------------------------

    def _rebuilt(
        self, on: date, reduction: int, mode: PrepaymentMode
    ) -> tuple[int, int, list[Installment]]:
        """The current row's index, its interest accrued to ``on`` and the rows from it on
        rebuilt on their outstanding principal less ``reduction`` (which must leave some).
        Raises :class:`InvalidPlan` (before any change) if the rest cannot be scheduled."""
        current = self._current_index(on)
        assert current is not None, "callers check that a current installment exists"
        first = self.installments[current]
        future = self.installments[current:]
        accrued = self._accrued_interest(first, on)
        balance = sum(row.principal - row.paid_principal for row in future) - reduction
        terms = self.terms
        days_left = (first.due - max(on, first.period_start)).days
        fraction = (days_left, first.period_days) if first.period_days > 0 else (1, 1)
        if mode is PrepaymentMode.REDUCE_INSTALLMENT:
            how = Reschedule(first_fraction=fraction)
        elif terms.method is ScheduleMethod.EQUAL_INSTALLMENT:
            how = Reschedule(
                first_fraction=fraction,
                payment_minor=first.principal + first.interest + first.fee,
            )
        else:
            how = Reschedule(
                first_fraction=fraction,
                principal_minor=first.principal,
                fees_minor=tuple(row.fee for row in future),
            )
        rows = amortize(
            balance,
            terms.method,
            terms.rate,
            [row.due for row in future],
            self.currency,
            first_number=first.number,
            how=how,
        )
        rebuilt: list[Installment] = []
        start = first.period_start
        for row in rows:
            rebuilt.append(
                Installment(
                    row.number,
                    start,
                    row.due,
                    row.principal_minor,
                    row.interest_minor + (accrued if row.number == first.number else 0),
                    row.fee_minor,
                )
            )
            start = row.due
        return current, accrued, rebuilt

    def prepay(
        self,
        amount: Money,
        on: date,
        mode: PrepaymentMode = PrepaymentMode.REDUCE_INSTALLMENT,
    ) -> Allocation:
        """Pay part of the principal early (see the module docstring)."""
        units = self._check_amount(amount, "prepayment")
        self._check_date(on)
        PLAN_FLOW.target(self.status, "prepay")
        if not isinstance(mode, PrepaymentMode):
            raise ValidationError(f"mode must be a PrepaymentMode, not {mode!r}")
        if any(row.due <= on and not row.settled for row in self.installments):
            raise PaymentDueFirst(
                f"plan {self.id}: {self.amount_due(on)} is due on {on}; pay it before prepaying"
            )
        current = self._current_index(on)
        if current is None:
            raise PrepaymentNotAllowed(f"plan {self.id} has nothing left to prepay")
        first = self.installments[current]
        if first.paid_principal or first.paid_interest or first.paid_fee:
            raise PrepaymentNotAllowed(
                f"plan {self.id}: installment {first.number} is partly paid; pay it in full "
                "or pay the plan off"
            )
        accrued = self._accrued_interest(first, on)
        principal = units - accrued
        outstanding = self.outstanding_principal_minor
        if principal <= 0:
            raise PrepaymentNotAllowed(
                f"plan {self.id}: {amount} does not cover the interest "
                f"{self._money(accrued)} accrued to {on}"
            )
        if principal >= outstanding:
            raise PrepaymentTooLarge(
                f"plan {self.id}: {amount} would repay the whole principal "
                f"{self._money(outstanding)}; pay the plan off instead"
            )
        current, accrued, future = self._rebuilt(on, principal, mode)
        # the prepaid principal is booked on the current row, charged and paid, so the
        # rows still sum to the plan's principal
        head = future[0]
        future[0] = attrs.evolve(
            head,
            principal=head.principal + principal,
            paid_principal=principal,
            paid_interest=accrued,
        )
        rows = [*self.installments[:current], *future]
        self.installments = rows
        self.last_transaction_on = on
        allocation = Allocation(
            self._money(principal),
            self._money(accrued),
            *self._zeros(3),
        )
        next_row = rows[current]
        PLAN_FLOW.move(
            self,
            "prepay",
            InstallmentPrepaid(
                self.id,
                on,
                mode,
                allocation.principal,
                allocation.interest,
                self._money(next_row.overdue_base),
                len(rows) - current,
            ),
        )
        return allocation

    # -- after-sales refund --------------------------------------------------------------

    def refund(self, amount: Money, on: date) -> RefundOutcome:
        """An after-sales refund of ``amount`` on ``on`` (see the module docstring)."""
        units = self._check_amount(amount, "refund")
        self._check_date(on)
        PLAN_FLOW.target(self.status, "refund")
        refundable = self.principal.minor - self.refunded_minor
        if units > refundable:
            raise RefundExceedsPrincipal(
                f"plan {self.id}: refund {amount} exceeds the {self._money(refundable)} "
                "left to refund"
            )
        zero = Money.zero(self.currency)
        if self.status is PlanState.PAID_OFF:
            self.refunded_minor += units
            self.last_transaction_on = on
            outcome = RefundOutcome(Allocation(zero, zero, zero, zero, amount), zero, zero, False)
            self.record(self._refunded_event(on, amount, outcome))
            return outcome
        outstanding = self.outstanding_principal_minor
        order = self.product.order_for(TransactionType.REFUND)
        cancelled_interest = cancelled_fee = 0
        due_indexes = [i for i, row in enumerate(self.installments) if row.due <= on]
        due_principal = sum(self.installments[i].owed(Component.PRINCIPAL) for i in due_indexes)
        reduction = units - min(units, due_principal)
        rebuilt: tuple[int, list[Installment], int] | None = None
        if units < outstanding and reduction:
            rebuilt = self._rebuilt_keeping_payments(on, reduction)  # may refuse: no change yet
        self._accrue(on)
        excess = 0
        if units >= outstanding:
            principal = outstanding
            rows: list[Installment] = []
            for original in self.installments:
                row = attrs.evolve(original, paid_principal=original.principal)
                if row.due > on:
                    cancelled_interest += row.interest - row.paid_interest
                    cancelled_fee += row.fee - row.paid_fee
                    row = attrs.evolve(row, interest=row.paid_interest, fee=row.paid_fee)
                rows.append(row)
            self.installments = rows
            billed = [c for c in order if c is not Component.PRINCIPAL]
            paid = self._allocate(units - principal, due_indexes, tuple(billed))
            paid[Component.PRINCIPAL] = principal
        else:
            paid = self._allocate(units - reduction, due_indexes, (Component.PRINCIPAL,))
            if rebuilt is not None:
                current, future, excess = rebuilt
                self.installments = [*self.installments[:current], *future]
                paid[Component.PRINCIPAL] += reduction
        self.refunded_minor += units
        unapplied = units - sum(paid.values()) + excess
        outcome = RefundOutcome(
            self._allocation(paid, unapplied),
            self._money(cancelled_interest),
            self._money(cancelled_fee),
            self.is_settled,
        )
        PLAN_FLOW.move(self, "refund", self._refunded_event(on, amount, outcome))
        if outcome.closed:
            PLAN_FLOW.move(self, "close", InstallmentPlanClosed(self.id, self.order_id, on))
        return outcome

    def _rebuilt_keeping_payments(
        self, on: date, reduction: int
    ) -> tuple[int, list[Installment], int]:
        """The rows from the current one rebuilt on a principal ``reduction`` (a partial
        refund), and the advance payments no rebuilt row needs (returned as overpayment).

        The current row keeps its interest accrued to ``on``; the refunded principal and
        any principal paid ahead are booked on it as charged and paid (so the rows still sum
        to the plan's principal); interest and fees paid ahead stay on their rows."""
        current, _, future = self._rebuilt(on, reduction, PrepaymentMode.REDUCE_INSTALLMENT)
        old = self.installments[current:]
        ahead = sum(row.paid_principal for row in old)
        excess = 0
        for offset, before in enumerate(old):
            if offset >= len(future):
                excess += before.paid_interest + before.paid_fee
                continue
            row = future[offset]
            booked = reduction + ahead if offset == 0 else 0
            future[offset] = attrs.evolve(
                row,
                principal=row.principal + booked,
                interest=max(row.interest, before.paid_interest),
                fee=max(row.fee, before.paid_fee),
                paid_principal=booked,
                paid_interest=before.paid_interest,
                paid_fee=before.paid_fee,
            )
        return current, future, excess

    def _refunded_event(
        self, on: date, amount: Money, outcome: RefundOutcome
    ) -> InstallmentPlanRefunded:
        return InstallmentPlanRefunded(
            self.id,
            on,
            amount,
            outcome.allocation.principal,
            outcome.cancelled_interest,
            outcome.cancelled_fee,
            outcome.overpayment,
        )
