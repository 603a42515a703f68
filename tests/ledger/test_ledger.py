"""The ledger: balanced entries only, append-only, idempotent by key, two-phase entries."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx.adapters.memory import MemoryJournal
from merx.kernel.errors import IdempotencyConflict, MerxError, ValidationError
from merx.ledger import (
    COMMISSION,
    TRANSIT,
    AccountAlreadyOpen,
    AccountId,
    Bucket,
    Entry,
    EntryAlreadyReversed,
    EntryKind,
    EntryNotPending,
    InvalidEntry,
    Ledger,
    Phase,
    UnbalancedEntry,
    UnknownAccount,
    UnknownEntry,
    cash_account,
    merchant_account,
    merchant_accounts,
)
from merx.settlement.model import reconcile

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CASH = cash_account("wechat_pay")
PENDING = merchant_account("m1", Bucket.PENDING)
AVAILABLE = merchant_account("m1", Bucket.AVAILABLE)
PAYOUT = cash_account("payout")
CLEARED = EntryKind.ORDER_CLEARED


def book() -> tuple[Ledger, MemoryJournal]:
    ledger = Ledger.open("CNY", "CNY", ["wechat_pay", "payout"])
    ledger.open_accounts([*merchant_accounts("m1"), *merchant_accounts("m2")])
    return ledger, MemoryJournal()


def sale(
    ledger: Ledger, journal: MemoryJournal, key: str = "o1/cleared", amount: int = 109_900
) -> None:
    commission = amount * 15 // 100
    ledger.post(
        journal,
        key,
        CLEARED,
        "o1",
        [(TRANSIT, amount), (PENDING, commission - amount), (COMMISSION, -commission)],
        AT,
    )


def state(ledger: Ledger, journal: MemoryJournal) -> tuple[Ledger, list[Any], dict[Any, Any]]:
    """A copy of the ledger, its entries and balances, to compare with later."""
    return copy.deepcopy(ledger), list(journal.entries()), journal.balances()


def posted(ledger: Ledger, journal: MemoryJournal) -> dict[AccountId, int]:
    """Each open account's posted balance."""
    return {account: figures.posted for account, figures in ledger.balances(journal).items()}


def test_a_balanced_entry_moves_each_account_and_the_totals() -> None:
    ledger, journal = book()
    sale(ledger, journal)

    assert ledger.balance(journal, TRANSIT) == 109_900
    assert ledger.balance(journal, PENDING) == -93_415
    assert ledger.balance(journal, COMMISSION) == -16_485
    figures = ledger.figures(journal, PENDING)
    assert (figures.debits, figures.credits) == (0, 93_415)
    assert sum(posted(ledger, journal).values()) == 0
    assert ledger.money(-ledger.balance(journal, PENDING)) == ledger.money(93_415)
    assert ledger.version == 0  # posting never changes the ledger


@pytest.mark.parametrize(
    ("legs", "error"),
    [
        ([(TRANSIT, 100), (PENDING, -99)], UnbalancedEntry),
        ([(TRANSIT, 100)], InvalidEntry),
        ([(TRANSIT, 100), (merchant_account("nobody", Bucket.PENDING), -100)], UnknownAccount),
        ([(TRANSIT, 100), ("merchant:m1:pending", -100)], UnknownAccount),
        ([(TRANSIT, 100), (PENDING, -100), (COMMISSION, 0)], InvalidEntry),
        ([(TRANSIT, 1.5), (PENDING, -1.5)], InvalidEntry),
        ([(TRANSIT, True), (PENDING, -1)], InvalidEntry),
        ([(TRANSIT, 100), (TRANSIT, -100)], InvalidEntry),
        ([(TRANSIT, 10**18), (PENDING, -(10**18))], InvalidEntry),
        ([("x",), (PENDING, -1)], InvalidEntry),
    ],
)
def test_malformed_entries_are_refused_and_change_nothing(
    legs: list[tuple[AccountId, int]], error: type[MerxError]
) -> None:
    ledger, journal = book()
    sale(ledger, journal)
    before = state(ledger, journal)

    with pytest.raises(error):
        ledger.post(journal, "bad", CLEARED, "o2", legs, AT)

    assert state(ledger, journal) == before
    assert ledger.entry_for(journal, "bad") is None


