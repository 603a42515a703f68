"""The contract of the ``Journal`` port (:mod:`merx.ledger.ports`).

Run it against an adapter by subclassing :class:`JournalContract` and providing the
fixture ``make_journal``: a :class:`JournalFactory` answering a fresh
:class:`JournalHarness` (the journal of one empty book, a way to commit it and a way to
open it again in a new transaction)::

    class TestSqliteJournal(JournalContract):
        @pytest.fixture
        def make_journal(self, tmp_path: Path) -> JournalFactory:
            return lambda: SqliteJournalHarness(tmp_path / f"{uuid4().hex}.db", book="CNY")

Laws: entries are kept by number, each as appended; a key names its entry; a posted entry
with a link (a reversal) names the entry it reversed, a resolution of a pending entry
does not; what is missing is ``None``; ``entries()`` lists every committed entry in
order; a committed journal opened again answers the same; and a ledger posting through
it replays, reverses and resolves pending entries as the ledger's rules say.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

import pytest

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
    Leg,
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


#: What the host's ``make_journal`` fixture answers: a fresh harness over an empty book.
JournalFactory = Callable[[], JournalHarness]


def entry(  # noqa: PLR0917 - an entry's fields, in order
    seq: int,
    key: str,
    kind: EntryKind = EntryKind.ORDER_CLEARED,
    legs: tuple[Leg, ...] = SALE,
    phase: Phase = Phase.POSTED,
    link: int | None = None,
) -> Entry:
    return Entry(seq, key, kind, f"ref-{seq}", legs, AT, phase, link)


class JournalContract:
    """The contract of a ``Journal`` adapter (see the module docstring). Subclass it under a
    name pytest collects and provide the fixture ``make_journal`` (a
    :class:`JournalFactory`)."""

    @pytest.fixture
    def harness(self, make_journal: JournalFactory) -> JournalHarness:
        return make_journal()

    def test_an_empty_journal_holds_nothing(self, harness: JournalHarness) -> None:
        journal = harness.journal()
        assert list(journal.entries()) == []
        assert journal.get(0) is None
        assert journal.seq_of("k") is None
        assert journal.reversal_of(0) is None

    def test_entries_are_kept_by_number_and_key_as_appended(self, harness: JournalHarness) -> None:
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
        self,
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

    def test_a_ledger_posts_through_the_journal_by_its_rules(self, harness: JournalHarness) -> None:
        ledger = Ledger.open("CNY", "CNY", ["payout"])
        ledger.open_accounts(merchant_accounts("m1"))
        journal = harness.journal()
        sale = ledger.post(journal, "o1/cleared", EntryKind.ORDER_CLEARED, "o1", SALE, AT)
        hold = ledger.post(
            journal,
            "w1",
            EntryKind.WITHDRAWAL,
            "w1",
            [(AVAILABLE, 5), (PAYOUT, -5)],
            AT,
            pending=True,
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
