"""A run of a segment (or once) campaign over its candidates, in chunks.

A :class:`ReachRun` (id ``campaign/occasion``) keeps the run's cursor (the last candidate
done, candidates taken in id order) and its counts; each chunk of candidates is one unit
of work that reaches them, moves the cursor and counts, so a run stopped between chunks
(a crash, a deploy) resumes after the last chunk committed when the same
``RunReachCampaign`` is sent again. A chunk that did not commit is done again: its
touches were not stored, and the messenger is idempotent on the touch id, so no user gets
the message twice. A finished run sent again makes a new pass over every candidate (its
counts are the pass's): those reached already are deduped by their touch, and those who
could not be reached then (no consent yet, capped) may be now.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime

import attrs

from merx.kernel.aggregate import Aggregate, flat_field
from merx.kernel.events import DomainEvent
from merx.kernel.state import StateMachine
from merx.reach.model import RunSummary, SkipReason


class RunStatus(enum.Enum):
    RUNNING = "running"
    FINISHED = "finished"


RUN_FLOW = StateMachine(
    "reach run",
    [
        (RunStatus.RUNNING, "advance", RunStatus.RUNNING),
        (RunStatus.RUNNING, "finish", RunStatus.FINISHED),
        (RunStatus.FINISHED, "restart", RunStatus.RUNNING),
    ],
)


@attrs.frozen
class RunAdvanced(DomainEvent):
    """A chunk of the run committed: the candidates up to ``cursor`` are done."""

    run_id: str
    cursor: str
    considered: int
    sent: int


@attrs.frozen
class RunStarted(DomainEvent):
    run_id: str
    passes: int
    at: datetime


@attrs.frozen
class RunFinished(DomainEvent):
    run_id: str
    considered: int
    sent: int
    at: datetime


def run_id(campaign_id: str, occasion: str) -> str:
    return f"{campaign_id}/{occasion}"


@attrs.define(kw_only=True)
class ReachRun(Aggregate):
    """One campaign's run for one occasion: its pass (1 the first time), where the pass is
    and what it did so far."""

    id: str
    campaign_id: str
    occasion: str
    started_at: datetime
    status: RunStatus = RunStatus.RUNNING
    passes: int = 1
    cursor: str | None = None
    considered: int = 0
    sent: int = 0
    skipped: dict[SkipReason, int] = flat_field(dict)
    finished_at: datetime | None = None

    @classmethod
    def start(cls, campaign_id: str, occasion: str, at: datetime) -> ReachRun:
        run = cls(
            id=run_id(campaign_id, occasion),
            campaign_id=campaign_id,
            occasion=occasion,
            started_at=at,
        )
        run.record(RunStarted(run.id, 1, at))
        return run

    def restart(self, at: datetime) -> None:
        """A new pass of a finished run, from the first candidate."""
        RUN_FLOW.target(self.status, "restart")
        self.passes += 1
        self.started_at, self.finished_at, self.cursor = at, None, None
        self.considered, self.sent, self.skipped = 0, 0, {}
        RUN_FLOW.move(self, "restart", RunStarted(self.id, self.passes, at))

    @property
    def finished(self) -> bool:
        return self.status is RunStatus.FINISHED

    def advance(self, cursor: str, sent: int, skipped: Mapping[SkipReason, int]) -> None:
        """Candidates up to ``cursor`` (after the last) are done: ``sent`` reached, the
        others ``skipped``."""
        RUN_FLOW.target(self.status, "advance")
        assert self.cursor is None or cursor > self.cursor, f"{cursor!r} after {self.cursor!r}"
        considered = sent + sum(skipped.values())
        self.cursor = cursor
        self.considered += considered
        self.sent += sent
        for reason, n in skipped.items():
            self.skipped[reason] = self.skipped.get(reason, 0) + n
        self.record(RunAdvanced(self.id, cursor, considered, sent))

    def finish(self, at: datetime) -> None:
        RUN_FLOW.target(self.status, "finish")
        self.finished_at = at
        RUN_FLOW.move(self, "finish", RunFinished(self.id, self.considered, self.sent, at))

    def summary(self) -> RunSummary:
        return RunSummary(
            self.campaign_id, self.occasion, self.considered, self.sent, dict(self.skipped)
        )
