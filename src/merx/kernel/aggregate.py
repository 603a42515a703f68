"""The base of every aggregate: a version for lost-update detection and an event log.

Aggregates hold immutable values (numbers, strings, ``Money``, dates, enums, frozen attrs
classes) directly or in dicts, lists, sets and tuples. That rule makes copying cheap:
:meth:`Aggregate.__deepcopy__` copies the containers and shares the immutable values, so
repositories can hand out private copies at a fraction of ``copy.deepcopy``'s cost. Each
class gets a generated clone function copying every field as cheaply as its declared type
allows (:func:`clone_attrs`).
"""

from __future__ import annotations

import copy
import enum
import types
import typing
from collections import abc
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Self

import attrs

from merx.kernel.events import DomainEvent

_ATOMIC: frozenset[type[Any]] = frozenset(
    {str, int, bool, float, bytes, Decimal, datetime, date, time, timedelta, type(None)}
)
_FROZEN: dict[type[Any], bool] = {}
_CLONERS: dict[type[Any], Callable[[Any], Any]] = {}  # see _make_cloner

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


#: Declared container types (``typing.get_origin``) and the container a value is expected to
#: be: a value of exactly that type is copied with one ``copy()`` (a frozenset is shared).
_CONTAINERS: dict[Any, type[Any]] = {
    dict: dict,
    abc.Mapping: dict,
    abc.MutableMapping: dict,
    list: list,
    abc.Sequence: list,
    abc.MutableSequence: list,
    set: set,
    abc.Set: set,
    abc.MutableSet: set,
    frozenset: frozenset,
}


def _flat(value: Any) -> Any:
    """A copy of a :func:`flat_field` container (``None`` if it holds none)."""
    return None if value is None else type(value)(value)


def _non_optional(tp: Any) -> Any:
    """``tp`` without ``None`` if it is ``T | None``."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(tp) if arg is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


def _copy_expr(field: attrs.Attribute[Any], hints: dict[str, Any], names: dict[str, Any]) -> str:
    """Source of the cheapest expression copying the field's value ``v`` that its declared
    type allows (adding the names it needs to ``names``); ``"v"`` to share the value."""
    hint = _non_optional(hints.get(field.name, Any))
    container = _CONTAINERS.get(typing.get_origin(hint) or hint)
    if field.metadata.get(FLAT):
        if container is None:
            return "_flat(v)"
        return f"v.copy() if type(v) is {container.__name__} else _flat(v)"
    if field.name in hints and _immutable_type(hints[field.name]):
        return "v"
    items = typing.get_args(hint)
    if container is frozenset:  # frozenset(v) is v
        return "v if type(v) is frozenset else _look(v)"
    # a set is copied without a look at its items anyway; a dict or list if they are immutable
    if container is set or (
        container is not None and items and all(_immutable_type(item) for item in items)
    ):
        return f"v.copy() if type(v) is {container.__name__} else _look(v)"
    if isinstance(hint, type) and attrs.has(hint):  # a mutable attrs object
        names[f"_type_{field.name}"] = hint
        return f"_clone(v) if type(v) is _type_{field.name} else _look(v)"
    return "v if type(v) in _ATOMIC else _look(v)"


def _make_cloner(kind: type[Any]) -> Callable[[Any], Any]:
    """Generate the clone function of the attrs class ``kind``: one statement per field,
    copying it as cheaply as its declared type allows (see :func:`_copy_expr`)."""
    try:
        hints = typing.get_type_hints(kind)
    except (NameError, TypeError):  # a type only known to the type checker: look at values
        hints = {}
    namespace: dict[str, Any] = {
        "_new": object.__new__,
        "_kind": kind,
        "_setattr": object.__setattr__,
        "_flat": _flat,
        "_look": snapshot_copy,
        "_clone": clone_attrs,
        "_ATOMIC": _ATOMIC,
    }
    # bypass a __setattr__ of the class's own (attrs on_setattr hooks, frozen), as __init__ does
    setattr_: Any = kind.__setattr__
    direct = setattr_ is object.__setattr__
    lines = ["def clone(old):", "    new = _new(_kind)"]
    for field in attrs.fields(kind):
        name = field.name
        value = _copy_expr(field, hints, namespace)
        if value == "v":
            value = f"old.{name}"
        else:
            lines.append(f"    v = old.{name}")
        if direct:
            lines.append(f"    new.{name} = {value}")
        elif isinstance(slot := getattr(kind, name, None), types.MemberDescriptorType):
            namespace[f"_set_{name}"] = slot.__set__  # a slot's own setter: the fastest
            lines.append(f"    _set_{name}(new, {value})")
        else:
            lines.append(f"    _setattr(new, {name!r}, {value})")
    lines.append("    return new")
    source = "\n".join(lines)
    exec(compile(source, f"<clone {kind.__module__}.{kind.__qualname__}>", "exec"), namespace)
    cloner: Callable[[Any], Any] = namespace["clone"]
    return cloner


def clone_attrs(value: Any) -> Any:
    """A copy of an attrs object: containers copied (a :func:`flat_field` without looking
    at its items), immutable values shared."""
    cloner = _CLONERS.get(type(value))
    if cloner is None:
        cloner = _CLONERS[type(value)] = _make_cloner(type(value))
    return cloner(value)


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
