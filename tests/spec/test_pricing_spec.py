"""The pricing spec: every case in tests/spec/cases/pricing, plus any case in
../shared/spec/pricing/cases (when that directory exists) that the copy lacks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from merx.errors import MerxError
from merx.promotions import quote_from_dict

REPO = Path(__file__).resolve().parents[2]
COPY = REPO / "tests" / "spec" / "cases" / "pricing"
SHARED = REPO.parent / "shared" / "spec" / "pricing" / "cases"


def _case_files() -> list[Path]:
    copied = sorted(COPY.glob("*.json"))
    names = {path.name for path in copied}
    extra = (
        sorted(p for p in SHARED.glob("*.json") if p.name not in names) if SHARED.is_dir() else []
    )
    return copied + extra


CASES = _case_files()


def test_the_spec_cases_are_copied_into_the_repo() -> None:
    assert len(list(COPY.glob("*.json"))) >= 14


@pytest.mark.parametrize(
    "path", CASES, ids=[f"{'copy' if p.parent == COPY else 'shared'}/{p.stem}" for p in CASES]
)
def test_pricing_case(path: Path) -> None:
    case: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    expect: dict[str, Any] = case["expect"]
    if expect.get("error"):
        with pytest.raises(MerxError):
            quote_from_dict(case)
        return
    result = quote_from_dict(case)
    for field, expected in expect.items():
        assert result[field] == expected, f"{case.get('name')}: {field}"
