"""Credit and funding aggregates survive a round trip through plain JSON (installments'
are tests/installments/test_serde.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from merx.credit import CreditAccount, CreditApplication
from merx.credit import serde as credit_serde
from merx.funding import Asset, Investor
from merx.funding import serde as funding_serde
from merx.kernel.errors import ValidationError
from tests.credit.world import CreditWorld


@pytest.mark.parametrize(
    ("kind", "serde"),
    [
        (CreditApplication, credit_serde),
        (CreditAccount, credit_serde),
        (Investor, funding_serde),
        (Asset, funding_serde),
    ],
)
def test_round_trip(world: CreditWorld, kind: type[Any], serde: Any) -> None:
    world.busy()
    rows = world.store.tables.get(kind, {})
    assert rows, kind
    for _, aggregate in rows.values():
        data = json.loads(json.dumps(serde.unstructure(aggregate)))
        assert serde.structure(data, kind) == aggregate


def test_the_converter_covers_every_credit_aggregate() -> None:
    assert set(credit_serde.AGGREGATES) == {CreditApplication, CreditAccount}


def test_malformed_data_is_a_validation_error() -> None:
    with pytest.raises(ValidationError):
        credit_serde.structure({"id": 1}, CreditAccount)
