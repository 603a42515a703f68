"""The cattrs converter for the reach context's aggregates: to JSON-ready dicts and back.

Built on :mod:`merx.kernel.serde`; :func:`structure` raises
:class:`~merx.kernel.errors.ValidationError` on malformed data.
"""

from __future__ import annotations

from typing import Any, TypeVar

import cattrs

from merx.kernel import serde as base
from merx.reach.held import HeldMessage
from merx.reach.model import Inbox, ReachCampaign, StoreAudience, Template, Touch, UserReach
from merx.reach.runs import ReachRun

T = TypeVar("T")

AGGREGATES: tuple[type[Any], ...] = (
    Template,
    ReachCampaign,
    Touch,
    UserReach,
    Inbox,
    StoreAudience,
    HeldMessage,
    ReachRun,
)


def make_converter() -> cattrs.Converter:
    """A fresh converter for the reach context's types (hosts may extend their own copy)."""
    return base.make_converter(AGGREGATES)


converter = make_converter()


def unstructure(value: object) -> Any:
    """``value`` as plain dicts, lists, strings, numbers and booleans."""
    return converter.unstructure(value)


def structure(data: Any, kind: type[T]) -> T:
    """Rebuild a ``kind`` from :func:`unstructure`'s output; refuse malformed data."""
    return base.structure_or_raise(converter, data, kind)
