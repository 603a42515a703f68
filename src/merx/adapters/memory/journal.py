"""In-memory :class:`~merx.ledger.ports.Journal`\\ s: a book's entries and balances.

* :class:`MemoryJournal` keeps one book's entries and balances in plain dicts: for a
  ledger used by hand (tests, the spec runner, the benchmark). It is not part of any unit
  of work.
* :class:`StoredJournal` is the :class:`~merx.ledger.ports.Journals` the memory app
  wires: the journal of a book inside a :class:`~merx.adapters.memory.MemoryUnitOfWork`.
  The committed journal of each book (a :class:`MemoryJournal`, with a version per
  account) lives in the store; a unit of work stages its appends and commits them with
  its aggregates. As on a database (:mod:`merx.adapters.journal`), the commit is refused
  if a staged key or follow-up was taken by another commit meanwhile, or if an account
  whose figures this unit of work read has moved since; appends to accounts it did not
  read add up with everyone else's.
"""

from __future__ import annotations

from collections.abc import Iterator

from merx.adapters.memory.store import MemoryStore, MemoryUnitOfWork
from merx.kernel.errors import ConcurrencyError
from merx.kernel.uow import UnitOfWork
from merx.ledger import AccountId, Balance, Entry, counter_moves

_ZERO = Balance.of(0, 0, 0, 0)


class MemoryJournal:
    """One book's journal in plain dicts (see the module docstring)."""

    def __init__(self) -> None:
        self._entries: dict[str, Entry] = {}  # by key, in the order appended
        self._follow_ups: dict[str, Entry] = {}
        self._counters: dict[AccountId, list[int]] = {}
        #: each account's version: how many appends moved it
        self.versions: dict[AccountId, int] = {}

    def get(self, key: str) -> Entry | None:
        return self._entries.get(key)

    def follow_up(self, key: str) -> Entry | None:
        return self._follow_ups.get(key)

    def figures(self, account: AccountId) -> Balance:
        counters = self._counters.get(account)
        return _ZERO if counters is None else Balance.of(*counters)

    def balances(self) -> dict[AccountId, Balance]:
        return {account: Balance.of(*counters) for account, counters in self._counters.items()}

    def append(self, entry: Entry) -> None:
        assert entry.key not in self._entries, f"entry {entry.key!r} is appended once"
        assert entry.link is None or entry.link not in self._follow_ups, (
            f"entry {entry.link!r} has one follow-up"
        )
        self._entries[entry.key] = entry
        if entry.link is not None:
            self._follow_ups[entry.link] = entry
        counters, versions = self._counters, self.versions
        for account, debits, credits, pending_debits, pending_credits in counter_moves(entry):
            held = counters.get(account)
            if held is None:
                held = counters[account] = [0, 0, 0, 0]
            held[0] += debits
            held[1] += credits
            held[2] += pending_debits
            held[3] += pending_credits
            versions[account] = versions.get(account, 0) + 1

    def entries(self) -> Iterator[Entry]:
        return iter(list(self._entries.values()))


class _Staged:
    """What one unit of work appended to one book, and the versions of the accounts whose
    figures it read: a participant of the unit of work's commit."""

    def __init__(self, committed: MemoryJournal) -> None:
        self.committed = committed
        self.appended = MemoryJournal()
        self.read: dict[AccountId, int] = {}

    def check(self) -> None:
        committed = self.committed
        for entry in self.appended.entries():
            if committed.get(entry.key) is not None:
                raise ConcurrencyError(f"ledger entry {entry.key!r} was posted concurrently")
            if entry.link is not None and committed.follow_up(entry.link) is not None:
                raise ConcurrencyError(
                    f"ledger entry {entry.link!r} was reversed or resolved concurrently"
                )
        for account, version in self.read.items():
            if committed.versions.get(account, 0) != version:
                raise ConcurrencyError(f"ledger account {account} moved since it was read")

    def write(self) -> None:
        for entry in self.appended.entries():
            self.committed.append(entry)


class StoredJournal:
    """The journal of ``book`` in a :class:`~merx.adapters.memory.MemoryUnitOfWork` (see
    the module docstring); a :class:`~merx.ledger.ports.Journals`."""

    def __init__(self, uow: UnitOfWork, book: str) -> None:
        if not isinstance(uow, MemoryUnitOfWork):
            raise TypeError(f"StoredJournal needs a MemoryUnitOfWork, not {uow!r}")
        self._uow = uow
        self._book = book

    def _staged(self) -> _Staged:
        committed = _committed(self._uow.store, self._book)
        return self._uow.joined(("journal", self._book), lambda: _Staged(committed))

    def get(self, key: str) -> Entry | None:
        staged = self._staged()
        return staged.appended.get(key) or staged.committed.get(key)

    def follow_up(self, key: str) -> Entry | None:
        staged = self._staged()
        return staged.appended.follow_up(key) or staged.committed.follow_up(key)

    def figures(self, account: AccountId) -> Balance:
        staged = self._staged()
        staged.read.setdefault(account, staged.committed.versions.get(account, 0))
        return _sum(staged.committed.figures(account), staged.appended.figures(account))

    def balances(self) -> dict[AccountId, Balance]:
        staged = self._staged()
        held = staged.committed.balances()
        for account, balance in staged.appended.balances().items():
            held[account] = _sum(held.get(account, _ZERO), balance)
        return held

    def append(self, entry: Entry) -> None:
        self._staged().appended.append(entry)

    def entries(self) -> Iterator[Entry]:
        staged = self._staged()
        return iter([*staged.committed.entries(), *staged.appended.entries()])


def _committed(store: MemoryStore, book: str) -> MemoryJournal:
    journals: dict[str, MemoryJournal] = store.extensions.setdefault("journals", {})
    found = journals.get(book)
    if found is None:
        found = journals[book] = MemoryJournal()
    return found


def _sum(first: Balance, second: Balance) -> Balance:
    if second == _ZERO:
        return first
    return Balance.of(
        first.debits + second.debits,
        first.credits + second.credits,
        first.pending_debits + second.pending_debits,
        first.pending_credits + second.pending_credits,
    )
