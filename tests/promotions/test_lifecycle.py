"""Campaign life cycle: creation, review, schedule, tick, cancel; owners; enrolment; queries."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from merx import promotions
from merx.errors import (
    AlreadyExists,
    IllegalTransition,
    MerxError,
    NotFound,
    Unauthorized,
    ValidationError,
)
from merx.kernel.ids import PLATFORM, CustomerId
from merx.kernel.state import StateMachine
from merx.pricing import CartLine, Customer, FundingShare, PaymentOff, Scope, quote
from merx.promotions import (
    BudgetLimits,
    CampaignActivated,
    CampaignEnded,
    CampaignState,
    InvalidCampaign,
    NotOpenForEnrolment,
    NotYourCampaign,
    SkuEnrolledByAnother,
    UnknownEnrolment,
)
from merx.promotions.budgets import RESERVATION_FLOW
from merx.promotions.lifecycle import CAMPAIGN_FLOW, ENROLMENT_FLOW, EnrolmentState
from merx.promotions.services import promotions_in_force
from merx.promotions.wallet import COUPON_FLOW
from tests.promotions.world import (
    ACME,
    ALICE,
    CLOSES,
    OPENS,
    OTHER,
    START,
    PromotionsWorld,
    cny,
    coupon,
    direct,
    make_world,
    store_threshold,
)


@pytest.fixture
def world() -> PromotionsWorld:
    return make_world()


def in_force(world: PromotionsWorld) -> list[str]:
    with world.uow() as uow:
        return [p.id for p in promotions_in_force(uow, world.clock.now())]


# -- the happy path --------------------------------------------------------------------


def test_a_platform_campaign_goes_from_draft_to_ended(world: PromotionsWorld) -> None:
    definition = direct(starts_at=OPENS, ends_at=CLOSES)
    campaign_id = world.handle(promotions.CreateCampaign(PLATFORM, definition))
    assert campaign_id == "D1"
    assert world.campaign("D1").status is CampaignState.DRAFT
    world.handle(promotions.SubmitCampaign("D1", PLATFORM))
    world.handle(promotions.ApproveCampaign("D1", PLATFORM))
    world.handle(promotions.ScheduleCampaign("D1", PLATFORM))
    assert world.campaign("D1").status is CampaignState.SCHEDULED
    assert world.tick() == ()  # before starts_at: nothing moves
    assert world.tick(OPENS) == ("D1",)
    assert world.campaign("D1").status is CampaignState.ACTIVE
    assert in_force(world) == ["D1"]
    assert world.tick(CLOSES - timedelta(seconds=1)) == ()
    assert world.tick(CLOSES) == ("D1",)
    ended = world.campaign("D1")
    assert ended.status is CampaignState.ENDED
    assert ended.reasons == ("ends_at",)
    assert [e.name for e in world.events.events] == [
        "CampaignCreated",
        "CampaignSubmitted",
        "CampaignApproved",
        "CampaignScheduled",
        "CampaignActivated",
        "CampaignEnded",
    ]


def test_a_tick_past_the_whole_window_starts_and_ends_in_one_go(world: PromotionsWorld) -> None:
    world.approved(direct(starts_at=OPENS, ends_at=CLOSES))
    world.handle(promotions.ScheduleCampaign("D1", PLATFORM))
    assert world.tick(CLOSES + timedelta(days=1)) == ("D1",)
    assert world.campaign("D1").status is CampaignState.ENDED
    assert [type(e) for e in world.events.events[-2:]] == [CampaignActivated, CampaignEnded]


def test_a_campaign_without_a_window_starts_at_the_next_tick(world: PromotionsWorld) -> None:
    world.active(direct())
    assert world.campaign("D1").status is CampaignState.ACTIVE


def test_the_budget_spent_ends_a_campaign(world: PromotionsWorld) -> None:
    world.active(direct(), limits=BudgetLimits(total_discount=cny("30.00")))
    world.reserve("o1", {"D1": "30.00"})
    assert world.tick() == ()  # reserved, not consumed: a cancellation may give it back
    assert in_force(world) == []  # but nothing is left to reserve now
    world.settle("o1", ("D1",), paid=True)
    assert world.tick() == ("D1",)
    assert world.campaign("D1").reasons == ("budget_spent",)


# -- review ----------------------------------------------------------------------------


def test_a_rejection_names_its_reasons_and_the_owner_may_revise(world: PromotionsWorld) -> None:
    world.handle(promotions.CreateCampaign(ACME, store_threshold()))
    world.handle(promotions.SubmitCampaign("S1", ACME))
    world.handle(promotions.RejectCampaign("S1", PLATFORM, ("tiers too steep", "no image")))
    rejected = world.campaign("S1")
    assert rejected.status is CampaignState.REJECTED
    assert rejected.reasons == ("tiers too steep", "no image")
    world.handle(promotions.ReviseCampaign("S1", ACME))
    world.handle(promotions.EditCampaign("S1", ACME, store_threshold(priority=1), BudgetLimits()))
    world.handle(promotions.SubmitCampaign("S1", ACME))
    world.handle(promotions.ApproveCampaign("S1", PLATFORM))
    approved = world.campaign("S1")
    assert approved.status is CampaignState.APPROVED
    assert approved.reasons == ()
    assert approved.definition.priority == 1


def test_a_rejection_needs_a_reason(world: PromotionsWorld) -> None:
    world.handle(promotions.CreateCampaign(PLATFORM, direct()))
    world.handle(promotions.SubmitCampaign("D1", PLATFORM))
    with pytest.raises(ValidationError):
        world.handle(promotions.RejectCampaign("D1", PLATFORM, ()))


def test_only_the_platform_reviews(world: PromotionsWorld) -> None:
    world.handle(promotions.CreateCampaign(ACME, store_threshold()))
    world.handle(promotions.SubmitCampaign("S1", ACME))
    before = world.snapshot()
    with pytest.raises(NotYourCampaign):
        world.handle(promotions.ApproveCampaign("S1", ACME))
    with pytest.raises(Unauthorized):
        world.handle(promotions.RejectCampaign("S1", ACME, ("no",)))
    assert world.snapshot() == before


def test_a_merchant_acts_only_on_its_own_campaigns(world: PromotionsWorld) -> None:
    world.handle(promotions.CreateCampaign(ACME, store_threshold()))
    before = world.snapshot()
    for command in (
        promotions.SubmitCampaign("S1", OTHER),
        promotions.EditCampaign("S1", OTHER, store_threshold(), BudgetLimits()),
        promotions.CancelCampaign("S1", OTHER, "mine now"),
        promotions.ScheduleCampaign("S1", OTHER),
    ):
        with pytest.raises(Unauthorized):
            world.handle(command)
    assert world.snapshot() == before
    world.handle(promotions.CancelCampaign("S1", PLATFORM, "breaks the rules"))  # the platform may
    assert world.campaign("S1").status is CampaignState.CANCELLED


def test_editing_is_for_drafts_only(world: PromotionsWorld) -> None:
    world.handle(promotions.CreateCampaign(PLATFORM, direct()))
    world.handle(promotions.EditCampaign("D1", PLATFORM, direct(off="12.00"), BudgetLimits()))
    assert world.campaign("D1").definition == direct(off="12.00")
    world.handle(promotions.SubmitCampaign("D1", PLATFORM))
    with pytest.raises(IllegalTransition) as refused:
        world.handle(promotions.EditCampaign("D1", PLATFORM, direct(), BudgetLimits()))
    assert (refused.value.state, refused.value.command) == ("submitted", "edit")


def test_an_edit_keeps_the_id(world: PromotionsWorld) -> None:
    world.handle(promotions.CreateCampaign(PLATFORM, direct()))
    with pytest.raises(InvalidCampaign):
        world.handle(promotions.EditCampaign("D1", PLATFORM, direct("D2"), BudgetLimits()))


@pytest.mark.parametrize("state", ["draft", "submitted", "approved", "scheduled", "active"])
def test_cancel_from_every_open_state(world: PromotionsWorld, state: str) -> None:
    world.handle(promotions.CreateCampaign(PLATFORM, direct()))
    steps = [
        promotions.SubmitCampaign("D1", PLATFORM),
        promotions.ApproveCampaign("D1", PLATFORM),
        promotions.ScheduleCampaign("D1", PLATFORM),
        promotions.TickCampaigns(),
    ]
    order = ["draft", "submitted", "approved", "scheduled", "active"]
    for step in steps[: order.index(state)]:
        world.handle(step)
    assert world.campaign("D1").status.value == state
    world.handle(promotions.CancelCampaign("D1", PLATFORM, "budget cut"))
    cancelled = world.campaign("D1")
    assert cancelled.status is CampaignState.CANCELLED
    assert cancelled.reasons == ("budget cut",)
    with pytest.raises(IllegalTransition):
        world.handle(promotions.CancelCampaign("D1", PLATFORM, "again"))


def test_ended_and_rejected_campaigns_cannot_be_cancelled(world: PromotionsWorld) -> None:
    world.handle(promotions.CreateCampaign(PLATFORM, direct()))
    world.handle(promotions.SubmitCampaign("D1", PLATFORM))
    world.handle(promotions.RejectCampaign("D1", PLATFORM, ("no",)))
    with pytest.raises(IllegalTransition):
        world.handle(promotions.CancelCampaign("D1", PLATFORM, "x"))


def test_the_table_is_data() -> None:
    allowed = {(s.value, c): t.value for (s, c), t in CAMPAIGN_FLOW.transitions.items()}
    assert allowed[("draft", "submit")] == "submitted"
    assert allowed[("submitted", "reject")] == "rejected"
    assert allowed[("scheduled", "activate")] == "active"
    cancellable = {s for (s, c) in allowed if c == "cancel"}
    assert cancellable == {"draft", "submitted", "approved", "scheduled", "active"}
    assert {s for (s, c) in allowed if c == "edit"} == {"draft"}
    assert "    draft --> submitted: submit" in CAMPAIGN_FLOW.to_mermaid()


def test_an_id_is_taken_once(world: PromotionsWorld) -> None:
    world.handle(promotions.CreateCampaign(PLATFORM, direct()))
    with pytest.raises(AlreadyExists):
        world.handle(promotions.CreateCampaign(PLATFORM, direct()))


def test_unknown_campaigns_are_not_found(world: PromotionsWorld) -> None:
    with pytest.raises(NotFound):
        world.handle(promotions.SubmitCampaign("nope", PLATFORM))


# -- what a campaign may wrap ----------------------------------------------------------


@pytest.mark.parametrize(
    ("owner", "definition", "limits", "enrol"),
    [
        (PLATFORM, direct("A#1"), BudgetLimits(), False),  # the coupon separator
        (PLATFORM, direct(), BudgetLimits(coupon_stock=10), False),  # stock is for coupons
        (PLATFORM, direct(scope=Scope(skus=("A",))), BudgetLimits(), True),  # skus by enrolment
        (ACME, direct(), BudgetLimits(), True),  # only the platform opens enrolment
        (ACME, PaymentOff(id="P", payment_method="card", off=cny("1")), BudgetLimits(), False),
        (ACME, direct(scope=Scope(merchants=(OTHER,))), BudgetLimits(), False),
        (ACME, store_threshold(merchant=OTHER), BudgetLimits(), False),
        (ACME, coupon(), BudgetLimits(), False),  # a merchant's coupon is a store coupon
        (
            ACME,
            direct(funded_by=(FundingShare(PLATFORM, Decimal(1)),)),
            BudgetLimits(),
            False,
        ),
    ],
)
def test_misfit_campaigns_are_refused(
    world: PromotionsWorld, owner: str, definition: object, limits: BudgetLimits, enrol: bool
) -> None:
    with pytest.raises(InvalidCampaign):
        world.handle(
            promotions.CreateCampaign(
                owner,  # type: ignore[arg-type]
                definition,  # type: ignore[arg-type]
                limits,
                open_for_enrolment=enrol,
            )
        )
    assert world.snapshot() == {}


def test_a_budget_in_another_currency_is_refused(world: PromotionsWorld) -> None:
    from merx.errors import CurrencyMismatch
    from merx.kernel.money import Money

    with pytest.raises(CurrencyMismatch):
        world.handle(
            promotions.CreateCampaign(
                PLATFORM, direct(), BudgetLimits(total_discount=Money.of("5", "USD"))
            )
        )


def test_a_merchant_campaign_is_scoped_to_and_funded_by_its_store(
    world: PromotionsWorld,
) -> None:
    world.active(direct(), owner=ACME)
    with world.uow() as uow:
        (effective,) = promotions_in_force(uow, world.clock.now())
    assert effective.scope.merchants == (ACME,)
    assert effective.funders() == (FundingShare(ACME, Decimal(1)),)
    lines = (
        CartLine("A", ACME, "phone", cny("50.00"), 1),
        CartLine("B", OTHER, "phone", cny("50.00"), 1),
    )
    result = quote(lines, [effective], [], Customer(ALICE), world.clock.now())
    assert result.line("A").amount == cny("40.00")
    assert result.line("B").amount == cny("50.00")
    assert [(f.party, f.amount) for f in result.cost] == [(ACME, cny("10.00"))]


# -- enrolment -------------------------------------------------------------------------


def open_campaign(world: PromotionsWorld) -> str:
    return world.approved(direct("BIG", starts_at=OPENS, ends_at=CLOSES), open_for_enrolment=True)


def test_the_scope_is_the_approved_enrolments(world: PromotionsWorld) -> None:
    open_campaign(world)
    assert world.handle(promotions.EnrolSkus("BIG", ACME, ("A", "B", "C"))) == ("A", "B", "C")
    assert world.handle(promotions.EnrolSkus("BIG", OTHER, ("D",))) == ("D",)
    world.handle(promotions.ApproveEnrolments("BIG", PLATFORM, ("A", "D")))
    world.handle(promotions.RejectEnrolments("BIG", PLATFORM, ("B",), "price raised before"))
    campaign = world.campaign("BIG")
    assert campaign.enrolments["B"].state is EnrolmentState.REJECTED
    assert campaign.enrolments["B"].reason == "price raised before"
    assert campaign.enrolments["C"].state is EnrolmentState.PENDING
    world.handle(promotions.ScheduleCampaign("BIG", PLATFORM))
    world.handle(promotions.ApproveEnrolments("BIG", PLATFORM, ("C",)))  # still before start
    world.tick(OPENS)
    with world.uow() as uow:
        (effective,) = promotions_in_force(uow, OPENS)
    assert effective.scope.skus == ("A", "C", "D")


def test_no_approved_enrolment_matches_no_line(world: PromotionsWorld) -> None:
    open_campaign(world)
    world.handle(promotions.ScheduleCampaign("BIG", PLATFORM))
    world.tick(OPENS)
    with world.uow() as uow:
        (effective,) = promotions_in_force(uow, OPENS)
    assert effective.scope.skus == ()
    line = CartLine("A", ACME, "phone", cny("50.00"), 1)
    assert quote((line,), [effective], [], Customer(ALICE), OPENS).discount == cny("0")


def test_enrolment_rules(world: PromotionsWorld) -> None:
    open_campaign(world)
    world.handle(promotions.EnrolSkus("BIG", ACME, ("A",)))
    assert world.handle(promotions.EnrolSkus("BIG", ACME, ("A",))) == ()  # again: a no-op
    with pytest.raises(SkuEnrolledByAnother):
        world.handle(promotions.EnrolSkus("BIG", OTHER, ("A",)))
    with pytest.raises(ValidationError):
        world.handle(promotions.EnrolSkus("BIG", ACME, ("B", "B")))
    with pytest.raises(UnknownEnrolment):
        world.handle(promotions.ApproveEnrolments("BIG", PLATFORM, ("Z",)))
    with pytest.raises(Unauthorized):
        world.handle(promotions.ApproveEnrolments("BIG", ACME, ("A",)))
    world.handle(promotions.RejectEnrolments("BIG", PLATFORM, ("A",), "not eligible"))
    with pytest.raises(IllegalTransition):
        world.handle(promotions.ApproveEnrolments("BIG", PLATFORM, ("A",)))
    assert world.handle(promotions.EnrolSkus("BIG", ACME, ("A",))) == ("A",)  # try again
    assert world.campaign("BIG").enrolments["A"].state is EnrolmentState.PENDING


def test_enrolment_closes_once_scheduled(world: PromotionsWorld) -> None:
    open_campaign(world)
    world.handle(promotions.ScheduleCampaign("BIG", PLATFORM))
    with pytest.raises(IllegalTransition):
        world.handle(promotions.EnrolSkus("BIG", ACME, ("A",)))


def test_a_campaign_not_open_for_enrolment_takes_none(world: PromotionsWorld) -> None:
    world.approved(direct())
    with pytest.raises(NotOpenForEnrolment):
        world.handle(promotions.EnrolSkus("D1", ACME, ("A",)))


# -- the checkout query ----------------------------------------------------------------


def test_in_force_lists_active_automatic_campaigns_in_their_window(
    world: PromotionsWorld,
) -> None:
    world.active(direct("D1"))
    world.active(direct("D2", starts_at=START - timedelta(days=1), ends_at=OPENS))
    world.active(coupon("C1"))  # coupons reach checkout through wallets
    world.approved(direct("D3"))  # approved, not started
    world.handle(promotions.CreateCampaign(PLATFORM, direct("D4")))
    assert in_force(world) == ["D1", "D2"]
    with world.uow() as uow:
        later = [p.id for p in promotions_in_force(uow, OPENS)]
    assert later == ["D1"]  # D2's window closed, even before a tick ended it
    world.handle(promotions.CancelCampaign("D1", PLATFORM, "stop"))
    assert in_force(world) == ["D2"]


def test_commands_refused_leave_no_trace(world: PromotionsWorld) -> None:
    world.active(direct())
    before = world.snapshot()
    for command in (
        promotions.SubmitCampaign("D1", PLATFORM),
        promotions.ClaimCoupon(CustomerId("alice"), "D1"),
        promotions.CancelCampaign("D1", PLATFORM, " "),
    ):
        with pytest.raises(MerxError):
            world.handle(command)
    assert world.snapshot() == before


@pytest.mark.parametrize(
    "machine",
    [CAMPAIGN_FLOW, ENROLMENT_FLOW, RESERVATION_FLOW, COUPON_FLOW],
)
def test_the_page_holds_each_diagram_as_generated(machine: StateMachine[Any]) -> None:
    page = Path(__file__).resolve().parents[2] / "docs" / "promotions.md"
    assert f"```mermaid\n{machine.to_mermaid()}\n```" in page.read_text(encoding="utf-8")