def test_an_entry_needs_a_key_a_kind_and_an_aware_time() -> None:
    ledger, journal = book()
    legs = [(TRANSIT, 1), (PENDING, -1)]
    with pytest.raises(ValidationError):
        ledger.post(journal, "", CLEARED, "r", legs, AT)
    with pytest.raises(ValidationError):
        ledger.post(journal, "k", CLEARED, "r", legs, datetime(2026, 1, 1))
    with pytest.raises(InvalidEntry):
        ledger.post(journal, "k", "order_cleared", "r", legs, AT)  # type: ignore[arg-type]
    assert list(journal.entries()) == []


def test_a_replay_with_the_same_entry_is_a_no_op() -> None:
    ledger, journal = book()
    sale(ledger, journal)
    before = state(ledger, journal)

    sale(ledger, journal)

    assert state(ledger, journal) == before
    assert len(list(journal.entries())) == 1


def test_a_key_reused_for_another_entry_is_a_conflict() -> None:
    ledger, journal = book()
    sale(ledger, journal)

    with pytest.raises(IdempotencyConflict):
        sale(ledger, journal, amount=100)
    first = ledger.entry(journal, "o1/cleared")
    with pytest.raises(IdempotencyConflict):  # the same legs as another kind
        ledger.post(journal, "o1/cleared", EntryKind.SETTLEMENT, "o1", first.legs, AT)
    assert len(list(journal.entries())) == 1


def test_posted_before_tells_a_replay_from_a_new_entry_and_changes_nothing() -> None:
    ledger, journal = book()
    legs = [(TRANSIT, 100), (PENDING, -100)]
    assert not ledger.posted_before(journal, "k", CLEARED, "r", legs)
    ledger.post(journal, "k", CLEARED, "r", legs, AT)
    before = state(ledger, journal)

    assert ledger.posted_before(journal, "k", CLEARED, "r", legs)
    with pytest.raises(IdempotencyConflict):
        ledger.posted_before(journal, "k", CLEARED, "r", [(TRANSIT, 99), (PENDING, -99)])
    assert state(ledger, journal) == before


def test_an_entry_is_never_changed_only_reversed_once() -> None:
    ledger, journal = book()
    sale(ledger, journal)
    first = ledger.entry(journal, "o1/cleared")

    reversal = ledger.reverse(journal, "o1/cleared", "o1/cleared/reversed", AT)

    assert ledger.entry(journal, "o1/cleared") is first
    assert (reversal.link, reversal.kind) == ("o1/cleared", EntryKind.REVERSAL)
    assert reversal.legs == tuple((a, -x) for a, x in first.legs)
    assert all(balance == 0 for balance in posted(ledger, journal).values())
    assert ledger.reverse(journal, "o1/cleared", "o1/cleared/reversed", AT) == reversal
    with pytest.raises(EntryAlreadyReversed):
        ledger.reverse(journal, "o1/cleared", "another-key", AT)
    with pytest.raises(UnknownEntry):
        ledger.reverse(journal, "o7/cleared", "k7", AT)
    with pytest.raises(UnknownEntry):
        ledger.entry(journal, 7)  # type: ignore[arg-type]


def withdrawal_held(ledger: Ledger, journal: MemoryJournal) -> Entry:
    """50,000 settled to m1's available balance, then 20,000 of it held for a withdrawal."""
    settle = [(PENDING, 50_000), (AVAILABLE, -50_000)]
    ledger.post(journal, "s1", EntryKind.SETTLEMENT, "st1", settle, AT)
    withdraw = [(AVAILABLE, 20_000), (PAYOUT, -20_000)]
    return ledger.post(journal, "w1", EntryKind.WITHDRAWAL, "w1", withdraw, AT, pending=True)


def test_a_pending_entry_moves_only_pending_figures_until_posted() -> None:
    ledger, journal = book()

    hold = withdrawal_held(ledger, journal)

    assert hold.phase is Phase.PENDING
    assert ledger.is_open_pending(journal, hold.key)
    assert ledger.balance(journal, AVAILABLE) == -50_000
    assert ledger.figures(journal, AVAILABLE).pending_debits == 20_000
    assert ledger.figures(journal, AVAILABLE).pending == -30_000
    paid = ledger.post_pending(journal, hold.key, "w1/paid", AT)
    assert (paid.phase, paid.kind, paid.link) == (Phase.POSTS_PENDING, EntryKind.WITHDRAWAL, "w1")
    assert ledger.balance(journal, AVAILABLE) == -30_000
    assert ledger.figures(journal, AVAILABLE).pending_debits == 0
    assert not ledger.is_open_pending(journal, hold.key)
    assert ledger.post_pending(journal, hold.key, "w1/paid", AT) == paid  # replay
    with pytest.raises(EntryNotPending):
        ledger.void_pending(journal, hold.key, "w1/failed", AT)
    with pytest.raises(EntryNotPending):
        ledger.post_pending(journal, "s1", "s1/paid", AT)  # a posted entry is not pending
    assert reconcile(ledger, journal).ok


