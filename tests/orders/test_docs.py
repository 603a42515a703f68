"""docs/orders.md shows every transition table exactly as the code declares it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from merx.aftersales.model import FLOWS as AFTERSALE_FLOWS
from merx.fulfillment.model import DISPATCH_FLOW, SHIPMENT_FLOW
from merx.kernel.state import StateMachine
from merx.orders.model import DEPOSIT_FLOW, ORDER_FLOW, PARENT_FLOW, TOPUP_FLOW
from merx.orders.presale import PRESALE_FLOW

DOC = (Path(__file__).resolve().parents[2] / "docs" / "orders.md").read_text()
MACHINES = [
    ORDER_FLOW,
    PARENT_FLOW,
    TOPUP_FLOW,
    PRESALE_FLOW,
    DEPOSIT_FLOW,
    SHIPMENT_FLOW,
    DISPATCH_FLOW,
    *AFTERSALE_FLOWS.values(),
]


@pytest.mark.parametrize("machine", MACHINES, ids=lambda m: m.name)
def test_the_diagram_in_the_docs_is_the_table_in_the_code(machine: StateMachine[Any]) -> None:
    assert f"```mermaid\n{machine.to_mermaid()}\n```" in DOC
