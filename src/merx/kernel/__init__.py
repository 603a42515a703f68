"""merx.kernel: the shared vocabulary every bounded context builds on.

Money and its one ``allocate``; typed ids and the ``IdSource`` port; the ``Clock`` port;
domain events, aggregates and the ``EventPublisher`` port; the error tree; a declarative
state machine; idempotency logs; the unit-of-work and repository ports; the message bus.
The kernel imports no bounded context.
"""

from merx.kernel.aggregate import Aggregate, flat_field
from merx.kernel.bus import Command, MessageBus
from merx.kernel.clock import Clock, require_aware
from merx.kernel.events import DomainEvent, EventPublisher
from merx.kernel.idempotency import IdempotencyLog
from merx.kernel.ids import IdSource
from merx.kernel.money import MINOR_DIGITS, Money, minor_unit, split_minor
from merx.kernel.quantity import require_quantity
from merx.kernel.state import StateMachine
from merx.kernel.uow import Repository, UnitOfWork, add_or_save

__all__ = [
    "MINOR_DIGITS",
    "Aggregate",
    "Clock",
    "Command",
    "DomainEvent",
    "EventPublisher",
    "IdSource",
    "IdempotencyLog",
    "MessageBus",
    "Money",
    "Repository",
    "StateMachine",
    "UnitOfWork",
    "add_or_save",
    "flat_field",
    "minor_unit",
    "require_aware",
    "require_quantity",
    "split_minor",
]
