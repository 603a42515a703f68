"""What traffic needs from outside: a decision on whom a placement targets."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from merx.decisions import Decision


class Targeting(Protocol):
    """Decides a placement's strategy scenario for a customer (the app asks
    ``merx.decisions`` as caller ``traffic``). Raises a ``MerxError`` when the scenario
    cannot be asked (unknown, unpublished, the caller not permitted)."""

    def decide(self, scenario: str, customer_id: str, context: Mapping[str, object]) -> Decision:
        """``context`` offers ``position`` (the position's id) and the view's own fields;
        an implementation passes on only the fields the scenario declares."""
        ...
