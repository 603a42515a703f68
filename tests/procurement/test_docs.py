"""docs/supply.md shows the life cycles exactly as the code declares them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from merx.kernel.state import StateMachine
from merx.procurement.model import (
    CONTRACT_FLOW,
    PURCHASE_ORDER_FLOW,
    STATEMENT_FLOW,
)
from merx.suppliers.model import (
    SUPPLIER_FLOW,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "supply.md"


@pytest.mark.parametrize(
    "machine", [SUPPLIER_FLOW, CONTRACT_FLOW, PURCHASE_ORDER_FLOW, STATEMENT_FLOW]
)
def test_the_page_holds_each_diagram_as_generated(machine: StateMachine[Any]) -> None:
    assert f"```mermaid\n{machine.to_mermaid()}\n```" in DOC.read_text(encoding="utf-8")
