"""A placement's life against a reference model: every command either moves as the model
says or raises ``IllegalTransition`` and changes nothing; the clock's tick moves it live
inside its window and ends it after."""

from __future__ import annotations

import copy
from datetime import timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from merx.errors import IllegalTransition
from merx.kernel.ids import PLATFORM
from merx.traffic import ContentKind, PlacedContent, Placement, PlacementState, Position
from merx.traffic import PositionKind as Kind
from tests.traffic.world import START

S = PlacementState
#: the reference: (state, command) -> state
MODEL = {
    (S.DRAFT, "schedule"): S.SCHEDULED,
    (S.SCHEDULED, "pause"): S.PAUSED,
    (S.LIVE, "pause"): S.PAUSED,
    (S.PAUSED, "resume"): S.SCHEDULED,
    **{(state, "end"): S.ENDED for state in (S.DRAFT, S.SCHEDULED, S.LIVE, S.PAUSED)},
}
WINDOW = (START + timedelta(hours=2), START + timedelta(hours=6))


class PlacementLife(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        position = Position.define(
            "popup", PLATFORM, kind=Kind.POPUP, capacity=1, size="1x1", daily_cap=1
        )
        self.placement = Placement.create(
            "p", position, PLATFORM, PlacedContent(ContentKind.BANNER, "b"), window=WINDOW,
            scenario="s", variants=frozenset(), daily_cap=None, priority=0,
        )  # fmt: skip
        self.state = S.DRAFT
        self.now = START

    @rule(command=st.sampled_from(["schedule", "pause", "resume", "end"]))
    def act(self, command: str) -> None:
        before = copy.deepcopy(self.placement)
        expected = MODEL.get((self.state, command))
        try:
            getattr(self.placement, command)(PLATFORM)
        except IllegalTransition:
            assert expected is None
            assert self.placement == before
            return
        assert expected is not None
        self.state = expected

    @rule(hours=st.integers(0, 3))
    def tick(self, hours: int) -> None:
        self.now += timedelta(hours=hours)
        self.placement.tick(self.now)
        started, ended = WINDOW[0] <= self.now, WINDOW[1] <= self.now
        if self.state in (S.SCHEDULED, S.LIVE) and ended:
            self.state = S.ENDED
        elif self.state is S.SCHEDULED and started:
            self.state = S.LIVE

    @invariant()
    def follows_the_model(self) -> None:
        assert self.placement.status is self.state


TestPlacementLife = PlacementLife.TestCase
TestPlacementLife.settings = settings(max_examples=60, stateful_step_count=20, deadline=None)
