"""Risk control on a database (a SQLite file, a PostgreSQL schema): keys (lists, ticks,
links, decisions), review cases and rule scores survive a restart; the timeout run finds
its cases through the index; an order held by a review is cancelled when it is rejected."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from merx import orders, payments, risk
from merx.adapters.memory import FixedClock, SequentialIds
from merx.app import Settings, StoredApp, build_app
from merx.app.risk import install_risk_rules
from merx.kernel.money import Money
from merx.payments import AuthFactor
from tests.stores.test_stored_app import START, Storage, buy, open_shop, stock

A = risk.RiskAction


def restarted(storage: Storage, clock: FixedClock, *, on: bool = False) -> StoredApp:
    return build_app(
        storage.open(), clock=clock, ids=SequentialIds(), settings=Settings(risk_control=on)
    )


def test_risk_documents_survive_a_restart_and_timeouts_use_the_index(storage: Storage) -> None:
    clock = FixedClock(START)
    first = restarted(storage, clock)
    install_risk_rules(first, risk.standard_rules())
    for buyer in ("r1", "r2", "r3"):
        first.handle(risk.LinkIdentity(buyer, risk.KeyKind.DEVICE, "ring-device"))
    first.handle(risk.ListKey(risk.KeyKind.IP, "ip-digest", risk.ListColor.GREY, "proxy"))
    decided = [
        first.handle(
            risk.AssessTransaction(
                f"o-{buyer}", A.ORDER, buyer, Money.of("10", "CNY"), counterparty="m"
            )
        )
        for buyer in ("r1", "r2", "r3")
    ]
    assert [d.outcome for d in decided] == [risk.Outcome.ALLOW] * 2 + [risk.Outcome.REVIEW]
    case_id = decided[2].case_id
    assert case_id is not None
    first.handle(risk.LabelRisk("r3", risk.RiskLabel.FRAUD))

    again = restarted(storage, clock)
    replay = risk.AssessTransaction("o-r3", A.ORDER, "r3", Money.of("10", "CNY"), counterparty="m")
    assert again.handle(replay) == decided[2]
    with again.unit_of_work() as uow:
        assert risk.linked_accounts_of(uow, "r1") == {"r2", "r3"}
        assert uow.repo(risk.RiskKey).get("ip:ip-digest").listed(clock.now()) is risk.ListColor.GREY
        (score,) = risk.rule_report(uow)
        assert (score.rule, score.fired_bad) == ("brushing_linked_buyers", 1)
        assert score.precision == Decimal("1.0000")
    assert list(again.queries.risk.reviews_due_by(clock.now())) == []
    clock.advance(timedelta(hours=24))
    assert list(again.queries.risk.reviews_due_by(clock.now())) == [case_id]
    assert again.handle(risk.ExpireReviews()) == 1
    assert list(again.queries.risk.reviews_due_by(clock.now())) == []
    with again.unit_of_work() as uow:
        case = uow.repo(risk.ReviewCase).get(case_id)
        assert case.status is risk.ReviewStatus.EXPIRED
    first.close()
    again.close()


def test_a_rejected_order_review_cancels_the_order_on_a_database(storage: Storage) -> None:
    clock = FixedClock(START)
    app = restarted(storage, clock, on=True)
    stock(app)
    rule = risk.RiskRule("big", A.ORDER, "context.amount >= 1000", risk.Outcome.REVIEW)
    install_risk_rules(app, (rule,))
    placed = buy(app, "alice")
    with pytest.raises(payments.PaymentDenied):
        app.handle(payments.PayOrder(placed.parent_id, "alipay"))
    app.close()  # the next process takes the relay's lease
    later = restarted(storage, clock, on=True)
    later.handle(
        risk.DecideReview(f"order:{placed.order_ids[0]}", risk.ReviewOutcome.REJECT, "auditor")
    )
    later.close()
    again = open_shop(storage)
    parent = again.get(orders.ParentOrder, placed.parent_id)
    assert parent.status.value == "cancelled"


def test_the_cashier_asks_risk_payment_on_a_database(storage: Storage) -> None:
    clock = FixedClock(START)
    app = restarted(storage, clock, on=True)
    stock(app)
    rule = risk.RiskRule(
        "pay_big", A.PAYMENT, "context.amount >= 1000", risk.Outcome.CHALLENGE, AuthFactor.SMS
    )
    install_risk_rules(app, (rule,))
    placed = buy(app, "bob")
    waiting = app.handle(payments.PayOrder(placed.parent_id, "alipay"))
    assert waiting.status is payments.PaymentStatus.AWAITING_AUTHENTICATION
    proof = payments.AuthenticateTransaction(waiting.payment_id, AuthFactor.SMS, "000000")
    assert app.handle(proof).status is payments.PaymentStatus.SUCCEEDED
    app.close()
    again = open_shop(storage)
    with again.unit_of_work() as uow:
        account = uow.repo(risk.RiskKey).get("account:bob")
        assert [d.decision_id for d in account.decisions] == [f"payment:{placed.parent_id}"]
    again.close()
