"""The stored journal: each entry a record of its own, the ledger balances only.

A book posted through units of work over the store behaves exactly as one in memory:
replays, conflicts, reversals and two-phase entries hold across units of work, a lost
race writes nothing, and the ledger aggregate does not grow with its journal.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from merx.adapters.memory import MemoryStore, MemoryUnitOfWork
from merx.kernel.errors import ConcurrencyError, IdempotencyConflict, MerxError
from merx.settlement import (
    COMMISSION,
    TRANSIT,
    Book,
    Bucket,
    Entry,
    EntryAlreadyReversed,
    EntryNotPending,
    JournalEntry,
    Ledger,
    UnknownEntry,
    cash_account,
    merchant_account,
    merchant_accounts,
    reconcile,
    stored_book,
)

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PENDING = merchant_account("m1", Bucket.PENDING)
AVAILABLE = merchant_account("m1", Bucket.AVAILABLE)
PAYOUT = cash_account("payout")
SALE = ((TRANSIT, 1_000), (PENDING, -850), (COMMISSION, -150))


def open_store() -> MemoryStore:
    store = MemoryStore()
    with MemoryUnitOfWork(store) as uow:
        ledger = Ledger.open("CNY", "CNY", ["wechat_pay", "payout"])
        ledger.open_accounts(merchant_accounts("m1"))
        uow.repo(Ledger).add(ledger)
        uow.commit()
    return store


def committed(store: MemoryStore) -> Book:
    return stored_book(MemoryUnitOfWork(store), "CNY")


def post(store: MemoryStore, key: str, legs: tuple[tuple[str, int], ...] = SALE) -> int:
    with MemoryUnitOfWork(store) as uow:
        book = stored_book(uow, "CNY")
        entry = book.post(key, "order_cleared", key, legs, AT)
        uow.repo(Ledger).save(book.ledger)
        uow.commit()
    return entry.seq


def test_entries_are_records_and_the_ledger_keeps_balances_only() -> None:
    store = open_store()
    for n in range(5):
        assert post(store, f"o{n}") == n
    book = committed(store)
    assert book.ledger.next_seq == 5
    assert [e.key for e in book.entries] == [f"o{n}" for n in range(5)]
    assert len(store.tables[JournalEntry]) == 5
    assert not hasattr(book.ledger, "entries")
    assert book.balance(TRANSIT) == 5_000
    assert reconcile(book).ok


def test_a_replay_in_a_later_unit_of_work_is_a_no_op_and_another_payload_conflicts() -> None:
    store = open_store()
    post(store, "o1")
    assert post(store, "o1") == 0
    assert committed(store).balance(TRANSIT) == 1_000
    with pytest.raises(IdempotencyConflict):
        post(store, "o1", ((TRANSIT, 2_000), (PENDING, -2_000)))
    assert committed(store).ledger.next_seq == 1


def test_reversal_and_two_phase_entries_hold_across_units_of_work() -> None:
    store = open_store()
    seq = post(store, "o1")
    with MemoryUnitOfWork(store) as uow:
        book = stored_book(uow, "CNY")
        book.reverse(seq, "o1/reversed", AT)
        book.post("w1", "withdrawal", "w1", [(AVAILABLE, 500), (PAYOUT, -500)], AT, pending=True)
        uow.repo(Ledger).save(book.ledger)
        uow.commit()
    with MemoryUnitOfWork(store) as uow:
        book = stored_book(uow, "CNY")
        with pytest.raises(EntryAlreadyReversed):
            book.reverse(seq, "o1/reversed-again", AT)
        book.post_pending(2, "w1/paid", AT)
        uow.repo(Ledger).save(book.ledger)
        uow.commit()
    book = committed(store)
    with pytest.raises(EntryNotPending):
        book.void_pending(2, "w1/failed", AT)
    with pytest.raises(UnknownEntry):
        book.entry(9)
    assert book.balance(TRANSIT) == 0
    assert book.balance(PAYOUT) == -500
    assert reconcile(book).ok


def test_two_postings_that_race_cannot_both_commit_and_the_loser_writes_nothing() -> None:
    store = open_store()
    first, second = MemoryUnitOfWork(store), MemoryUnitOfWork(store)
    books = [stored_book(uow, "CNY") for uow in (first, second)]
    for uow, book, key in zip((first, second), books, ("o1", "o2"), strict=True):
        book.post(key, "order_cleared", key, SALE, AT)
        uow.repo(Ledger).save(book.ledger)
    first.commit()
    with pytest.raises(ConcurrencyError):
        second.commit()
    book = committed(store)
    assert [e.key for e in book.entries] == ["o1"]
    assert book.entry_for("o2") is None
    assert reconcile(book).ok


LEG_ACCOUNTS = (TRANSIT, PENDING, AVAILABLE, COMMISSION, PAYOUT)


@st.composite
def attempts(draw: st.DrawFn) -> tuple[str, tuple[tuple[str, int], ...], bool]:
    debit, credit = draw(st.lists(st.sampled_from(LEG_ACCOUNTS), min_size=2, max_size=2))
    amount = draw(st.integers(1, 5_000))
    key = f"k{draw(st.integers(0, 6))}"
    return key, ((debit, amount), (credit, -amount)), draw(st.booleans())


@settings(max_examples=60, deadline=None)
@given(st.lists(attempts(), max_size=12))
def test_a_stored_book_behaves_exactly_like_a_book_in_memory(
    steps: list[tuple[str, tuple[tuple[str, int], ...], bool]],
) -> None:
    store = open_store()
    memory = Book.open("CNY", "CNY", ["wechat_pay", "payout"])
    memory.open_accounts(merchant_accounts("m1"))
    for key, legs, pending in steps:
        outcomes: list[Entry | type[MerxError]] = []
        for book in (memory, None):
            try:
                if book is None:
                    with MemoryUnitOfWork(store) as uow:
                        stored = stored_book(uow, "CNY")
                        entry = stored.post(key, "t", "r", legs, AT, pending=pending)
                        uow.repo(Ledger).save(stored.ledger)
                        uow.commit()
                else:
                    entry = book.post(key, "t", "r", legs, AT, pending=pending)
                outcomes.append(entry)
            except MerxError as error:
                outcomes.append(type(error))
        assert outcomes[0] == outcomes[1]
    assert committed(store) == memory
