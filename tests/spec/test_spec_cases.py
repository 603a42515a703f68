"""The language-neutral spec cases: every case copied into tests/spec/cases/<area>, plus
any case in ../shared/spec/<area>/cases (when that directory exists) the copy lacks.

Fields not listed under ``expect`` are not checked; ``error: true`` means a MerxError.
An installment plan's ``apr`` passes within 0.00125 (the US Regulation Z tolerance).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from merx.adapters.memory import MemoryJournal
from merx.errors import MerxError
from merx.pricing import quote_from_dict
from merx.schedules import schedule_from_dict
from merx.settlement.spec import settle_from_dict

REPO = Path(__file__).resolve().parents[2]
COPIES = REPO / "tests" / "spec" / "cases"
SHARED = REPO.parent / "shared" / "spec"
APR_TOLERANCE = Decimal("0.00125")


def settle_case(case: Mapping[str, Any]) -> Mapping[str, Any]:
    """Settlement's entry point, on a journal of its own."""
    return settle_from_dict(case, journal=MemoryJournal())


#: area -> (the library's entry point for a case, how many cases the copy holds at least)
AREAS: Mapping[str, tuple[Callable[[Mapping[str, Any]], Mapping[str, Any]], int]] = {
    "pricing": (quote_from_dict, 14),
    "pricing_extensions": (quote_from_dict, 19),
    "settlement": (settle_case, 5),
    "installments": (schedule_from_dict, 3),
}


def case_files(area: str) -> list[Path]:
    copied = sorted((COPIES / area).glob("*.json"))
    names = {path.name for path in copied}
    shared = SHARED / area / "cases"
    extra = (
        sorted(p for p in shared.glob("*.json") if p.name not in names) if shared.is_dir() else []
    )
    return copied + extra


CASES = [(area, path) for area in AREAS for path in case_files(area)]


@pytest.mark.parametrize("area", sorted(AREAS))
def test_the_spec_cases_are_copied_into_the_repo(area: str) -> None:
    assert len(list((COPIES / area).glob("*.json"))) >= AREAS[area][1]


@pytest.mark.parametrize(
    ("area", "path"),
    CASES,
    ids=[
        f"{area}/{'copy' if p.is_relative_to(COPIES) else 'shared'}/{p.stem}" for area, p in CASES
    ],
)
def test_spec_case(area: str, path: Path) -> None:
    run = AREAS[area][0]
    case: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    expect: dict[str, Any] = case["expect"]
    if expect.get("error"):
        with pytest.raises(MerxError):
            run(case)
        return
    result = run(case)
    for field, expected in expect.items():
        if area == "installments" and field == "apr":
            gap = abs(Decimal(result["apr"]) - Decimal(expected))
            assert gap <= APR_TOLERANCE, f"{case.get('name')}: apr {result['apr']}"
        else:
            assert result[field] == expected, f"{case.get('name')}: {field}"
