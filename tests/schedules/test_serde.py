"""Schedules and price lists survive a round trip through plain JSON."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given

from merx.kernel.errors import ValidationError
from merx.schedules import (
    GradePricing,
    InstallmentTerms,
    Schedule,
    ScheduleMethod,
    TermOffer,
    build_schedule,
)
from merx.schedules import serde as schedules_serde
from tests.schedules.strategies import installment_terms


@given(installment_terms())
def test_a_schedule_round_trips(terms: InstallmentTerms) -> None:
    schedule = build_schedule(terms)
    data = json.loads(json.dumps(schedules_serde.unstructure(schedule)))
    assert schedules_serde.structure(data, Schedule) == schedule


def test_a_price_list_round_trips() -> None:
    pricing = GradePricing(
        "A",
        (
            TermOffer(3, ScheduleMethod.FLAT_FEE, Decimal("0.005")),
            TermOffer(24, ScheduleMethod.EQUAL_INSTALLMENT, Decimal("0.10")),
        ),
    )
    data = json.loads(json.dumps(schedules_serde.unstructure(pricing)))
    assert schedules_serde.structure(data, GradePricing) == pricing


def test_malformed_data_is_a_validation_error() -> None:
    with pytest.raises(ValidationError):
        schedules_serde.structure({"grade": "A", "offers": [{"term_months": 0}]}, GradePricing)
