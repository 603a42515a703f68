"""Quotes and ticks load only live campaigns: the index agrees with a scan of them all."""

from __future__ import annotations

import contextlib
from datetime import timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from merx import promotions
from merx.errors import MerxError
from merx.kernel.ids import PLATFORM
from merx.promotions import BudgetLimits, Campaign, CampaignState
from merx.promotions.lifecycle import LIVE_STATES, LiveCampaigns
from merx.promotions.services import promotions_in_force
from tests.promotions.world import CLOSES, OPENS, START, cny, direct, make_world

CAMPAIGNS = ("A", "B", "C", "D")


def test_a_campaign_is_live_from_scheduled_until_it_ends_or_is_cancelled() -> None:
    world = make_world()
    ended = world.approved(direct("E", starts_at=OPENS, ends_at=CLOSES))
    cancelled = world.approved(direct("X", starts_at=OPENS, ends_at=CLOSES))
    draft = world.handle(promotions.CreateCampaign(PLATFORM, direct("Z"), BudgetLimits()))

    def live() -> set[str]:
        return world.get(LiveCampaigns, "live").ids

    for campaign_id in (ended, cancelled):
        world.handle(promotions.ScheduleCampaign(campaign_id, PLATFORM))
    assert live() == {ended, cancelled}
    world.tick(OPENS)
    world.handle(promotions.CancelCampaign(cancelled, PLATFORM, "typo in the terms"))
    assert live() == {ended}
    assert world.tick(CLOSES) == (ended,)
    assert world.campaign(ended).status is CampaignState.ENDED
    assert live() == set()
    assert world.campaign(draft).status is CampaignState.DRAFT


class LiveIndex(RuleBasedStateMachine):
    """Campaigns moved through their life cycle at random, the clock moving on: the index
    holds exactly the live ones, and quotes see what a scan of every campaign would."""

    @initialize()
    def start(self) -> None:
        self.world = make_world()
        self.world.clock.set(START)
        for n, campaign_id in enumerate(CAMPAIGNS):
            definition = direct(
                campaign_id,
                starts_at=START + timedelta(days=n),
                ends_at=START + timedelta(days=n + 3),
            )
            limits = BudgetLimits(total_discount=cny("10.00")) if n % 2 else BudgetLimits()
            self.world.handle(promotions.CreateCampaign(PLATFORM, definition, limits))

    @rule(campaign_id=st.sampled_from(CAMPAIGNS))
    def advance(self, campaign_id: str) -> None:
        """The campaign's next step toward going live (nothing once it is scheduled)."""
        status = self.world.campaign(campaign_id).status
        command = {
            CampaignState.DRAFT: promotions.SubmitCampaign(campaign_id, PLATFORM),
            CampaignState.SUBMITTED: promotions.ApproveCampaign(campaign_id, PLATFORM),
            CampaignState.APPROVED: promotions.ScheduleCampaign(campaign_id, PLATFORM),
        }.get(status)
        if command is not None:
            self.world.handle(command)

    @rule(campaign_id=st.sampled_from(CAMPAIGNS))
    def cancel(self, campaign_id: str) -> None:
        with contextlib.suppress(MerxError):  # not allowed in its state: nothing changes
            self.world.handle(promotions.CancelCampaign(campaign_id, PLATFORM, "new plans"))

    @rule(hours=st.integers(1, 48))
    def time_passes(self, hours: int) -> None:
        self.world.tick(self.world.clock.now() + timedelta(hours=hours))

    @invariant()
    def index_and_quotes_agree_with_a_full_scan(self) -> None:
        world = self.world
        with world.uow() as uow:
            repo = uow.repo(Campaign)
            every = [repo.get(key) for key in repo.ids()]
            index = uow.repo(LiveCampaigns).find("live")
            at = world.clock.now()
            seen = promotions_in_force(uow, at)
        assert (index.ids if index else set()) == {c.id for c in every if c.status in LIVE_STATES}
        scanned = sorted(
            (c.effective_definition() for c in every if not c.is_coupon and c.in_force(at)),
            key=lambda definition: definition.id,
        )
        assert seen == scanned


TestLiveIndex = LiveIndex.TestCase
TestLiveIndex.settings = settings(max_examples=40, stateful_step_count=20, deadline=None)
