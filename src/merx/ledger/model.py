"""The double-entry ledger: balanced entries in minor units, posted to a book's journal.

A book in one currency has two parts:

* the :class:`Ledger` aggregate: its :class:`Chart` of accounts (each an
  :class:`~merx.ledger.AccountId`). It changes only when accounts open, and it owns every
  rule of posting;
* its :class:`~merx.ledger.ports.Journal`: every :class:`Entry` ever posted, by its
  idempotency key, and each account's :class:`Balance` (four counters, TigerBeetle's:
  posted debits and credits, pending debits and credits). Each posting method is given it.
  An entry is appended once and never changed; appending it moves its accounts' counters
  (:func:`counter_moves`). On a database the entries and their postings are append-only
  rows and each account's balance is a row of its own, so two postings that share no
  account never touch the same row, and two that share one only add to it.

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
* An entry has at most one follow-up (the entry whose ``link`` names it): its reversal,
  or the posting or voiding of a pending entry. A journal refuses a second one.

The hot path is one look-up of each leg's account and a few counter updates: no Money, no
Decimal, no copies.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Final, NamedTuple

import attrs

from merx.kernel.aggregate import Aggregate
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
    PLATFORM_GOODWILL = "platform_goodwill"
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
    """One journal entry, named by its idempotency ``key`` (unique in its book): ``legs``
    sum to zero. ``kind`` names the business event, ``ref`` the record it belongs to (an
    order, a withdrawal); ``link`` is the key of the entry a reversal reverses or a
    resolution posts or voids. An immutable value; a named tuple, as every posting makes
    one (it builds at twice the speed of a frozen attrs class)."""

    key: str
    kind: EntryKind
    ref: str
    legs: tuple[Leg, ...]
    at: datetime
    phase: Phase = Phase.POSTED
    link: str | None = None

    def amount_of(self, account: AccountId) -> int:
        """The signed amount this entry moves on ``account`` (0 when not a leg)."""
        for name, amount in self.legs:
            if name == account:
                return amount
        return 0


#: How an entry moves one account: (account, posted debits, posted credits, pending
#: debits, pending credits), each a signed change in minor units.
Move = tuple[AccountId, int, int, int, int]


def counter_moves(entry: Entry) -> list[Move]:
    """What appending ``entry`` does to each of its accounts' four counters: a posted entry
    moves the posted figures, a pending one the pending figures, posting a pending entry
    moves its legs from pending to posted, voiding one takes them off pending."""
    phase = entry.phase
    moves: list[Move] = []
    for account, amount in entry.legs:
        debit, credit = (amount, 0) if amount > 0 else (0, -amount)
        if phase is Phase.POSTED:
            moves.append((account, debit, credit, 0, 0))
        elif phase is Phase.PENDING:
            moves.append((account, 0, 0, debit, credit))
        elif phase is Phase.POSTS_PENDING:
            moves.append((account, debit, credit, -debit, -credit))
        else:
            moves.append((account, 0, 0, -debit, -credit))
    return moves


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

    @classmethod
    def of(cls, debits: int, credits: int, pending_debits: int, pending_credits: int) -> Balance:
        return cls(debits - credits, debits, credits, pending_debits, pending_credits)


#: The balance of an account nothing has moved yet.
ZERO: Final = Balance(0, 0, 0, 0, 0)


@attrs.frozen
class AccountOpened(DomainEvent):
    book: str
    account: AccountId


@attrs.frozen
class Chart:
    """A book's open accounts, in the order they were opened. Immutable (opening accounts
    makes a new chart), so every copy of the ledger shares it."""

    accounts: tuple[AccountId, ...] = ()
    rows: frozenset[AccountId] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "rows", frozenset(self.accounts))

    def extended(self, accounts: Sequence[AccountId]) -> Chart:
        return Chart((*self.accounts, *accounts))


@attrs.define(kw_only=True)
class Ledger(Aggregate):
    """A book's chart of accounts and its rules of posting (see the module docstring); the
    entries and balances are in the :class:`~merx.ledger.ports.Journal` each method is
    given. Posting never changes the ledger: a service saves it only when it opens
    accounts."""

    id: str
    currency: str
    chart: Chart = Chart()

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
        for account in new:
            self.record(AccountOpened(self.id, account))
        return new

    def balance(self, journal: Journal, account: AccountId) -> int:
        """The posted balance in minor units, debit-positive."""
        return self.figures(journal, account).posted

    def figures(self, journal: Journal, account: AccountId) -> Balance:
        """``account``'s figures, as its journal holds them."""
        self._require(account)
        return journal.figures(account)

    def balances(self, journal: Journal) -> dict[AccountId, Balance]:
        """Every open account's figures, in the order opened (reads every balance)."""
        held = journal.balances()
        return {account: held.get(account, ZERO) for account in self.chart.accounts}

    def money(self, minor: int) -> Money:
        return Money.from_minor(minor, self.currency)

    # -- entries -----------------------------------------------------------------------

    def entry(self, journal: Journal, key: str) -> Entry:
        """The entry posted under ``key``; :class:`UnknownEntry` if there is none."""
        found = journal.get(key) if type(key) is str and key else None
        if found is None:
            raise UnknownEntry(f"book {self.id!r} has no entry {key!r}")
        return found

    def entry_for(self, journal: Journal, key: str) -> Entry | None:
        """The entry posted under idempotency key ``key``, if any."""
        return journal.get(key)

    def posted_before(
        self, journal: Journal, key: str, kind: EntryKind, ref: str, legs: Sequence[Leg]
    ) -> bool:
        """Whether ``key`` was posted already, with this very entry; with another it is an
        :class:`~merx.errors.IdempotencyConflict`. Changes nothing."""
        first = journal.get(key)
        if first is None:
            return False
        self._replay(first, kind, ref, tuple(legs), Phase.POSTED, None)
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
        first = journal.get(key) if type(key) is str else None
        if first is not None:
            return self._replay(first, kind, ref, legs, phase, None)
        self._check(key, kind, ref, legs, at)
        entry = Entry(key, kind, ref, legs, at, phase)
        journal.append(entry)
        return entry

    def reverse(
        self,
        journal: Journal,
        original_key: str,
        key: str,
        at: datetime,
        *,
        kind: EntryKind = EntryKind.REVERSAL,
    ) -> Entry:
        """Post the mirror image of posted entry ``original_key`` (once)."""
        original = self.entry(journal, original_key)
        legs = tuple((account, -amount) for account, amount in original.legs)
        first = journal.get(key) if type(key) is str else None
        if first is not None:
            return self._replay(first, kind, original.ref, legs, Phase.POSTED, original.key)
        if original.phase is not Phase.POSTED:
            raise EntryNotPending(
                f"book {self.id!r}: entry {original.key!r} is {original.phase.value}; only "
                "posted entries are reversed (void a pending one)"
            )
        reversal = journal.follow_up(original.key)
        if reversal is not None:
            raise EntryAlreadyReversed(
                f"book {self.id!r}: entry {original.key!r} was reversed by {reversal.key!r}"
            )
        self._check(key, kind, original.ref, legs, at)
        entry = Entry(key, kind, original.ref, legs, at, Phase.POSTED, original.key)
        journal.append(entry)
        return entry

    def post_pending(self, journal: Journal, pending_key: str, key: str, at: datetime) -> Entry:
        """Post open pending entry ``pending_key``: its legs leave the pending figures and
        post."""
        return self._resolve(journal, pending_key, key, at, Phase.POSTS_PENDING)

    def void_pending(self, journal: Journal, pending_key: str, key: str, at: datetime) -> Entry:
        """Drop open pending entry ``pending_key``: its legs leave the pending figures."""
        return self._resolve(journal, pending_key, key, at, Phase.VOIDS_PENDING)

    def is_open_pending(self, journal: Journal, key: str) -> bool:
        """Whether ``key`` is a pending entry not yet posted or voided."""
        found = journal.get(key)
        return (
            found is not None
            and found.phase is Phase.PENDING
            and journal.follow_up(found.key) is None
        )

    # -- internals ---------------------------------------------------------------------

    def _require(self, account: AccountId) -> None:
        try:
            known = account in self.chart.rows
        except TypeError:
            known = False
        if not known:
            raise UnknownAccount(f"book {self.id!r} has no account {account}")

    def _resolve(
        self, journal: Journal, pending_key: str, key: str, at: datetime, phase: Phase
    ) -> Entry:
        original = self.entry(journal, pending_key)
        kind, ref, legs = original.kind, original.ref, original.legs
        first = journal.get(key) if type(key) is str else None
        if first is not None:
            return self._replay(first, kind, ref, legs, phase, original.key)
        if original.phase is not Phase.PENDING or journal.follow_up(original.key) is not None:
            raise EntryNotPending(
                f"book {self.id!r}: entry {original.key!r} is not an open pending entry"
            )
        self._check(key, kind, ref, legs, at)
        entry = Entry(key, kind, ref, legs, at, phase, original.key)
        journal.append(entry)
        return entry

    def _replay(  # noqa: PLR0917 - the entry's fields, in order
        self,
        first: Entry,
        kind: EntryKind,
        ref: str,
        legs: tuple[Leg, ...],
        phase: Phase,
        link: str | None,
    ) -> Entry:
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
    ) -> None:
        """Raise unless the entry may post."""
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
        open_accounts = self.chart.rows
        seen: set[AccountId] = set()
        total = 0
        account: object = None
        try:
            for account, amount in legs:
                if type(account) is not AccountId:
                    raise UnknownAccount(f"book {self.id!r}: {account!r} is not an AccountId")
                if account not in open_accounts:
                    raise UnknownAccount(f"book {self.id!r} has no account {account}")
                if type(amount) is not int or not amount or not -_LIMIT < amount < _LIMIT:
                    raise InvalidEntry(
                        f"entry {key!r}: {account} needs a non-zero int of minor units, "
                        f"not {amount!r}"
                    )
                total += amount
                seen.add(account)
        except (TypeError, ValueError):
            raise InvalidEntry(f"entry {key!r}: legs must be (account, amount) pairs") from None
        if total:
            raise UnbalancedEntry(f"entry {key!r} does not balance: legs {legs} sum to {total}")
        if len(seen) != len(legs):
            raise InvalidEntry(f"entry {key!r} names an account twice: {legs}")
