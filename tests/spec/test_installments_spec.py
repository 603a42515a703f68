"""Invalid installment plans are refused with a typed error (the cases themselves run in
test_spec_cases.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from merx.errors import MerxError
from merx.schedules import schedule_from_dict

COPY = Path(__file__).resolve().parent / "cases" / "installments"


@pytest.mark.parametrize(
    "change",
    [
        {"method": "balloon"},
        {"periods": 0},
        {"periods": "12"},
        {"principal": "-1.00"},
        {"principal": "10.001"},
        {"annual_rate": "-0.1"},
        {"annual_rate": 0.12},
        {"currency": "XXX"},
        {"start": "2026-02-30"},
        {"period_fee_rate": "0.006"},
    ],
)
def test_invalid_plans_raise_a_typed_error(change: dict[str, Any]) -> None:
    case = json.loads((COPY / "01_equal_installment.json").read_text(encoding="utf-8"))
    case.update(change)
    with pytest.raises(MerxError):
        schedule_from_dict(case)
