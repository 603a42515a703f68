"""docs/marketing.md's "User reach" shows the state machines as the code declares them."""

from __future__ import annotations

from pathlib import Path

from merx.reach import CAMPAIGN_FLOW, HELD_FLOW, RUN_FLOW, TOUCH_FLOW

DOC = Path(__file__).resolve().parents[2] / "docs" / "marketing.md"


def test_the_reach_state_diagrams_are_generated_from_the_code() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert "## User reach" in text
    for flow in (CAMPAIGN_FLOW, TOUCH_FLOW, HELD_FLOW, RUN_FLOW):
        assert f"```mermaid\n{flow.to_mermaid()}\n```" in text
