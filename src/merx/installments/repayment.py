"""Repayment: what money paid into a customer's plans does to their credit account.

The rules that tie credit's :class:`~merx.credit.CreditAccount` to the customer's
:class:`InstallmentPlan` s and bills, through the account's public methods and plain
values (plan and bill ids, amounts): the account never sees a plan.

* every change to a plan's outstanding principal restores the limit by exactly that much
  (:func:`follow_plan`), so ``account.used == sum(plan.outstanding_principal)`` over the
  customer's open plans; a plan that ended stops being billed;
* what a payment does not need is held on the account as credit (an overpayment), never
  lost; on the statement day held credit pays what is due before the bill is drawn up;
* a repayment across plans pays the plan with the oldest unsettled installment first,
  each up to what it has due; a bill is paid once every installment it lists is settled.

The plan's methods check before they change anything, so a refused payment leaves both
aggregates as they were.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

import attrs

from merx.credit import CreditAccount, PlanId
from merx.installments.bills import Bill
from merx.installments.plan import (
    Allocation,
    InstallmentPlan,
    PlanState,
    PrepaymentMode,
    RefundOutcome,
    TransactionType,
)
from merx.kernel.errors import InvalidAmount
from merx.kernel.money import Money


@attrs.frozen
class CustomerRepayment:
    """A repayment across the customer's plans."""

    allocations: tuple[tuple[PlanId, Allocation], ...]
    held: Money
    bills_paid: tuple[str, ...]


def follow_plan(account: CreditAccount, plan: InstallmentPlan, before_minor: int) -> None:
    """``plan`` owed ``before_minor`` of principal before a transaction: restore the
    account's limit by exactly what it repaid, and end it there if it ended."""
    assert plan.customer_id == account.id, (plan.id, account.id)
    repaid = before_minor - plan.outstanding_principal_minor
    assert repaid >= 0, (plan.id, before_minor, plan.outstanding_principal_minor)
    if repaid:
        account.restore(plan.id, Money.from_minor(repaid, plan.currency))
    if not plan.status.is_open:
        account.plan_ended(plan.id)


def repay_plan(
    account: CreditAccount,
    plan: InstallmentPlan,
    amount: Money,
    on: date,
    kind: TransactionType = TransactionType.REPAYMENT,
) -> Allocation:
    """Pay ``amount`` into ``plan``; what it does not need is held as credit."""
    before = plan.outstanding_principal_minor
    allocation = plan.repay(amount, on, kind)
    account.hold(allocation.unapplied)
    follow_plan(account, plan, before)
    return allocation


def pay_off_plan(
    account: CreditAccount, plan: InstallmentPlan, amount: Money, on: date
) -> Allocation:
    """Pay ``plan`` off; ``amount`` beyond the payoff amount is held as credit."""
    before = plan.outstanding_principal_minor
    allocation = plan.pay_off(amount, on)
    account.hold(allocation.unapplied)
    follow_plan(account, plan, before)
    return allocation


def prepay_plan(
    account: CreditAccount,
    plan: InstallmentPlan,
    amount: Money,
    on: date,
    mode: PrepaymentMode,
) -> Allocation:
    """Prepay part of ``plan``'s principal; the limit comes back by that much."""
    before = plan.outstanding_principal_minor
    allocation = plan.prepay(amount, on, mode)
    follow_plan(account, plan, before)
    return allocation


def refund_order(
    account: CreditAccount, plan: InstallmentPlan, amount: Money, on: date
) -> RefundOutcome:
    """An after-sales refund pays ``plan`` down; its overpayment is held for the customer
    (paid out by credit's ``RefundHeldCredit``, or applied to the next bill)."""
    before = plan.outstanding_principal_minor
    outcome = plan.refund(amount, on)
    follow_plan(account, plan, before)
    account.hold(outcome.overpayment)
    return outcome


def _oldest_due_first(plan: InstallmentPlan) -> tuple[date, str]:
    return min((r.due for r in plan.installments if not r.settled), default=date.max), plan.id


def repay_customer(
    account: CreditAccount, plans: Iterable[InstallmentPlan], amount: Money, on: date
) -> tuple[tuple[tuple[PlanId, Allocation], ...], Money]:
    """Pay ``amount`` across the customer's active ``plans``, the one with the oldest
    unsettled installment first, each up to what it has due on ``on``; the rest is held
    as credit. Returns the allocations and what was held."""
    if not isinstance(amount, Money) or not amount.is_positive():
        raise InvalidAmount(f"a repayment must be a positive Money, not {amount!r}")
    if amount.currency != account.currency:
        raise InvalidAmount(f"{amount} is not in the account's {account.currency}")
    remaining = amount
    allocations: list[tuple[PlanId, Allocation]] = []
    active = sorted((p for p in plans if p.status is PlanState.ACTIVE), key=_oldest_due_first)
    for plan in active:
        due = plan.amount_due(on)
        if remaining.is_zero() or due.is_zero():
            continue
        pay = remaining.min(due)
        before = plan.outstanding_principal_minor
        allocation = plan.repay(pay, on)
        remaining = remaining - pay + allocation.unapplied
        allocations.append((plan.id, allocation))
        follow_plan(account, plan, before)
    account.hold(remaining)
    return tuple(allocations), remaining


def settle_bills(
    account: CreditAccount, bills: Iterable[Bill], plans: Mapping[PlanId, InstallmentPlan]
) -> tuple[str, ...]:
    """Mark paid each of the account's open ``bills`` whose installments are all settled;
    returns their ids."""
    paid: list[str] = []
    for bill in bills:
        if bill.settle_if_paid(plans):
            account.bill_settled(bill.id)
            paid.append(bill.id)
    return tuple(paid)


def close_statement(
    account: CreditAccount, plans: Sequence[InstallmentPlan], on: date, until: date
) -> tuple[Bill | None, Money, list[InstallmentPlan]]:
    """The statement day ``on``: held credit pays what the active ``plans`` have due,
    penalties are accrued to the day, then the bill lists every owing installment due
    before ``until`` (``None`` when nothing is owed). Returns the bill, the credit applied
    and the plans that changed."""
    applied = Money.zero(account.currency)
    changed: list[InstallmentPlan] = []
    for plan in plans:
        if plan.status is not PlanState.ACTIVE:
            continue
        touched = False
        if account.credit_minor:
            due = plan.amount_due(on)
            if due.is_positive():
                use = account.take_credit(refunded=False, up_to=due)
                before = plan.outstanding_principal_minor
                allocation = plan.repay(use, on)
                assert allocation.unapplied.is_zero(), allocation
                applied += use
                follow_plan(account, plan, before)
                touched = True
        if plan.status is PlanState.ACTIVE and plan.has_overdue(on):
            plan.accrue_penalties(on)  # shown on the bill to its day
            touched = True
        if touched:
            changed.append(plan)
    bill = Bill.draw_up(account.id, on, until, plans, account.currency)
    if bill is not None:
        account.bill_issued(bill.id)
    return bill, applied, changed
