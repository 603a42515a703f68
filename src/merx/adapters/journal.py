"""The ledger's journal on a database: entries and postings as rows, a balance per account.

:class:`DatabaseJournal` is the :class:`~merx.ledger.ports.Journal` of one book inside a
:class:`~merx.adapters.documents.DocumentUnitOfWork`; :func:`database_journals` is the
:class:`~merx.ledger.ports.Journals` the stored apps wire. A database implements the small
port :class:`JournalDatabase` (reads) and takes the commit's
:class:`~merx.adapters.documents.JournalRows` in ``write``:

* each entry is a row of ``merx_ledger_entries`` (unique by book and key; unique by book
  and ``link``, so an entry has one follow-up) with a row per leg in
  ``merx_ledger_postings`` (account name, signed integer minor units): append-only, never
  updated;
* each account's counters are a row of ``merx_ledger_balances`` with a version, the number
  of commits that moved it. A commit adds to the rows of the accounts it moves (appends
  that share accounts never conflict) and, for each account whose figures the unit of
  work read, checks that the row is still at the version read, so a decision taken on a
  balance (what a merchant may withdraw) never commits over a balance that moved.

Reads run outside any transaction, like the documents'; a unit of work reads its own
appends on top.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any, Final, Protocol, runtime_checkable

from merx.adapters.documents import DocumentUnitOfWork, EntryRow, JournalRows
from merx.adapters.memory.journal import MemoryJournal
from merx.kernel.errors import ValidationError
from merx.kernel.uow import UnitOfWork
from merx.ledger import AccountId, Balance, Entry, EntryKind, Phase
from merx.ledger import account_named as parse_account

#: A balance row: (version, debits, credits, pending debits, pending credits).
BalanceRow = tuple[int, int, int, int, int]

_ZERO = Balance.of(0, 0, 0, 0)


class JournalDatabase(Protocol):
    """Port: what a database answers about the ledger's journals (committed state)."""

    def journal_entry(self, book: str, key: str) -> EntryRow | None:
        """The entry of ``book`` posted under ``key``."""
        ...

    def journal_follow_up(self, book: str, key: str) -> EntryRow | None:
        """The entry of ``book`` whose link is ``key``."""
        ...

    def journal_balance(self, book: str, account: str) -> BalanceRow | None:
        """The balance row of ``account``, or ``None`` if no commit has moved it."""
        ...

    def journal_balances(self, book: str) -> list[tuple[str, BalanceRow]]:
        """Every balance row of ``book``, by account name."""
        ...

    def journal_entries(self, book: str, after: int, limit: int) -> list[tuple[int, EntryRow]]:
        """Up to ``limit`` entries of ``book`` after row number ``after``, in the order
        appended, each with its row number."""
        ...


@runtime_checkable
class EntriesByKey(Protocol):
    """Optional port of a :class:`JournalDatabase`: many entries by key in one read (what
    :func:`merx.ledger.prefetch_entries` asks; a database without it is asked one key at a
    time, when the ledger posts each)."""

    def journal_entries_by_key(self, book: str, keys: Sequence[str]) -> dict[str, EntryRow]:
        """The entries of ``book`` posted under any of ``keys``, by key (a key with none is
        left out)."""
        ...


# -- rows and entries ------------------------------------------------------------------------


#: The account named by a row (``"merchant:m1:pending"``), parsed once per name.
account_named = lru_cache(maxsize=65_536)(parse_account)


#: Each account's name in a row (``str`` of an :class:`AccountId`), kept once computed;
#: an enum's ``.value`` (a descriptor call), looked up instead. A batch of 500 entries
#: names 1,500 accounts: these made its rows 2x faster to build.
_NAMES: dict[AccountId, str] = {}
_NAMES_KEPT: Final = 65_536
_KINDS: Final = {kind: kind.value for kind in EntryKind}
_PHASES: Final = {phase: phase.value for phase in Phase}


def name_of(account: AccountId) -> str:
    """``str(account)``, computed once per account (up to :data:`_NAMES_KEPT` of them)."""
    name = _NAMES.get(account)
    if name is None:
        if len(_NAMES) >= _NAMES_KEPT:
            _NAMES.clear()
        name = _NAMES[account] = str(account)
    return name


