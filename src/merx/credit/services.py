"""Credit use cases: apply, grade, limits, installment purchases, repayment, bills, refunds.

Each handler is ``handler(cmd, uow, *, clock=..., ...)``: it loads the customer's
:class:`CreditAccount` and plans, calls the model, saves and commits. Business dates are
the date of the clock's instant in its own zone. Every change to a plan's outstanding
principal restores the limit by exactly that much in the same commit, so
``account.used == sum(plan.outstanding_principal)`` over the customer's open plans.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import attrs

from merx.credit.bills import Bill, bill_id, next_statement
from merx.credit.limits import (
    Consent,
    CreditAccount,
    CreditApplication,
    CreditDeclined,
    Identity,
    LimitPosition,
    PurchaseTerms,
    TermOffer,
    statement_date,
)
from merx.credit.plan import (
    Allocation,
    FeePayer,
    InstallmentPlan,
    PayoffQuote,
    PlanId,
    PlanState,
    PrepaymentMode,
    ProductSettings,
    RefundOutcome,
    TransactionType,
)
from merx.credit.ports import CreditScorer, ScoringFacts
from merx.credit.schedule import InstallmentTerms, Schedule, build_schedule
from merx.kernel.bus import Command
from merx.kernel.clock import Clock
from merx.kernel.errors import InvalidAmount, NotFound, ValidationError
from merx.kernel.ids import CustomerId, IdSource, OrderId
from merx.kernel.money import Money
from merx.kernel.uow import UnitOfWork


def _today(clock: Clock) -> date:
    return clock.now().date()


# -- commands: applications and limits -------------------------------------------------


@attrs.frozen
class ApplicationDecision:
    application_id: str
    approved: bool
    grade: str
    limit: Money
    reasons: tuple[str, ...] = ()


@attrs.frozen
class ApplyForCredit(Command[ApplicationDecision]):
    """A customer asks for a credit limit, with their identity and consent."""

    customer_id: CustomerId
    identity: Identity
    consent: Consent
    facts: ScoringFacts
    statement_day: int = 1


@attrs.frozen
class ReassessCredit(Command[Money]):
    """Grade the customer again; the limit rises if the new grade earns more (never falls
    here: a decrease is a risk decision, :class:`ChangeCreditLimit`)."""

    customer_id: CustomerId
    facts: ScoringFacts


@attrs.frozen
class ChangeCreditLimit(Command[None]):
    customer_id: CustomerId
    limit: Money
    reason: str


@attrs.frozen
class GrantTemporaryLimit(Command[None]):
    customer_id: CustomerId
    amount: Money
    expires_on: date
    reason: str


@attrs.frozen
class GrantSpecialLimit(Command[None]):
    """A limit usable only in ``scope`` (a campaign, a merchant) until ``expires_on``."""

    customer_id: CustomerId
    scope: str
    amount: Money
    expires_on: date
    reason: str


@attrs.frozen
class FreezeCreditAccount(Command[None]):
    """A risk event: no purchase may draw on the limit until it is unfrozen."""

    customer_id: CustomerId
    reason: str


@attrs.frozen
class UnfreezeCreditAccount(Command[None]):
    customer_id: CustomerId


# -- commands: purchases and plans -------------------------------------------------------


@attrs.frozen
class PurchaseOnInstallment(Command[PlanId]):
    """At payment: review the option in real time, deduct the limit and open the plan,
    pending funding. A replay for the same order and payload returns the same plan.

    ``fee_payer`` MERCHANT or PLATFORM makes the plan interest-free for the customer;
    the payer's cost (the interest or fees of the priced plan) is recorded on the plan.
    """

    customer_id: CustomerId
    order_id: OrderId
    principal: Money
    term_months: int
    fee_payer: FeePayer = FeePayer.CUSTOMER
    scope: str | None = None


@attrs.frozen
class ActivateInstallmentPlan(Command[None]):
    """The plan was funded by ``funder_id``: its schedule runs."""

    plan_id: PlanId
    funder_id: str


@attrs.frozen
class CancelInstallmentPlan(Command[Money]):
    """Nothing funded the plan: close it and restore the limit (returns the amount)."""

    plan_id: PlanId
    reason: str


@attrs.frozen
class RepayInstallmentPlan(Command[Allocation]):
    """Pay into one plan; what it does not need is held as credit on the account."""

    plan_id: PlanId
    amount: Money
    kind: TransactionType = TransactionType.REPAYMENT


@attrs.frozen
class CustomerRepayment:
    """A repayment across the customer's plans."""

    allocations: tuple[tuple[PlanId, Allocation], ...]
    held: Money
    bills_paid: tuple[str, ...]


