"""Voucher code generation on each store: ``GenerateVoucherCodes`` of 10,000 codes (one
command, one unit of work: the codes drawn, checked unused with one batched read, written
with the set), on memory, a SQLite file and (when a DSN is given) PostgreSQL; then the
set's codes through ``VoucherCodeQueries`` (the store's index), and one redemption.

Run: ``python benchmarks/bench_codes.py [codes] [--postgres DSN]`` (the DSN defaults to
``$MERX_TEST_POSTGRES``), or ``bash .ci/with-postgres .venv/bin/python
benchmarks/bench_codes.py`` beside a throwaway cluster. Figures are printed, never
asserted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench_stores import Schemas, close

from merx import promotions
from merx.adapters.memory import FixedClock, SeededRandomSource
from merx.app import App, Settings, build_memory_app, build_sqlite_app
from merx.kernel.ids import PLATFORM, CustomerId
from merx.kernel.money import Money
from merx.pricing import Coupon

START = datetime(2026, 1, 1, tzinfo=UTC)
SETTINGS = Settings(random=SeededRandomSource(15))


def campaign(app: App) -> str:
    """An active coupon campaign with one empty code set ``"bench"``."""
    coupon = Coupon(id="BENCH", off=Money.of("5.00", "CNY"))
    campaign_id = app.handle(promotions.CreateCampaign(PLATFORM, coupon))
    for command in (
        promotions.SubmitCampaign,
        promotions.ApproveCampaign,
        promotions.ScheduleCampaign,
    ):
        app.handle(command(campaign_id, PLATFORM))
    app.handle(promotions.TickCampaigns())
    app.handle(
        promotions.CreateCodeSet("bench", campaign_id, PLATFORM, promotions.CodeLimits(None))
    )
    return campaign_id


def measure(name: str, app: App, count: int) -> tuple[float, float, float]:
    """Seconds to generate ``count`` codes, to list them by set, to redeem one."""
    campaign(app)
    started = time.perf_counter()
    codes = app.handle(promotions.GenerateVoucherCodes("bench", count, PLATFORM))
    generated = time.perf_counter() - started
    started = time.perf_counter()
    found = list(app.queries.vouchers.codes_of("bench"))
    listed = time.perf_counter() - started
    assert len(found) == len(codes) == count
    started = time.perf_counter()
    app.handle(promotions.RedeemVoucherCode(CustomerId("ann"), codes[count // 2]))
    redeemed = time.perf_counter() - started
    print(
        f"{name:<10} {count:,} codes in {generated:6.2f} s ({count / generated:9,.0f} codes/s);"
        f" listed by set in {listed * 1000:7.1f} ms; one redemption {redeemed * 1000:6.1f} ms"
    )
    return generated, listed, redeemed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("codes", nargs="?", type=int, default=10_000)
    parser.add_argument("--postgres", default=os.environ.get("MERX_TEST_POSTGRES"))
    args = parser.parse_args()
    measure("memory", build_memory_app(clock=FixedClock(START)), args.codes)
    folder = Path(tempfile.mkdtemp())
    try:
        app = build_sqlite_app(folder / "codes.db", clock=FixedClock(START), settings=SETTINGS)
        measure("sqlite", app, args.codes)
        close(app)
        if args.postgres:
            from merx.app import build_postgres_app

            schemas = Schemas(args.postgres)
            try:
                app = build_postgres_app(
                    schemas.fresh("codes"), clock=FixedClock(START), settings=SETTINGS
                )
                measure("postgres", app, args.codes)
                close(app)
            finally:
                schemas.drop()
        else:
            print("postgres: skipped (no DSN: --postgres or MERX_TEST_POSTGRES)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
