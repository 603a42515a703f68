"""docs/marketing.md's traffic diagrams are generated from the code's tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from merx.kernel.state import StateMachine
from merx.traffic.model import PAGE_FLOW, PLACEMENT_FLOW

DOC = Path(__file__).resolve().parents[2] / "docs" / "marketing.md"


@pytest.mark.parametrize("flow", [PAGE_FLOW, PLACEMENT_FLOW], ids=["page", "placement"])
def test_the_doc_shows_the_flow_from_code(flow: StateMachine[Any]) -> None:
    section = DOC.read_text(encoding="utf-8").split("## Traffic", 1)[1]
    assert f"```mermaid\n{flow.to_mermaid()}\n```" in section


def test_every_component_type_is_documented() -> None:
    from merx.traffic import COMPONENTS

    section = DOC.read_text(encoding="utf-8").split("## Traffic", 1)[1]
    for name in COMPONENTS:
        assert f"| `{name}` |" in section