@attrs.frozen
class RepayCredit(Command[CustomerRepayment]):
    """The customer pays their bill: plans with the oldest due installment first; what
    no plan needs is held as credit."""

    customer_id: CustomerId
    amount: Money


@attrs.frozen
class PayOffInstallmentPlan(Command[Allocation]):
    plan_id: PlanId
    amount: Money


@attrs.frozen
class PrepayInstallmentPlan(Command[Allocation]):
    plan_id: PlanId
    amount: Money
    mode: PrepaymentMode = PrepaymentMode.REDUCE_INSTALLMENT


@attrs.frozen
class RefundInstallmentOrder(Command[RefundOutcome]):
    """After-sales refunded ``amount`` of an installment order: it pays the plan down;
    the outcome's ``overpayment`` is held on the account for the customer, to be paid out
    with :class:`RefundHeldCredit`."""

    customer_id: CustomerId
    order_id: OrderId
    amount: Money


@attrs.frozen
class RefundHeldCredit(Command[Money]):
    """Return the overpayment held on the account to the customer (returns the amount)."""

    customer_id: CustomerId


@attrs.frozen
class BillRun:
    statement_date: date
    bills: int
    total: Money | None
    credit_applied: Money | None


@attrs.frozen
class RunBills(Command[BillRun]):
    """Draw up today's bills: every account whose statement day is today (clamped to the
    month's end), with held credit applied and penalties accrued first."""


# -- handlers: applications and limits ---------------------------------------------------


def apply_for_credit(
    cmd: ApplyForCredit, uow: UnitOfWork, *, clock: Clock, ids: IdSource, scorer: CreditScorer
) -> ApplicationDecision:
    application = CreditApplication.submit(
        ids.next_id("capp"), cmd.customer_id, cmd.identity, cmd.consent
    )
    if cmd.facts.customer_id != cmd.customer_id:
        raise ValidationError(
            f"scoring facts are about {cmd.facts.customer_id!r}, not {cmd.customer_id!r}"
        )
    if uow.repo(CreditAccount).find(cmd.customer_id) is not None:
        raise ValidationError(
            f"customer {cmd.customer_id!r} already has a credit account; reassess it instead"
        )
    assessment = scorer.assess(cmd.facts)
    if assessment.approved:
        application.approve(assessment.grade, assessment.limit)
        account = CreditAccount.open(
            cmd.customer_id,
            assessment.grade,
            assessment.pricing,
            assessment.limit,
            cmd.statement_day,
        )
        uow.repo(CreditAccount).add(account)
    else:
        application.reject(assessment.reasons)
    uow.repo(CreditApplication).add(application)
    uow.commit()
    return ApplicationDecision(
        application.id,
        assessment.approved,
        assessment.grade,
        assessment.limit,
        assessment.reasons,
    )


def reassess_credit(cmd: ReassessCredit, uow: UnitOfWork, *, scorer: CreditScorer) -> Money:
    account = uow.repo(CreditAccount).get(cmd.customer_id)
    assessment = scorer.assess(cmd.facts)
    if assessment.approved and assessment.limit > account.base_limit:
        account.regrade(assessment.grade, assessment.pricing)
        account.change_limit(assessment.limit, f"reassessed as grade {assessment.grade}")
        uow.repo(CreditAccount).save(account)
        uow.commit()
    return account.base_limit


def change_credit_limit(cmd: ChangeCreditLimit, uow: UnitOfWork) -> None:
    account = uow.repo(CreditAccount).get(cmd.customer_id)
    account.change_limit(cmd.limit, cmd.reason)
    uow.repo(CreditAccount).save(account)
    uow.commit()


def grant_temporary_limit(cmd: GrantTemporaryLimit, uow: UnitOfWork, *, clock: Clock) -> None:
    account = uow.repo(CreditAccount).get(cmd.customer_id)
    account.grant_temporary(cmd.amount, cmd.expires_on, cmd.reason, _today(clock))
    uow.repo(CreditAccount).save(account)
    uow.commit()


def grant_special_limit(cmd: GrantSpecialLimit, uow: UnitOfWork, *, clock: Clock) -> None:
    account = uow.repo(CreditAccount).get(cmd.customer_id)
    account.grant_special(cmd.scope, cmd.amount, cmd.expires_on, cmd.reason, _today(clock))
    uow.repo(CreditAccount).save(account)
    uow.commit()


