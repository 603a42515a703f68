"""The cattrs converter for the reach context's aggregates: to JSON-ready dicts and back.

Built on :mod:`merx.kernel.serde`; :func:`structure` raises
:class:`~merx.kernel.errors.ValidationError` on malformed data.
"""

from __future__ import annotations

from typing import Any

import cattrs

from merx.kernel import serde as base
from merx.reach.held import HeldMessage
from merx.reach.model import Inbox, ReachCampaign, StoreAudience, Template, Touch, UserReach
from merx.reach.runs import ReachRun

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


_serde = base.ContextSerde(make_converter())
converter = _serde.converter
unstructure = _serde.unstructure
structure = _serde.structure
