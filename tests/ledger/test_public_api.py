"""The ledger's public API is pinned: a name added to or dropped from ``__all__`` is a
decision this test makes visible (internals stay in their modules)."""

from __future__ import annotations

import merx.ledger

PUBLIC = {
    # the chart of accounts
    "AccountId",
    "Role",
    "Bucket",
    "TRANSIT",
    "REFUNDS",
    "COMMISSION",
    "SUBSIDY",
    "FEES",
    "PENALTIES",
    "MARKETING",
    "cash_account",
    "merchant_account",
    "merchant_accounts",
    # entries and the aggregate
    "EntryKind",
    "Phase",
    "Entry",
    "Leg",
    "Balance",
    "Ledger",
    # the command
    "OpenLedger",
    # events
    "AccountOpened",
    "EntryPosted",
    # errors
    "AccountAlreadyOpen",
    "EntryAlreadyReversed",
    "EntryNotPending",
    "InvalidAccount",
    "InvalidEntry",
    "UnbalancedEntry",
    "UnknownAccount",
    "UnknownEntry",
    "UnknownEntryKind",
    # ports
    "Journal",
    "Journals",
}


def test_the_public_api_is_exactly_the_pinned_names() -> None:
    assert set(merx.ledger.__all__) == PUBLIC
    assert len(merx.ledger.__all__) == len(PUBLIC)
    assert all(hasattr(merx.ledger, name) for name in PUBLIC)
