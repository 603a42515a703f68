"""A stateful walk through purchases, repayments (on time, late, early, partial), refunds
and payoffs, checked against a reference model of the limit and of each plan.

The reference keeps, per plan, the principal it still owes and everything paid into it,
predicting the principal exactly where the rules make it plain (an on-time installment
repays the scheduled principal; a payoff or a full refund repays all of it) and following
the reported allocation elsewhere; the account must then show ``used`` = the sum of those
principals, ``available`` = granted - used, and every yuan paid in must be found on a plan,
in held credit or in an overpayment returned.
"""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from merx import credit, installments
from merx.credit import PlanId
from merx.installments import Component, PlanState
from merx.kernel.errors import MerxError
from merx.kernel.ids import OrderId
from merx.kernel.money import Money
from tests.credit.world import ALICE, cny, make_world

GRANTED = cny("10000.00")


class CreditMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.world = make_world()
        self.world.open_account()
        self.orders = 0
        self.owed: dict[PlanId, int] = {}  # reference: principal still owed, minor units
        self.paid_in: dict[PlanId, int] = {}  # everything paid into the plan
        self.credit_minor = 0  # held on the account
        self.returned_minor = 0  # overpayments returned by refunds

    # -- helpers ---------------------------------------------------------------------

    def _open(self) -> list[PlanId]:
        return [p for p in self.owed if self.world.plan(p).status is PlanState.ACTIVE]

    def _pick(self, data: st.DataObject) -> PlanId:
        return data.draw(st.sampled_from(self._open()))

    def _follow(self, plan_id: PlanId, principal: Money, paid: Money) -> None:
        self.owed[plan_id] -= principal.minor
        self.paid_in[plan_id] += paid.minor

    # -- rules -----------------------------------------------------------------------

    @initialize(cents=st.integers(10_000, 600_000), term=st.sampled_from([3, 6, 12]))
    def first_purchase(self, cents: int, term: int) -> None:
        self.purchase(cents, term)

    @rule(cents=st.integers(10_000, 600_000), term=st.sampled_from([3, 6, 9, 12]))
    def purchase(self, cents: int, term: int) -> None:
        self.orders += 1
        principal = Money.from_minor(cents, "CNY")
        available = self.world.account().position(self.world.today).available
        try:
            plan_id = self.world.buy(str(principal.amount), term, order=f"ord-{self.orders}")
        except credit.LimitExceeded:
            assert principal > available
            return
        assert principal <= available
        self.owed[plan_id] = cents
        self.paid_in[plan_id] = 0

    @rule(days=st.integers(1, 40))
    def time_passes(self, days: int) -> None:
        self.world.later(days)

    @precondition(lambda self: bool(self._open()))
    @rule(data=st.data())
    def pay_the_next_installment_on_time(self, data: st.DataObject) -> None:
        plan_id = self._pick(data)
        plan = self.world.plan(plan_id)
        row = next(r for r in plan.installments if not r.settled)
        if row.due < self.world.today or plan.last_transaction_on > row.due:
            return
        overdue = any(r.due < row.due and not r.settled for r in plan.installments)
        if overdue or row.paid_principal or row.penalty:
            return
        self.world.go_to(row.due)
        amount = Money.from_minor(row.owed_total, "CNY")
        allocation = self.world.handle(installments.RepayInstallmentPlan(plan_id, amount))
        assert allocation.principal.minor == row.principal  # predicted, not followed
        assert allocation.unapplied.is_zero()
        self._follow(plan_id, allocation.principal, amount)

    @precondition(lambda self: bool(self._open()))
    @rule(data=st.data(), cents=st.integers(1, 300_000))
    def pay_any_amount(self, data: st.DataObject, cents: int) -> None:
        """Late, early or partial: whatever today is."""
        plan_id = self._pick(data)
        amount = Money.from_minor(cents, "CNY")
        allocation = self.world.handle(installments.RepayInstallmentPlan(plan_id, amount))
        self._follow(plan_id, allocation.principal, allocation.applied)
        self.credit_minor += allocation.unapplied.minor

    @precondition(lambda self: bool(self._open()))
    @rule(data=st.data(), cents=st.integers(1, 300_000), reduce_term=st.booleans())
    def prepay(self, data: st.DataObject, cents: int, reduce_term: bool) -> None:
        plan_id = self._pick(data)
        mode = (
            installments.PrepaymentMode.REDUCE_TERM
            if reduce_term
            else installments.PrepaymentMode.REDUCE_INSTALLMENT
        )
        amount = Money.from_minor(cents, "CNY")
        try:
            allocation = self.world.handle(
                installments.PrepayInstallmentPlan(plan_id, amount, mode)
            )
        except MerxError:
            return
        assert allocation.applied == amount
        self._follow(plan_id, allocation.principal, amount)

    @precondition(lambda self: bool(self._open()))
    @rule(data=st.data(), full=st.booleans(), cents=st.integers(1, 300_000))
    def refund(self, data: st.DataObject, full: bool, cents: int) -> None:
        plan_id = self._pick(data)
        plan = self.world.plan(plan_id)
        refundable = plan.principal.minor - plan.refunded_minor
        units = refundable if full else min(cents, refundable)
        if units <= 0:
            return
        order = plan.order_id
        try:
            outcome = self.world.handle(
                installments.RefundInstallmentOrder(
                    ALICE, OrderId(order), Money.from_minor(units, "CNY")
                )
            )
        except MerxError:
            assert not full
            return
        if units >= self.owed[plan_id]:
            assert outcome.allocation.principal.minor == self.owed[plan_id]  # predicted
        self._follow(plan_id, outcome.allocation.principal, outcome.allocation.applied)
        self.paid_in[plan_id] += outcome.overpayment.minor
        self.returned_minor += outcome.overpayment.minor  # out of the plan...
        self.credit_minor += outcome.overpayment.minor  # ...and held for the customer

    @precondition(lambda self: bool(self._open()))
    @rule(data=st.data())
    def pay_off(self, data: st.DataObject) -> None:
        plan_id = self._pick(data)
        with self.world.bus._uow_factory() as uow:
            quote = installments.payoff_quote(uow, plan_id, clock=self.world.clock)
        allocation = self.world.handle(installments.PayOffInstallmentPlan(plan_id, quote.total))
        assert allocation.principal.minor == self.owed[plan_id]  # predicted
        self._follow(plan_id, allocation.principal, quote.total)
        assert self.owed[plan_id] == 0
        assert self.world.plan(plan_id).outstanding.is_zero()

    @rule()
    def refund_held_credit(self) -> None:
        refunded = self.world.handle(credit.RefundHeldCredit(ALICE))
        assert refunded.minor == self.credit_minor
        self.credit_minor = 0

    # -- invariants ------------------------------------------------------------------

    @invariant()
    def the_limit_matches_the_reference(self) -> None:
        account = self.world.account()
        position = account.position(self.world.today)
        used = sum(self.owed.values())
        assert position.used.minor == used
        assert position.granted == GRANTED
        assert position.used + position.available == position.granted
        assert account.credit_minor == self.credit_minor

    @invariant()
    def each_plan_matches_the_reference(self) -> None:
        for plan_id, owed in self.owed.items():
            plan = self.world.plan(plan_id)
            assert plan.outstanding_principal_minor == owed
            paid = sum(plan.total_paid(c).minor for c in Component)
            returned = self.paid_in[plan_id] - paid
            assert returned >= 0
            if plan.status in (PlanState.PAID_OFF, PlanState.CLOSED):
                assert owed == 0
                assert plan_id not in self.world.account().open_plans
        total_paid = sum(
            sum(self.world.plan(p).total_paid(c).minor for c in Component) for p in self.owed
        )
        assert total_paid + self.returned_minor == sum(self.paid_in.values())


CreditMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)
TestCreditMachine = CreditMachine.TestCase
