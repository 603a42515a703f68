"""Ports of the risk context: the scenarios it decides by, and the review queue's query.

:class:`RiskScenarios` is what :class:`merx.decisions.Decider` already offers
(``compiled``): the live version of ``risk.<action>``, compiled, and whether it is on.
:class:`ReviewQueries` answers which open review cases are due, from committed state (a
database answers from the index :data:`REVIEW_DUE`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from merx.decisions import CompiledVersion
from merx.kernel.documents import index_instant
from merx.risk.model import ReviewCase, ReviewStatus


class RiskScenarios(Protocol):
    """Port: the compiled live version of a scenario (``UnknownScenario``/``NotPublished``
    when there is none) and whether it is switched on."""

    def compiled(self, key: str, version: int | None = None) -> tuple[CompiledVersion, bool]: ...


class ReviewQueries(Protocol):
    """Port: the open review cases due by an instant (candidates: each is checked again)."""

    def reviews_due_by(self, at: datetime) -> Iterable[str]: ...


#: An open review case, by the instant its timeout decides it.
REVIEW_DUE = "review_due"


def review_case_index(case: ReviewCase) -> dict[str, str | None]:
    """An open case is found by its due instant; a closed one is in no index."""
    if case.status is not ReviewStatus.OPEN:
        return {REVIEW_DUE: None}
    return {REVIEW_DUE: index_instant(case.due_at)}
