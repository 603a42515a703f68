"""Ports of the play context: the randomness of draws, and the contexts that grant rewards
and charge make-up sign-ins (wired by the composition root)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from merx.kernel.ids import CustomerId
from merx.kernel.uow import UnitOfWork
from merx.play.rewards import RewardEarned


class Randomness(Protocol):
    """Port: a draw's roll, an int in ``[0, ROLL_SCALE)``, from the lottery's seed and the
    draw id. Deterministic per (seed, draw id), so a recorded roll can be recomputed
    (:class:`~merx.play.lottery.HmacRandomness` is the default)."""

    def roll(self, seed: str, draw_id: str) -> int: ...


class RewardGranter(Protocol):
    """Port: stage ``earned``'s reward in the context that holds it (a coupon into the
    wallet, points, a temporary credit limit) in ``uow``, without committing; the
    reference it became (a coupon id, ...). Raises a ``MerxError`` having staged nothing
    when that context refuses it."""

    def __call__(self, uow: UnitOfWork, earned: RewardEarned, at: datetime) -> str: ...


class PointsSpender(Protocol):
    """Port: stage spending ``cost_points`` of the customer's points for ``reference`` in
    ``uow``, without committing; raises a ``MerxError`` (too few points) having staged
    nothing."""

    def __call__(
        self,
        uow: UnitOfWork,
        customer_id: CustomerId,
        cost_points: int,
        reference: str,
        at: datetime,
    ) -> None: ...
