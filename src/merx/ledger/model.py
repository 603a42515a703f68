"""The double-entry ledger: balanced entries in minor units, posted to a book's journal.

A book in one currency has two parts:

* the :class:`Ledger` aggregate: its :class:`Chart` of accounts (each an
  :class:`~merx.ledger.AccountId`) and each account's four counters, TigerBeetle's
  (posted debits and credits, pending debits and credits; the posted balance is their
  difference), the next entry number and the open pending entries. It stays the same
  size however many entries are posted, and every posting bumps its version, so two
  postings that race cannot both commit. It owns every rule of posting;
* its :class:`~merx.ledger.ports.Journal`: every :class:`Entry` ever posted, by number,
  with an index of idempotency keys and of reversals. Each posting method is given it.

Amounts are Python ``int`` minor units (fen for CNY), signed: a **debit is positive, a
credit negative**; an entry's legs sum to zero, so the balances of all accounts always sum
to zero too.

* :meth:`Ledger.post` checks everything (key, kind, accounts, amounts, balance) before it
  changes anything. The same key with the same entry is a no-op answering the first
  entry; the same key with another entry is an :class:`~merx.errors.IdempotencyConflict`.
* An entry once posted is never changed: :meth:`Ledger.reverse` posts its mirror image.
* Two-phase entries (a withdrawal waiting for the bank): :meth:`Ledger.post` with
  ``pending=True`` moves only the accounts' *pending* figures; :meth:`Ledger.post_pending`
  later posts it, :meth:`Ledger.void_pending` drops it. Each is an entry of its own.

The hot path is one look-up of each leg's account and a few list updates: no Money, no
Decimal, no copies.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Final, NamedTuple

import attrs

from merx.kernel.aggregate import Aggregate, flat_field
from merx.kernel.clock import require_aware
from merx.kernel.errors import IdempotencyConflict, ValidationError
from merx.kernel.events import DomainEvent
from merx.kernel.money import MAX_MINOR_DIGITS, Money, minor_unit
from merx.ledger.accounts import PLATFORM_ACCOUNTS, AccountId, cash_account, require_account
from merx.ledger.errors import (
    AccountAlreadyOpen,
    EntryAlreadyReversed,
    EntryNotPending,
    InvalidEntry,
    UnbalancedEntry,
    UnknownAccount,
    UnknownEntry,
)

if TYPE_CHECKING:
    from merx.ledger.ports import Journal

#: A leg: an account and a signed amount in minor units (debit > 0, credit < 0).
Leg = tuple[AccountId, int]

_LIMIT: Final = 10**MAX_MINOR_DIGITS


class EntryKind(enum.Enum):
    """The business event an entry books (see docs/settlement.md for each one's legs)."""

    ORDER_PAID = "order_paid"
    ORDER_CLEARED = "order_cleared"
    REFUND = "refund"
    PRICE_ADJUSTMENT = "price_adjustment"
    REFUND_PAID = "refund_paid"
    COMPENSATION = "compensation"
    DEPOSIT_COVER = "deposit_cover"
    SETTLEMENT = "settlement"
    PRESETTLEMENT = "presettlement"
    DEPOSIT_PAID = "deposit_paid"
    PENALTY = "penalty"
    RECHARGE = "recharge"
    MARKETING_SPEND = "marketing_spend"
    WITHDRAWAL = "withdrawal"
    FINAL_SETTLEMENT = "final_settlement"
    REVERSAL = "reversal"


class Phase(enum.Enum):
    POSTED = "posted"  # moves posted balances
    PENDING = "pending"  # moves pending balances only, until posted or voided
    POSTS_PENDING = "posts_pending"  # posts the pending entry ``link``
    VOIDS_PENDING = "voids_pending"  # drops the pending entry ``link``


class Entry(NamedTuple):
    """One journal entry: ``legs`` sum to zero. ``kind`` names the business event,
    ``ref`` the record it belongs to (an order, a withdrawal); ``link`` is the entry a
    reversal reverses or a resolution posts or voids. An immutable value; a named tuple,
    as every posting makes one (it builds at twice the speed of a frozen attrs class)."""

    seq: int
    key: str
    kind: EntryKind
    ref: str
    legs: tuple[Leg, ...]
    at: datetime
    phase: Phase = Phase.POSTED
    link: int | None = None

    def amount_of(self, account: AccountId) -> int:
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
    account: AccountId


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


@attrs.frozen
class Chart:
    """A book's open accounts, in the order they were opened, and the row of each: an
    account's figures are at its row in the ledger's counters. Immutable (opening accounts
    makes a new chart), so every copy of the ledger shares it."""

    accounts: tuple[AccountId, ...] = ()
    rows: dict[AccountId, int] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        rows = {account: row for row, account in enumerate(self.accounts)}
        object.__setattr__(self, "rows", rows)

    def extended(self, accounts: Sequence[AccountId]) -> Chart:
        return Chart((*self.accounts, *accounts))


@attrs.define(kw_only=True)
class Ledger(Aggregate):
    """A book's accounts and balances (see the module docstring); its entries are in the
    :class:`~merx.ledger.ports.Journal` each posting method is given.

    Each account has four counters in minor units, TigerBeetle's: posted debits and
    credits, pending debits and credits; its posted balance is debits - credits. The
    counters are lists indexed by the account's row in the :class:`Chart`, so a posting
    looks each account up once and a copy of the ledger copies four lists of ints.
    """

    id: str
    currency: str
    next_seq: int = 0
    chart: Chart = Chart()
    debits: list[int] = flat_field(list)
    credits: list[int] = flat_field(list)
    pending_debits: list[int] = flat_field(list)
    pending_credits: list[int] = flat_field(list)
    open_pending: set[int] = flat_field(set)

    def __attrs_post_init__(self) -> None:
        size = len(self.chart.accounts)
        counters = (self.debits, self.credits, self.pending_debits, self.pending_credits)
        if any(len(counter) != size for counter in counters):
            raise ValidationError(f"book {self.id!r}: each counter needs {size} figures")

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

    def has_account(self, account: AccountId) -> bool:
        return account in self.chart.rows

    @property
    def accounts(self) -> list[AccountId]:
        """The open accounts, in the order they were opened."""
        return list(self.chart.accounts)

    @property
    def posted(self) -> dict[AccountId, int]:
        """Each open account's posted balance (debit-positive), in the order opened."""
        debits, credits = self.debits, self.credits
        return {account: debits[row] - credits[row] for account, row in self.chart.rows.items()}

    def open_accounts(
        self, accounts: Iterable[AccountId], *, exist_ok: bool = False
    ) -> list[AccountId]:
        """Open ``accounts``; those already open raise unless ``exist_ok``. Returns the new."""
        wanted = list(dict.fromkeys(accounts))
        rows = self.chart.rows
        for account in wanted:
            require_account(account)
            if account in rows and not exist_ok:
                raise AccountAlreadyOpen(f"book {self.id!r}: account {account} is open")
        new = [account for account in wanted if account not in rows]
        if new:
            self.chart = self.chart.extended(new)
            for counter in (self.debits, self.credits, self.pending_debits, self.pending_credits):
                counter.extend([0] * len(new))
        for account in new:
            self.record(AccountOpened(self.id, account))
        return new

    def balance(self, account: AccountId) -> int:
        """The posted balance in minor units, debit-positive."""
        row = self._row(account)
        return self.debits[row] - self.credits[row]

    def figures(self, account: AccountId) -> Balance:
        row = self._row(account)
        debits, credits = self.debits[row], self.credits[row]
        return Balance(
            debits - credits, debits, credits, self.pending_debits[row], self.pending_credits[row]
        )

    def money(self, minor: int) -> Money:
        return Money.from_minor(minor, self.currency)

    # -- entries -----------------------------------------------------------------------

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

    def posted_before(
        self, journal: Journal, key: str, kind: EntryKind, ref: str, legs: Sequence[Leg]
    ) -> bool:
        """Whether ``key`` was posted already, with this very entry; with another it is an
        :class:`~merx.errors.IdempotencyConflict`. Changes nothing."""
        seq = journal.seq_of(key)
        if seq is None:
            return False
        self._replay(journal, seq, kind, ref, tuple(legs), Phase.POSTED, None)
        return True

    # -- posting -----------------------------------------------------------------------

    def post(  # noqa: PLR0917 - the journal, then the entry
        self,
        journal: Journal,
        key: str,
        kind: EntryKind,
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
            return self._replay(journal, seq, kind, ref, legs, phase, None)
        moves = self._check(key, kind, ref, legs, at)
        if pending:
            self._apply_pending(moves, 1)
        else:
            self._apply(moves)
        return self._append(journal, key, kind, ref, legs, at, phase, None)

    def reverse(
        self,
        journal: Journal,
        seq: int,
        key: str,
        at: datetime,
        *,
        kind: EntryKind = EntryKind.REVERSAL,
    ) -> Entry:
        """Post the mirror image of posted entry ``seq`` (once)."""
        original = self.entry(journal, seq)
        legs = tuple((account, -amount) for account, amount in original.legs)
        replay = journal.seq_of(key)
        if replay is not None:
            return self._replay(journal, replay, kind, original.ref, legs, Phase.POSTED, seq)
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
        self._apply(self._check(key, kind, original.ref, legs, at))
        return self._append(journal, key, kind, original.ref, legs, at, Phase.POSTED, seq)

    def post_pending(self, journal: Journal, seq: int, key: str, at: datetime) -> Entry:
        """Post open pending entry ``seq``: its legs leave the pending figures and post."""
        return self._resolve(journal, seq, key, at, Phase.POSTS_PENDING)

    def void_pending(self, journal: Journal, seq: int, key: str, at: datetime) -> Entry:
        """Drop open pending entry ``seq``: its legs leave the pending figures."""
        return self._resolve(journal, seq, key, at, Phase.VOIDS_PENDING)

    # -- internals ---------------------------------------------------------------------

    def _row(self, account: AccountId) -> int:
        try:
            return self.chart.rows[account]
        except (KeyError, TypeError):
            raise UnknownAccount(f"book {self.id!r} has no account {account}") from None

    def _resolve(self, journal: Journal, seq: int, key: str, at: datetime, phase: Phase) -> Entry:
        original = self.entry(journal, seq)
        kind, ref, legs = original.kind, original.ref, original.legs
        replay = journal.seq_of(key)
        if replay is not None:
            return self._replay(journal, replay, kind, ref, legs, phase, seq)
        if seq not in self.open_pending:
            raise EntryNotPending(f"book {self.id!r}: entry {seq} is not an open pending entry")
        moves = self._check(key, kind, ref, legs, at)
        self._apply_pending(moves, -1)
        if phase is Phase.POSTS_PENDING:
            self._apply(moves)
        self.open_pending.discard(seq)
        return self._append(journal, key, kind, ref, legs, at, phase, seq)

    def _replay(  # noqa: PLR0917 - the entry's fields, in order
        self,
        journal: Journal,
        seq: int,
        kind: EntryKind,
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
                f"book {self.id!r}: key {first.key!r} was used for {first.kind.value} "
                f"{first.ref} {first.legs}, now for {kind} {ref} {legs}"
            )
        return first

    def _check(
        self, key: str, kind: EntryKind, ref: str, legs: tuple[Leg, ...], at: datetime
    ) -> list[tuple[int, int]]:
        """Raise unless the entry may post; each leg as its account's row and amount."""
        if type(key) is not str or not key:
            raise ValidationError(f"an idempotency key is a non-empty string, not {key!r}")
        if type(kind) is not EntryKind or type(ref) is not str:
            raise InvalidEntry(
                f"an entry needs an EntryKind and a reference, got {kind!r}, {ref!r}"
            )
        if type(at) is not datetime:
            raise ValidationError(f"an entry's time is a datetime, not {at!r}")
        if at.tzinfo is None:
            require_aware(at, "entry time")
        if len(legs) < 2:
            raise InvalidEntry(f"entry {key!r} needs at least two legs, got {legs!r}")
        index = self.chart.rows
        moves: list[tuple[int, int]] = []
        total = 0
        account: object = None
        try:
            for account, amount in legs:
                if type(account) is not AccountId:
                    raise UnknownAccount(f"book {self.id!r}: {account!r} is not an AccountId")
                row = index[account]
                if type(amount) is not int or not amount or not -_LIMIT < amount < _LIMIT:
                    raise InvalidEntry(
                        f"entry {key!r}: {account} needs a non-zero int of minor units, "
                        f"not {amount!r}"
                    )
                total += amount
                moves.append((row, amount))
        except KeyError:
            raise UnknownAccount(f"book {self.id!r} has no account {account}") from None
        except (TypeError, ValueError):
            raise InvalidEntry(f"entry {key!r}: legs must be (account, amount) pairs") from None
        if total:
            raise UnbalancedEntry(f"entry {key!r} does not balance: legs {legs} sum to {total}")
        if len({row for row, _ in moves}) != len(moves):
            raise InvalidEntry(f"entry {key!r} names an account twice: {legs}")
        return moves

    def _apply(self, moves: list[tuple[int, int]]) -> None:
        debits, credits = self.debits, self.credits
        for row, amount in moves:
            if amount > 0:
                debits[row] += amount
            else:
                credits[row] -= amount

    def _apply_pending(self, moves: list[tuple[int, int]], sign: int) -> None:
        debits, credits = self.pending_debits, self.pending_credits
        for row, amount in moves:
            if amount > 0:
                debits[row] += sign * amount
            else:
                credits[row] -= sign * amount

    def _append(  # noqa: PLR0917 - the entry's fields, in order
        self,
        journal: Journal,
        key: str,
        kind: EntryKind,
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
