"""The day-of-trade simulation reconciles for many seeds (issue 8's acceptance test)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
import simulate


@pytest.mark.parametrize("seed", range(1, 21))
def test_a_thousand_orders_reconcile(seed: int, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--store", "memory", "--orders", "1000", "--seed", str(seed), "--json", "--check-views"]
    assert simulate.main(args) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["checks"] == {"problems": [], "ok": True}
    assert result["ledger"]["reconciled"] is True
    assert result["orders"] >= 900


@pytest.mark.parametrize("journey", simulate.JOURNEYS)
def test_each_journey_alone_reconciles(journey: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--store", "memory", "--orders", "120", "--journey", journey, "--json", "--check-views"]
    assert simulate.main(args) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["checks"]["ok"] is True
