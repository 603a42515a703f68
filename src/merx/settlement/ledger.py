"""The double-entry ledger: an append-only journal of balanced entries in minor units.

A book in one currency has two parts:

* the :class:`Ledger` aggregate: its chart of accounts and each account's balances (the
  posted balance, the posted debit and credit totals, and the pending debit and credit
  totals, like TigerBeetle's four counters), the next entry number and the open pending
  entries. It stays the same size however many entries are posted, and every posting
  bumps its version, so two postings that race cannot both commit;
* a :class:`Journal`: every :class:`Entry` ever posted, by number, with an index of
  idempotency keys and of reversals. :class:`MemoryJournal` keeps them in dicts;
  :class:`merx.settlement.journal.StoredJournal` keeps each entry as a record of its own
  in a unit of work, so posting one entry never loads the others.

:class:`Book` puts the two together and is what callers post to. Amounts are Python
``int`` minor units (fen for CNY), signed: a **debit is positive, a credit negative**; an
entry's legs sum to zero, so the balances of all accounts always sum to zero too.

* :meth:`Book.post` checks everything (key, accounts, amounts, balance) before it
  changes anything. The same key with the same entry is a no-op answering the first
  entry; the same key with another entry is an :class:`~merx.errors.IdempotencyConflict`.
* An entry once posted is never changed: :meth:`Book.reverse` posts its mirror image.
* Two-phase entries (a withdrawal waiting for the bank): :meth:`Book.post` with
  ``pending=True`` moves only the accounts' *pending* figures; :meth:`Book.post_pending`
  later posts it, :meth:`Book.void_pending` drops it. Each is an entry of its own.

The hot path is a few dict updates per leg: no Money, no Decimal, no copies.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Final, NewType, Protocol

import attrs

from merx.kernel.aggregate import Aggregate, flat_field
from merx.kernel.clock import require_aware
from merx.kernel.errors import (
    AlreadyExists,
    BusinessRuleViolation,
    IdempotencyConflict,
    NotFound,
    ValidationError,
)
from merx.kernel.events import DomainEvent
from merx.kernel.ids import MerchantId
from merx.kernel.money import MAX_MINOR_DIGITS, Money, minor_unit

AccountId = NewType("AccountId", str)

#: A leg: an account and a signed amount in minor units (debit > 0, credit < 0).
Leg = tuple[str, int]

_LIMIT: Final = 10**MAX_MINOR_DIGITS


# -- errors ----------------------------------------------------------------------------


class InvalidEntry(ValidationError):
    """An entry is malformed: fewer than two legs, an amount that is not a non-zero int,
    an account named twice."""


class UnbalancedEntry(InvalidEntry):
    """An entry's legs do not sum to zero."""


class UnknownAccount(NotFound):
    """An entry names an account the ledger has not opened."""


class AccountAlreadyOpen(AlreadyExists):
    """An account was opened twice."""


class UnknownEntry(NotFound):
    """No entry has this sequence number."""


class EntryNotPending(BusinessRuleViolation):
    """Only an open pending entry can be posted or voided."""


class EntryAlreadyReversed(BusinessRuleViolation):
    """An entry can be reversed once (reverse the reversal to undo it)."""


# -- the chart of accounts -------------------------------------------------------------

#: Customers' payments received at a channel and not yet cleared to merchants (escrow).
TRANSIT: Final = AccountId("transit:customers")
#: Refunds due back to customers, until the payment channel has paid them.
REFUNDS: Final = AccountId("refunds")
#: The platform's commission income.
COMMISSION: Final = AccountId("platform:commission")
#: The platform-funded discounts it pays merchants (an expense: debit balance).
SUBSIDY: Final = AccountId("platform:subsidy")
#: Pre-settlement fees.
FEES: Final = AccountId("platform:fees")
#: Penalties taken from deposits.
PENALTIES: Final = AccountId("platform:penalties")
#: Marketing spend charged to merchants' recharged balances.
MARKETING: Final = AccountId("platform:marketing")

PLATFORM_ACCOUNTS: Final = (TRANSIT, REFUNDS, COMMISSION, SUBSIDY, FEES, PENALTIES, MARKETING)


