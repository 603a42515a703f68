"""Ledger speed: balanced 3-leg entries posted per second, in memory, on one core.

Run: ``.venv/bin/python benchmarks/bench_ledger.py``. Figures are printed, never asserted.
Each entry is an order's clearing: Dr transit / Cr merchant pending / Cr platform
commission, under a fresh idempotency key, on a book with 1,000 merchants. Replays of
posted keys (a no-op after the payload check) are timed too. Goal: >= 50,000 entries/s.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from merx.settlement import COMMISSION, TRANSIT, Bucket, Ledger, merchant_account, merchant_accounts

AT = datetime(2026, 6, 18, 2, 0, tzinfo=UTC)
MERCHANTS = 1_000
ENTRIES = 200_000


def build() -> tuple[Ledger, list[str]]:
    ledger = Ledger.open("CNY", "CNY", ["wechat_pay"])
    pending: list[str] = []
    for i in range(MERCHANTS):
        ledger.open_accounts(merchant_accounts(f"m{i}"))
        pending.append(merchant_account(f"m{i}", Bucket.PENDING))
    return ledger, pending


def main() -> None:
    ledger, pending = build()
    legs_list = []
    for i in range(ENTRIES):
        amount = 1_000 + (i * 7919) % 100_000
        commission = amount * 15 // 100
        legs_list.append(
            (
                (TRANSIT, amount),
                (pending[i % MERCHANTS], commission - amount),
                (COMMISSION, -commission),
            )
        )
    keys = [f"ord-{i}/cleared" for i in range(ENTRIES)]
    post = ledger.post
    started = time.perf_counter()
    for i in range(ENTRIES):
        post(keys[i], "order_cleared", keys[i], legs_list[i], AT)
    elapsed = time.perf_counter() - started
    assert sum(ledger.posted.values()) == 0
    ledger.pull_events()
    print(
        f"posted   {ENTRIES:>9,} 3-leg entries in {elapsed:6.3f} s: {ENTRIES / elapsed:>10,.0f}/s"
    )

    replays = ENTRIES // 4
    started = time.perf_counter()
    for i in range(replays):
        post(keys[i], "order_cleared", keys[i], legs_list[i], AT)
    elapsed = time.perf_counter() - started
    print(
        f"replayed {replays:>9,} keys in            "
        f" {elapsed:6.3f} s: {replays / elapsed:>10,.0f}/s"
    )

    started = time.perf_counter()
    copy = ledger.clone()
    elapsed = time.perf_counter() - started
    print(f"clone of a {len(copy.entries):,}-entry book: {elapsed * 1000:.1f} ms")


if __name__ == "__main__":
    main()
