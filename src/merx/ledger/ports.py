"""Ports of the ledger: where a book's entries and balances are kept.

A :class:`~merx.ledger.Ledger` aggregate holds the chart of accounts and the rules of
posting; the entries and each account's balance are in a :class:`Journal` that each
posting method is given. Services reach the journal of a book through :class:`Journals`,
opened inside their unit of work, so that the entries they append commit (or are dropped)
with the rest of the unit of work. ``merx.app`` wires an adapter
(``merx.adapters.memory.StoredJournal`` in memory, ``merx.adapters.journal`` on a
database); a ledger used by hand (tests, the spec runner, the benchmark) takes a
``merx.adapters.memory.MemoryJournal``. Every adapter runs the contract suite
:mod:`merx.testing.journal`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol, runtime_checkable

from merx.kernel.uow import UnitOfWork
from merx.ledger.accounts import AccountId
from merx.ledger.model import Balance, Entry


class Journal(Protocol):
    """Port: a book's entries by idempotency key, in the order appended, and each
    account's balance. A journal never changes or drops an entry (until its unit of work
    is discarded).

    Within a unit of work a journal answers what it holds committed plus what was
    appended in that unit of work. On commit, an adapter shared by concurrent writers
    refuses (:class:`~merx.errors.ConcurrencyError`, nothing written) a key or a follow-up
    already taken by another commit, and a balance read through :meth:`figures` that
    another commit has moved since; appends to balances nobody read add up."""

    def get(self, key: str) -> Entry | None:
        """The entry posted under ``key``, or ``None``."""
        ...

    def follow_up(self, key: str) -> Entry | None:
        """The entry whose ``link`` is ``key`` (its reversal, or the posting or voiding of
        a pending entry; there is at most one), or ``None``."""
        ...

    def figures(self, account: AccountId) -> Balance:
        """``account``'s counters (all zero for an account nothing has moved)."""
        ...

    def balances(self) -> dict[AccountId, Balance]:
        """The counters of every account something has moved (reads every balance)."""
        ...

    def append(self, entry: Entry) -> None:
        """Keep ``entry`` under its key and move its accounts' counters
        (:func:`~merx.ledger.model.counter_moves`)."""
        ...

    def entries(self) -> Iterator[Entry]:
        """Every entry, in the order appended (reads the whole journal)."""
        ...


@runtime_checkable
class PrefetchingJournal(Protocol):
    """Optional part of a :class:`Journal`: reading many keys' entries at once (see
    :func:`prefetch_entries`)."""

    def prefetch(self, keys: Iterable[str], *, known_new: bool = False) -> None:
        """Read the entries of ``keys`` together, as :meth:`Journal.get` would, so that a
        later ``get`` of one of them asks nothing more; ``known_new``: read nothing, each
        ``get`` of them answers ``None`` (see :func:`prefetch_entries`)."""
        ...


def prefetch_entries(journal: Journal, keys: Iterable[str], *, known_new: bool = False) -> None:
    """Tell ``journal`` its unit of work is about to post (or look up) the entries of
    ``keys``, so that a journal on a database reads them in one query instead of one each
    (:meth:`~merx.ledger.Ledger.post` asks the journal for a key before it posts, so that
    a replay is a no-op). A journal that cannot (:class:`PrefetchingJournal`) ignores the
    hint; callers rely on it for nothing but the number of reads. A key found missing may
    be posted by another commit meanwhile: the commit refuses it, as it refuses any key
    taken concurrently.

    ``known_new``: the caller knows no commit posted these keys (its own aggregate, saved
    in the same unit of work, says it has not booked them yet), so a journal on a database
    reads nothing and answers each ``get`` of them ``None``; if a key was taken after all,
    the commit refuses it with :class:`~merx.errors.ConcurrencyError` and writes nothing,
    and the command's next run finds its aggregate moved on. A replay of a key promised
    new is therefore a refused commit, not a no-op: callers promise only what they know
    (as a unit of work marks an event handled with ``known_new``)."""
    if isinstance(journal, PrefetchingJournal):
        journal.prefetch(keys, known_new=known_new)


class Journals(Protocol):
    """Port: the journal of ``book`` in unit of work ``uow`` (what services post to)."""

    def __call__(self, uow: UnitOfWork, book: str, /) -> Journal: ...
