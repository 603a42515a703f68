"""Random orders, refunds, settlements and withdrawals against a reference model.

The reference computes each merchant's available balance with plain integers (5 %
commission, half-up; refunds reverse commission on the cumulative refunded share), apart
from merx's Money and ledger. After every step: the ledger's available balance equals the
reference, no withdrawal is paid out twice, the books reconcile, and replaying any earlier
command changes nothing.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import attrs
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
)

from merx.kernel.bus import Command
from merx.kernel.ids import MerchantId, OrderId
from merx.kernel.money import Money
from merx.ledger import cash_account
from merx.settlement import (
    BookOrderPayment,
    BookRefund,
    CompleteOrder,
    CycleKind,
    NegativeBalancePolicy,
    ReleaseWithdrawal,
    RequestWithdrawal,
    RunSettlement,
    SaleLine,
    SettlementCycle,
    SettlementTerms,
    StatementId,
    SyncWithdrawal,
    Withdrawal,
    WithdrawalDenied,
    WithdrawalId,
    WithdrawalLimits,
    WithdrawalScreening,
    WithdrawalState,
    WithdrawalVerdict,
)
from tests.settlement.world import SettlementWorld, cny, make_world

DAY = date(2026, 3, 2)
OUTCOMES = ("paid", "paid", "refused", "pending", "timeout_applied", "timeout_lost")
#: what the withdrawal screen (risk control) answers next
SCREENED = ("go", "go", "hold", "hold", "deny")


@attrs.define
class ScriptedScreen:
    """A withdrawal screen answering the verdict it was told to, once."""

    next: WithdrawalVerdict = WithdrawalVerdict.GO

    def screen(self, *, withdrawal_id: str, merchant_id: str, amount: Money) -> WithdrawalScreening:
        verdict, self.next = self.next, WithdrawalVerdict.GO
        return WithdrawalScreening(verdict, "scripted")


def half_up(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)


@attrs.define
class RefOrder:
    merchant: MerchantId
    amount: int  # minor units, no discounts
    refunded: int = 0
    completed: bool = False
    settled: bool = False

    @property
    def commission(self) -> int:
        return half_up(self.amount * 5, 100)

    @property
    def owed(self) -> int:
        reversed_commission = half_up(self.commission * self.refunded, self.amount)
        return (self.amount - self.refunded) - (self.commission - reversed_commission)


class Settlement(RuleBasedStateMachine):
    orders = Bundle("orders")
    withdrawals = Bundle("withdrawals")

    def __init__(self) -> None:
        super().__init__()
        self.screen = ScriptedScreen()
        self.world: SettlementWorld = make_world(screen=self.screen)
        self.merchants: list[MerchantId] = []
        self.ref_orders: dict[str, RefOrder] = {}
        self.available: dict[MerchantId, int] = {}
        self.withdrawn: dict[str, tuple[MerchantId, int]] = {}
        self.replayable: list[Command[Any]] = []
        self.n = 0

    @initialize()
    def merchants_open(self) -> None:
        limits = WithdrawalLimits(cny("0.01"), cny("1000000.00"), cny("100000000.00"))
        terms = SettlementTerms(
            SettlementCycle(CycleKind.T_PLUS_N, 0),
            NegativeBalancePolicy.OFFSET_NEXT_SETTLEMENT,
            limits,
            Decimal("0.006"),
        )
        for name in ("Alice", "Bob"):
            merchant = self.world.active_merchant(name, terms)
            self.merchants.append(merchant)
            self.available[merchant] = 0

    def _next(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}{self.n}"

    def _do(self, command: Command[Any]) -> Any:
        result = self.world.handle(command)
        self.replayable.append(command)
        return result

    @rule(
        target=orders,
        who=st.integers(0, 1),
        amount=st.integers(1, 10**6),
        then=st.sampled_from(["pay", "complete", "settle"]),
    )
    def pay(self, who: int, amount: int, then: str) -> str:
        order_id = self._next("o")
        merchant = self.merchants[who]
        line = SaleLine("A", merchant, "shirt", Money.from_minor(amount, "CNY"), cny("0"), cny("0"))
        self._do(BookOrderPayment(OrderId(order_id), "wechat_pay", (line,)))
        self.ref_orders[order_id] = RefOrder(merchant, amount)
        if then != "pay":
            self.complete(order_id)
        if then == "settle":
            self.settle(who)
        return order_id

    @rule(order_id=orders)
    def complete(self, order_id: str) -> None:
        ref = self.ref_orders[order_id]
        if ref.completed:
            return
        self._do(CompleteOrder(OrderId(order_id), DAY))
        ref.completed = True

    @rule(order_id=orders, share=st.integers(1, 100))
    def refund(self, order_id: str, share: int) -> None:
        ref = self.ref_orders[order_id]
        left = ref.amount - ref.refunded
        if not left:
            return
        amount = max(1, left * share // 100)
        before = ref.owed
        self._do(
            BookRefund(OrderId(order_id), self._next("r"), "A", Money.from_minor(amount, "CNY"))
        )
        ref.refunded += amount
        if ref.settled:
            self.available[ref.merchant] -= before - ref.owed

    @rule(who=st.integers(0, 1))
    def settle(self, who: int) -> None:
        merchant = self.merchants[who]
        due = [
            o
            for o in self.ref_orders.values()
            if o.merchant == merchant and o.completed and not o.settled
        ]
        if not due:
            return
        self._do(RunSettlement(merchant, StatementId(self._next("st")), DAY))
        for order in due:
            order.settled = True
            self.available[merchant] += order.owed

    def _withdrawable(self, merchant: MerchantId) -> int:
        return self.world.balances(merchant).withdrawable.minor

    @rule(
        target=withdrawals,
        who=st.integers(0, 1),
        share=st.integers(1, 100),
        outcome=st.sampled_from(OUTCOMES),
        screened=st.sampled_from(SCREENED),
    )
    def withdraw(self, who: int, share: int, outcome: str, screened: str) -> Any:
        merchant = self.merchants[who]
        withdrawable = self._withdrawable(merchant)
        if withdrawable <= 0:
            return multiple()
        amount = max(1, withdrawable * share // 100)
        if outcome == "refused":
            self.world.payout.refuse_next()
        elif outcome == "pending":
            self.world.payout.pending_next()
        elif outcome.startswith("timeout"):
            self.world.payout.timeout_next(applied=outcome == "timeout_applied")
        withdrawal_id = WithdrawalId(self._next("w"))
        command = RequestWithdrawal(
            merchant, merchant, withdrawal_id, Money.from_minor(amount, "CNY"), "6222"
        )
        self.screen.next = WithdrawalVerdict(screened)
        if screened == "deny":
            before = self.world.snapshot()
            try:
                self.world.handle(command)
            except WithdrawalDenied:
                assert self.world.snapshot() == before
                return multiple()
            raise AssertionError("a denied withdrawal went on")
        result = self._do(command)
        if screened == "hold":
            assert result.status is WithdrawalState.HELD
        self.withdrawn[withdrawal_id] = (merchant, amount)
        if result.status is WithdrawalState.PAID:
            self.available[merchant] -= amount
        return withdrawal_id

    @rule(withdrawal_id=withdrawals, paid=st.booleans())
    def bank_decides(self, withdrawal_id: str, paid: bool) -> None:
        key = f"{withdrawal_id}/payout"
        try:
            result = self.world.payout.query(idempotency_key=key)
        except Exception:
            return
        if result.status.value == "pending":
            self.world.payout.settle_pending(key, paid=paid)

    @rule(withdrawal_id=withdrawals, approved=st.booleans())
    def review_decides(self, withdrawal_id: str, approved: bool) -> None:
        before = self.world.get(Withdrawal, withdrawal_id).status
        command = ReleaseWithdrawal(WithdrawalId(withdrawal_id), approved, "risk review")
        after = self._do(command).status
        if before is not WithdrawalState.HELD:
            assert after is before
        elif not approved:
            assert after is WithdrawalState.FAILED
        elif after is WithdrawalState.PAID:
            merchant, amount = self.withdrawn[withdrawal_id]
            self.available[merchant] -= amount

    @rule(withdrawal_id=withdrawals)
    def sync(self, withdrawal_id: str) -> None:
        before = self.world.get(Withdrawal, withdrawal_id).status
        after = self.world.handle(SyncWithdrawal(WithdrawalId(withdrawal_id))).status
        if before is WithdrawalState.PENDING and after is WithdrawalState.PAID:
            merchant, amount = self.withdrawn[withdrawal_id]
            self.available[merchant] -= amount

    @precondition(lambda self: bool(self.replayable))
    @rule(pick=st.integers(0, 10**6))
    def replay(self, pick: int) -> None:
        command = self.replayable[pick % len(self.replayable)]
        before = self.world.snapshot()
        self.world.handle(command)
        assert self.world.snapshot() == before, command

    @invariant()
    def available_matches_the_reference(self) -> None:
        for merchant in self.merchants:
            assert self.world.balances(merchant).available.minor == self.available[merchant]

    @invariant()
    def open_withdrawals_hold_the_money_they_reserved(self) -> None:
        """Pending and held withdrawals reserve their amount; a failed one reserves nothing."""
        open_states = (WithdrawalState.PENDING, WithdrawalState.HELD)
        for merchant in self.merchants:
            reserved = sum(
                amount
                for withdrawal_id, (owner, amount) in self.withdrawn.items()
                if owner == merchant
                and self.world.get(Withdrawal, withdrawal_id).status in open_states
            )
            assert self.world.balances(merchant).withdrawing.minor == reserved

    @invariant()
    def nothing_is_paid_out_twice(self) -> None:
        paid_out = dict(self.world.payout.paid_out)
        for withdrawal_id, (_, amount) in self.withdrawn.items():
            key = f"{withdrawal_id}/payout"
            status = self.world.get(Withdrawal, withdrawal_id).status
            if status is WithdrawalState.PAID:
                assert paid_out[key].minor == amount
            elif status in (WithdrawalState.FAILED, WithdrawalState.HELD):
                assert key not in paid_out
        booked = -self.world.balance(cash_account("payout"))
        paid = sum(
            amount
            for withdrawal_id, (_, amount) in self.withdrawn.items()
            if self.world.get(Withdrawal, withdrawal_id).status is WithdrawalState.PAID
        )
        assert booked == paid
        assert sum(money.minor for money in paid_out.values()) >= booked

    @invariant()
    def the_books_reconcile(self) -> None:
        report = self.world.report()
        assert report.ok, report.problems


Settlement.TestCase.settings = settings(max_examples=50, stateful_step_count=30, deadline=None)
TestSettlement = Settlement.TestCase
