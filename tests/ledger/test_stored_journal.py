"""The stored journal: a ledger posted through units of work over the memory store.

A ledger posted through units of work behaves exactly as one in memory: replays,
conflicts, reversals and two-phase entries hold across units of work; posting never
changes the ledger aggregate; postings that race on the same accounts both commit unless
one read what the other moved.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from merx.adapters.memory import MemoryJournal, MemoryStore, MemoryUnitOfWork, StoredJournal
from merx.kernel.errors import ConcurrencyError, IdempotencyConflict, MerxError
from merx.ledger import (
    COMMISSION,
    TRANSIT,
    AccountId,
    Bucket,
    Entry,
    EntryAlreadyReversed,
    EntryKind,
    EntryNotPending,
    Ledger,
    UnknownEntry,
    cash_account,
    merchant_account,
    merchant_accounts,
)
from merx.settlement.model import reconcile

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PENDING = merchant_account("m1", Bucket.PENDING)
AVAILABLE = merchant_account("m1", Bucket.AVAILABLE)
PAYOUT = cash_account("payout")
SALE = ((TRANSIT, 1_000), (PENDING, -850), (COMMISSION, -150))
CLEARED = EntryKind.ORDER_CLEARED


def open_store() -> MemoryStore:
    store = MemoryStore()
    with MemoryUnitOfWork(store) as uow:
        ledger = Ledger.open("CNY", "CNY", ["wechat_pay", "payout"])
        ledger.open_accounts(merchant_accounts("m1"))
        uow.repo(Ledger).add(ledger)
        uow.commit()
    return store


def committed(store: MemoryStore) -> tuple[Ledger, StoredJournal]:
    uow = MemoryUnitOfWork(store)
    return uow.repo(Ledger).get("CNY"), StoredJournal(uow, "CNY")


def post(store: MemoryStore, key: str, legs: tuple[tuple[AccountId, int], ...] = SALE) -> Entry:
    with MemoryUnitOfWork(store) as uow:
        ledger = uow.repo(Ledger).view("CNY")
        entry = ledger.post(StoredJournal(uow, "CNY"), key, CLEARED, key, legs, AT)
        uow.commit()
    return entry


def test_posting_appends_entries_and_never_changes_the_ledger() -> None:
    store = open_store()
    for n in range(5):
        assert post(store, f"o{n}").key == f"o{n}"
    ledger, journal = committed(store)
    assert ledger.version == 1
    assert [e.key for e in journal.entries()] == [f"o{n}" for n in range(5)]
    assert ledger.balance(journal, TRANSIT) == 5_000
    assert reconcile(ledger, journal).ok


def test_a_replay_in_a_later_unit_of_work_is_a_no_op_and_another_payload_conflicts() -> None:
    store = open_store()
    first = post(store, "o1")
    assert post(store, "o1") == first
    ledger, journal = committed(store)
    assert ledger.balance(journal, TRANSIT) == 1_000
    with pytest.raises(IdempotencyConflict):
        post(store, "o1", ((TRANSIT, 2_000), (PENDING, -2_000)))
    assert len(list(committed(store)[1].entries())) == 1


def test_reversal_and_two_phase_entries_hold_across_units_of_work() -> None:
    store = open_store()
    sale = post(store, "o1")
    with MemoryUnitOfWork(store) as uow:
        ledger, journal = uow.repo(Ledger).view("CNY"), StoredJournal(uow, "CNY")
        ledger.reverse(journal, sale.key, "o1/reversed", AT)
        withdraw = [(AVAILABLE, 500), (PAYOUT, -500)]
        ledger.post(journal, "w1", EntryKind.WITHDRAWAL, "w1", withdraw, AT, pending=True)
        uow.commit()
    with MemoryUnitOfWork(store) as uow:
        ledger, journal = uow.repo(Ledger).view("CNY"), StoredJournal(uow, "CNY")
        with pytest.raises(EntryAlreadyReversed):
            ledger.reverse(journal, sale.key, "o1/reversed-again", AT)
        ledger.post_pending(journal, "w1", "w1/paid", AT)
        uow.commit()
    ledger, journal = committed(store)
    with pytest.raises(EntryNotPending):
        ledger.void_pending(journal, "w1", "w1/failed", AT)
    with pytest.raises(UnknownEntry):
        ledger.entry(journal, "w9")
    assert ledger.balance(journal, TRANSIT) == 0
    assert ledger.balance(journal, PAYOUT) == -500
    assert reconcile(ledger, journal).ok


def test_two_postings_that_race_on_the_same_accounts_both_commit() -> None:
    store = open_store()
    first, second = MemoryUnitOfWork(store), MemoryUnitOfWork(store)
    for uow, key in ((first, "o1"), (second, "o2")):
        ledger = uow.repo(Ledger).view("CNY")
        ledger.post(StoredJournal(uow, "CNY"), key, CLEARED, key, SALE, AT)
    first.commit()
    second.commit()
    ledger, journal = committed(store)
    assert [e.key for e in journal.entries()] == ["o1", "o2"]
    assert ledger.balance(journal, TRANSIT) == 2_000
    assert reconcile(ledger, journal).ok


def test_a_posting_that_read_a_balance_another_moved_cannot_commit_and_writes_nothing() -> None:
    store = open_store()
    reader, mover = MemoryUnitOfWork(store), MemoryUnitOfWork(store)
    ledger = reader.repo(Ledger).view("CNY")
    journal = StoredJournal(reader, "CNY")
    assert ledger.balance(journal, PENDING) == 0  # a decision taken on this balance
    ledger.post(journal, "o1", CLEARED, "o1", SALE, AT)
    mover.repo(Ledger).view("CNY").post(StoredJournal(mover, "CNY"), "o2", CLEARED, "o2", SALE, AT)
    mover.commit()
    with pytest.raises(ConcurrencyError):
        reader.commit()
    ledger, journal = committed(store)
    assert [e.key for e in journal.entries()] == ["o2"]
    assert reconcile(ledger, journal).ok


LEG_ACCOUNTS = (TRANSIT, PENDING, AVAILABLE, COMMISSION, PAYOUT)


@st.composite
def attempts(draw: st.DrawFn) -> tuple[str, tuple[tuple[AccountId, int], ...], bool]:
    debit, credit = draw(st.lists(st.sampled_from(LEG_ACCOUNTS), min_size=2, max_size=2))
    amount = draw(st.integers(1, 5_000))
    key = f"k{draw(st.integers(0, 6))}"
    return key, ((debit, amount), (credit, -amount)), draw(st.booleans())


@settings(max_examples=60, deadline=None)
@given(st.lists(attempts(), max_size=12))
def test_a_stored_ledger_behaves_exactly_like_a_ledger_in_memory(
    steps: list[tuple[str, tuple[tuple[AccountId, int], ...], bool]],
) -> None:
    store = open_store()
    memory, memory_journal = Ledger.open("CNY", "CNY", ["wechat_pay", "payout"]), MemoryJournal()
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
                    with MemoryUnitOfWork(store) as uow:
                        stored = uow.repo(Ledger).view("CNY")
                        journal = StoredJournal(uow, "CNY")
                        entry = stored.post(journal, key, CLEARED, "r", legs, AT, pending=pending)
                        uow.commit()
                outcomes.append(entry)
            except MerxError as error:
                outcomes.append(type(error))
        assert outcomes[0] == outcomes[1]
    ledger, journal = committed(store)
    assert ledger.accounts == memory.accounts
    assert list(journal.entries()) == list(memory_journal.entries())
    assert journal.balances() == memory_journal.balances()
