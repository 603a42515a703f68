"""Contract of the ``Journal`` port, run against every adapter in ``ADAPTERS``.

Laws: entries are kept by number, each as appended; a key names its entry; a posted entry
with a link (a reversal) names the entry it reversed, a resolution of a pending entry
does not; what is missing is ``None``; ``entries()`` lists every committed entry in
order; a committed journal opened again answers the same; and a ledger posting through
it replays, reverses and resolves pending entries as the ledger's rules say. A database
journal adds its harness to ``ADAPTERS`` (``commit`` ends its transaction, ``reopen``
starts another over the committed state).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

import pytest

from merx.adapters.memory import MemoryJournal, MemoryStore, MemoryUnitOfWork, StoredJournal
from merx.kernel.errors import IdempotencyConflict
from merx.ledger import (
    COMMISSION,
    TRANSIT,
    Bucket,
    Entry,
    EntryAlreadyReversed,
    EntryKind,
    Journal,
    Ledger,
    Phase,
    cash_account,
    merchant_account,
    merchant_accounts,
)

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PENDING = merchant_account("m1", Bucket.PENDING)
AVAILABLE = merchant_account("m1", Bucket.AVAILABLE)
PAYOUT = cash_account("payout")
SALE = ((TRANSIT, 1_000), (PENDING, -850), (COMMISSION, -150))


class JournalHarness(Protocol):
    """An adapter of the port, with the hooks the contract needs."""

    def journal(self) -> Journal:
        """The journal under test (of one book), in its current transaction."""
        ...

    def commit(self) -> None:
        """Make what was appended durable."""
        ...

    def reopen(self) -> Journal:
        """The same book's journal in a new transaction over the committed state."""
        ...


class MemoryHarness:
    def __init__(self) -> None:
        self._journal = MemoryJournal()

    def journal(self) -> Journal:
        return self._journal

    def commit(self) -> None:
        pass

    def reopen(self) -> Journal:
        return self._journal


class StoredHarness:
    def __init__(self) -> None:
        self._store = MemoryStore(check_views=True)
        self._uow = MemoryUnitOfWork(self._store)
        self._journal = StoredJournal(self._uow, "CNY")

    def journal(self) -> Journal:
        return self._journal

    def commit(self) -> None:
        self._uow.commit()

    def reopen(self) -> Journal:
        self._uow = MemoryUnitOfWork(self._store)
        self._journal = StoredJournal(self._uow, "CNY")
        return self._journal


#: Every adapter of the port: a database journal adds its harness here.
ADAPTERS: dict[str, Callable[[], JournalHarness]] = {
    "memory": MemoryHarness,
    "stored": StoredHarness,
}


@pytest.fixture(params=list(ADAPTERS.values()), ids=list(ADAPTERS))
def harness(request: pytest.FixtureRequest) -> JournalHarness:
    factory: Callable[[], JournalHarness] = request.param
    return factory()


def entry(  # noqa: PLR0917 - an entry's fields, in order
    seq: int,
    key: str,
    kind: EntryKind = EntryKind.ORDER_CLEARED,
    legs: tuple[tuple[object, int], ...] = SALE,
    phase: Phase = Phase.POSTED,
    link: int | None = None,
) -> Entry:
    return Entry(seq, key, kind, f"ref-{seq}", legs, AT, phase, link)  # type: ignore[arg-type]


def test_an_empty_journal_holds_nothing(harness: JournalHarness) -> None:
    journal = harness.journal()
    assert list(journal.entries()) == []
    assert journal.get(0) is None
    assert journal.seq_of("k") is None
    assert journal.reversal_of(0) is None


def test_entries_are_kept_by_number_and_key_as_appended(harness: JournalHarness) -> None:
    journal = harness.journal()
    first, second = entry(0, "o1/cleared"), entry(1, "o2/cleared", EntryKind.SETTLEMENT)
    journal.append(first)
    journal.append(second)

    def holds_both(view: Journal) -> None:
        assert view.get(0) == first
        assert view.get(1) == second
        assert (view.seq_of("o1/cleared"), view.seq_of("o2/cleared")) == (0, 1)
        assert view.get(2) is None
        assert view.get(-1) is None
        assert view.seq_of("o3/cleared") is None

    holds_both(journal)
    harness.commit()
    holds_both(harness.reopen())
    assert list(harness.reopen().entries()) == [first, second]


def test_a_reversal_names_the_entry_it_reversed_a_resolution_does_not(
    harness: JournalHarness,
) -> None:
    journal = harness.journal()
    withdraw = ((AVAILABLE, 500), (PAYOUT, -500))
    journal.append(entry(0, "o1/cleared"))
    journal.append(entry(1, "w1", EntryKind.WITHDRAWAL, withdraw, Phase.PENDING))
    journal.append(entry(2, "o1/reversed", EntryKind.REVERSAL, link=0))
    journal.append(entry(3, "w1/paid", EntryKind.WITHDRAWAL, withdraw, Phase.POSTS_PENDING, 1))
    harness.commit()

    journal = harness.reopen()
    assert journal.reversal_of(0) == 2
    assert journal.reversal_of(1) is None
    assert journal.reversal_of(2) is None
    assert [e.seq for e in journal.entries()] == [0, 1, 2, 3]


def test_a_ledger_posts_through_the_journal_by_its_rules(harness: JournalHarness) -> None:
    ledger = Ledger.open("CNY", "CNY", ["payout"])
    ledger.open_accounts(merchant_accounts("m1"))
    journal = harness.journal()
    sale = ledger.post(journal, "o1/cleared", EntryKind.ORDER_CLEARED, "o1", SALE, AT)
    hold = ledger.post(
        journal, "w1", EntryKind.WITHDRAWAL, "w1", [(AVAILABLE, 5), (PAYOUT, -5)], AT, pending=True
    )
    harness.commit()

    journal = harness.reopen()
    assert ledger.post(journal, "o1/cleared", EntryKind.ORDER_CLEARED, "o1", SALE, AT) == sale
    with pytest.raises(IdempotencyConflict):
        ledger.post(journal, "o1/cleared", EntryKind.ORDER_CLEARED, "o2", SALE, AT)
    reversal = ledger.reverse(journal, sale.seq, "o1/reversed", AT)
    with pytest.raises(EntryAlreadyReversed):
        ledger.reverse(journal, sale.seq, "o1/reversed-again", AT)
    paid = ledger.post_pending(journal, hold.seq, "w1/paid", AT)
    harness.commit()

    journal = harness.reopen()
    assert list(journal.entries()) == [sale, hold, reversal, paid]
    assert ledger.entry_for(journal, "w1/paid") == paid
    assert ledger.balance(PAYOUT) == -5
