"""The base of every aggregate: a version for lost-update detection and an event log.

Aggregates hold immutable values (numbers, strings, ``Money``, dates, enums, frozen attrs
classes) directly or in dicts, lists, sets and tuples. That rule makes copying cheap:
:meth:`Aggregate.__deepcopy__` copies the containers and shares the immutable values, so
repositories can hand out private copies at a fraction of ``copy.deepcopy``'s cost.
"""

from __future__ import annotations

import copy
import enum
import types
import typing
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Self

import attrs

from merx.kernel.events import DomainEvent

_ATOMIC: frozenset[type[Any]] = frozenset(
    {str, int, bool, float, bytes, Decimal, datetime, date, time, timedelta, type(None)}
)
_FROZEN: dict[type[Any], bool] = {}
_FIELDS: dict[type[Any], tuple[tuple[str, int], ...]] = {}
_SHARE, _FLAT, _LOOK = 0, 1, 2  # how clone_attrs copies a field

#: Field metadata: the container holds only immutable values, so a copy of the container
#: itself is enough (no look at each item: large logs copy at C speed).
FLAT = "merx.flat"


def flat_field(factory: Any) -> Any:
    """An aggregate field holding a dict, list or set of immutable values only (ids,
    numbers, frozen attrs values), copied without looking at each item."""
    return attrs.field(factory=factory, metadata={FLAT: True})


def _is_frozen_attrs(kind: type[Any]) -> bool:
    known = _FROZEN.get(kind)
    if known is None:
        props = getattr(kind, "__attrs_props__", None)
        if props is not None:
            known = bool(props.is_frozen)
        else:
            known = (
                attrs.has(kind) and getattr(kind.__setattr__, "__name__", "") == "_frozen_setattrs"
            )
        _FROZEN[kind] = known
    return known


def _immutable(value: Any) -> bool:
    kind = type(value)
    return kind in _ATOMIC or isinstance(value, enum.Enum) or _is_frozen_attrs(kind)


def snapshot_copy(value: Any, memo: dict[int, Any] | None = None) -> Any:
    """A copy of ``value`` that shares its immutable parts (see the module docstring)."""
    kind = type(value)
    if kind in _ATOMIC or isinstance(value, enum.Enum) or _is_frozen_attrs(kind):
        return value
    if kind is dict:
        copied = dict(value)
        for key, item in copied.items():
            if not _immutable(item):
                copied[key] = snapshot_copy(item, memo)
        return copied
    if kind is list:
        return [item if _immutable(item) else snapshot_copy(item, memo) for item in value]
    if kind is tuple:
        return tuple(snapshot_copy(item, memo) for item in value)
    if kind in (set, frozenset):
        return kind(value)
    if attrs.has(kind):  # a mutable attrs object inside an aggregate: field by field
        return clone_attrs(value)
    return copy.deepcopy(value, memo)


def _immutable_type(tp: Any) -> bool:
    """Whether every value of the declared type ``tp`` is immutable (so shared, not copied)."""
    if tp in _ATOMIC or tp is type(None):
        return True
    if isinstance(tp, type):
        return issubclass(tp, enum.Enum) or _is_frozen_attrs(tp)
    supertype = getattr(tp, "__supertype__", None)  # a NewType
    if supertype is not None:
        return _immutable_type(supertype)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        return all(_immutable_type(arg) for arg in args)
    if origin is tuple:
        return all(arg is Ellipsis or _immutable_type(arg) for arg in args)
    return False


def _copy_plan(kind: type[Any]) -> tuple[tuple[str, int], ...]:
    """Per field of an attrs class: share it (immutable by its type), copy it flat, or look."""
    try:
        hints = typing.get_type_hints(kind)
    except (NameError, TypeError):  # a type only known to the type checker: look at values
        hints = {}
    plan = []
    for field in attrs.fields(kind):
        if field.metadata.get(FLAT):
            plan.append((field.name, _FLAT))
        elif field.name in hints and _immutable_type(hints[field.name]):
            plan.append((field.name, _SHARE))
        else:
            plan.append((field.name, _LOOK))
    return tuple(plan)


def clone_attrs(value: Any) -> Any:
    """A copy of an attrs object: containers copied (a :func:`flat_field` without looking
    at its items), immutable values shared."""
    kind = type(value)
    plan = _FIELDS.get(kind)
    if plan is None:
        plan = _FIELDS[kind] = _copy_plan(kind)
    copied = object.__new__(kind)
    for name, how in plan:
        item = getattr(value, name)
        if how is _FLAT:
            item = type(item)(item)
        elif how is _LOOK and not _immutable(item):
            item = snapshot_copy(item)
        object.__setattr__(copied, name, item)
    return copied


@attrs.define(kw_only=True)
class Aggregate:
    """An aggregate root.

    ``version`` is the stored version this object was loaded at; repositories refuse to
    save it if the stored one moved on (:class:`merx.errors.ConcurrencyError`).
    ``pending_events`` are recorded by the aggregate's methods and drained by the unit of
    work on commit.
    """

    version: int = attrs.field(default=0, eq=False)
    pending_events: list[DomainEvent] = attrs.field(
        factory=list, eq=False, repr=False, metadata={FLAT: True}
    )  # events are frozen

    def record(self, event: DomainEvent) -> None:
        self.pending_events.append(event)

    def pull_events(self) -> list[DomainEvent]:
        events, self.pending_events = self.pending_events, []
        return events

    def clone(self) -> Self:
        """A private copy: containers copied, immutable values shared."""
        copied: Self = clone_attrs(self)
        return copied

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        return self.clone()
