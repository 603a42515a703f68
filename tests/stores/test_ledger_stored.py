"""The ledger on the databases: the memory model's property test, and processes racing.

A ledger posted through a stored app's units of work (SQLite, PostgreSQL) behaves exactly
as one in memory (the same steps as ``tests/ledger/test_stored_journal.py``, which runs
them on the memory store): the same entries or the same errors, the same balances. OS
processes posting to one account at once all commit (their moves add up, re-run after a
conflict) and each balance row equals the sum of its postings.
"""

from __future__ import annotations

import itertools
import multiprocessing
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from merx.adapters.memory import FixedClock, MemoryJournal
from merx.app import StoredApp, build_sqlite_app
from merx.errors import ConcurrencyError, MerxError
from merx.ledger import (
    COMMISSION,
    TRANSIT,
    AccountId,
    Bucket,
    Entry,
    EntryKind,
    Ledger,
    merchant_account,
    merchant_accounts,
    prefetch_entries,
)
from tests.ledger.test_stored_journal import attempts

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PENDING = merchant_account("m1", Bucket.PENDING)
CLEARED = EntryKind.ORDER_CLEARED
WORKERS = 2
ENTRIES = 40  # per worker


def is_postgres(target: str) -> bool:
    return target.startswith("postgresql:") or "search_path" in target


def opened(target: str) -> StoredApp:
    if is_postgres(target):
        from merx.app import build_postgres_app

        return build_postgres_app(target, clock=FixedClock(AT), max_connections=2)
    return build_sqlite_app(target, clock=FixedClock(AT), synchronous="NORMAL")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "ledger.db")
    schema: str = request.getfixturevalue("postgres_schema")()
    return schema


@pytest.fixture
def app(target: str) -> Iterator[StoredApp]:
    stored = opened(target)
    yield stored
    stored.close()


def open_book(app: StoredApp, book: str) -> None:
    """``book`` with merchant m1's accounts (the stored app opened the CNY book itself)."""
    with app.unit_of_work() as uow:
        ledger = uow.repo(Ledger).find(book)
        if ledger is None:
            ledger = Ledger.open(book, "CNY", ["wechat_pay", "payout"])
            ledger.open_accounts(merchant_accounts("m1"))
            uow.repo(Ledger).add(ledger)
        else:
            ledger.open_accounts(merchant_accounts("m1"), exist_ok=True)
            uow.repo(Ledger).save(ledger)
        uow.commit()


_BOOKS = itertools.count()


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(attempts(), max_size=10))
def test_a_ledger_on_a_database_behaves_exactly_like_a_ledger_in_memory(
    app: StoredApp, steps: list[tuple[str, tuple[tuple[AccountId, int], ...], bool]]
) -> None:
    book = f"B{next(_BOOKS)}"  # a fresh book per example, in the one database
    open_book(app, book)
    memory, memory_journal = Ledger.open(book, "CNY", ["wechat_pay", "payout"]), MemoryJournal()
    memory.open_accounts(merchant_accounts("m1"))
    for key, legs, pending in steps:
        outcomes: list[Entry | type[MerxError]] = []
        for in_memory in (True, False):
            try:
                if in_memory:
                    entry = memory.post(
                        memory_journal, key, CLEARED, "r", legs, AT, pending=pending
                    )
                else:
                    with app.unit_of_work() as uow:
                        stored = uow.repo(Ledger).view(book)
                        journal = app.journals(uow, book)
                        entry = stored.post(journal, key, CLEARED, "r", legs, AT, pending=pending)
                        uow.commit()
                outcomes.append(entry)
            except MerxError as error:
                outcomes.append(type(error))
        assert outcomes[0] == outcomes[1]
    with app.unit_of_work() as uow:
        journal = app.journals(uow, book)
        assert list(journal.entries()) == list(memory_journal.entries())
        assert journal.balances() == memory_journal.balances()


# -- processes racing on one account ------------------------------------------------------------


def sale(worker: int, k: int) -> tuple[tuple[AccountId, int], ...]:
    amount = 100 + 10 * worker + k
    return ((TRANSIT, amount), (PENDING, -(amount - 15)), (COMMISSION, -15))


def post_many(target: str, worker: int) -> tuple[int, int]:
    """Post :data:`ENTRIES` entries, one per unit of work, every one to the same three
    accounts (as the bus would, run again after a conflict; half with keys known new):
    (entries posted, conflicts met)."""
    app = opened(target)
    conflicts = 0
    try:
        for k in range(ENTRIES):
            key = f"w{worker}-{k}"
            for _ in range(50):
                try:
                    with app.unit_of_work() as uow:
                        ledger = uow.repo(Ledger).view("CNY")
                        journal = app.journals(uow, "CNY")
                        prefetch_entries(journal, [key], known_new=k % 2 == 0)
                        ledger.post(journal, key, CLEARED, key, sale(worker, k), AT)
                        uow.commit()
                    break
                except ConcurrencyError:
                    conflicts += 1
            else:
                raise AssertionError(f"{key} met a conflict 50 times running")
    finally:
        app.close()
    return ENTRIES, conflicts


def test_processes_posting_to_one_account_at_once_add_up_to_the_sum_of_postings(
    target: str,
) -> None:
    setup = opened(target)
    open_book(setup, "CNY")
    setup.close()
    context = multiprocessing.get_context("spawn")
    with context.Pool(WORKERS) as pool:
        posted = pool.starmap(post_many, [(target, n) for n in range(WORKERS)])
    assert [count for count, _ in posted] == [ENTRIES] * WORKERS
    app = opened(target)
    try:
        with app.unit_of_work() as uow:
            journal = app.journals(uow, "CNY")
            entries = list(journal.entries())
            balances = journal.balances()
        assert len(entries) == WORKERS * ENTRIES
        assert len({entry.key for entry in entries}) == WORKERS * ENTRIES
        for account in (TRANSIT, PENDING, COMMISSION):
            summed = sum(entry.amount_of(account) for entry in entries)
            expected = sum(
                dict(sale(w, k))[account] for w in range(WORKERS) for k in range(ENTRIES)
            )
            assert balances[account].posted == summed == expected
        assert sum(balance.posted for balance in balances.values()) == 0
        assert sum_of_posting_rows(app) == {
            str(account): balance.posted for account, balance in balances.items()
        }
    finally:
        app.close()


def sum_of_posting_rows(app: StoredApp) -> dict[str, int]:
    """Each account's postings summed by the database itself (not through the journal)."""
    query = "SELECT account, sum(amount) FROM merx_ledger_postings GROUP BY account"
    database: Any = app.database
    with database.connection() as db:  # a sqlite3 connection, or a pooled psycopg one
        rows = db.execute(query).fetchall()
    return {account: int(total) for account, total in rows}
