"""The manual review queue: a hypothesis state machine against a reference model (cases
opened by REVIEW decisions, approved or rejected by reviewers, closed by their timeout),
and the transition table drawn in docs/risk.md."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import hypothesis.strategies as st
import pytest
from hypothesis import settings
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from merx import risk
from merx.app.risk import install_risk_rules
from merx.kernel.errors import IllegalTransition
from merx.risk.model import REVIEW_FLOW
from tests.risk.world import A, Asker, advance, risky_app

DOC = Path(__file__).parents[2] / "docs" / "risk.md"
TIMEOUT = timedelta(hours=24)
STATUS = {
    risk.ReviewOutcome.APPROVE: risk.ReviewStatus.APPROVED,
    risk.ReviewOutcome.REJECT: risk.ReviewStatus.REJECTED,
}
ON_TIMEOUT = {A.REFUND: risk.ReviewOutcome.APPROVE}


class ReviewQueue(RuleBasedStateMachine):
    """Reference: case id -> (status, due instant, action)."""

    def __init__(self) -> None:
        super().__init__()
        self.app = risky_app(
            rules=(
                risk.RiskRule("big_refund", A.REFUND, "context.amount >= 100", risk.Outcome.REVIEW),
                risk.RiskRule("big_order", A.ORDER, "context.amount >= 100", risk.Outcome.REVIEW),
            )
        )
        self.asker = Asker(self.app)
        self.cases: dict[str, tuple[risk.ReviewStatus, object, risk.RiskAction]] = {}
        self.closed_events = 0

    @rule(action=st.sampled_from([A.REFUND, A.ORDER]), amount=st.sampled_from(["50", "150"]))
    def decide(self, action: risk.RiskAction, amount: str) -> None:
        decided = self.asker.transaction(action, "someone", amount, reference="ref")
        if amount == "150":
            assert decided.outcome is risk.Outcome.REVIEW
            assert decided.case_id is not None
            due = self.app.clock.now() + TIMEOUT
            self.cases[decided.case_id] = (risk.ReviewStatus.OPEN, due, action)
        else:
            assert decided.case_id is None

    @rule(data=st.data(), outcome=st.sampled_from(list(risk.ReviewOutcome)))
    def review(self, data: st.DataObject, outcome: risk.ReviewOutcome) -> None:
        if not self.cases:
            return
        case_id = data.draw(st.sampled_from(sorted(self.cases)))
        status, due, action = self.cases[case_id]
        command = risk.DecideReview(case_id, outcome, "reviewer-1", "looked at it")
        if status is not risk.ReviewStatus.OPEN:
            with pytest.raises(IllegalTransition):
                self.app.handle(command)
            return
        self.app.handle(command)
        self.cases[case_id] = (STATUS[outcome], due, action)
        self.closed_events += 1

    @rule(hours=st.integers(1, 30))
    def time_passes(self, hours: int) -> None:
        advance(self.app, timedelta(hours=hours))

    @rule()
    def expire(self) -> None:
        now = self.app.clock.now()
        expected = 0
        for case_id, (status, due, action) in list(self.cases.items()):
            if status is risk.ReviewStatus.OPEN and due <= now:  # type: ignore[operator]
                self.cases[case_id] = (risk.ReviewStatus.EXPIRED, due, action)
                expected += 1
        assert self.app.handle(risk.ExpireReviews()) == expected
        self.closed_events += expected

    @rule()
    def unknown_case(self) -> None:
        with pytest.raises(risk.UnknownReviewCase):
            self.app.handle(risk.DecideReview("nope", risk.ReviewOutcome.APPROVE, "r"))

    @invariant()
    def cases_match_the_reference(self) -> None:
        with self.app.unit_of_work() as uow:
            repo = uow.repo(risk.ReviewCase)
            for case_id, (status, due, action) in self.cases.items():
                case = repo.get(case_id)
                assert case.status is status
                assert case.due_at == due
                assert case.on_timeout is ON_TIMEOUT.get(action, risk.ReviewOutcome.REJECT)
        closed = [e for e in self.app.events.events if isinstance(e, risk.ReviewClosed)]
        assert len(closed) == self.closed_events
        for event in closed:
            if event.status is risk.ReviewStatus.EXPIRED:
                assert event.reviewer is None
                assert event.outcome is ON_TIMEOUT.get(
                    risk.RiskAction(event.action), risk.ReviewOutcome.REJECT
                )


TestReviewQueue = ReviewQueue.TestCase
TestReviewQueue.settings = settings(max_examples=25, stateful_step_count=25, deadline=None)


def test_a_reviewer_is_named() -> None:
    app = risky_app()
    install_risk_rules(app, risk.anti_money_laundering())
    decided = Asker(app).transaction(A.PAYMENT, "x", "60000.00")
    assert decided.case_id is not None
    with pytest.raises(risk.InvalidRiskInput):
        app.handle(risk.DecideReview(decided.case_id, risk.ReviewOutcome.APPROVE, " "))
    with app.unit_of_work() as uow:
        assert uow.repo(risk.ReviewCase).get(decided.case_id).status is risk.ReviewStatus.OPEN


def test_the_review_flow_is_drawn_in_the_docs() -> None:
    assert REVIEW_FLOW.to_mermaid() in DOC.read_text(encoding="utf-8")
