"""In-memory :class:`~merx.ledger.ports.Journal`\\ s: a book's entries.

* :class:`MemoryJournal` keeps one book's entries in plain dicts: for a ledger used by
  hand (tests, the spec runner, the benchmark). It is not part of any unit of work.
* :class:`StoredJournal` is the :class:`~merx.ledger.ports.Journals` ``merx.app`` wires:
  the journal of a book inside a unit of work, over two small records: a
  :class:`JournalEntry` per entry (keyed ``"<book>#<seq>"``, the number padded so ids
  sort in order) and a :class:`JournalIndex` per idempotency key (``"<book>/key/<key>"``)
  and per reversed entry (``"<book>/reversal/<seq>"``), each naming an entry number.
  Appending stages new records in the unit of work; they commit with the ledger whose
  version guards the numbering, or vanish with it. Posting one entry reads only the
  records its checks need, never the whole journal.
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from merx.kernel.aggregate import Aggregate
from merx.kernel.uow import UnitOfWork
from merx.ledger import Entry, Phase

_SEQ_DIGITS = 12


class MemoryJournal:
    """One book's journal in plain dicts (see the module docstring)."""

    def __init__(self) -> None:
        self._entries: list[Entry] = []
        self._keys: dict[str, int] = {}
        self._reversed_by: dict[int, int] = {}

    def get(self, seq: int) -> Entry | None:
        return self._entries[seq] if 0 <= seq < len(self._entries) else None

    def seq_of(self, key: str) -> int | None:
        return self._keys.get(key)

    def reversal_of(self, seq: int) -> int | None:
        return self._reversed_by.get(seq)

    def append(self, entry: Entry) -> None:
        assert entry.seq == len(self._entries), "entries are appended in order"
        self._entries.append(entry)
        self._keys[entry.key] = entry.seq
        if entry.phase is Phase.POSTED and entry.link is not None:
            self._reversed_by[entry.link] = entry.seq

    def entries(self) -> Iterator[Entry]:
        return iter(list(self._entries))


@attrs.define(kw_only=True)
class JournalEntry(Aggregate):
    """One posted entry of a book (entries are never changed)."""

    id: str
    book: str
    entry: Entry

    def clone(self) -> JournalEntry:
        """A private copy sharing the entry (an immutable value)."""
        return JournalEntry(id=self.id, book=self.book, entry=self.entry, version=self.version)


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
