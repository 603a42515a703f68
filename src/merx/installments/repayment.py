"""Repayment: what money paid into a customer's plans does to their credit account.

The rules that tie credit's :class:`~merx.credit.CreditAccount` to the customer's
:class:`InstallmentPlan` s and bills, through the account's public methods and plain
values (plan and bill ids, amounts): the account never sees a plan.

* every change to a plan's outstanding principal restores the limit by exactly that much
  (:func:`follow_plan`), so ``account.used == sum(plan.outstanding_principal)`` over the
  customer's open plans; a plan that ended stops being billed;
* what a payment does not need is held on the account as credit (an overpayment), never
  lost; on the statement day held credit pays what is due before the bill is drawn up;
* a repayment across plans pays installments over all plans: due ones oldest first,
  then the lines of the customer's open bills, then each plan's current installment; a
  bill is paid once every installment it lists is settled, whatever paid it.

The plan's methods check before they change anything, so a refused payment leaves both
aggregates as they were.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
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
from merx.kernel.errors import CurrencyMismatch, InvalidAmount
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


def repay_customer(
    account: CreditAccount,
    plans: Iterable[InstallmentPlan],
    amount: Money,
    on: date,
    billed: Collection[tuple[PlanId, int]] = (),
) -> tuple[tuple[tuple[PlanId, Allocation], ...], Money]:
    """Pay ``amount`` across the customer's active ``plans``, installment by installment
    over all of them: first every installment due on or before ``on``, oldest first; then
    the installments on the customer's open bills (``billed``: plan id and installment
    number) not yet due, by due date; then each plan's current installment, by due date.
    The rest is held as credit. Returns the allocations (in the order the plans were
    first paid) and what was held.

    So a bill paid in full on or before its due date settles every line of it, whatever
    plan it belongs to, before any money goes to an installment it does not list."""
    if not isinstance(amount, Money) or not amount.is_positive():
        raise InvalidAmount(f"a repayment must be a positive Money, not {amount!r}")
    if amount.currency != account.currency:
        raise CurrencyMismatch(f"repayment {amount} is not in the account's {account.currency}")
    active = [plan for plan in plans if plan.status is PlanState.ACTIVE]
    allocations, remaining_minor = _pay_across(account, active, amount.minor, on, billed)
    remaining = Money.from_minor(remaining_minor, amount.currency)
    account.hold(remaining)
    return allocations, remaining


def _pay_across(
    account: CreditAccount,
    plans: Sequence[InstallmentPlan],
    units: int,
    on: date,
    billed: Collection[tuple[PlanId, int]],
) -> tuple[tuple[tuple[PlanId, Allocation], ...], int]:
    """Pay ``units`` (minor) into the active ``plans`` in :func:`repay_customer`'s order;
    returns the allocations and the units no installment took."""
    by_id = {plan.id: plan for plan in plans}
    queue: list[tuple[int, date, PlanId, int, int]] = []
    for plan in plans:
        for number, due, owed_minor in plan.owing(on):
            stage = 0 if due <= on else 1 if (plan.id, number) in billed else 2
            queue.append((stage, due, plan.id, number, owed_minor))
    queue.sort()
    shares: dict[PlanId, int] = {}  # insertion order: the order the plans are paid
    for _, _, plan_id, _, owed_minor in queue:
        take = min(units, owed_minor)
        if take <= 0:
            break
        shares[plan_id] = shares.get(plan_id, 0) + take
        units -= take
    allocations: list[tuple[PlanId, Allocation]] = []
    for plan_id, share_minor in shares.items():
        plan = by_id[plan_id]
        before = plan.outstanding_principal_minor
        allocation = plan.repay(Money.from_minor(share_minor, plan.currency), on)
        assert allocation.unapplied.is_zero(), (plan_id, allocation)
        allocations.append((plan_id, allocation))
        follow_plan(account, plan, before)
    return tuple(allocations), units


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
    active = [plan for plan in plans if plan.status is PlanState.ACTIVE]
    applied = Money.zero(account.currency)
    touched: set[PlanId] = set()
    if account.credit_minor and active:
        owed_minor = sum(owed for plan in active for _, _, owed in plan.owing(on))
        applied = account.take_credit(
            refunded=False, up_to=Money.from_minor(owed_minor, account.currency)
        )
        if applied.is_positive():
            allocations, left = _pay_across(account, active, applied.minor, on, ())
            assert left == 0, (account.id, left)
            touched.update(plan_id for plan_id, _ in allocations)
    for plan in active:
        if plan.status is PlanState.ACTIVE and plan.has_overdue(on):
            plan.accrue_penalties(on)  # shown on the bill to its day
            touched.add(plan.id)
    changed = [plan for plan in plans if plan.id in touched]
    bill = Bill.draw_up(account.id, on, until, plans, account.currency)
    if bill is not None:
        account.bill_issued(bill.id)
    return bill, applied, changed
