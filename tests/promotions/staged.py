"""The frame of the budget and usage-cap state machines: operations staged in open units of
work, committed or dropped later, each checked against a reference model.

A rule stages one operation in a fresh unit of work (loading the committed state) and
leaves it open; :meth:`StagedMachine.commit_one` or :meth:`StagedMachine.drop_one` ends
one. Every change saves the campaign, so a unit of work commits only if nothing was
committed since it loaded (``ConcurrencyError``, nothing written).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Protocol

import attrs
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule

from merx.adapters.memory import MemoryUnitOfWork
from merx.errors import ConcurrencyError, IllegalTransition, MerxError
from merx.kernel.ids import OrderId
from merx.promotions import UnknownReservation, consume_for_order, release_for_order
from tests.promotions.world import PromotionsWorld, make_world

ORDERS = tuple(f"o{n}" for n in range(8))


class Settled(Protocol):
    state: str  # "reserved", "consumed" or "released"


@attrs.define
class Pending:
    uow: MemoryUnitOfWork
    loaded_at: int  # the number of committed changes when it loaded
    apply: Any  # the change to the model once committed; None for a no-op


class StagedMachine(RuleBasedStateMachine):
    """Stages reservations (in subclasses) and settlements of the campaign ``CAMPAIGN``;
    ``model`` maps each order the store holds to its :class:`Settled` reservation."""

    CAMPAIGN: ClassVar[str]
    model: dict[str, Any]

    def __init__(self) -> None:
        super().__init__()
        self.world: PromotionsWorld = make_world()
        self.commits = 0
        self.open: list[Pending] = []

    def stage(
        self,
        operation: Callable[[MemoryUnitOfWork], object],
        expected: type[Exception] | None,
        apply: Callable[[], None] | None,
    ) -> MerxError | None:
        """Run ``operation`` in a fresh unit of work: refused with ``expected`` (then
        dropped), or staged and left open with ``apply``; what it raised."""
        uow = MemoryUnitOfWork(self.world.store)
        refused: MerxError | None
        try:
            operation(uow)
        except MerxError as error:
            refused = error
        else:
            refused = None
        if expected is None:
            assert refused is None, f"unexpected {refused!r}"
            self.open.append(Pending(uow, self.commits, apply))
        else:
            assert isinstance(refused, expected), f"expected {expected}, got {refused!r}"
            event(f"refused: {expected.__name__}")
        return refused

    @rule(order=st.sampled_from(ORDERS), paid=st.booleans())
    def stage_settle(self, order: str, paid: bool) -> None:
        held: Settled | None = self.model.get(order)
        target = "consumed" if paid else "released"
        expected: type[Exception] | None = None
        apply = None
        if held is None:
            expected = UnknownReservation
        elif held.state == target:
            pass  # a replay: nothing to write
        elif held.state != "reserved":
            expected = IllegalTransition
        else:

            def apply() -> None:
                self.model[order].state = target

        settle = consume_for_order if paid else release_for_order
        self.stage(lambda uow: settle(uow, OrderId(order), [self.CAMPAIGN]), expected, apply)

    @precondition(lambda self: self.open)
    @rule(data=st.data())
    def commit_one(self, data: st.DataObject) -> None:
        pending = self.open.pop(data.draw(st.integers(0, len(self.open) - 1)))
        if pending.apply is None:
            pending.uow.commit()  # nothing staged: nothing to lose
            return
        if pending.loaded_at != self.commits:
            try:
                pending.uow.commit()
            except ConcurrencyError:
                event("stale unit of work refused")
                return
            raise AssertionError("a stale unit of work committed")
        pending.uow.commit()
        pending.apply()
        self.commits += 1
        event("change committed")

    @precondition(lambda self: self.open)
    @rule(data=st.data())
    def drop_one(self, data: st.DataObject) -> None:
        pending = self.open.pop(data.draw(st.integers(0, len(self.open) - 1)))
        pending.uow.rollback()