class Bucket(enum.Enum):
    """A merchant's accounts."""

    PENDING = "pending"  # owed for completed orders, not yet settled
    AVAILABLE = "available"  # settled: may be withdrawn
    DEPOSIT = "deposit"  # the deposit it holds with the platform
    MARKETING = "marketing"  # recharged for marketing spend


def cash_account(channel: str) -> AccountId:
    """The platform's money held at a payment channel (or its payout bank)."""
    return AccountId(f"cash:{channel}")


def merchant_account(merchant_id: MerchantId | str, bucket: Bucket) -> AccountId:
    return AccountId(f"merchant:{merchant_id}:{bucket.value}")


def merchant_accounts(merchant_id: MerchantId | str) -> tuple[AccountId, ...]:
    return tuple(merchant_account(merchant_id, bucket) for bucket in Bucket)


# -- entries ---------------------------------------------------------------------------


class Phase(enum.Enum):
    POSTED = "posted"  # moves posted balances
    PENDING = "pending"  # moves pending balances only, until posted or voided
    POSTS_PENDING = "posts_pending"  # posts the pending entry ``link``
    VOIDS_PENDING = "voids_pending"  # drops the pending entry ``link``


@attrs.frozen(slots=True)
class Entry:
    """One journal entry: ``legs`` sum to zero. ``kind`` names the business event
    (``"order_cleared"``), ``ref`` the record it belongs to (an order, a withdrawal);
    ``link`` is the entry a reversal reverses or a resolution posts or voids."""

    seq: int
    key: str
    kind: str
    ref: str
    legs: tuple[Leg, ...]
    at: datetime
    phase: Phase = Phase.POSTED
    link: int | None = None

    def amount_of(self, account: str) -> int:
        """The signed amount this entry moves on ``account`` (0 when not a leg)."""
        for name, amount in self.legs:
            if name == account:
                return amount
        return 0


@attrs.frozen
class EntryPosted(DomainEvent):
    book: str
    entry: Entry


@attrs.frozen
class AccountOpened(DomainEvent):
    book: str
    account: str


@attrs.frozen
class Balance:
    """An account's figures in minor units. ``posted`` is debit-positive."""

    posted: int
    debits: int
    credits: int
    pending_debits: int
    pending_credits: int

    @property
    def pending(self) -> int:
        """The balance once every pending entry is posted."""
        return self.posted + self.pending_debits - self.pending_credits


# -- reading balances ------------------------------------------------------------------


class Balances(Protocol):
    """What reads a book's balances needs: a :class:`Ledger` or a :class:`Book`."""

    @property
    def id(self) -> str: ...

    @property
    def currency(self) -> str: ...

    @property
    def posted(self) -> dict[str, int]: ...

    def has_account(self, account: str) -> bool: ...

    def balance(self, account: str) -> int: ...

    def figures(self, account: str) -> Balance: ...

    def money(self, minor: int) -> Money: ...


# -- the journal -----------------------------------------------------------------------


class Journal(Protocol):
    """Where a book's entries are kept (see the module docstring).

    ``append`` also indexes the entry's key, and, for a reversal (a posted entry with a
    ``link``), records that ``link`` was reversed by it.
    """

    def get(self, seq: int) -> Entry | None: ...

    def seq_of(self, key: str) -> int | None: ...

    def reversal_of(self, seq: int) -> int | None: ...

    def append(self, entry: Entry) -> None: ...

    def entries(self) -> Iterator[Entry]:
        """Every entry, in order."""
        ...


class MemoryJournal:
    """A journal in plain dicts (a book used directly, tests, the spec runner)."""

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


# -- the ledger ------------------------------------------------------------------------


