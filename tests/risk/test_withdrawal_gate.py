"""A withdrawal screened by ``risk.withdrawal`` before its money is reserved: DENY
refuses it (nothing changed), REVIEW holds it until the review (or its timeout) ends the
hold, and without the scenario, or with risk control off, nothing is read."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from merx import risk, settlement
from merx.app import MemoryApp
from merx.kernel.money import Money
from merx.payments import AuthFactor
from merx.settlement import WithdrawalState
from tests.risk.gates import balances, withdraw, withdrawal_app
from tests.risk.world import A, advance, cny

REVIEW_BIG = risk.RiskRule("big_out", A.WITHDRAWAL, "context.amount >= 500", risk.Outcome.REVIEW)
DENY_BIG = risk.RiskRule("no_out", A.WITHDRAWAL, "context.amount >= 500", risk.Outcome.DENY)
CASE = "withdrawal:w1"


def test_a_denied_withdrawal_is_refused_and_reserves_nothing() -> None:
    app, merchant = withdrawal_app((DENY_BIG,))
    before = balances(app, merchant)
    with pytest.raises(settlement.WithdrawalDenied, match="no_out"):
        withdraw(app, merchant, "600.00")
    assert balances(app, merchant) == before
    with app.unit_of_work() as uow:
        assert uow.repo(settlement.Withdrawal).find("w1") is None
    assert dict(app.payout.paid_out) == {}
    assert withdraw(app, merchant, "100.00", "w2").status is WithdrawalState.PAID


def test_a_reviewed_withdrawal_is_held_and_sent_when_approved() -> None:
    app, merchant = withdrawal_app((REVIEW_BIG,))
    held = withdraw(app, merchant, "600.00")
    assert held.status is WithdrawalState.HELD
    assert held.reason is not None
    assert CASE in held.reason
    assert balances(app, merchant).withdrawing == cny("600.00")
    assert dict(app.payout.paid_out) == {}
    assert withdraw(app, merchant, "600.00").status is WithdrawalState.HELD  # a replay
    app.handle(risk.DecideReview(CASE, risk.ReviewOutcome.APPROVE, "auditor"))
    with app.unit_of_work() as uow:
        assert uow.repo(settlement.Withdrawal).get("w1").status is WithdrawalState.PAID
    assert dict(app.payout.paid_out) == {"w1/payout": cny("600.00")}
    after = balances(app, merchant)
    assert (after.available, after.withdrawing) == (cny("350.00"), cny("0.00"))


def test_a_rejected_withdrawal_fails_and_the_money_is_back() -> None:
    app, merchant = withdrawal_app((REVIEW_BIG,))
    before = balances(app, merchant)
    withdraw(app, merchant, "600.00")
    app.handle(risk.DecideReview(CASE, risk.ReviewOutcome.REJECT, "auditor"))
    with app.unit_of_work() as uow:
        done = uow.repo(settlement.Withdrawal).get("w1")
    assert done.status is WithdrawalState.FAILED
    assert done.reason is not None
    assert "rejected by risk review" in done.reason
    assert balances(app, merchant) == before
    assert dict(app.payout.paid_out) == {}
    assert list(app.queries.settlement.pending_withdrawals(merchant)) == []


def test_a_held_withdrawal_nobody_reviews_is_cancelled_by_its_timeout() -> None:
    app, merchant = withdrawal_app((REVIEW_BIG,))
    before = balances(app, merchant)
    withdraw(app, merchant, "600.00")
    assert list(app.queries.settlement.pending_withdrawals(merchant)) == ["w1"]
    advance(app, timedelta(hours=24))
    assert app.handle(risk.ExpireReviews()) == 1
    with app.unit_of_work() as uow:
        assert uow.repo(settlement.Withdrawal).get("w1").status is WithdrawalState.FAILED
    assert balances(app, merchant) == before


def test_release_of_a_withdrawal_no_longer_held_changes_nothing() -> None:
    app, merchant = withdrawal_app((REVIEW_BIG,))
    withdraw(app, merchant, "600.00")
    app.handle(risk.DecideReview(CASE, risk.ReviewOutcome.REJECT, "auditor"))
    again = settlement.ReleaseWithdrawal(settlement.WithdrawalId("w1"), True, "late approval")
    assert app.handle(again).status is WithdrawalState.FAILED
    assert dict(app.payout.paid_out) == {}


def test_a_challenged_withdrawal_is_denied_a_withdrawal_has_no_proof_to_ask() -> None:
    rule = risk.RiskRule(
        "ask", A.WITHDRAWAL, "context.amount >= 1", risk.Outcome.CHALLENGE, AuthFactor.SMS
    )
    app, merchant = withdrawal_app((rule,))
    with pytest.raises(settlement.WithdrawalDenied, match="ask"):
        withdraw(app, merchant, "10.00")


@pytest.mark.parametrize("on", [True, False])
def test_without_the_scenario_or_with_risk_control_off_a_withdrawal_goes_on(on: bool) -> None:
    rules: tuple[risk.RiskRule, ...] = () if on else (DENY_BIG,)
    app, merchant = withdrawal_app(rules, on=on)
    assert withdraw(app, merchant, "600.00").status is WithdrawalState.PAID
    with app.unit_of_work() as uow:
        assert uow.repo(risk.RiskKey).find(f"account:{merchant}") is None


def money_state(app: MemoryApp) -> tuple[Any, Any]:
    """Settlement's and the ledger's committed documents, and each book's entries."""
    tables = {
        kind: rows
        for kind, rows in app.store.tables.items()
        if kind.__module__.startswith(("merx.settlement", "merx.ledger"))
    }
    journals = {
        book: (list(journal.entries()), journal.balances())
        for book, journal in app.store.extensions.get("journals", {}).items()
    }
    return copy.deepcopy(tables), copy.deepcopy(journals)


@settings(max_examples=15, deadline=None)
@given(cents=st.integers(min_value=50_000, max_value=95_000))
def test_a_denied_withdrawal_changes_no_money(cents: int) -> None:
    app, merchant = withdrawal_app((DENY_BIG,))
    before = money_state(app)
    with pytest.raises(settlement.WithdrawalDenied):
        app.handle(
            settlement.RequestWithdrawal(
                merchant, merchant, settlement.WithdrawalId("w1"),
                Money.from_minor(cents, "CNY"), "6222",
            )
        )  # fmt: skip
    assert money_state(app) == before
    assert dict(app.payout.paid_out) == {}
