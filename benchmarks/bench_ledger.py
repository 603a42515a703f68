"""Ledger speed: balanced 3-leg entries posted per second, in memory, on one core.

Run: ``.venv/bin/python benchmarks/bench_ledger.py``. Figures are printed, never asserted.
Each entry is an order's clearing: Dr transit / Cr merchant pending / Cr platform
commission, under a fresh idempotency key, on a book with 1,000 merchants. Replays of
posted keys (a no-op after the payload check) are timed too. Goal: >= 50,000 entries/s.

Then the stored journal: one entry per unit of work over the in-memory store, as the
services post (view the ledger, post with its journal, commit). Its rate must not fall as
the journal grows: the ledger aggregate holds the chart only and posting never changes it;
entries and balances are the journal's.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime

from merx.adapters.memory import MemoryJournal, MemoryStore, MemoryUnitOfWork, StoredJournal
from merx.ledger import (
    COMMISSION,
    TRANSIT,
    AccountId,
    Bucket,
    EntryKind,
    Ledger,
    Leg,
    merchant_account,
    merchant_accounts,
)

AT = datetime(2026, 6, 18, 2, 0, tzinfo=UTC)
MERCHANTS = 1_000
ENTRIES = 200_000


STORED = 20_000


def build() -> tuple[Ledger, list[AccountId]]:
    ledger = Ledger.open("CNY", "CNY", ["wechat_pay"])
    pending: list[AccountId] = []
    for i in range(MERCHANTS):
        ledger.open_accounts(merchant_accounts(f"m{i}"))
        pending.append(merchant_account(f"m{i}", Bucket.PENDING))
    return ledger, pending


def main() -> None:
    ledger, pending = build()
    journal = MemoryJournal()
    kind = EntryKind.ORDER_CLEARED
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
        post(journal, keys[i], kind, keys[i], legs_list[i], AT)
    elapsed = time.perf_counter() - started
    assert sum(figures.posted for figures in journal.balances().values()) == 0
    print(
        f"posted   {ENTRIES:>9,} 3-leg entries in {elapsed:6.3f} s: {ENTRIES / elapsed:>10,.0f}/s"
    )

    replays = ENTRIES // 4
    started = time.perf_counter()
    for i in range(replays):
        post(journal, keys[i], kind, keys[i], legs_list[i], AT)
    elapsed = time.perf_counter() - started
    print(
        f"replayed {replays:>9,} keys in            "
        f" {elapsed:6.3f} s: {replays / elapsed:>10,.0f}/s"
    )

    started = time.perf_counter()
    copy = ledger.clone()
    elapsed = time.perf_counter() - started
    print(f"clone of the ledger ({len(copy.accounts):,} accounts): {elapsed * 1000:.2f} ms")
    stored(pending, legs_list, keys)


def stored(pending: list[AccountId], legs_list: Sequence[Sequence[Leg]], keys: list[str]) -> None:
    store = MemoryStore()
    with MemoryUnitOfWork(store) as uow:
        ledger = Ledger.open("CNY", "CNY", ["wechat_pay"])
        for account in pending:
            ledger.open_accounts(merchant_accounts(account.owner))
        uow.repo(Ledger).add(ledger)
        uow.commit()
    tenth = STORED // 10
    rates = []
    started = lap = time.perf_counter()
    for i in range(STORED):
        with MemoryUnitOfWork(store) as uow:
            ledger = uow.repo(Ledger).view("CNY")
            journal = StoredJournal(uow, "CNY")
            ledger.post(journal, keys[i], EntryKind.ORDER_CLEARED, keys[i], legs_list[i], AT)
            uow.commit()
        if (i + 1) % tenth == 0:
            now = time.perf_counter()
            rates.append(tenth / (now - lap))
            lap = now
    elapsed = time.perf_counter() - started
    print(
        f"stored   {STORED:>9,} entries, one per unit of work: {STORED / elapsed:>10,.0f}/s "
        f"(first tenth {rates[0]:,.0f}/s, last tenth {rates[-1]:,.0f}/s)"
    )


if __name__ == "__main__":
    main()
