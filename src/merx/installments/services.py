"""Installment use cases: purchases, activation and cancellation, repayment, payoff,
prepayment, after-sales refunds, and the month-end bill run.

Each handler is ``handler(cmd, uow, *, clock=..., ...)``: it loads the plans and the
customer's :class:`~merx.credit.CreditAccount` (credit's aggregate, changed only through
its public methods), calls the model, saves and commits. Business dates are the date of
the clock's instant in its own zone. Every change to a plan's outstanding principal
restores the limit by exactly that much in the same commit, so
``account.used == sum(plan.outstanding_principal)`` over the customer's open plans.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date

import attrs

from merx.credit import CreditAccount, CreditScorer, PlanId
from merx.installments.bills import Bill, bill_id, billing_until, next_statement
from merx.installments.plan import (
    Allocation,
    InstallmentPlan,
    PayoffQuote,
    PrepaymentMode,
    ProductSettings,
    RefundOutcome,
    TransactionType,
)
from merx.installments.ports import (
    BusinessCalendar,
    InstallmentQueries,
    billed_on,
    working_due_dates,
)
from merx.installments.repayment import (
    CustomerRepayment,
    close_statement,
    pay_off_plan,
    prepay_plan,
    refund_order,
    repay_customer,
    repay_plan,
    settle_bills,
)
from merx.kernel.bus import Command
from merx.kernel.clock import Clock, today
from merx.kernel.ids import CustomerId, IdSource, OrderId
from merx.kernel.money import Money
from merx.kernel.uow import UnitOfWork
from merx.schedules import FeePayer, price_plan

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
    with :class:`~merx.credit.RefundHeldCredit`."""

    customer_id: CustomerId
    order_id: OrderId
    amount: Money


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


# -- queries -----------------------------------------------------------------------------


def payoff_quote(uow: UnitOfWork, plan_id: PlanId, *, clock: Clock) -> PayoffQuote:
    return uow.repo(InstallmentPlan).get(plan_id).payoff_quote(today(clock))


def open_bills(uow: UnitOfWork, customer_id: CustomerId) -> tuple[Bill, ...]:
    """The customer's bills not yet paid, oldest statement first (none for a customer
    with no credit account)."""
    account = uow.repo(CreditAccount).find(customer_id)
    if account is None:
        return ()
    bills = (uow.repo(Bill).get(key) for key in account.open_bills)
    return tuple(sorted(bills, key=lambda bill: bill.statement_date))


# -- handlers: purchases and plans -------------------------------------------------------


def purchase_on_installment(
    cmd: PurchaseOnInstallment,
    uow: UnitOfWork,
    *,
    clock: Clock,
    ids: IdSource,
    scorer: CreditScorer,
    product: ProductSettings | None = None,
    calendar: BusinessCalendar | None = None,
) -> PlanId:
    """Open the plan (``product``'s rules, :class:`ProductSettings` by default) with its due
    dates moved off ``calendar``'s non-working days (none without a calendar)."""
    accounts = uow.repo(CreditAccount)
    account = accounts.get(cmd.customer_id)
    replayed = account.replayed_purchase(
        cmd.order_id, cmd.principal, cmd.term_months, cmd.fee_payer, cmd.scope
    )
    if replayed is not None:
        return replayed
    on = today(clock)
    offer = account.review(cmd.principal, cmd.term_months, on, cmd.scope)
    check = scorer.check_purchase(cmd.customer_id, cmd.principal, cmd.term_months)
    account.admit(cmd.order_id, cmd.principal, check)
    schedule, payer_cost = price_plan(offer, cmd.principal, on, cmd.fee_payer)
    dues = None
    if calendar is not None:
        dues = working_due_dates(calendar, [row.due for row in schedule.rows])
    plan_id = PlanId(ids.next_id("plan"))
    plan = InstallmentPlan.open(
        plan_id,
        cmd.customer_id,
        cmd.order_id,
        schedule,
        product=product or ProductSettings(),
        fee_payer=cmd.fee_payer,
        payer_cost=payer_cost,
        due_dates=dues,
    )
    account.draw(
        plan_id,
        cmd.order_id,
        cmd.principal,
        cmd.term_months,
        on=on,
        scope=cmd.scope,
        fee_payer=cmd.fee_payer,
    )
    uow.repo(InstallmentPlan).add(plan)
    accounts.save(account)
    uow.commit()
    return plan_id


def _load(uow: UnitOfWork, plan_id: PlanId) -> tuple[InstallmentPlan, CreditAccount]:
    plan = uow.repo(InstallmentPlan).get(plan_id)
    return plan, uow.repo(CreditAccount).get(plan.customer_id)


def _open_bills(uow: UnitOfWork, account: CreditAccount) -> list[Bill]:
    return [uow.repo(Bill).get(key) for key in account.open_bills]


def _settle_open_bills(
    uow: UnitOfWork, account: CreditAccount, changed: Iterable[InstallmentPlan]
) -> tuple[str, ...]:
    """Mark paid (and save) every open bill of ``account`` whose lines are all settled,
    the plans in ``changed`` read as they are now: a bill follows its lines whatever paid
    them. Returns the ids of the bills paid."""
    if not account.open_bills:
        return ()
    plans = {plan.id: plan for plan in _open_plans(uow, account)}
    plans.update((plan.id, plan) for plan in changed)
    bills = _open_bills(uow, account)
    paid = settle_bills(account, bills, plans)
    for bill in bills:
        if bill.id in paid:
            uow.repo(Bill).save(bill)
    return paid


