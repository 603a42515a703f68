"""Credit through the bus: applications, checkout options, the real-time review, freezes."""

from __future__ import annotations

import copy

import pytest

from merx import credit
from merx.adapters.memory.scorer import score
from merx.credit import (
    Consent,
    ConsentMissing,
    CreditDeclined,
    Identity,
    LimitExceeded,
    ScoringFacts,
)
from merx.kernel.ids import CustomerId
from tests.credit.world import ALICE, CreditWorld, cny


def test_an_application_without_consent_is_refused(world: CreditWorld) -> None:
    facts = ScoringFacts(ALICE, 30, cny("12000.00"), 12, 0, cny("0"))
    with pytest.raises(ConsentMissing):
        world.handle(
            credit.ApplyForCredit(
                ALICE,
                Identity("Alice Li", "1101", "138"),
                Consent(False, world.clock.now(), "v1"),
                facts,
            )
        )


def test_the_scorecard_grades_and_prices(world: CreditWorld) -> None:
    facts = ScoringFacts(ALICE, 30, cny("12000.00"), 12, 0, cny("0"))
    assert score(facts) == 25 + 35 + 10 + 25 + 10
    decision = world.handle(
        credit.ApplyForCredit(
            ALICE,
            Identity("Alice Li", "1101", "138"),
            Consent(True, world.clock.now(), "v1"),
            facts,
        )
    )
    assert (decision.approved, decision.grade, decision.limit) == (True, "B", cny("20000"))
    young = ScoringFacts(CustomerId("bob"), 17, cny("1000.00"), 0, 0, cny("0"))
    rejected = world.handle(
        credit.ApplyForCredit(
            CustomerId("bob"),
            Identity("Bob", "1", "1"),
            Consent(True, world.clock.now(), "v1"),
            young,
        )
    )
    assert not rejected.approved


def test_checkout_lists_every_term_the_grade_offers(world: CreditWorld) -> None:
    world.open_account()
    with world.bus._uow_factory() as uow:  # a query, no command
        options = credit.installment_options(uow, ALICE, cny("3000.00"), clock=world.clock)
    assert [o.offer.term_months for o in options] == [3, 6, 9, 12]
    assert all(o.within_limit for o in options)
    assert all(o.schedule.apr > 0 for o in options)


def test_the_real_time_risk_check_can_decline_without_a_trace(world: CreditWorld) -> None:
    world.open_account()
    world.scorer.flag(ALICE, "risk event: new device")
    before = copy.deepcopy(world.store.tables)
    with pytest.raises(CreditDeclined):
        world.buy("100.00", 3)
    with pytest.raises(LimitExceeded):
        world.buy("10000.01", 3, order="ord-2")
    assert world.store.tables == before


def test_a_frozen_account_takes_no_purchase(world: CreditWorld) -> None:
    world.open_account()
    world.handle(credit.FreezeCreditAccount(ALICE, "stolen phone reported"))
    with pytest.raises(credit.AccountFrozen):
        world.buy("100.00", 3)
    world.handle(credit.UnfreezeCreditAccount(ALICE))
    world.buy("100.00", 3)
