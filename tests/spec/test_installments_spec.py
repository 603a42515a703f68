"""The installments spec: every case in tests/spec/cases/installments, plus any case in
../shared/spec/installments/cases (when that directory exists) that the copy lacks.

``apr`` passes within 0.00125 (the US Regulation Z tolerance); every other field exactly.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from merx.credit import schedule_from_dict
from merx.errors import MerxError

REPO = Path(__file__).resolve().parents[2]
COPY = REPO / "tests" / "spec" / "cases" / "installments"
SHARED = REPO.parent / "shared" / "spec" / "installments" / "cases"
APR_TOLERANCE = Decimal("0.00125")


def _case_files() -> list[Path]:
    copied = sorted(COPY.glob("*.json"))
    names = {path.name for path in copied}
    extra = (
        sorted(p for p in SHARED.glob("*.json") if p.name not in names) if SHARED.is_dir() else []
    )
    return copied + extra


CASES = _case_files()


def test_the_spec_cases_are_copied_into_the_repo() -> None:
    assert len(list(COPY.glob("*.json"))) >= 3


@pytest.mark.parametrize(
    "path", CASES, ids=[f"{'copy' if p.parent == COPY else 'shared'}/{p.stem}" for p in CASES]
)
def test_installments_case(path: Path) -> None:
    case: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    expect: dict[str, Any] = case["expect"]
    if expect.get("error"):
        with pytest.raises(MerxError):
            schedule_from_dict(case)
        return
    result = schedule_from_dict(case)
    for field, expected in expect.items():
        if field == "apr":
            gap = abs(Decimal(result["apr"]) - Decimal(expected))
            assert gap <= APR_TOLERANCE, f"{case.get('name')}: apr {result['apr']}"
        else:
            assert result[field] == expected, f"{case.get('name')}: {field}"


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