@attrs.define(kw_only=True)
class Ledger(Aggregate):
    """A book's accounts and balances (see the module docstring); its entries are in a
    :class:`Journal` passed to each method. Post through a :class:`Book`."""

    id: str
    currency: str
    next_seq: int = 0
    posted: dict[str, int] = flat_field(dict)  # the open accounts, and balances
    debits: dict[str, int] = flat_field(dict)
    credits: dict[str, int] = flat_field(dict)
    pending_debits: dict[str, int] = flat_field(dict)
    pending_credits: dict[str, int] = flat_field(dict)
    open_pending: set[int] = flat_field(set)

    @classmethod
    def open(cls, book: str, currency: str, channels: Iterable[str] = ()) -> Ledger:
        """A new book with the platform's accounts and a cash account per channel."""
        if not isinstance(book, str) or not book:
            raise ValidationError(f"book id must be a non-empty string, not {book!r}")
        minor_unit(currency)
        ledger = cls(id=book, currency=currency)
        ledger.open_accounts([*PLATFORM_ACCOUNTS, *(cash_account(c) for c in channels)])
        return ledger

    # -- accounts ----------------------------------------------------------------------

    def has_account(self, account: str) -> bool:
        return account in self.posted

    @property
    def accounts(self) -> list[str]:
        return list(self.posted)

    def open_accounts(self, accounts: Iterable[str], *, exist_ok: bool = False) -> list[str]:
        """Open ``accounts``; those already open raise unless ``exist_ok``. Returns the new."""
        wanted = list(dict.fromkeys(accounts))
        for account in wanted:
            if not isinstance(account, str) or not account:
                raise ValidationError(f"an account id is a non-empty string, not {account!r}")
            if account in self.posted and not exist_ok:
                raise AccountAlreadyOpen(f"book {self.id!r}: account {account!r} is open")
        new = [account for account in wanted if account not in self.posted]
        for account in new:
            self.posted[account] = 0
            self.debits[account] = 0
            self.credits[account] = 0
            self.pending_debits[account] = 0
            self.pending_credits[account] = 0
            self.record(AccountOpened(self.id, account))
        return new

    def balance(self, account: str) -> int:
        """The posted balance in minor units, debit-positive."""
        try:
            return self.posted[account]
        except KeyError:
            raise UnknownAccount(f"book {self.id!r} has no account {account!r}") from None

    def figures(self, account: str) -> Balance:
        posted = self.balance(account)
        return Balance(
            posted,
            self.debits[account],
            self.credits[account],
            self.pending_debits[account],
            self.pending_credits[account],
        )

    def money(self, minor: int) -> Money:
        return Money.from_minor(minor, self.currency)

    def entry(self, journal: Journal, seq: int) -> Entry:
        found = None
        if not isinstance(seq, bool) and isinstance(seq, int) and 0 <= seq < self.next_seq:
            found = journal.get(seq)
        if found is None:
            raise UnknownEntry(f"book {self.id!r} has no entry {seq!r}")
        return found

    def entry_for(self, journal: Journal, key: str) -> Entry | None:
        """The entry posted under idempotency key ``key``, if any."""
        seq = journal.seq_of(key)
        return None if seq is None else journal.get(seq)

    # -- posting -----------------------------------------------------------------------

    def post(  # noqa: PLR0917 - the journal, then the entry as Book.post takes it
        self,
        journal: Journal,
        key: str,
        kind: str,
        ref: str,
        legs: Sequence[Leg],
        at: datetime,
        *,
        pending: bool = False,
    ) -> Entry:
        """Post a balanced entry (or a pending one); a replay of ``key`` is a no-op."""
        legs = tuple(legs)
        phase = Phase.PENDING if pending else Phase.POSTED
        seq = journal.seq_of(key)
        if seq is not None:
            return self._replay(journal, seq, kind=kind, ref=ref, legs=legs, phase=phase, link=None)
        self._check(key, kind, ref, legs, at)
        if pending:
            self._apply_pending(legs, 1)
        else:
            self._apply(legs)
        return self._append(
            journal, key=key, kind=kind, ref=ref, legs=legs, at=at, phase=phase, link=None
        )

    def reverse(
        self, journal: Journal, seq: int, key: str, at: datetime, *, kind: str = "reversal"
    ) -> Entry:
        """Post the mirror image of posted entry ``seq`` (once)."""
        original = self.entry(journal, seq)
        legs = tuple((account, -amount) for account, amount in original.legs)
        replay = journal.seq_of(key)
        if replay is not None:
            return self._replay(
                journal, replay, kind=kind, ref=original.ref, legs=legs, phase=Phase.POSTED,
                link=seq,
            )  # fmt: skip
        if original.phase is not Phase.POSTED:
            raise EntryNotPending(
                f"book {self.id!r}: entry {seq} is {original.phase.value}; only posted "
                "entries are reversed (void a pending one)"
            )
        reversed_by = journal.reversal_of(seq)
        if reversed_by is not None:
            raise EntryAlreadyReversed(
                f"book {self.id!r}: entry {seq} was reversed by entry {reversed_by}"
            )
        self._check(key, kind, original.ref, legs, at)
        self._apply(legs)
        return self._append(
            journal, key=key, kind=kind, ref=original.ref, legs=legs, at=at, phase=Phase.POSTED,
            link=seq,
        )  # fmt: skip

    def post_pending(self, journal: Journal, seq: int, key: str, at: datetime) -> Entry:
        """Post open pending entry ``seq``: its legs leave the pending figures and post."""
        return self._resolve(journal, seq, key, at, Phase.POSTS_PENDING)

    def void_pending(self, journal: Journal, seq: int, key: str, at: datetime) -> Entry:
        """Drop open pending entry ``seq``: its legs leave the pending figures."""
        return self._resolve(journal, seq, key, at, Phase.VOIDS_PENDING)

    # -- internals ---------------------------------------------------------------------

    def _resolve(self, journal: Journal, seq: int, key: str, at: datetime, phase: Phase) -> Entry:
        original = self.entry(journal, seq)
        replay = journal.seq_of(key)
        if replay is not None:
            return self._replay(
                journal,
                replay,
                kind=original.kind,
                ref=original.ref,
                legs=original.legs,
                phase=phase,
                link=seq,
            )
        if seq not in self.open_pending:
            raise EntryNotPending(f"book {self.id!r}: entry {seq} is not an open pending entry")
        self._check(key, original.kind, original.ref, original.legs, at)
        self._apply_pending(original.legs, -1)
        if phase is Phase.POSTS_PENDING:
            self._apply(original.legs)
        self.open_pending.discard(seq)
        return self._append(
            journal,
            key=key,
            kind=original.kind,
            ref=original.ref,
            legs=original.legs,
            at=at,
            phase=phase,
            link=seq,
        )

    def _replay(
        self,
        journal: Journal,
        seq: int,
        *,
        kind: str,
        ref: str,
        legs: tuple[Leg, ...],
        phase: Phase,
        link: int | None,
    ) -> Entry:
        first = journal.get(seq)
        assert first is not None, f"book {self.id!r}: key index names a missing entry {seq}"
        if (first.kind, first.ref, first.legs, first.phase, first.link) != (
            kind,
            ref,
            legs,
            phase,
            link,
        ):
            raise IdempotencyConflict(
                f"book {self.id!r}: key {first.key!r} was used for {first.kind} {first.ref} "
                f"{first.legs}, now for {kind} {ref} {legs}"
            )
        return first

    def _check(self, key: str, kind: str, ref: str, legs: tuple[Leg, ...], at: datetime) -> None:
        if type(key) is not str or not key:
            raise ValidationError(f"an idempotency key is a non-empty string, not {key!r}")
        if type(kind) is not str or not kind or type(ref) is not str:
            raise InvalidEntry(f"an entry needs a kind and a reference, got {kind!r}, {ref!r}")
        if type(at) is not datetime:
            raise ValidationError(f"an entry's time is a datetime, not {at!r}")
        if at.tzinfo is None:
            require_aware(at, "entry time")
        if len(legs) < 2:
            raise InvalidEntry(f"entry {key!r} needs at least two legs, got {legs!r}")
        posted = self.posted
        total = 0
        try:
            for account, amount in legs:
                if account not in posted:
                    raise UnknownAccount(f"book {self.id!r} has no account {account!r}")
                if type(amount) is not int or not amount or not -_LIMIT < amount < _LIMIT:
                    raise InvalidEntry(
                        f"entry {key!r}: {account!r} needs a non-zero int of minor units, "
                        f"not {amount!r}"
                    )
                total += amount
        except (TypeError, ValueError):
            raise InvalidEntry(f"entry {key!r}: legs must be (account, amount) pairs") from None
        if total:
            raise UnbalancedEntry(f"entry {key!r} does not balance: legs {legs} sum to {total}")
        if len({account for account, _ in legs}) != len(legs):
            raise InvalidEntry(f"entry {key!r} names an account twice: {legs}")

    def _apply(self, legs: tuple[Leg, ...]) -> None:
        posted, debits, credits = self.posted, self.debits, self.credits
        for account, amount in legs:
            posted[account] += amount
            if amount > 0:
                debits[account] += amount
            else:
                credits[account] -= amount

    def _apply_pending(self, legs: tuple[Leg, ...], sign: int) -> None:
        for account, amount in legs:
            if amount > 0:
                self.pending_debits[account] += sign * amount
            else:
                self.pending_credits[account] -= sign * amount

    def _append(
        self,
        journal: Journal,
        *,
        key: str,
        kind: str,
        ref: str,
        legs: tuple[Leg, ...],
        at: datetime,
        phase: Phase,
        link: int | None,
    ) -> Entry:
        seq = self.next_seq
        entry = Entry(seq, key, kind, ref, legs, at, phase, link)
        journal.append(entry)
        self.next_seq += 1
        if phase is Phase.PENDING:
            self.open_pending.add(seq)
        self.pending_events.append(EntryPosted(self.id, entry))
        return entry


