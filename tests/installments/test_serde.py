"""Installment plans and bills survive a round trip through plain JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest

from merx.installments import Bill, InstallmentPlan
from merx.installments import serde as installments_serde
from merx.kernel.errors import ValidationError
from tests.credit.world import CreditWorld


@pytest.mark.parametrize("kind", [InstallmentPlan, Bill])
def test_round_trip(world: CreditWorld, kind: type[Any]) -> None:
    world.busy()
    rows = world.store.tables.get(kind, {})
    assert rows, kind
    for _, aggregate in rows.values():
        data = json.loads(json.dumps(installments_serde.unstructure(aggregate)))
        assert installments_serde.structure(data, kind) == aggregate


def test_the_converter_covers_every_installments_aggregate() -> None:
    assert set(installments_serde.AGGREGATES) == {InstallmentPlan, Bill}


def test_malformed_data_is_a_validation_error() -> None:
    with pytest.raises(ValidationError):
        installments_serde.structure({"id": 1}, InstallmentPlan)
