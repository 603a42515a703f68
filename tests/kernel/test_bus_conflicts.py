"""The bus after a conflict: a random, growing pause between attempts (:class:`Backoff`),
and the last attempts run alone (:class:`~merx.kernel.uow.Exclusive`)."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx.adapters.memory import EventLog, MemoryStore, MemoryUnitOfWork
from merx.kernel.bus import Backoff, Command, MessageBus
from merx.kernel.errors import ConcurrencyError, ValidationError
from merx.kernel.uow import Exclusive, UnitOfWork


@attrs.frozen
class Contend(Command[int]):
    """Conflicts ``losses`` times, then wins: the attempt that won."""

    losses: int


class AloneUnitOfWork(MemoryUnitOfWork):
    """A memory unit of work that records when it was asked to run alone."""

    def __init__(self, store: MemoryStore, alone: list[int], attempt: list[int]) -> None:
        super().__init__(store)
        self._alone = alone
        self._attempt = attempt

    def exclusively(self) -> None:
        self._alone.append(self._attempt[0])


def contending_bus(
    *, attempts: int, exclusive_after: int | None, pauses: list[int]
) -> tuple[MessageBus, list[int]]:
    store = MemoryStore()
    alone: list[int] = []
    attempt = [0]

    def new_uow() -> AloneUnitOfWork:
        attempt[0] += 1
        return AloneUnitOfWork(store, alone, attempt)

    bus = MessageBus(
        new_uow, EventLog(), attempts=attempts, pause=pauses.append, exclusive_after=exclusive_after
    )

    def handler(cmd: Contend, uow: UnitOfWork) -> int:
        if attempt[0] <= cmd.losses:
            raise ConcurrencyError(f"attempt {attempt[0]} met another commit")
        return attempt[0]

    bus.register(Contend, handler)
    return bus, alone


def test_the_unit_of_work_of_the_tests_can_run_alone() -> None:
    assert isinstance(AloneUnitOfWork(MemoryStore(), [], [0]), Exclusive)


def test_a_conflicting_command_pauses_between_attempts_then_runs_alone() -> None:
    pauses: list[int] = []
    bus, alone = contending_bus(attempts=6, exclusive_after=3, pauses=pauses)
    assert bus.handle(Contend(losses=4)) == 5
    assert pauses == [1, 2, 3, 4]  # after each conflicting attempt, told which
    assert alone == [4, 5]  # the attempts after the third conflict run alone


def test_a_command_that_wins_early_never_runs_alone() -> None:
    pauses: list[int] = []
    bus, alone = contending_bus(attempts=6, exclusive_after=3, pauses=pauses)
    assert bus.handle(Contend(losses=1)) == 2
    assert (pauses, alone) == ([1], [])


def test_without_exclusive_after_no_attempt_runs_alone_and_the_last_conflict_is_raised() -> None:
    pauses: list[int] = []
    bus, alone = contending_bus(attempts=3, exclusive_after=None, pauses=pauses)
    with pytest.raises(ConcurrencyError, match="attempt 3"):
        bus.handle(Contend(losses=5))
    assert (pauses, alone) == ([1, 2], [])  # no pause after the last attempt


@given(attempt=st.integers(min_value=1, max_value=40))
def test_a_backoff_pause_is_drawn_below_a_growing_capped_limit(attempt: int) -> None:
    drawn: list[tuple[float, float]] = []
    slept: list[float] = []

    def draw(low: float, high: float) -> float:
        drawn.append((low, high))
        return high

    backoff = Backoff(first_s=0.002, cap_s=0.05, draw=draw, sleep=slept.append)
    backoff(attempt)
    limit = min(0.05, 0.002 * 2 ** (attempt - 1))
    assert drawn == [(0.0, limit)]
    assert slept == [limit]
    assert backoff.limit_s(attempt) <= backoff.limit_s(attempt + 1) <= 0.05


def test_a_backoff_whose_first_pause_exceeds_its_cap_is_refused() -> None:
    with pytest.raises(ValidationError, match="first_s <= cap_s"):
        Backoff(first_s=0.1, cap_s=0.05)
