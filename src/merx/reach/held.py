"""Messages held for the quiet hours: a message due while its user's quiet hours last is
not dropped but kept (a :class:`HeldMessage`) until they end in the user's zone, then sent
by the due run the host schedules (``SendHeldMessages``), which checks again, at send
time, what a send checks (dedupe, scope, consent, address, quiet hours, caps) and whether
the message is still relevant: its campaign still active, its user still in the segment,
the hold not past :attr:`~merx.reach.model.ReachPolicy.held_for` after it fell due.

A held message's id is the touch id it will be sent as (``campaign/occasion/customer``),
so a user is held at most once per campaign and occasion, and a sent one is deduped like
any touch. Pure: the services pass the instants.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime

import attrs

from merx.kernel.aggregate import Aggregate, flat_field
from merx.kernel.events import DomainEvent
from merx.kernel.ids import CustomerId
from merx.kernel.state import StateMachine
from merx.reach.model import SkipReason


class HeldStatus(enum.Enum):
    HELD = "held"  # waiting for the end of the user's quiet hours
    SENT = "sent"  # sent by a due run (the touch has its id)
    SKIPPED = "skipped"  # a due run found a reason not to send (``reason``)
    EXPIRED = "expired"  # no longer relevant: campaign stopped, or due too long ago


HELD_FLOW = StateMachine(
    "held message",
    [
        (HeldStatus.HELD, "hold", HeldStatus.HELD),
        (HeldStatus.HELD, "send", HeldStatus.SENT),
        (HeldStatus.HELD, "skip", HeldStatus.SKIPPED),
        (HeldStatus.HELD, "expire", HeldStatus.EXPIRED),
    ],
)


class Expiry(enum.Enum):
    """Why a held message was no longer relevant."""

    CAMPAIGN_STOPPED = "campaign_stopped"  # paused or ended since it was held
    TOO_LATE = "too_late"  # the due run came more than ``held_for`` after it fell due


@attrs.frozen
class MessageHeld(DomainEvent):
    touch_id: str
    campaign_id: str
    customer_id: CustomerId
    due_at: datetime


@attrs.frozen
class HeldMessageSettled(DomainEvent):
    """A held message was sent, skipped (``reason``) or expired (``expiry``)."""

    touch_id: str
    campaign_id: str
    status: HeldStatus
    reason: SkipReason | None
    expiry: Expiry | None
    at: datetime


@attrs.define(kw_only=True)
class HeldMessage(Aggregate):
    """A message of ``campaign_id`` for ``occasion`` to ``customer_id`` (with its
    experiment ``variation`` and an event's own template ``values``), held at ``held_at``
    until ``due_at`` (the end of the user's quiet hours); sent, skipped or expired by a
    due run (``settled_at``)."""

    id: str
    campaign_id: str
    occasion: str
    customer_id: CustomerId
    variation: str | None
    values: dict[str, str] = flat_field(dict)
    held_at: datetime
    due_at: datetime
    status: HeldStatus = HeldStatus.HELD
    reason: SkipReason | None = None
    expiry: Expiry | None = None
    settled_at: datetime | None = None

    @classmethod
    def hold(
        cls,
        touch_id: str,
        *,
        campaign_id: str,
        occasion: str,
        customer_id: CustomerId,
        variation: str | None,
        values: Mapping[str, str],
        at: datetime,
        due_at: datetime,
    ) -> HeldMessage:
        assert due_at > at, f"a message is held until later: {due_at} after {at}"
        held = cls(
            id=touch_id, campaign_id=campaign_id, occasion=occasion, customer_id=customer_id,
            variation=variation, values=dict(values), held_at=at, due_at=due_at,
        )  # fmt: skip
        held.record(MessageHeld(touch_id, campaign_id, customer_id, due_at))
        return held

    @property
    def waiting(self) -> bool:
        return self.status is HeldStatus.HELD

    def hold_again(self, due_at: datetime) -> None:
        """Quiet again when due (the user moved to another zone): held until ``due_at``."""
        assert due_at > self.due_at, f"held again until later: {due_at} after {self.due_at}"
        HELD_FLOW.target(self.status, "hold")
        self.due_at = due_at
        self.record(MessageHeld(self.id, self.campaign_id, self.customer_id, due_at))

    def sent(self, at: datetime) -> None:
        self._settle("send", at, None, None)

    def skip(self, reason: SkipReason, at: datetime) -> None:
        self._settle("skip", at, reason, None)

    def expire(self, expiry: Expiry, at: datetime) -> None:
        self._settle("expire", at, None, expiry)

    def _settle(
        self, command: str, at: datetime, reason: SkipReason | None, expiry: Expiry | None
    ) -> None:
        target = HELD_FLOW.target(self.status, command)
        self.status, self.reason, self.expiry, self.settled_at = target, reason, expiry, at
        self.record(HeldMessageSettled(self.id, self.campaign_id, target, reason, expiry, at))


@attrs.frozen
class HeldRunSummary:
    """A due run: the held messages it sent, skipped (by reason), expired (by why) and
    held again; ``more``: whether messages due by then were left for another run (the
    run's ``limit``)."""

    sent: int = 0
    skipped: Mapping[SkipReason, int] = attrs.field(factory=dict)
    expired: Mapping[Expiry, int] = attrs.field(factory=dict)
    held_again: int = 0
    more: bool = False
