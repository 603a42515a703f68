"""The stored journal: each entry a record of its own, the ledger balances only.

A ledger posted through units of work over the store behaves exactly as one in memory:
replays, conflicts, reversals and two-phase entries hold across units of work, a lost
race writes nothing, and the ledger aggregate does not grow with its journal.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from merx.adapters.memory import MemoryJournal, MemoryStore, MemoryUnitOfWork, StoredJournal
from merx.adapters.memory.journal import JournalEntry
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


def post(store: MemoryStore, key: str, legs: tuple[tuple[AccountId, int], ...] = SALE) -> int:
    with MemoryUnitOfWork(store) as uow:
        ledger = uow.repo(Ledger).get("CNY")
        entry = ledger.post(StoredJournal(uow, "CNY"), key, CLEARED, key, legs, AT)
        uow.repo(Ledger).save(ledger)
        uow.commit()
    return entry.seq


def test_entries_are_records_and_the_ledger_keeps_balances_only() -> None:
    store = open_store()
    for n in range(5):
        assert post(store, f"o{n}") == n
    ledger, journal = committed(store)
    assert ledger.next_seq == 5
    assert [e.key for e in journal.entries()] == [f"o{n}" for n in range(5)]
    assert len(store.tables[JournalEntry]) == 5
    assert not hasattr(ledger, "entries")
    assert ledger.balance(TRANSIT) == 5_000
    assert reconcile(ledger, journal.entries()).ok


def test_a_replay_in_a_later_unit_of_work_is_a_no_op_and_another_payload_conflicts() -> None:
    store = open_store()
    post(store, "o1")
    assert post(store, "o1") == 0
    assert committed(store)[0].balance(TRANSIT) == 1_000
    with pytest.raises(IdempotencyConflict):
        post(store, "o1", ((TRANSIT, 2_000), (PENDING, -2_000)))
    assert committed(store)[0].next_seq == 1


def test_reversal_and_two_phase_entries_hold_across_units_of_work() -> None:
    store = open_store()
    seq = post(store, "o1")
    with MemoryUnitOfWork(store) as uow:
        ledger, journal = uow.repo(Ledger).get("CNY"), StoredJournal(uow, "CNY")
        ledger.reverse(journal, seq, "o1/reversed", AT)
        withdraw = [(AVAILABLE, 500), (PAYOUT, -500)]
        ledger.post(journal, "w1", EntryKind.WITHDRAWAL, "w1", withdraw, AT, pending=True)
        uow.repo(Ledger).save(ledger)
        uow.commit()
    with MemoryUnitOfWork(store) as uow:
        ledger, journal = uow.repo(Ledger).get("CNY"), StoredJournal(uow, "CNY")
        with pytest.raises(EntryAlreadyReversed):
            ledger.reverse(journal, seq, "o1/reversed-again", AT)
        ledger.post_pending(journal, 2, "w1/paid", AT)
        uow.repo(Ledger).save(ledger)
        uow.commit()
    ledger, journal = committed(store)
    with pytest.raises(EntryNotPending):
        ledger.void_pending(journal, 2, "w1/failed", AT)
    with pytest.raises(UnknownEntry):
        ledger.entry(journal, 9)
    assert ledger.balance(TRANSIT) == 0
    assert ledger.balance(PAYOUT) == -500
    assert reconcile(ledger, journal.entries()).ok


def test_two_postings_that_race_cannot_both_commit_and_the_loser_writes_nothing() -> None:
    store = open_store()
    first, second = MemoryUnitOfWork(store), MemoryUnitOfWork(store)
    for uow, key in ((first, "o1"), (second, "o2")):
        ledger = uow.repo(Ledger).get("CNY")
        ledger.post(StoredJournal(uow, "CNY"), key, CLEARED, key, SALE, AT)
        uow.repo(Ledger).save(ledger)
    first.commit()
    with pytest.raises(ConcurrencyError):
        second.commit()
    ledger, journal = committed(store)
    assert [e.key for e in journal.entries()] == ["o1"]
    assert ledger.entry_for(journal, "o2") is None
    assert reconcile(ledger, journal.entries()).ok


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
                        stored = uow.repo(Ledger).get("CNY")
                        journal = StoredJournal(uow, "CNY")
                        entry = stored.post(journal, key, CLEARED, "r", legs, AT, pending=pending)
                        uow.repo(Ledger).save(stored)
                        uow.commit()
                outcomes.append(entry)
            except MerxError as error:
                outcomes.append(type(error))
        assert outcomes[0] == outcomes[1]
    ledger, journal = committed(store)
    assert ledger == memory
    assert list(journal.entries()) == list(memory_journal.entries())