def entry_rows(book: str, entries: Iterable[Entry]) -> list[EntryRow]:
    """The rows of ``entries`` in ``book``, in order (entries posted together mostly share
    their time: each time is written out once)."""
    names, kinds, phases = _NAMES, _KINDS, _PHASES
    rows: list[EntryRow] = []
    at: datetime | None = None
    stamp = ""
    for key, kind, ref, legs, when, phase, link in entries:
        if when is not at:
            at, stamp = when, when.isoformat()
        named = tuple((names.get(account) or name_of(account), amount) for account, amount in legs)
        rows.append((book, key, kinds[kind], ref, stamp, phases[phase], link, named))
    return rows


def entry_of(row: EntryRow) -> Entry:
    _, key, kind, ref, at, phase, link, legs = row
    return Entry(
        key,
        EntryKind(kind),
        ref,
        tuple((account_named(name), int(amount)) for name, amount in legs),
        datetime.fromisoformat(at),
        Phase(phase),
        link,
    )


def _balance(row: BalanceRow | None) -> Balance:
    return _ZERO if row is None else Balance.of(row[1], row[2], row[3], row[4])


def _sum(first: Balance, second: Balance) -> Balance:
    return Balance.of(
        first.debits + second.debits,
        first.credits + second.credits,
        first.pending_debits + second.pending_debits,
        first.pending_credits + second.pending_credits,
    )


# -- the journal ---------------------------------------------------------------------------


class _Staged:
    """What one unit of work appended to one book and the versions of the balances it
    read: a participant of the unit of work's commit."""

    def __init__(self, book: str) -> None:
        self.book = book
        self.appended = MemoryJournal()
        self.read: dict[AccountId, int] = {}
        #: entries read ahead by key (``None``: read as missing), until the commit
        self.prefetched: dict[str, Entry | None] = {}

    def rows(self) -> JournalRows:
        book = self.book
        moves = {
            (book, name_of(account)): (
                figures.debits,
                figures.credits,
                figures.pending_debits,
                figures.pending_credits,
            )
            for account, figures in self.appended.balances().items()
        }
        guards = {(book, name_of(account)): version for account, version in self.read.items()}
        entries = entry_rows(book, self.appended.entries())
        return JournalRows(entries, moves, guards)


class DatabaseJournal:
    """The journal of ``book`` in a :class:`~merx.adapters.documents.DocumentUnitOfWork`
    whose database is a :class:`JournalDatabase` (see the module docstring)."""

    def __init__(self, uow: UnitOfWork, book: str) -> None:
        if not isinstance(uow, DocumentUnitOfWork):
            raise TypeError(f"DatabaseJournal needs a DocumentUnitOfWork, not {uow!r}")
        self._uow = uow
        self._book = book
        self._database: JournalDatabase = uow.database  # type: ignore[assignment]
        self._joined = ("journal", book)  # its participant's key in the unit of work

    def _staged(self) -> _Staged:
        return self._uow.joined(self._joined, self._new_staged)

    def _new_staged(self) -> _Staged:
        return _Staged(self._book)

    def get(self, key: str) -> Entry | None:
        held = self._staged()
        staged = held.appended.get(key)
        if staged is not None:
            return staged
        if key in held.prefetched:
            return held.prefetched[key]
        row = self._database.journal_entry(self._book, key)
        return None if row is None else entry_of(row)

    def prefetch(self, keys: Iterable[str], *, known_new: bool = False) -> None:
        """Read the entries of ``keys`` in one query (see
        :func:`merx.ledger.prefetch_entries`), if the database can (:class:`EntriesByKey`);
        ``known_new``: none (the commit refuses a key taken after all)."""
        held = self._staged()
        if known_new:
            for key in keys:
                if key not in held.prefetched and held.appended.get(key) is None:
                    held.prefetched[key] = None
            return
        if not isinstance(self._database, EntriesByKey):
            return
        wanted = [
            key
            for key in dict.fromkeys(keys)
            if key not in held.prefetched and held.appended.get(key) is None
        ]
        if not wanted:
            return
        found = self._database.journal_entries_by_key(self._book, wanted)
        for key in wanted:
            row = found.get(key)
            held.prefetched[key] = None if row is None else entry_of(row)

    def follow_up(self, key: str) -> Entry | None:
        staged = self._staged().appended.follow_up(key)
        if staged is not None:
            return staged
        row = self._database.journal_follow_up(self._book, key)
        return None if row is None else entry_of(row)

    def figures(self, account: AccountId) -> Balance:
        staged = self._staged()
        row = self._database.journal_balance(self._book, str(account))
        staged.read.setdefault(account, 0 if row is None else row[0])
        return _sum(_balance(row), staged.appended.figures(account))

    def balances(self) -> dict[AccountId, Balance]:
        held = {
            account_named(name): _balance(row)
            for name, row in self._database.journal_balances(self._book)
        }
        for account, figures in self._staged().appended.balances().items():
            held[account] = _sum(held.get(account, _ZERO), figures)
        return held

    def append(self, entry: Entry) -> None:
        self._staged().appended.append(entry)

    def entries(self) -> Iterator[Entry]:
        after = 0
        while rows := self._database.journal_entries(self._book, after, 1_000):
            for after, row in rows:  # noqa: B007 - the last row number pages on
                yield entry_of(row)
        yield from self._staged().appended.entries()


