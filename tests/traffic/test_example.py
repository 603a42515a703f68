"""examples/homepage.py runs the seed's pop-up through a placement on ``popup``."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
import decision_popup
import homepage

from merx.app import build_memory_app


def test_the_homepage_pop_up_shows_to_the_new_user_once_a_day() -> None:
    catalog, values = decision_popup.tags()
    lines: list[str] = []
    homepage.run(build_memory_app(tag_catalog=catalog, tag_values=values), lines.append)
    lei = [line for line in lines if line.startswith("  lei:")]
    assert lei == [
        "  lei: shown ['newcomer-popup (new_user_half_price)'] left out []",
        "  lei: shown [] left out ['newcomer-popup: frequency_cap (1 a day)']",
        "  lei: shown ['newcomer-popup (new_user_half_price)'] left out []",
    ]
    tao = [line for line in lines if line.startswith("  tao:")]
    assert all("decision_said_no (variant 'none', reason DEFAULT)" in line for line in tao)
    assert "countdown 140400 s" in lines[1]
