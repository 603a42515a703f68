"""docs/marketing.md's "Points" names every public name of merx.points and every entry
kind, and the defaults it states are the code's."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from merx import points

DOC = (Path(__file__).resolve().parents[2] / "docs" / "marketing.md").read_text(encoding="utf-8")
SECTION = DOC[DOC.index("## Points") :]


def test_the_section_names_every_public_name_and_entry_kind() -> None:
    for name in points.__all__:
        assert f"`{name}" in SECTION, name
    for kind in points.PointsEntryKind:
        assert f"`{kind.name}`" in SECTION, kind


def test_the_stated_default_rate_is_the_code_s() -> None:
    rate = points.PointsRate()
    assert (rate.points, rate.worth, rate.max_share) == (100, Decimal("1.00"), Decimal("0.5"))
    assert "100 points = 1.00 by default" in SECTION
    assert "(half by default)" in SECTION