def test_a_voided_pending_entry_leaves_the_posted_balances_alone() -> None:
    ledger, journal = book()
    hold = withdrawal_held(ledger, journal)

    ledger.void_pending(journal, hold.key, "w1/failed", AT)

    assert ledger.balance(journal, AVAILABLE) == -50_000
    assert ledger.figures(journal, AVAILABLE).pending_debits == 0
    assert ledger.balance(journal, PAYOUT) == 0
    with pytest.raises(EntryNotPending):
        ledger.reverse(journal, hold.key, "rev", AT)
    assert reconcile(ledger, journal).ok


def test_accounts_open_once() -> None:
    ledger, journal = book()
    m3 = merchant_account("m3", Bucket.PENDING)
    with pytest.raises(AccountAlreadyOpen):
        ledger.open_accounts([PENDING])
    assert ledger.open_accounts([PENDING, m3], exist_ok=True) == [m3]
    assert ledger.accounts[-1] == m3
    assert ledger.balance(journal, m3) == 0


def test_reading_an_account_the_book_has_not_opened_is_an_unknown_account() -> None:
    ledger, journal = book()
    with pytest.raises(UnknownAccount):
        ledger.balance(journal, merchant_account("m9", Bucket.PENDING))
    with pytest.raises(UnknownAccount):
        ledger.figures(journal, cash_account("alipay"))


# -- properties ------------------------------------------------------------------------

ACCOUNTS = [TRANSIT, COMMISSION, CASH, PAYOUT, *merchant_accounts("m1"), *merchant_accounts("m2")]

legs_strategy = st.lists(
    st.tuples(st.sampled_from(ACCOUNTS), st.integers(-(10**9), 10**9).filter(bool)),
    min_size=1,
    max_size=5,
    unique_by=lambda leg: leg[0],
)


def balanced(raw: list[tuple[AccountId, int]], closing: AccountId) -> list[tuple[AccountId, int]]:
    """``raw`` plus one leg on ``closing`` that makes it balance (when it is not a leg)."""
    total = sum(amount for _, amount in raw)
    if not total or closing in {account for account, _ in raw}:
        return raw
    return [*raw, (closing, -total)]


@given(
    st.lists(
        st.tuples(legs_strategy, st.sampled_from(ACCOUNTS), st.booleans(), st.booleans()),
        max_size=40,
    )
)
def test_every_posted_entry_balances_and_all_balances_sum_to_zero(
    attempts: list[tuple[list[tuple[AccountId, int]], AccountId, bool, bool]],
) -> None:
    ledger, journal = book()
    for i, (raw, closing, pending, replay) in enumerate(attempts):
        legs = balanced(raw, closing)
        key = f"k{i - 1 if replay and i else i}"
        before = state(ledger, journal)
        try:
            ledger.post(journal, key, CLEARED, "r", legs, AT, pending=pending)
        except MerxError:
            assert state(ledger, journal) == before  # a refused entry changes nothing
        balances = ledger.balances(journal).values()
        assert sum(figures.posted for figures in balances) == 0
        assert sum(f.pending_debits for f in balances) == sum(f.pending_credits for f in balances)
    for entry in journal.entries():
        assert sum(amount for _, amount in entry.legs) == 0
        assert len(entry.legs) >= 2
    assert reconcile(ledger, journal).ok


@given(st.lists(st.tuples(legs_strategy, st.sampled_from(ACCOUNTS)), min_size=1, max_size=15))
def test_replaying_every_key_changes_nothing(
    attempts: list[tuple[list[tuple[AccountId, int]], AccountId]],
) -> None:
    ledger, journal = book()
    posted: list[tuple[str, list[tuple[AccountId, int]]]] = []
    for i, (raw, closing) in enumerate(attempts):
        legs = balanced(raw, closing)
        try:
            ledger.post(journal, f"k{i}", CLEARED, "r", legs, AT)
        except MerxError:
            continue
        posted.append((f"k{i}", legs))
    before = state(ledger, journal)

    for key, legs in posted:
        ledger.post(journal, key, CLEARED, "r", legs, AT)

    assert state(ledger, journal) == before
