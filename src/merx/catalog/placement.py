"""Placement: a SKU shown in a named slot of a page, with a rank, for a time window.

Placements are values kept on the SKU (``Sku.placements``), not an aggregate of their
own: a placement belongs to exactly one SKU, and the one rule about them, *no two
placements of a SKU in the same slot overlap in time*, concerns one SKU only. Which SKUs
a slot shows is a read over SKUs: :func:`merx.catalog.model.arrange_slot`.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from merx.kernel.clock import require_aware
from merx.kernel.errors import ValidationError


@attrs.frozen
class Placement:
    """Show the SKU in ``slot`` (``"home/banner"``) at ``rank`` (1 shows first), in the
    half-open window ``[starts_at, ends_at)``."""

    slot: str
    rank: int
    starts_at: datetime
    ends_at: datetime

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.slot, str) or not self.slot.strip():
            raise ValidationError(f"a placement slot must be a non-empty string: {self.slot!r}")
        if isinstance(self.rank, bool) or not isinstance(self.rank, int) or self.rank < 1:
            raise ValidationError(f"placement rank must be a whole number >= 1: {self.rank!r}")
        require_aware(self.starts_at, "placement start")
        require_aware(self.ends_at, "placement end")
        if self.ends_at <= self.starts_at:
            raise ValidationError(
                f"placement in {self.slot!r} ends {self.ends_at.isoformat()}, "
                f"not after it starts {self.starts_at.isoformat()}"
            )

    def is_active(self, at: datetime) -> bool:
        return self.starts_at <= require_aware(at, "at") < self.ends_at

    def overlaps(self, other: Placement) -> bool:
        """Same slot and the windows share an instant."""
        return (
            self.slot == other.slot
            and self.starts_at < other.ends_at
            and other.starts_at < self.ends_at
        )
