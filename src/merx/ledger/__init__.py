"""merx.ledger: the platform's double-entry ledger.

A book per currency: the :class:`Ledger` aggregate (its chart of accounts, each an
:class:`AccountId` carrying its :class:`Role`) and its :class:`Journal` of
:class:`Entry`\\ s (each of an :class:`EntryKind`, balanced, named by its idempotency key;
two-phase entries post or void later) with each account's :class:`Balance` in integer
minor units, posted and pending.
The ledger owns every rule of posting; the journal is a port (:mod:`merx.ledger.ports`)
its methods are given: services reach it through :class:`Journals`, wired by
``merx.app``. ``merx.settlement`` books the business events. See docs/settlement.md.
"""

from merx.ledger.accounts import (
    COMMISSION,
    FEES,
    MARKETING,
    PENALTIES,
    REFUNDS,
    SUBSIDY,
    TRANSIT,
    AccountId,
    Bucket,
    Role,
    account_named,
    cash_account,
    merchant_account,
    merchant_accounts,
)
from merx.ledger.errors import (
    AccountAlreadyOpen,
    EntryAlreadyReversed,
    EntryNotPending,
    InvalidAccount,
    InvalidEntry,
    UnbalancedEntry,
    UnknownAccount,
    UnknownEntry,
    UnknownEntryKind,
)
from merx.ledger.model import (
    AccountOpened,
    Balance,
    Entry,
    EntryKind,
    Ledger,
    Leg,
    Phase,
    counter_moves,
)
from merx.ledger.ports import Journal, Journals, prefetch_entries
from merx.ledger.services import OpenLedger

__all__ = [
    "COMMISSION",
    "FEES",
    "MARKETING",
    "PENALTIES",
    "REFUNDS",
    "SUBSIDY",
    "TRANSIT",
    "AccountAlreadyOpen",
    "AccountId",
    "AccountOpened",
    "Balance",
    "Bucket",
    "Entry",
    "EntryAlreadyReversed",
    "EntryKind",
    "EntryNotPending",
    "InvalidAccount",
    "InvalidEntry",
    "Journal",
    "Journals",
    "Ledger",
    "Leg",
    "OpenLedger",
    "Phase",
    "Role",
    "UnbalancedEntry",
    "UnknownAccount",
    "UnknownEntry",
    "UnknownEntryKind",
    "account_named",
    "cash_account",
    "counter_moves",
    "merchant_account",
    "merchant_accounts",
    "prefetch_entries",
]