def database_journals(uow: UnitOfWork, book: str) -> DatabaseJournal:
    """The :class:`~merx.ledger.ports.Journals` of a stored app."""
    return DatabaseJournal(uow, book)


# -- schema 3: the journal leaves the documents -------------------------------------------


def journal_from_documents(
    documents: Mapping[tuple[str, str], Any],
) -> tuple[dict[tuple[str, str], Any], list[EntryRow], dict[tuple[str, str], BalanceRow]]:
    """Schema 2 kept each book's balances in its ``ledger.Ledger`` document and each entry
    (numbered) in a ``journal.JournalEntry`` document, with ``journal.JournalIndex``
    documents for keys and reversals; withdrawals and statements named their entry by
    number. Given those documents ((kind, id) -> parsed document), answer the documents to
    write again (the ledger without balances, withdrawals and statements naming their
    entry by key; a ``None`` document is to delete), the entry rows in order, and the
    balance rows ((book, account) -> row)."""
    changed: dict[tuple[str, str], Any] = {}
    keys: dict[tuple[str, int], str] = {}
    numbered: list[tuple[str, int, dict[str, Any]]] = []
    for (kind, key), document in documents.items():
        if kind == "journal.JournalEntry":
            entry = document["entry"]
            keys[(document["book"], entry["seq"])] = entry["key"]
            numbered.append((document["book"], entry["seq"], entry))
            changed[(kind, key)] = None
        elif kind == "journal.JournalIndex":
            changed[(kind, key)] = None
    entries: list[EntryRow] = []
    for book, _, entry in sorted(numbered, key=lambda found: (found[0], found[1])):
        link = entry.get("link")
        entries.append(
            (
                book,
                entry["key"],
                entry["kind"],
                entry["ref"],
                entry["at"],
                entry["phase"],
                None if link is None else keys[(book, link)],
                tuple((name, int(amount)) for name, amount in entry["legs"]),
            )
        )
    balances: dict[tuple[str, str], BalanceRow] = {}
    for (kind, key), document in documents.items():
        if kind == "ledger.Ledger":
            accounts = document["chart"]["accounts"]
            counters = zip(
                document["debits"],
                document["credits"],
                document["pending_debits"],
                document["pending_credits"],
                strict=True,
            )
            for name, figures in zip(accounts, counters, strict=True):
                if any(figures):
                    balances[(key, name)] = (1, *figures)
            changed[(kind, key)] = {
                "id": document["id"],
                "currency": document["currency"],
                "chart": {"accounts": accounts},
                "version": document.get("version", 0),
            }
        elif kind in {"settlement.Withdrawal", "settlement.SettlementStatement"}:
            seq = document.pop("entry_seq")
            book = _currency_of(document)
            document["entry_key"] = None if seq < 0 else keys[(book, seq)]
            changed[(kind, key)] = document
    return changed, entries, balances


def _currency_of(document: Mapping[str, Any]) -> str:
    money = document.get("amount") or document.get("total")
    if not isinstance(money, Mapping) or not isinstance(money.get("currency"), str):
        raise ValidationError(f"cannot tell the book of {json.dumps(document)[:200]}")
    currency: str = money["currency"]
    return currency


def moves_in_order(
    moves: Mapping[tuple[str, str], tuple[int, int, int, int]],
    guards: Mapping[tuple[str, str], int],
) -> Sequence[tuple[tuple[str, str], tuple[int, int, int, int] | None, int | None]]:
    """Every account a commit moves or guards, sorted (so concurrent commits lock balance
    rows in one order), with its move (or ``None``) and the version read (or ``None``)."""
    accounts = sorted({*moves, *guards})
    return [(account, moves.get(account), guards.get(account)) for account in accounts]
