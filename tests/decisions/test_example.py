"""examples/decision_popup.py runs and says what docs/decisions.md promises."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
import decision_popup

from merx.app import build_memory_app


def test_the_homepage_popup_example_publishes_rolls_back_and_decides() -> None:
    catalog, values = decision_popup.tags()
    lines: list[str] = []
    decision_popup.run(build_memory_app(tag_catalog=catalog, tag_values=values), lines.append)
    assert lines[0] == "dry run on real users: 1 of 3 match ('lei',)"
    offers = [line for line in lines if line.startswith("  lei:")]
    assert [line.split()[1] for line in offers] == [
        "new_user_half_price",
        "none",
        "new_user_half_price",
    ]
    assert "rules ['newcomer', 'launch_regions']" in offers[0]
    assert all("tao: none" in line for line in lines if line.startswith("  tao:"))


def test_the_popups_promise_holds_at_checkout_for_its_audience_only() -> None:
    catalog, values = decision_popup.tags()
    lines: list[str] = []
    decision_popup.run(build_memory_app(tag_catalog=catalog, tag_values=values), lines.append)
    assert lines[-4] == ("campaign newcomer-half: 50% off, audience promotion.newcomer_half_price")
    assert lines[-3:] == [
        "  lei pays 49.50 CNY for the tee []",
        "  mei pays 99.00 CNY for the tee ['newcomer-half: audience']",
        "  tao pays 99.00 CNY for the tee ['newcomer-half: audience']",
    ]
