"""The benchmarks still run (on tiny workloads; their figures are never asserted here)."""

from __future__ import annotations

import queue
import sys
import threading
from pathlib import Path

import pytest

from merx.app import build_memory_app, build_sqlite_app
from merx.reach import SkipReason

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import bench_codes
import bench_credit
import bench_data
import bench_decisions
import bench_golden_path
import bench_inventory
import bench_monitoring
import bench_play
import bench_points
import bench_quote
import bench_quote_funnel
import bench_reach
import bench_recommend
import bench_risk
import bench_stores
import bench_tags


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
    bench_quote.freight_versus_today(scenarios=1, repeats=1, rounds=1)
    assert capsys.readouterr().out.count("\n") == 6


def test_the_inventory_and_credit_benchmarks_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_inventory.bench_model(100) > 0
    assert bench_inventory.bench_unit_of_work(20) > 0
    bench_credit.bench_schedules(20)
    bench_credit.bench_bill_run(20)
    assert capsys.readouterr().out


def test_the_stores_benchmark_runs_on_sqlite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bench_stores.on_sqlite(tmp_path, 3, memory_rate=1.0)  # the bare loop's work is checked
    # a racing process's share, run here (spawning processes is left to the benchmark)
    target = str(tmp_path / "race.db")
    setup = bench_stores.open_target(target, "NORMAL")
    _, people = bench_golden_path.prepare(2, setup)
    bench_stores.close(setup)
    results: queue.Queue[bench_stores.Share] = queue.Queue()
    bench_stores._racer(target, "NORMAL", list(map(str, people)), threading.Barrier(1), results)
    share = results.get_nowait()
    assert (share.error, share.orders, share.failed) == (None, 2, {})
    assert share.delivered > 0
    bench_stores.ledger_line("memory", build_memory_app(check_views=False), 3, 2, 5)
    app = build_sqlite_app(tmp_path / "ledger.db")
    bench_stores.ledger_line("sqlite", app, 3, 2, 5)
    bench_stores.close(app)
    printed = capsys.readouterr().out
    assert "round trips" in printed
    assert "bare sqlite3 loop" in printed


@pytest.mark.postgres
def test_the_stores_benchmark_runs_on_postgres(
    postgres_dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from merx.app import build_postgres_app

    schemas = bench_stores.Schemas(postgres_dsn)
    try:
        bench_stores.on_postgres(schemas, 3)  # the bare loop's work is checked
        app = build_postgres_app(schemas.fresh("ledger"))
        bench_stores.ledger_line("postgres", app, 3, 2, 5, goals=True)
        bench_stores.close(app)
    finally:
        schemas.drop()
    assert "bare psycopg loop" in capsys.readouterr().out


def test_the_codes_benchmark_runs_on_memory_and_sqlite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bench_codes.measure("memory", build_memory_app(), 20)
    app = build_sqlite_app(tmp_path / "codes.db", settings=bench_codes.SETTINGS)
    bench_codes.measure("sqlite", app, 20)
    bench_stores.close(app)
    assert capsys.readouterr().out.count("20 codes in") == 2


def test_the_decisions_benchmark_runs_and_its_strategies_all_match_someone() -> None:
    rates, variants = bench_decisions.timed(400, 100, rounds=1)  # stored ports decide alike
    assert len(rates) == 4
    assert min(rates.values()) > 0
    assert set(variants) == {*bench_decisions.STRATEGIES, "none"}


def test_the_tags_benchmark_runs_both_paths(capsys: pytest.CaptureFixture[str]) -> None:
    batch, realtime = bench_tags.run(200, 50)
    assert min(batch, realtime) > 0
    assert "200 users" in capsys.readouterr().out


def test_the_search_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    import bench_search

    bench_search.main_with(300, 20)
    out = capsys.readouterr().out
    assert "bulk rebuild" in out
    assert out.count("queries (") == 3


def test_the_reach_benchmark_runs_a_segment_with_consent_and_caps() -> None:
    _, summary = bench_reach.one_run(120)
    assert summary.considered == 120
    assert (summary.sent, summary.skipped) == (
        30,  # days 30-149: 60 lapsed; 3 in 4 consented; 1 in 3 reached in the last day
        {SkipReason.NOT_IN_SEGMENT: 60, SkipReason.NO_CONSENT: 15, SkipReason.CAPPED: 15},
    )


def test_the_play_benchmark_draws_and_grants() -> None:
    seconds = bench_play.timed(50, 100)
    assert len(seconds) == 50
    assert min(seconds) > 0


def test_the_risk_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    p50, p99, rules_p50, rules_p99 = bench_risk.run(30)
    assert 0 < p50 <= p99
    assert 0 < rules_p50 <= rules_p99
    assert "30 rules" in capsys.readouterr().out


def test_the_recommend_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    p50, p99 = bench_recommend.run(skus=60, customers=8, orders=40, requests=10)
    assert 0 < p50 <= p99
    assert "p50" in capsys.readouterr().out


def test_the_monitoring_benchmark_evaluates_and_renders() -> None:
    first, second, render = bench_monitoring.run(3, 2)
    assert min(first, second, render) > 0


def test_the_data_benchmark_ingests_and_queries_on_duckdb() -> None:
    pytest.importorskip("duckdb", reason="duckdb is not installed (merx[duckdb])")
    rate, total_s, seconds = bench_data.run(300)
    assert rate > 0
    assert total_s > 0
    assert len(seconds) == len(bench_data.QUERIES)


def test_the_quote_funnel_benchmark_times_the_quote_with_and_without_the_collector() -> None:
    seconds = bench_quote_funnel.run(3)
    assert set(seconds) == {"plain", "collected"}


def test_the_points_benchmark_measures_a_movement_s_write(tmp_path: Path) -> None:
    rows = bench_points.run([2, 30], 2, tmp_path)
    assert [age for age, *_ in rows] == [2, 30]
    assert all(written > account > 0 for _, account, written, _ in rows)
