"""A book's journal kept in a unit of work: each entry a record of its own.

:class:`StoredJournal` implements :class:`~merx.settlement.ledger.Journal` over two small
aggregates: a :class:`JournalEntry` per entry (keyed ``"<book>#<seq>"``, the number padded
so ids sort in order) and a :class:`JournalIndex` per idempotency key
(``"<book>/key/<key>"``) and per reversed entry (``"<book>/reversal/<seq>"``), each naming
an entry number. Appending stages new records in the unit of work; they commit with the
ledger whose version guards the numbering. Posting one entry reads only the records its
checks need, never the whole journal.
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from merx.kernel.aggregate import Aggregate
from merx.kernel.uow import UnitOfWork
from merx.settlement.ledger import Book, Entry, Ledger, Phase

_SEQ_DIGITS = 12


@attrs.define(kw_only=True)
class JournalEntry(Aggregate):
    """One posted entry of a book (entries are never changed)."""

    id: str
    book: str
    entry: Entry


@attrs.define(kw_only=True)
class JournalIndex(Aggregate):
    """An index record: the entry number an idempotency key (or a reversal) names."""

    id: str
    seq: int


def entry_record_id(book: str, seq: int) -> str:
    return f"{book}#{seq:0{_SEQ_DIGITS}d}"


def key_record_id(book: str, key: str) -> str:
    return f"{book}/key/{key}"


def reversal_record_id(book: str, seq: int) -> str:
    return f"{book}/reversal/{seq}"


class StoredJournal:
    """The journal of ``book`` in ``uow`` (see the module docstring)."""

    def __init__(self, uow: UnitOfWork, book: str) -> None:
        self._uow = uow
        self._book = book

    def get(self, seq: int) -> Entry | None:
        found = self._uow.repo(JournalEntry).find(entry_record_id(self._book, seq))
        return None if found is None else found.entry

    def seq_of(self, key: str) -> int | None:
        found = self._uow.repo(JournalIndex).find(key_record_id(self._book, key))
        return None if found is None else found.seq

    def reversal_of(self, seq: int) -> int | None:
        found = self._uow.repo(JournalIndex).find(reversal_record_id(self._book, seq))
        return None if found is None else found.seq

    def append(self, entry: Entry) -> None:
        book = self._book
        self._uow.repo(JournalEntry).add(
            JournalEntry(id=entry_record_id(book, entry.seq), book=book, entry=entry)
        )
        index = self._uow.repo(JournalIndex)
        index.add(JournalIndex(id=key_record_id(book, entry.key), seq=entry.seq))
        if entry.phase is Phase.POSTED and entry.link is not None:
            index.add(JournalIndex(id=reversal_record_id(book, entry.link), seq=entry.seq))

    def entries(self) -> Iterator[Entry]:
        """The committed entries, in order (reads every record of the book)."""
        prefix = f"{self._book}#"
        repo = self._uow.repo(JournalEntry)
        for record_id in sorted(i for i in repo.ids() if i.startswith(prefix)):
            yield repo.get(record_id).entry


def stored_book(uow: UnitOfWork, book: str) -> Book:
    """The stored ledger ``book`` with its journal in ``uow`` (save ``book.ledger``)."""
    return Book(uow.repo(Ledger).get(book), StoredJournal(uow, book))