def freeze_credit_account(cmd: FreezeCreditAccount, uow: UnitOfWork) -> None:
    account = uow.repo(CreditAccount).get(cmd.customer_id)
    account.freeze(cmd.reason)
    uow.repo(CreditAccount).save(account)
    uow.commit()


def unfreeze_credit_account(cmd: UnfreezeCreditAccount, uow: UnitOfWork) -> None:
    account = uow.repo(CreditAccount).get(cmd.customer_id)
    account.unfreeze()
    uow.repo(CreditAccount).save(account)
    uow.commit()


# -- queries -----------------------------------------------------------------------------


@attrs.frozen
class InstallmentOption:
    """One term the customer may choose at checkout, priced, with its schedule."""

    offer: TermOffer
    schedule: Schedule
    within_limit: bool


def price_plan(
    offer: TermOffer, principal: Money, start: date, fee_payer: FeePayer
) -> tuple[Schedule, Money]:
    """The customer's schedule for ``offer`` and what a merchant or the platform pays.

    For an interest-free plan the customer's schedule charges nothing and the payer's cost
    is the interest and fees of the priced schedule."""
    interest = offer.method.charges_interest
    terms = InstallmentTerms(
        principal=principal,
        term_months=offer.term_months,
        method=offer.method,
        start=start,
        annual_rate=offer.rate if interest else Decimal(0),
        period_fee_rate=Decimal(0) if interest else offer.rate,
    )
    priced = build_schedule(terms)
    if fee_payer is FeePayer.CUSTOMER:
        return priced, Money.zero(principal.currency)
    return build_schedule(terms.free_of_charge()), priced.total_cost


def installment_options(
    uow: UnitOfWork,
    customer_id: CustomerId,
    principal: Money,
    *,
    clock: Clock,
    scope: str | None = None,
    fee_payer: FeePayer = FeePayer.CUSTOMER,
) -> tuple[InstallmentOption, ...]:
    """Installment control at checkout: every term the customer's grade offers for
    ``principal``, priced from today, and whether the limit covers it."""
    account = uow.repo(CreditAccount).get(customer_id)
    today = _today(clock)
    available = account.available_for(today, scope)
    options: list[InstallmentOption] = []
    for offer in sorted(account.pricing.offers, key=lambda o: o.term_months):
        schedule, _ = price_plan(offer, principal, today, fee_payer)
        options.append(InstallmentOption(offer, schedule, principal <= available))
    return tuple(options)


def limit_position(uow: UnitOfWork, customer_id: CustomerId, *, clock: Clock) -> LimitPosition:
    return uow.repo(CreditAccount).get(customer_id).position(_today(clock))


def payoff_quote(uow: UnitOfWork, plan_id: PlanId, *, clock: Clock) -> PayoffQuote:
    return uow.repo(InstallmentPlan).get(plan_id).payoff_quote(_today(clock))


# -- handlers: purchases and plans -------------------------------------------------------


def purchase_on_installment(
    cmd: PurchaseOnInstallment,
    uow: UnitOfWork,
    *,
    clock: Clock,
    ids: IdSource,
    scorer: CreditScorer,
    product: ProductSettings | None = None,
) -> PlanId:
    accounts = uow.repo(CreditAccount)
    account = accounts.get(cmd.customer_id)
    payload = PurchaseTerms(cmd.principal, cmd.term_months, cmd.fee_payer.value, cmd.scope)
    replayed = account.replayed_purchase(cmd.order_id, payload)
    if replayed is not None:
        return replayed
    today = _today(clock)
    offer = account.review(cmd.principal, cmd.term_months, today, cmd.scope)
    check = scorer.check_purchase(cmd.customer_id, cmd.principal, cmd.term_months)
    if not check.approved:
        raise CreditDeclined(
            f"installment purchase of {cmd.principal} for order {cmd.order_id!r} declined: "
            f"{check.reason}"
        )
    schedule, payer_cost = price_plan(offer, cmd.principal, today, cmd.fee_payer)
    plan_id = PlanId(ids.next_id("plan"))
    plan = InstallmentPlan.open(
        plan_id,
        cmd.customer_id,
        cmd.order_id,
        schedule,
        product=product or ProductSettings(),
        fee_payer=cmd.fee_payer,
        payer_cost=payer_cost,
    )
    account.draw(
        plan_id,
        cmd.order_id,
        cmd.principal,
        cmd.term_months,
        on=today,
        scope=cmd.scope,
        payload=payload,
    )
    uow.repo(InstallmentPlan).add(plan)
    accounts.save(account)
    uow.commit()
    return plan_id


