"""Ports of the ledger: where a book's entries are kept.

A :class:`~merx.ledger.Ledger` aggregate holds balances only; its entries are in a
:class:`Journal` that each posting method is given. Services reach the journal of a book
through :class:`Journals`, opened inside their unit of work, so that the entries they
append commit (or are dropped) together with the ledger whose version guards their
numbering. ``merx.app`` wires an adapter (``merx.adapters.memory.StoredJournal`` in
memory); a ledger used by hand (tests, the spec runner, the benchmark) takes a
``merx.adapters.memory.MemoryJournal``. Every adapter runs the contract suite
:mod:`merx.testing.journal`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from merx.kernel.uow import UnitOfWork
from merx.ledger.model import Entry


class Journal(Protocol):
    """Port: a book's entries by number, with an index of idempotency keys and of
    reversals. The ledger appends each entry once, numbered from 0 without gaps; a journal
    never changes or drops one (until its unit of work is discarded)."""

    def get(self, seq: int) -> Entry | None:
        """The entry numbered ``seq``, or ``None``."""
        ...

    def seq_of(self, key: str) -> int | None:
        """The number of the entry posted under idempotency key ``key``, or ``None``."""
        ...

    def reversal_of(self, seq: int) -> int | None:
        """The number of the entry that reversed entry ``seq``, or ``None``."""
        ...

    def append(self, entry: Entry) -> None:
        """Keep ``entry`` and index its key; a posted entry with a ``link`` (a reversal)
        also records that ``link`` was reversed by it."""
        ...

    def entries(self) -> Iterator[Entry]:
        """Every entry, in order (reads the whole journal)."""
        ...


class Journals(Protocol):
    """Port: the journal of ``book`` in unit of work ``uow`` (what services post to)."""

    def __call__(self, uow: UnitOfWork, book: str, /) -> Journal: ...
