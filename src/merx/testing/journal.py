"""The contract of the ``Journal`` port (:mod:`merx.ledger.ports`).

Run it against an adapter by subclassing :class:`JournalContract` and providing the
fixture ``make_journal``: a :class:`JournalFactory` answering a fresh
:class:`JournalHarness` over one empty book, which begins transactions over it::

    class TestSqliteJournal(JournalContract):
        @pytest.fixture
        def make_journal(self, tmp_path: Path) -> JournalFactory:
            return lambda: SqliteJournalHarness(tmp_path / f"{uuid4().hex}.db", book="CNY")

Laws: entries are kept by key, each as appended, in the order appended; an entry's
follow-up (a reversal, or the posting or voiding of a pending entry) is found from the
entry it names; appending moves the accounts' counters as
:func:`~merx.ledger.counter_moves` says, and a transaction reads its own appends; what
is missing is ``None`` (a balance, zero); a committed journal read in a new transaction
answers the same; a ledger posting through it replays, reverses and resolves pending
entries as the ledger's rules say; keys read ahead (:func:`~merx.ledger.prefetch_entries`)
answer as ``get`` does, and keys known new post without a read. For a journal in transactions
(``harness.transactional``): a transaction dropped leaves nothing, appends of concurrent
transactions to the same accounts add
up, a key or a follow-up taken by an earlier commit is refused at commit
(:class:`~merx.errors.ConcurrencyError`, nothing written), and so is a commit that read
an account's figures another commit has moved since.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

import pytest

from merx.kernel.errors import ConcurrencyError, IdempotencyConflict
from merx.ledger import (
    COMMISSION,
    TRANSIT,
    Balance,
    Bucket,
    Entry,
    EntryAlreadyReversed,
    EntryKind,
    EntryNotPending,
    Journal,
    Ledger,
    Leg,
    Phase,
    cash_account,
    merchant_account,
    merchant_accounts,
    prefetch_entries,
)

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PENDING = merchant_account("m1", Bucket.PENDING)
AVAILABLE = merchant_account("m1", Bucket.AVAILABLE)
PAYOUT = cash_account("payout")
SALE = ((TRANSIT, 1_000), (PENDING, -850), (COMMISSION, -150))
WITHDRAW = ((AVAILABLE, 500), (PAYOUT, -500))
NOTHING = Balance(0, 0, 0, 0, 0)


class JournalTransaction(Protocol):
    """One transaction over the book: its journal, and a way to commit it."""

    @property
    def journal(self) -> Journal: ...

    def commit(self) -> None:
        """Make what was appended durable (or raise ``ConcurrencyError``, writing nothing)."""
        ...


class JournalHarness(Protocol):
    """An adapter of the port, with the hooks the contract needs."""

    #: Whether the journal lives in transactions: a transaction dropped leaves nothing and
    #: concurrent ones are checked at commit (a journal outside any unit of work, such as
    #: ``MemoryJournal``, is not).
    transactional: bool

    def begin(self) -> JournalTransaction:
        """A new transaction over the committed state of the book."""
        ...


#: What the host's ``make_journal`` fixture answers: a fresh harness over an empty book.
JournalFactory = Callable[[], JournalHarness]


def entry(
    key: str,
    kind: EntryKind = EntryKind.ORDER_CLEARED,
    legs: tuple[Leg, ...] = SALE,
    phase: Phase = Phase.POSTED,
    link: str | None = None,
) -> Entry:
    return Entry(key, kind, f"ref-{key}", legs, AT, phase, link)


def book() -> Ledger:
    ledger = Ledger.open("CNY", "CNY", ["payout"])
    ledger.open_accounts(merchant_accounts("m1"))
    return ledger


class JournalContract:
    """The contract of a ``Journal`` adapter (see the module docstring). Subclass it under a
    name pytest collects and provide the fixture ``make_journal`` (a
    :class:`JournalFactory`)."""

    @pytest.fixture
    def harness(self, make_journal: JournalFactory) -> JournalHarness:
        return make_journal()

    def test_an_empty_journal_holds_nothing(self, harness: JournalHarness) -> None:
        journal = harness.begin().journal
        assert list(journal.entries()) == []
        assert journal.get("k") is None
        assert journal.follow_up("k") is None
        assert journal.figures(TRANSIT) == NOTHING
        assert journal.balances() == {}

    def test_entries_are_kept_by_key_in_the_order_appended(self, harness: JournalHarness) -> None:
        first, second = entry("o2/cleared"), entry("o1/cleared", EntryKind.SETTLEMENT)
        transaction = harness.begin()
        transaction.journal.append(first)
        transaction.journal.append(second)

        def holds_both(view: Journal) -> None:
            assert view.get("o2/cleared") == first
            assert view.get("o1/cleared") == second
            assert view.get("o3/cleared") is None
            assert list(view.entries()) == [first, second]

        holds_both(transaction.journal)
        transaction.commit()
        holds_both(harness.begin().journal)

    def test_appending_moves_the_counters_and_a_transaction_reads_its_own(
        self, harness: JournalHarness
    ) -> None:
        transaction = harness.begin()
        journal = transaction.journal
        journal.append(entry("o1/cleared"))
        journal.append(entry("w1", EntryKind.WITHDRAWAL, WITHDRAW, Phase.PENDING))
        journal.append(entry("w2", EntryKind.WITHDRAWAL, WITHDRAW, Phase.PENDING))
        journal.append(entry("w1/paid", EntryKind.WITHDRAWAL, WITHDRAW, Phase.POSTS_PENDING, "w1"))
        journal.append(entry("w2/void", EntryKind.WITHDRAWAL, WITHDRAW, Phase.VOIDS_PENDING, "w2"))
        journal.append(entry("w3", EntryKind.WITHDRAWAL, WITHDRAW, Phase.PENDING))
        expected = {
            TRANSIT: Balance(1_000, 1_000, 0, 0, 0),
            PENDING: Balance(-850, 0, 850, 0, 0),
            COMMISSION: Balance(-150, 0, 150, 0, 0),
            AVAILABLE: Balance(500, 500, 0, 500, 0),
            PAYOUT: Balance(-500, 0, 500, 0, 500),
        }

        def holds(view: Journal) -> None:
            assert {account: view.figures(account) for account in expected} == expected
            assert view.balances() == expected
            assert view.figures(merchant_account("m1", Bucket.DEPOSIT)) == NOTHING

        holds(journal)
        transaction.commit()
        holds(harness.begin().journal)

    def test_an_entry_names_its_one_follow_up(self, harness: JournalHarness) -> None:
        transaction = harness.begin()
        sale = entry("o1/cleared")
        hold = entry("w1", EntryKind.WITHDRAWAL, WITHDRAW, Phase.PENDING)
        reversal = entry("o1/reversed", EntryKind.REVERSAL, link="o1/cleared")
        paid = entry("w1/paid", EntryKind.WITHDRAWAL, WITHDRAW, Phase.POSTS_PENDING, "w1")
        for appended in (sale, hold, reversal, paid):
            transaction.journal.append(appended)
        transaction.commit()

        journal = harness.begin().journal
        assert journal.follow_up("o1/cleared") == reversal
        assert journal.follow_up("w1") == paid
        assert journal.follow_up("o1/reversed") is None
        assert journal.follow_up("w1/paid") is None
        assert list(journal.entries()) == [sale, hold, reversal, paid]

    def test_prefetched_keys_answer_as_get_does(self, harness: JournalHarness) -> None:
        setup = harness.begin()
        setup.journal.append(entry("o1/cleared"))
        setup.commit()
        transaction = harness.begin()
        journal = transaction.journal
        prefetch_entries(journal, ["o1/cleared", "o2/cleared", "o1/cleared"])
        assert journal.get("o1/cleared") == entry("o1/cleared")
        assert journal.get("o2/cleared") is None
        ledger = book()
        posted = ledger.post(journal, "o2/cleared", EntryKind.ORDER_CLEARED, "ref-o2/cleared",
                             SALE, AT)  # fmt: skip
        assert journal.get("o2/cleared") == posted == entry("o2/cleared")
        prefetch_entries(journal, ["o2/cleared", "o3/cleared"])  # its own append stays
        assert journal.get("o2/cleared") == posted
        assert ledger.post(journal, "o1/cleared", EntryKind.ORDER_CLEARED, "ref-o1/cleared",
                           SALE, AT) == entry("o1/cleared")  # fmt: skip
        transaction.commit()
        journal = harness.begin().journal
        assert [e.key for e in journal.entries()] == ["o1/cleared", "o2/cleared"]
        assert journal.figures(TRANSIT) == Balance(2_000, 2_000, 0, 0, 0)

    # -- transactions ----------------------------------------------------------------------

    @pytest.fixture
    def shared(self, harness: JournalHarness) -> JournalHarness:
        if not harness.transactional:
            pytest.skip("this journal lives outside transactions")
        return harness

    def test_a_transaction_dropped_leaves_nothing(self, shared: JournalHarness) -> None:
        shared.begin().journal.append(entry("o1/cleared"))
        journal = shared.begin().journal
        assert journal.get("o1/cleared") is None
        assert journal.figures(TRANSIT) == NOTHING

    def test_a_ledger_posts_through_the_journal_by_its_rules(self, harness: JournalHarness) -> None:
        ledger = book()
        transaction = harness.begin()
        journal = transaction.journal
        sale = ledger.post(journal, "o1/cleared", EntryKind.ORDER_CLEARED, "o1", SALE, AT)
        hold = ledger.post(
            journal, "w1", EntryKind.WITHDRAWAL, "w1", [(AVAILABLE, 5), (PAYOUT, -5)], AT,
            pending=True,
        )  # fmt: skip
        transaction.commit()

        transaction = harness.begin()
        journal = transaction.journal
        assert ledger.post(journal, "o1/cleared", EntryKind.ORDER_CLEARED, "o1", SALE, AT) == sale
        with pytest.raises(IdempotencyConflict):
            ledger.post(journal, "o1/cleared", EntryKind.ORDER_CLEARED, "o2", SALE, AT)
        reversal = ledger.reverse(journal, sale.key, "o1/reversed", AT)
        assert ledger.reverse(journal, sale.key, "o1/reversed", AT) == reversal
        with pytest.raises(EntryAlreadyReversed):
            ledger.reverse(journal, sale.key, "o1/reversed-again", AT)
        assert ledger.is_open_pending(journal, hold.key)
        paid = ledger.post_pending(journal, hold.key, "w1/paid", AT)
        with pytest.raises(EntryNotPending):
            ledger.void_pending(journal, hold.key, "w1/void", AT)
        transaction.commit()

        journal = harness.begin().journal
        assert list(journal.entries()) == [sale, hold, reversal, paid]
        assert ledger.entry_for(journal, "w1/paid") == paid
        assert not ledger.is_open_pending(journal, hold.key)
        assert ledger.balance(journal, PAYOUT) == -5
        assert ledger.balance(journal, TRANSIT) == 0

    def test_appends_to_the_same_accounts_add_up(self, shared: JournalHarness) -> None:
        first, second = shared.begin(), shared.begin()
        first.journal.append(entry("o1/cleared"))
        second.journal.append(entry("o2/cleared"))
        first.commit()
        second.commit()
        journal = shared.begin().journal
        assert [e.key for e in journal.entries()] == ["o1/cleared", "o2/cleared"]
        assert journal.figures(TRANSIT) == Balance(2_000, 2_000, 0, 0, 0)

    def test_a_key_taken_meanwhile_is_refused_and_nothing_is_written(
        self, shared: JournalHarness
    ) -> None:
        first, second = shared.begin(), shared.begin()
        first.journal.append(entry("o1/cleared"))
        second.journal.append(entry("o9/cleared"))
        second.journal.append(entry("o1/cleared", EntryKind.SETTLEMENT))
        first.commit()
        with pytest.raises(ConcurrencyError):
            second.commit()
        journal = shared.begin().journal
        assert journal.get("o9/cleared") is None
        assert journal.get("o1/cleared") == entry("o1/cleared")
        assert journal.figures(TRANSIT) == Balance(1_000, 1_000, 0, 0, 0)

    def test_a_key_prefetched_as_missing_and_taken_meanwhile_is_refused(
        self, shared: JournalHarness
    ) -> None:
        mine, theirs = shared.begin(), shared.begin()
        prefetch_entries(mine.journal, ["o1/cleared"])
        assert mine.journal.get("o1/cleared") is None
        theirs.journal.append(entry("o1/cleared"))
        theirs.commit()
        mine.journal.append(entry("o1/cleared", EntryKind.SETTLEMENT))  # as if posted
        with pytest.raises(ConcurrencyError):
            mine.commit()
        journal = shared.begin().journal
        assert journal.get("o1/cleared") == entry("o1/cleared")
        assert journal.figures(TRANSIT) == Balance(1_000, 1_000, 0, 0, 0)

    def test_keys_known_new_post_and_commit(self, harness: JournalHarness) -> None:
        transaction = harness.begin()
        prefetch_entries(transaction.journal, ["o1/cleared", "o2/cleared"], known_new=True)
        ledger = book()
        for key in ("o1/cleared", "o2/cleared"):
            ledger.post(transaction.journal, key, EntryKind.ORDER_CLEARED, f"ref-{key}", SALE, AT)
        transaction.commit()
        journal = harness.begin().journal
        assert [e.key for e in journal.entries()] == ["o1/cleared", "o2/cleared"]
        assert journal.figures(TRANSIT) == Balance(2_000, 2_000, 0, 0, 0)

    def test_a_key_promised_new_but_taken_is_never_posted_twice(
        self, shared: JournalHarness
    ) -> None:
        """A broken promise (``known_new`` for a key an earlier commit posted): the journal
        either answers the entry (the ledger replays it, or refuses another entry under the
        key) or answers ``None`` and the commit is refused, writing nothing."""
        setup = shared.begin()
        setup.journal.append(entry("o1/cleared"))
        setup.commit()
        for legs in (SALE, WITHDRAW):  # the same entry again, then another under its key
            mine = shared.begin()
            prefetch_entries(mine.journal, ["o1/cleared"], known_new=True)
            mine.journal.append(entry("o7/cleared"))
            try:
                book().post(mine.journal, "o1/cleared", EntryKind.ORDER_CLEARED,
                            "ref-o1/cleared", legs, AT)  # fmt: skip
                mine.commit()
            except (ConcurrencyError, IdempotencyConflict):
                pass
        journal = shared.begin().journal
        assert [e.key for e in journal.entries()] in (["o1/cleared"], ["o1/cleared", "o7/cleared"])
        assert journal.get("o1/cleared") == entry("o1/cleared")

    def test_a_follow_up_taken_meanwhile_is_refused(self, shared: JournalHarness) -> None:
        setup = shared.begin()
        setup.journal.append(entry("o1/cleared"))
        setup.commit()
        reversed_legs = tuple((account, -amount) for account, amount in SALE)
        first, second = shared.begin(), shared.begin()
        for transaction, key in ((first, "o1/reversed"), (second, "o1/reversed-too")):
            transaction.journal.append(
                entry(key, EntryKind.REVERSAL, reversed_legs, link="o1/cleared")
            )
        first.commit()
        with pytest.raises(ConcurrencyError):
            second.commit()
        journal = shared.begin().journal
        assert journal.follow_up("o1/cleared") == journal.get("o1/reversed")
        assert journal.get("o1/reversed-too") is None
        assert journal.figures(TRANSIT) == Balance(0, 1_000, 1_000, 0, 0)

    def test_figures_read_then_moved_by_another_commit_refuse_the_reader(
        self, shared: JournalHarness
    ) -> None:
        reader, mover = shared.begin(), shared.begin()
        assert reader.journal.figures(AVAILABLE) == NOTHING
        reader.journal.append(entry("w1", EntryKind.WITHDRAWAL, WITHDRAW, Phase.PENDING))
        mover.journal.append(entry("c1", EntryKind.COMPENSATION, ((PAYOUT, 7), (AVAILABLE, -7))))
        mover.commit()
        with pytest.raises(ConcurrencyError):
            reader.commit()
        journal = shared.begin().journal
        assert journal.get("w1") is None
        assert journal.figures(AVAILABLE) == Balance(-7, 0, 7, 0, 0)

    def test_figures_read_of_an_account_nobody_moved_commit(self, shared: JournalHarness) -> None:
        reader, mover = shared.begin(), shared.begin()
        assert reader.journal.figures(AVAILABLE) == NOTHING
        reader.journal.append(entry("w1", EntryKind.WITHDRAWAL, WITHDRAW, Phase.PENDING))
        mover.journal.append(entry("o1/cleared"))
        mover.commit()
        reader.commit()
        journal = shared.begin().journal
        assert journal.figures(AVAILABLE) == Balance(0, 0, 0, 500, 0)
        assert journal.figures(TRANSIT) == Balance(1_000, 1_000, 0, 0, 0)