def _load(uow: UnitOfWork, plan_id: PlanId) -> tuple[InstallmentPlan, CreditAccount]:
    plan = uow.repo(InstallmentPlan).get(plan_id)
    return plan, uow.repo(CreditAccount).get(plan.customer_id)


def _settle_limit(account: CreditAccount, plan: InstallmentPlan, before_minor: int) -> None:
    """Restore the limit by the principal the plan just repaid; end it if it ended."""
    repaid = before_minor - plan.outstanding_principal_minor
    assert repaid >= 0, (plan.id, before_minor, plan.outstanding_principal_minor)
    if repaid:
        account.restore(plan.id, Money.from_minor(repaid, plan.currency))
    if not plan.status.is_open:
        account.plan_ended(plan.id)


def _save(uow: UnitOfWork, plan: InstallmentPlan, account: CreditAccount) -> None:
    uow.repo(InstallmentPlan).save(plan)
    uow.repo(CreditAccount).save(account)
    uow.commit()


def activate_installment_plan(cmd: ActivateInstallmentPlan, uow: UnitOfWork) -> None:
    plan = uow.repo(InstallmentPlan).get(cmd.plan_id)
    if plan.status is PlanState.ACTIVE and plan.funder_id == cmd.funder_id:
        return  # a replay
    plan.activate(cmd.funder_id)
    uow.repo(InstallmentPlan).save(plan)
    uow.commit()


def cancel_installment_plan(cmd: CancelInstallmentPlan, uow: UnitOfWork) -> Money:
    plan, account = _load(uow, cmd.plan_id)
    if plan.status is PlanState.CANCELLED:
        return Money.zero(plan.currency)  # a replay
    plan.cancel(cmd.reason)
    restored = account.plan_ended(plan.id)
    _save(uow, plan, account)
    return restored


def repay_installment_plan(
    cmd: RepayInstallmentPlan, uow: UnitOfWork, *, clock: Clock
) -> Allocation:
    plan, account = _load(uow, cmd.plan_id)
    before = plan.outstanding_principal_minor
    allocation = plan.repay(cmd.amount, _today(clock), cmd.kind)
    account.hold(allocation.unapplied)
    _settle_limit(account, plan, before)
    _save(uow, plan, account)
    return allocation


def _open_plans(uow: UnitOfWork, account: CreditAccount) -> Iterator[InstallmentPlan]:
    plans = uow.repo(InstallmentPlan)
    for plan_id in list(account.open_plans):
        yield plans.get(plan_id)


def repay_credit(cmd: RepayCredit, uow: UnitOfWork, *, clock: Clock) -> CustomerRepayment:
    account = uow.repo(CreditAccount).get(cmd.customer_id)
    if not isinstance(cmd.amount, Money) or not cmd.amount.is_positive():
        raise InvalidAmount(f"a repayment must be a positive Money, not {cmd.amount!r}")
    if cmd.amount.currency != account.currency:
        raise InvalidAmount(f"{cmd.amount} is not in the account's {account.currency}")
    today = _today(clock)
    plans = [p for p in _open_plans(uow, account) if p.status is PlanState.ACTIVE]
    plans.sort(
        key=lambda p: (
            min((r.due for r in p.installments if not r.settled), default=date.max),
            p.id,
        )
    )
    remaining = cmd.amount
    allocations: list[tuple[PlanId, Allocation]] = []
    for plan in plans:
        due = plan.amount_due(today)
        if remaining.is_zero() or due.is_zero():
            continue
        pay = remaining.min(due)
        before = plan.outstanding_principal_minor
        allocation = plan.repay(pay, today)
        remaining = remaining - pay + allocation.unapplied
        allocations.append((plan.id, allocation))
        _settle_limit(account, plan, before)
        uow.repo(InstallmentPlan).save(plan)
    account.hold(remaining)
    paid_bills = _settle_bills(uow, account, {p.id: p for p in plans})
    uow.repo(CreditAccount).save(account)
    uow.commit()
    return CustomerRepayment(tuple(allocations), remaining, paid_bills)


def _settle_bills(
    uow: UnitOfWork, account: CreditAccount, plans: dict[PlanId, InstallmentPlan]
) -> tuple[str, ...]:
    paid: list[str] = []
    bills = uow.repo(Bill)
    for key in list(account.open_bills):
        bill = bills.get(key)
        if bill.settle_if_paid(plans):
            account.open_bills.remove(key)
            bills.save(bill)
            paid.append(key)
    return tuple(paid)


