"""The cattrs converter for the play context's types: to JSON-ready dicts and back.

Built on :mod:`merx.kernel.serde`; :func:`structure` raises
:class:`~merx.kernel.errors.ValidationError` on malformed data.
"""

from __future__ import annotations

from typing import Any

import cattrs

from merx.kernel import serde as base
from merx.play.lottery import Lottery, LotteryDraw, LotteryEntrant
from merx.play.rewards import RewardGrant
from merx.play.signin import SignInCard, SignInRules
from merx.play.tasks import Invitation, Task, TaskBoard, TaskProgress

AGGREGATES: tuple[type[Any], ...] = (
    Task,
    TaskBoard,
    TaskProgress,
    Invitation,
    SignInRules,
    SignInCard,
    Lottery,
    LotteryEntrant,
    LotteryDraw,
    RewardGrant,
)


def make_converter() -> cattrs.Converter:
    """A fresh converter for the play context's types (hosts may extend their own copy)."""
    return base.make_converter(AGGREGATES)


_serde = base.ContextSerde(make_converter())
converter = _serde.converter
unstructure = _serde.unstructure
structure = _serde.structure
