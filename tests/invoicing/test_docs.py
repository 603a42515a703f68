"""docs/payments.md shows the cashier's and invoices' tables exactly as the code declares."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from merx.invoicing.model import INVOICE_FLOW
from merx.kernel.state import StateMachine
from merx.payments.model import AUTHENTICATION_FLOW

DOC = (Path(__file__).resolve().parents[2] / "docs" / "payments.md").read_text()


@pytest.mark.parametrize("machine", [AUTHENTICATION_FLOW, INVOICE_FLOW], ids=lambda m: m.name)
def test_the_diagram_in_the_docs_is_the_table_in_the_code(machine: StateMachine[Any]) -> None:
    assert f"```mermaid\n{machine.to_mermaid()}\n```" in DOC


def test_the_documented_limits_are_the_code_defaults() -> None:
    from merx.adapters.memory.risk import RiskRules
    from merx.payments import AuthenticationPolicy

    policy = AuthenticationPolicy()
    assert "(`AuthenticationPolicy.max_attempts`, 3)" in DOC
    assert policy.max_attempts == 3
    assert "`AuthenticationPolicy.window` (5 minutes)" in DOC
    assert policy.window.total_seconds() == 5 * 60
    standard = RiskRules.standard()
    assert "denies above 50,000 CNY" in DOC
    limits = (standard.deny_above, standard.face_above, standard.sms_above)
    assert [m.amount if m else None for m in limits] == [50_000, 10_000, 2_000]
    assert "asks a face above\n10,000 for a card and an SMS code above 2,000" in DOC