def pay_off_installment_plan(
    cmd: PayOffInstallmentPlan, uow: UnitOfWork, *, clock: Clock
) -> Allocation:
    plan, account = _load(uow, cmd.plan_id)
    before = plan.outstanding_principal_minor
    allocation = plan.pay_off(cmd.amount, _today(clock))
    account.hold(allocation.unapplied)
    _settle_limit(account, plan, before)
    _save(uow, plan, account)
    return allocation


def prepay_installment_plan(
    cmd: PrepayInstallmentPlan, uow: UnitOfWork, *, clock: Clock
) -> Allocation:
    plan, account = _load(uow, cmd.plan_id)
    before = plan.outstanding_principal_minor
    allocation = plan.prepay(cmd.amount, _today(clock), cmd.mode)
    _settle_limit(account, plan, before)
    _save(uow, plan, account)
    return allocation


def refund_installment_order(
    cmd: RefundInstallmentOrder, uow: UnitOfWork, *, clock: Clock
) -> RefundOutcome:
    account = uow.repo(CreditAccount).get(cmd.customer_id)
    seen = account.purchases.get(cmd.order_id)
    if seen is None:
        raise NotFound(f"customer {cmd.customer_id!r} bought no order {cmd.order_id!r} on credit")
    plan = uow.repo(InstallmentPlan).get(seen[1])
    before = plan.outstanding_principal_minor
    outcome = plan.refund(cmd.amount, _today(clock))
    _settle_limit(account, plan, before)
    account.hold(outcome.overpayment)  # never lost: RefundHeldCredit pays it out
    _save(uow, plan, account)
    return outcome


def refund_held_credit(cmd: RefundHeldCredit, uow: UnitOfWork) -> Money:
    account = uow.repo(CreditAccount).get(cmd.customer_id)
    refunded = account.take_credit(refunded=True)
    uow.repo(CreditAccount).save(account)
    uow.commit()
    return refunded


# -- the bill run ------------------------------------------------------------------------


def bill_customer(
    uow: UnitOfWork, account: CreditAccount, on: date, *, until: date | None = None
) -> tuple[Bill | None, Money]:
    """Apply held credit, accrue penalties and draw up ``account``'s bill of ``on``
    (saving what changed, not committing). Returns the bill and the credit applied.

    ``until`` is the next statement day (computed when not given); the bill lists what
    falls due before it."""
    applied = Money.zero(account.currency)
    if uow.repo(Bill).find(bill_id(account.id, on)) is not None:
        return None, applied  # already billed today: a replay of the run
    plans = list(_open_plans(uow, account))
    for plan in plans:
        if plan.status is not PlanState.ACTIVE:
            continue
        changed = False
        if account.credit_minor:
            due = plan.amount_due(on)
            if due.is_positive():
                use = account.take_credit(refunded=False, up_to=due)
                before = plan.outstanding_principal_minor
                allocation = plan.repay(use, on)
                assert allocation.unapplied.is_zero(), allocation
                applied += use
                _settle_limit(account, plan, before)
                changed = True
        if plan.status is PlanState.ACTIVE and plan.has_overdue(on):
            plan.accrue_penalties(on)  # shown on the bill to its day
            changed = True
        if changed:
            uow.repo(InstallmentPlan).save(plan)
    bill = Bill.draw_up(
        account.id,
        on,
        until or next_statement(account.statement_day, on),
        plans,
        account.currency,
    )
    if bill is not None:
        uow.repo(Bill).add(bill)
        account.open_bills.append(bill.id)
    if bill is not None or applied.is_positive():
        uow.repo(CreditAccount).save(account)
    return bill, applied


def run_bills(cmd: RunBills, uow: UnitOfWork, *, clock: Clock) -> BillRun:
    today = _today(clock)
    accounts = uow.repo(CreditAccount)
    count = 0
    total: Money | None = None
    applied_total: Money | None = None
    until: dict[int, date | None] = {}  # per statement day: the next one, None if not today
    for customer_id in accounts.ids():
        account = accounts.get(customer_id)
        day = account.statement_day
        if day not in until:
            bills_today = statement_date(day, today.year, today.month) == today
            until[day] = next_statement(day, today) if bills_today else None
        next_day = until[day]
        if next_day is None:
            continue
        bill, applied = bill_customer(uow, account, today, until=next_day)
        if bill is not None:
            count += 1
            total = bill.total if total is None else total + bill.total
        if applied.is_positive():
            applied_total = applied if applied_total is None else applied_total + applied
    uow.commit()
    return BillRun(today, count, total, applied_total)
