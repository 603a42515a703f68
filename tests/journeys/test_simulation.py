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


def money_values(report: object) -> list[object]:
    """Every value of the report's ``money`` and ``credit limits`` sections, nested."""
    found: list[object] = []
    if isinstance(report, dict):
        if set(report) == {"amount", "currency"}:
            return [report]
        for value in report.values():
            found.extend(money_values(value) if isinstance(value, dict) else [value])
    return found


def test_the_json_report_writes_money_as_amount_and_currency_and_repeats_for_a_seed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["--store", "memory", "--orders", "60", "--seed", "4", "--json"]
    reports = []
    for _ in range(2):
        assert simulate.main(args) == 0
        report = json.loads(capsys.readouterr().out)
        del report["run"]  # the run's own figures: time, orders per second
        reports.append(report)
    assert reports[0] == reports[1]
    amounts = money_values(reports[0]["money"]) + money_values(reports[0]["credit limits"])
    assert len(amounts) > 10
    for amount in amounts:
        assert isinstance(amount, dict), amount
        assert amount["currency"] == "CNY"
        assert isinstance(amount["amount"], str)


@pytest.mark.parametrize("orders", ["0", "-5"])
def test_a_day_of_no_orders_is_refused(orders: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as refused:
        simulate.main(["--store", "memory", "--orders", orders])
    assert refused.value.code == 2
    assert "--orders must be at least 1" in capsys.readouterr().err
