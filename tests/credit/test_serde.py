"""Credit and funding aggregates survive a round trip through plain JSON."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from merx import credit, funding
from merx.adapters.memory.funder import MemoryFunder
from merx.credit import Bill, CreditAccount, CreditApplication, InstallmentPlan
from merx.credit import serde as credit_serde
from merx.funding import Asset, Investor
from merx.funding import serde as funding_serde
from merx.kernel.errors import ValidationError
from merx.kernel.ids import OrderId
from tests.credit.world import ALICE, CreditWorld, cny


def _busy_world(world: CreditWorld) -> CreditWorld:
    world.funders["bank"] = MemoryFunder("bank", cny("100000"))
    world.handle(
        funding.RegisterInvestor(
            "bank", "bank", funding.FundingChannel.DIRECT_LENDING, Decimal("0.05"), cny("100000")
        )
    )
    world.open_account()
    plan_id = world.buy("3000.00", 3)
    world.go_to(date(2026, 3, 1))
    world.handle(credit.RepayInstallmentPlan(plan_id, cny("500.00")))
    world.handle(credit.RunBills())
    world.handle(credit.RefundInstallmentOrder(ALICE, OrderId("ord-1"), cny("100.00")))
    world.handle(funding.RepurchaseAsset(plan_id, "fraud"))
    return world


@pytest.mark.parametrize(
    ("kind", "serde"),
    [
        (CreditApplication, credit_serde),
        (CreditAccount, credit_serde),
        (InstallmentPlan, credit_serde),
        (Bill, credit_serde),
        (Investor, funding_serde),
        (Asset, funding_serde),
    ],
)
def test_round_trip(world: CreditWorld, kind: type[Any], serde: Any) -> None:
    _busy_world(world)
    rows = world.store.tables.get(kind, {})
    assert rows, kind
    for _, aggregate in rows.values():
        data = json.loads(json.dumps(serde.unstructure(aggregate)))
        assert serde.structure(data, kind) == aggregate


def test_malformed_data_is_a_validation_error() -> None:
    with pytest.raises(ValidationError):
        credit_serde.structure({"id": 1}, InstallmentPlan)
