"""The ledger and its entries round-trip through JSON: accounts by name, entry kinds by
value, amounts as integers; a name that is no account, or a kind the ledger does not
know, is refused with its own error."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx.adapters.memory import MemoryJournal
from merx.kernel.errors import ValidationError
from merx.ledger import (
    COMMISSION,
    TRANSIT,
    AccountId,
    Bucket,
    Entry,
    EntryKind,
    InvalidAccount,
    Ledger,
    Phase,
    UnknownEntryKind,
    cash_account,
    merchant_account,
    merchant_accounts,
    serde,
)

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PENDING = merchant_account("m1", Bucket.PENDING)
AVAILABLE = merchant_account("m1", Bucket.AVAILABLE)
PAYOUT = cash_account("payout")


def through_json(value: Any) -> Any:
    return json.loads(json.dumps(serde.unstructure(value)))


def posted_book() -> tuple[Ledger, MemoryJournal]:
    ledger, journal = Ledger.open("CNY", "CNY", ["wechat_pay", "payout"]), MemoryJournal()
    ledger.open_accounts(merchant_accounts("m1"))
    sale = [(TRANSIT, 1_000), (PENDING, -850), (COMMISSION, -150)]
    ledger.post(journal, "o1/cleared", EntryKind.ORDER_CLEARED, "o1", sale, AT)
    ledger.reverse(journal, "o1/cleared", "o1/reversed", AT)
    settle = [(PENDING, 850), (AVAILABLE, -850)]
    ledger.post(journal, "st1", EntryKind.SETTLEMENT, "st1", settle, AT)
    hold = [(AVAILABLE, 500), (PAYOUT, -500)]
    ledger.post(journal, "w1", EntryKind.WITHDRAWAL, "w1", hold, AT, pending=True)
    return ledger, journal


def test_the_ledger_and_every_entry_round_trip() -> None:
    ledger, journal = posted_book()
    data = through_json(ledger)
    assert data["chart"]["accounts"][:3] == ["transit:customers", "refunds", "platform:commission"]
    assert serde.structure(data, Ledger) == ledger
    for entry in journal.entries():
        assert serde.structure(through_json(entry), Entry) == entry


def test_an_entry_is_written_as_an_object_with_named_accounts_and_int_amounts() -> None:
    _, journal = posted_book()
    data = through_json(next(journal.entries()))
    assert data == {
        "key": "o1/cleared",
        "kind": "order_cleared",
        "ref": "o1",
        "legs": [["transit:customers", 1000], ["merchant:m1:pending", -850],
                 ["platform:commission", -150]],
        "at": "2026-03-02T09:00:00+00:00",
        "phase": "posted",
        "link": None,
    }  # fmt: skip


@pytest.mark.parametrize("kind", list(EntryKind))
def test_every_entry_kind_reads_back(kind: EntryKind) -> None:
    entry = Entry("k", kind, "r", ((TRANSIT, 1), (COMMISSION, -1)), AT, Phase.POSTED, None)
    assert serde.structure(through_json(entry), Entry) == entry


@pytest.mark.parametrize("kind", ["order_payed", "ORDER_PAID", "", None, 3])
def test_an_unknown_entry_kind_is_a_typed_error(kind: object) -> None:
    _, journal = posted_book()
    data = {**through_json(next(journal.entries())), "kind": kind}
    with pytest.raises(UnknownEntryKind):
        serde.structure(data, Entry)


@pytest.mark.parametrize(
    "name", ["merchant:m1", "merchant:m1:wallet", "cash:", "platform:bank", "bank", 7]
)
def test_a_name_that_is_no_account_is_a_typed_error(name: object) -> None:
    ledger, journal = posted_book()
    entry = through_json(next(journal.entries()))
    with pytest.raises(InvalidAccount):
        serde.structure({**entry, "legs": [[name, 1], ["refunds", -1]]}, Entry)
    book = through_json(ledger)
    book["chart"]["accounts"][0] = name
    with pytest.raises(InvalidAccount):
        serde.structure(book, Ledger)


def test_malformed_ledgers_are_validation_errors() -> None:
    ledger, _ = posted_book()
    data = through_json(ledger)
    assert set(data) == {"id", "currency", "chart", "version"}  # no balances, no entries
    with pytest.raises(ValidationError):
        serde.structure({**data, "chart": {"accounts": "transit:customers"}}, Ledger)
    with pytest.raises(ValidationError):
        serde.structure({"id": "CNY"}, Ledger)
    with pytest.raises(ValidationError):
        serde.structure("not a ledger", Ledger)


accounts = st.one_of(
    st.sampled_from([TRANSIT, COMMISSION]),
    st.builds(cash_account, st.text(min_size=1)),
    st.builds(merchant_account, st.text(min_size=1), st.sampled_from(Bucket)),
)


@given(
    legs=st.lists(st.tuples(accounts, st.integers(-(10**17), 10**17)), min_size=2, max_size=4),
    kind=st.sampled_from(EntryKind),
    phase=st.sampled_from(Phase),
    link=st.none() | st.text(min_size=1),
    minutes=st.integers(0, 10**6),
)
def test_any_entry_round_trips(
    legs: list[tuple[AccountId, int]], kind: EntryKind, phase: Phase, link: str | None, minutes: int
) -> None:
    entry = Entry("key", kind, "ref", tuple(legs), AT + timedelta(minutes=minutes), phase, link)
    assert serde.structure(through_json(entry), Entry) == entry