def _save(uow: UnitOfWork, plan: InstallmentPlan, account: CreditAccount) -> None:
    _settle_open_bills(uow, account, [plan])
    uow.repo(InstallmentPlan).save(plan)
    uow.repo(CreditAccount).save(account)
    uow.commit()


def activate_installment_plan(cmd: ActivateInstallmentPlan, uow: UnitOfWork) -> None:
    plan = uow.repo(InstallmentPlan).get(cmd.plan_id)
    if plan.activate(cmd.funder_id):  # False: a replay, nothing to save
        uow.repo(InstallmentPlan).save(plan)
        uow.commit()


def cancel_installment_plan(cmd: CancelInstallmentPlan, uow: UnitOfWork) -> Money:
    plan, account = _load(uow, cmd.plan_id)
    if not plan.cancel(cmd.reason):
        return Money.zero(plan.currency)  # a replay: nothing changed
    restored = account.plan_ended(plan.id)
    _save(uow, plan, account)
    return restored


def repay_installment_plan(
    cmd: RepayInstallmentPlan, uow: UnitOfWork, *, clock: Clock
) -> Allocation:
    plan, account = _load(uow, cmd.plan_id)
    allocation = repay_plan(account, plan, cmd.amount, today(clock), cmd.kind)
    _save(uow, plan, account)
    return allocation


def _open_plans(uow: UnitOfWork, account: CreditAccount) -> Iterator[InstallmentPlan]:
    plans = uow.repo(InstallmentPlan)
    for plan_id in list(account.open_plans):
        yield plans.get(plan_id)


def repay_credit(cmd: RepayCredit, uow: UnitOfWork, *, clock: Clock) -> CustomerRepayment:
    account = uow.repo(CreditAccount).get(cmd.customer_id)
    plans = {plan.id: plan for plan in _open_plans(uow, account)}
    billed = {
        (line.plan_id, line.number) for bill in _open_bills(uow, account) for line in bill.lines
    }
    allocations, held = repay_customer(account, plans.values(), cmd.amount, today(clock), billed)
    for plan_id, _ in allocations:
        uow.repo(InstallmentPlan).save(plans[plan_id])
    paid = _settle_open_bills(uow, account, plans.values())
    uow.repo(CreditAccount).save(account)
    uow.commit()
    return CustomerRepayment(allocations, held, paid)


def pay_off_installment_plan(
    cmd: PayOffInstallmentPlan, uow: UnitOfWork, *, clock: Clock
) -> Allocation:
    plan, account = _load(uow, cmd.plan_id)
    allocation = pay_off_plan(account, plan, cmd.amount, today(clock))
    _save(uow, plan, account)
    return allocation


def prepay_installment_plan(
    cmd: PrepayInstallmentPlan, uow: UnitOfWork, *, clock: Clock
) -> Allocation:
    plan, account = _load(uow, cmd.plan_id)
    allocation = prepay_plan(account, plan, cmd.amount, today(clock), cmd.mode)
    _save(uow, plan, account)
    return allocation


def refund_installment_order(
    cmd: RefundInstallmentOrder, uow: UnitOfWork, *, clock: Clock
) -> RefundOutcome:
    account = uow.repo(CreditAccount).get(cmd.customer_id)
    plan = uow.repo(InstallmentPlan).get(account.plan_of(cmd.order_id))
    outcome = refund_order(account, plan, cmd.amount, today(clock))
    _save(uow, plan, account)
    return outcome


# -- the bill run ------------------------------------------------------------------------


def _bill_customer(
    uow: UnitOfWork, account: CreditAccount, on: date, *, until: date | None = None
) -> tuple[Bill | None, Money]:
    """Draw up ``account``'s bill of ``on`` (:func:`~merx.installments.repayment.close_statement`),
    saving what changed, not committing. Returns the bill and the credit applied.

    ``until`` is the next statement day (computed when not given); the bill lists what
    falls due before it."""
    if uow.repo(Bill).find(bill_id(account.id, on)) is not None:
        return None, Money.zero(account.currency)  # already billed today: a replay of the run
    plans = list(_open_plans(uow, account))
    bill, applied, changed = close_statement(
        account, plans, on, until or next_statement(account.statement_day, on)
    )
    for plan in changed:
        uow.repo(InstallmentPlan).save(plan)
    if bill is not None:
        uow.repo(Bill).add(bill)
    if applied.is_positive():  # held credit may have settled an earlier bill's lines
        _settle_open_bills(uow, account, plans)
    if bill is not None or applied.is_positive():
        uow.repo(CreditAccount).save(account)
    return bill, applied


def run_bills(
    cmd: RunBills, uow: UnitOfWork, *, clock: Clock, queries: InstallmentQueries
) -> BillRun:
    """Bill every account whose statement falls today (``queries`` finds them; each is
    checked again with :func:`~merx.installments.ports.billed_on`)."""
    on = today(clock)
    accounts = uow.repo(CreditAccount)
    count = 0
    total: Money | None = None
    applied_total: Money | None = None
    for customer_id in list(queries.accounts_to_bill(on)):
        account = accounts.get(customer_id)
        until = billing_until(account.statement_day, on)
        if until is None or not billed_on(account, on):
            continue
        bill, applied = _bill_customer(uow, account, on, until=until)
        if bill is not None:
            count += 1
            total = bill.total if total is None else total + bill.total
        if applied.is_positive():
            applied_total = applied if applied_total is None else applied_total + applied
    uow.commit()
    return BillRun(on, count, total, applied_total)
