"""docs/credit.md shows the life cycles exactly as the code declares them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from merx.credit.limits import ACCOUNT_FLOW, APPLICATION_FLOW
from merx.funding.model import ASSET_FLOW
from merx.installments.bills import BILL_FLOW
from merx.installments.plan import PLAN_FLOW
from merx.kernel.state import StateMachine

DOC = Path(__file__).resolve().parents[2] / "docs" / "credit.md"


@pytest.mark.parametrize(
    "machine", [APPLICATION_FLOW, ACCOUNT_FLOW, PLAN_FLOW, BILL_FLOW, ASSET_FLOW]
)
def test_the_page_holds_each_diagram_as_generated(machine: StateMachine[Any]) -> None:
    assert f"```mermaid\n{machine.to_mermaid()}\n```" in DOC.read_text(encoding="utf-8")
