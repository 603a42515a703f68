"""A small declarative state machine: transitions as data.

Each aggregate with a life cycle declares its table once::

    ORDER_FLOW = StateMachine("order", [
        ("pending_payment", "pay", "paid"),
        (("pending_payment", "paid"), "cancel", "cancelled"),
    ])

and moves with :meth:`StateMachine.move`, which refuses a command the table does not
allow in the current state (:class:`merx.errors.IllegalTransition`, naming both) and
records the event of the transition. The table also renders as a Mermaid diagram, so
docs are generated from the code and cannot drift.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Generic, Protocol, TypeVar

from merx.kernel.errors import IllegalTransition, ValidationError
from merx.kernel.events import DomainEvent

S = TypeVar("S", bound=Enum)


class _HasStatus(Protocol[S]):
    status: S

    def record(self, event: DomainEvent) -> None: ...


class StateMachine(Generic[S]):
    """A transition table ``(source state(s), command) -> target state``."""

    def __init__(self, name: str, transitions: Iterable[tuple[S | Iterable[S], str, S]]) -> None:
        self.name = name
        table: dict[tuple[S, str], S] = {}
        for sources, command, target in transitions:
            for source in (sources,) if isinstance(sources, Enum) else tuple(sources):
                key = (source, command)
                if key in table and table[key] != target:
                    raise ValidationError(
                        f"{name}: {command!r} from {source.value!r} has two targets"
                    )
                table[key] = target
        self._table: Mapping[tuple[S, str], S] = table

    @property
    def transitions(self) -> Mapping[tuple[S, str], S]:
        return self._table

    def allows(self, state: S, command: str) -> bool:
        return (state, command) in self._table

    def commands(self, state: S) -> list[str]:
        """The commands allowed in ``state``, sorted."""
        return sorted(command for (source, command) in self._table if source == state)

    def target(self, state: S, command: str) -> S:
        """The state ``command`` leads to from ``state``; raises if the table forbids it."""
        try:
            return self._table[(state, command)]
        except KeyError:
            raise IllegalTransition(self.name, str(state.value), command) from None

    def move(self, aggregate: _HasStatus[S], command: str, event: DomainEvent) -> None:
        """Check the transition, then set the new status, then record ``event``."""
        target = self.target(aggregate.status, command)
        aggregate.status = target
        aggregate.record(event)

    def to_mermaid(self) -> str:
        """The table as a Mermaid ``stateDiagram-v2``, one edge per transition."""
        lines = ["stateDiagram-v2"]
        for (source, command), target in self._table.items():
            lines.append(f"    {source.value} --> {target.value}: {command}")
        return "\n".join(lines)
