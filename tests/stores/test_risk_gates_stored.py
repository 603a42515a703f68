"""Risk gates on a database (a SQLite file, a PostgreSQL schema): a withdrawal and an
after-sale held by a risk review survive a restart and close on the review (or its
timeout), through the outbox's subscribers and the stores' indexes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from merx import aftersales, orders, payments, risk, settlement
from merx.adapters.memory import FixedClock
from merx.app.risk import install_risk_rules
from merx.kernel.money import Money
from tests.risk.gates import balances, funded_merchant, withdraw
from tests.stores.test_risk_stored import restarted
from tests.stores.test_stored_app import START, Storage, buy, stock

A = risk.RiskAction
HELD = settlement.WithdrawalState.HELD
REVIEW_OUT = risk.RiskRule("big_out", A.WITHDRAWAL, "context.amount >= 500", risk.Outcome.REVIEW)
REVIEW_REFUND = risk.RiskRule("refund_review", A.REFUND, "context.amount >= 1", risk.Outcome.REVIEW)


@pytest.mark.parametrize("outcome", [risk.ReviewOutcome.APPROVE, risk.ReviewOutcome.REJECT])
def test_a_held_withdrawal_survives_a_restart_and_closes_on_its_review(
    storage: Storage, outcome: risk.ReviewOutcome
) -> None:
    clock = FixedClock(START)
    first = restarted(storage, clock, on=True)
    install_risk_rules(first, (REVIEW_OUT,))
    merchant = funded_merchant(first)
    before = balances(first, merchant)
    assert withdraw(first, merchant, "600.00").status is HELD
    first.close()

    later = restarted(storage, clock, on=True)
    assert later.get(settlement.Withdrawal, "w1").status is HELD
    assert list(later.queries.settlement.pending_withdrawals(merchant)) == ["w1"]
    later.handle(risk.DecideReview("withdrawal:w1", outcome, "auditor"))
    later.close()

    again = restarted(storage, clock, on=True)
    done = again.get(settlement.Withdrawal, "w1")
    if outcome is risk.ReviewOutcome.APPROVE:
        assert done.status is settlement.WithdrawalState.PAID
        assert balances(again, merchant).available == before.available - Money.of("600.00", "CNY")
    else:
        assert done.status is settlement.WithdrawalState.FAILED
        assert balances(again, merchant) == before
    assert list(again.queries.settlement.pending_withdrawals(merchant)) == []
    again.close()


def test_a_held_withdrawal_nobody_reviews_is_cancelled_after_a_restart(storage: Storage) -> None:
    clock = FixedClock(START)
    first = restarted(storage, clock, on=True)
    install_risk_rules(first, (REVIEW_OUT,))
    merchant = funded_merchant(first)
    before = balances(first, merchant)
    withdraw(first, merchant, "600.00")
    first.close()
    clock.advance(timedelta(hours=24))
    later = restarted(storage, clock, on=True)
    assert later.handle(risk.ExpireReviews()) == 1
    later.close()
    again = restarted(storage, clock, on=True)
    assert again.get(settlement.Withdrawal, "w1").status is settlement.WithdrawalState.FAILED
    assert balances(again, merchant) == before
    again.close()


def test_a_held_refund_survives_a_restart_and_is_approved_after_its_review(
    storage: Storage,
) -> None:
    clock = FixedClock(START)
    first = restarted(storage, clock, on=True)
    stock(first)
    install_risk_rules(first, (REVIEW_REFUND,))
    placed = buy(first, "alice")
    first.handle(payments.PayOrder(placed.parent_id, "alipay"))
    case_id = first.handle(aftersales.RequestRefund(placed.order_ids[0], "changed my mind"))
    first.close()

    later = restarted(storage, clock, on=True)
    with pytest.raises(aftersales.RefundHeld):
        later.handle(aftersales.ApproveAfterSale(case_id))
    assert later.get(aftersales.AfterSale, case_id).status is aftersales.AfterSaleStatus.REQUESTED
    later.handle(risk.DecideReview(f"refund:{case_id}", risk.ReviewOutcome.APPROVE, "auditor"))
    later.close()

    again = restarted(storage, clock, on=True)
    status = again.handle(aftersales.ApproveAfterSale(case_id))
    # approved: the refund is asked of the channel (the memory gateway of a restarted
    # process does not know the charge, so it may still be refunding)
    assert status in (aftersales.AfterSaleStatus.REFUNDING, aftersales.AfterSaleStatus.COMPLETED)
    payment = again.get(
        payments.Payment, again.get(orders.Order, placed.order_ids[0]).payment_id or ""
    )
    assert payment.refunds
    again.close()


def test_a_rejected_refund_review_rejects_the_case_on_a_database(storage: Storage) -> None:
    clock = FixedClock(START)
    app = restarted(storage, clock, on=True)
    stock(app)
    install_risk_rules(app, (REVIEW_REFUND,))
    placed = buy(app, "bob")
    app.handle(payments.PayOrder(placed.parent_id, "alipay"))
    case_id = app.handle(aftersales.RequestRefund(placed.order_ids[0], "changed my mind"))
    app.handle(risk.DecideReview(f"refund:{case_id}", risk.ReviewOutcome.REJECT, "auditor"))
    app.close()
    again = restarted(storage, clock, on=True)
    assert again.get(aftersales.AfterSale, case_id).status is aftersales.AfterSaleStatus.REJECTED
    again.close()
