"""Settlement aggregates (and the ledger they post to) round-trip through plain data;
docs/settlement.md holds the diagrams as the code declares them."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from merx.kernel.errors import ValidationError
from merx.kernel.state import StateMachine
from merx.ledger import Ledger
from merx.ledger import serde as ledger_serde
from merx.settlement import (
    BookRefund,
    CompleteOrder,
    MerchantAccount,
    OrderClearing,
    RequestWithdrawal,
    RunSettlement,
    SettlementStatement,
    StatementId,
    Withdrawal,
    WithdrawalId,
    serde,
)
from merx.settlement.model import CLEARING_FLOW, WITHDRAWAL_FLOW
from tests.settlement.world import SettlementWorld, cny

DOC = Path(__file__).resolve().parents[2] / "docs" / "settlement.md"


def test_every_aggregate_round_trips_through_json(world: SettlementWorld) -> None:
    merchant = world.active_merchant()
    order = world.paid_order("o1", merchant, "1000.00", platform_discount="100.00")
    world.handle(CompleteOrder(order, date(2026, 3, 2)))
    world.handle(BookRefund(order, "r1", "A", cny("90.00")))
    world.handle(RunSettlement(merchant, StatementId("st1"), date(2026, 3, 9)))
    world.payout.pending_next()
    world.handle(RequestWithdrawal(merchant, merchant, WithdrawalId("w1"), cny("10.00"), "6222"))
    for kind, key in [
        (Ledger, "CNY"),
        (OrderClearing, "o1"),
        (MerchantAccount, merchant),
        (SettlementStatement, "st1"),
        (Withdrawal, "w1"),
    ]:
        aggregate: Any = world.get(kind, key)
        converter: Any = ledger_serde if kind is Ledger else serde
        data = json.loads(json.dumps(converter.unstructure(aggregate)))
        assert converter.structure(data, kind) == aggregate, kind


def test_malformed_data_is_a_validation_error() -> None:
    with pytest.raises(ValidationError):
        ledger_serde.structure({"id": "CNY"}, Ledger)
    with pytest.raises(ValidationError):
        serde.structure({"id": "o1"}, OrderClearing)


@pytest.mark.parametrize("machine", [CLEARING_FLOW, WITHDRAWAL_FLOW])
def test_the_page_holds_each_diagram_as_generated(machine: StateMachine[Any]) -> None:
    assert f"```mermaid\n{machine.to_mermaid()}\n```" in DOC.read_text(encoding="utf-8")
