"""Placements: a SKU in a slot with a rank for a window; slots show listed SKUs by rank."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from merx.catalog import (
    Placement,
    PlacementOverlap,
    PlacementRemoved,
    SkuPlaced,
    UnknownPlacement,
    arrange_slot,
)
from merx.errors import ValidationError
from merx.kernel.ids import SkuId
from tests.catalog.strategies import ZERO_MARGIN
from tests.catalog.test_sku import make

T0 = datetime(2026, 3, 1, tzinfo=UTC)
DAY = timedelta(days=1)


def banner(
    start: datetime = T0, days: int = 7, rank: int = 1, slot: str = "home/banner"
) -> Placement:
    return Placement(slot=slot, rank=rank, starts_at=start, ends_at=start + days * DAY)


def test_placement_values_are_checked() -> None:
    with pytest.raises(ValidationError, match="not after"):
        Placement("home", 1, T0, T0)
    with pytest.raises(ValidationError, match="rank"):
        Placement("home", 0, T0, T0 + DAY)
    with pytest.raises(ValidationError, match="slot"):
        Placement(" ", 1, T0, T0 + DAY)
    with pytest.raises(ValidationError, match="timezone"):
        Placement("home", 1, datetime(2026, 3, 1), T0 + DAY)


def test_windows_in_one_slot_must_not_overlap() -> None:
    sku = make()
    sku.pull_events()
    sku.place(banner())
    sku.place(banner(start=T0 + 7 * DAY))  # half-open windows: back to back is fine
    sku.place(banner(slot="phones/top"))
    with pytest.raises(PlacementOverlap, match="home/banner"):
        sku.place(banner(start=T0 + 3 * DAY))
    assert len(sku.placements) == 3
    assert [e.name for e in sku.pull_events()] == ["SkuPlaced"] * 3


def test_removing_a_placement() -> None:
    sku = make()
    sku.place(banner())
    sku.pull_events()
    with pytest.raises(UnknownPlacement):
        sku.remove_placement("home/banner", T0 + DAY)
    sku.remove_placement("home/banner", T0)
    assert sku.placements == ()
    assert sku.pull_events() == [PlacementRemoved(sku.id, banner())]


def test_a_slot_shows_listed_skus_with_an_active_placement_by_rank() -> None:
    first, second, tie, draft, later = (make(sku_id=SkuId(k)) for k in "edcba")
    first.place(banner(rank=1))
    second.place(banner(rank=2))
    tie.place(banner(rank=2))
    draft.place(banner(rank=1))
    later.place(banner(start=T0 + 30 * DAY, rank=1))
    for sku in (first, second, tie, later):
        sku.list(policy=ZERO_MARGIN)
    shown = arrange_slot([first, second, tie, draft, later], "home/banner", T0 + DAY)
    assert [s.id for s in shown] == ["e", "c", "d"]
    assert arrange_slot([first], "home/banner", T0 + 7 * DAY) == []
    assert arrange_slot([first], "other", T0) == []
    assert isinstance(first.pending_events[1], SkuPlaced)
