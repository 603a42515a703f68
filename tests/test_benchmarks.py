"""The benchmarks still run (on tiny workloads; their figures are never asserted here)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import bench_credit
import bench_golden_path
import bench_inventory
import bench_quote


def test_the_golden_path_benchmark_runs_every_phase() -> None:
    rate, first, last, phases = bench_golden_path.one_round(20)
    assert min(rate, first, last) > 0
    assert list(phases) == list(bench_golden_path.PHASES)


def test_the_quote_benchmark_runs_and_agrees_with_the_oracle(
    capsys: pytest.CaptureFixture[str],
) -> None:
    bench_quote.timed(10, 20, scenarios=2, repeats=1, rounds=1)
    bench_quote.versus_oracle(scenarios=1, heavy=False)  # asserts identical results
    bench_quote.versus_oracle(scenarios=1, heavy=True)
    assert capsys.readouterr().out.count("\n") == 3


def test_the_inventory_and_credit_benchmarks_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_inventory.bench_model(100) > 0
    assert bench_inventory.bench_unit_of_work(20) > 0
    bench_credit.bench_schedules(20)
    bench_credit.bench_bill_run(20)
    assert capsys.readouterr().out