# -- a book ----------------------------------------------------------------------------


class Book:
    """A :class:`Ledger` with its :class:`Journal`: what callers read and post to.

    ``Book.open(...)`` is a new book kept in memory; services build one from the stored
    ledger and a :class:`~merx.settlement.journal.StoredJournal`.
    """

    def __init__(self, ledger: Ledger, journal: Journal) -> None:
        self.ledger = ledger
        self.journal = journal

    @classmethod
    def open(cls, book: str, currency: str, channels: Iterable[str] = ()) -> Book:
        return cls(Ledger.open(book, currency, channels), MemoryJournal())

    def __eq__(self, other: object) -> bool:
        """Same accounts, balances and entries (reads both journals)."""
        if not isinstance(other, Book):
            return NotImplemented
        return self.ledger == other.ledger and self.entries == other.entries

    __hash__ = None  # type: ignore[assignment]  # mutable

    # -- reading -----------------------------------------------------------------------

    @property
    def id(self) -> str:
        return self.ledger.id

    @property
    def currency(self) -> str:
        return self.ledger.currency

    @property
    def posted(self) -> dict[str, int]:
        return self.ledger.posted

    @property
    def open_pending(self) -> set[int]:
        return self.ledger.open_pending

    @property
    def accounts(self) -> list[str]:
        return self.ledger.accounts

    @property
    def entries(self) -> list[Entry]:
        """Every entry, in order (reads the whole journal)."""
        return list(self.journal.entries())

    def has_account(self, account: str) -> bool:
        return self.ledger.has_account(account)

    def balance(self, account: str) -> int:
        return self.ledger.balance(account)

    def figures(self, account: str) -> Balance:
        return self.ledger.figures(account)

    def money(self, minor: int) -> Money:
        return self.ledger.money(minor)

    def entry(self, seq: int) -> Entry:
        return self.ledger.entry(self.journal, seq)

    def entry_for(self, key: str) -> Entry | None:
        return self.ledger.entry_for(self.journal, key)

    # -- changing ----------------------------------------------------------------------

    def open_accounts(self, accounts: Iterable[str], *, exist_ok: bool = False) -> list[str]:
        return self.ledger.open_accounts(accounts, exist_ok=exist_ok)

    def post(
        self,
        key: str,
        kind: str,
        ref: str,
        legs: Sequence[Leg],
        at: datetime,
        *,
        pending: bool = False,
    ) -> Entry:
        return self.ledger.post(self.journal, key, kind, ref, legs, at, pending=pending)

    def reverse(self, seq: int, key: str, at: datetime, *, kind: str = "reversal") -> Entry:
        return self.ledger.reverse(self.journal, seq, key, at, kind=kind)

    def post_pending(self, seq: int, key: str, at: datetime) -> Entry:
        return self.ledger.post_pending(self.journal, seq, key, at)

    def void_pending(self, seq: int, key: str, at: datetime) -> Entry:
        return self.ledger.void_pending(self.journal, seq, key, at)
