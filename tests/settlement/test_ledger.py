"""The ledger: balanced entries only, append-only, idempotent by key, two-phase entries."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx.kernel.errors import IdempotencyConflict, MerxError, ValidationError
from merx.settlement import (
    COMMISSION,
    TRANSIT,
    AccountAlreadyOpen,
    Book,
    Bucket,
    EntryAlreadyReversed,
    EntryNotPending,
    InvalidEntry,
    Phase,
    UnbalancedEntry,
    UnknownAccount,
    UnknownEntry,
    cash_account,
    merchant_account,
    merchant_accounts,
    reconcile,
)

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CASH = cash_account("wechat_pay")
PENDING = merchant_account("m1", Bucket.PENDING)
AVAILABLE = merchant_account("m1", Bucket.AVAILABLE)
PAYOUT = cash_account("payout")


def book() -> Book:
    ledger = Book.open("CNY", "CNY", ["wechat_pay", "payout"])
    ledger.open_accounts([*merchant_accounts("m1"), *merchant_accounts("m2")])
    return ledger


def sale(ledger: Book, key: str = "o1/cleared", amount: int = 109_900) -> None:
    commission = amount * 15 // 100
    ledger.post(
        key,
        "order_cleared",
        "o1",
        [(TRANSIT, amount), (PENDING, commission - amount), (COMMISSION, -commission)],
        AT,
    )


def test_a_balanced_entry_moves_each_account_and_the_totals() -> None:
    ledger = book()
    sale(ledger)

    assert ledger.balance(TRANSIT) == 109_900
    assert ledger.balance(PENDING) == -93_415
    assert ledger.balance(COMMISSION) == -16_485
    figures = ledger.figures(PENDING)
    assert (figures.debits, figures.credits) == (0, 93_415)
    assert sum(ledger.posted.values()) == 0
    assert ledger.money(-ledger.balance(PENDING)).amount == ledger.money(93_415).amount


@pytest.mark.parametrize(
    ("legs", "error"),
    [
        ([(TRANSIT, 100), (PENDING, -99)], UnbalancedEntry),
        ([(TRANSIT, 100)], InvalidEntry),
        ([(TRANSIT, 100), ("merchant:nobody:pending", -100)], UnknownAccount),
        ([(TRANSIT, 100), (PENDING, -100), (COMMISSION, 0)], InvalidEntry),
        ([(TRANSIT, 1.5), (PENDING, -1.5)], InvalidEntry),
        ([(TRANSIT, True), (PENDING, -1)], InvalidEntry),
        ([(TRANSIT, 100), (TRANSIT, -100)], InvalidEntry),
        ([(TRANSIT, 10**18), (PENDING, -(10**18))], InvalidEntry),
        ([("x",), (PENDING, -1)], InvalidEntry),
    ],
)
def test_malformed_entries_are_refused_and_change_nothing(
    legs: list[tuple[str, int]], error: type[MerxError]
) -> None:
    ledger = book()
    sale(ledger)
    before = copy.deepcopy(ledger)

    with pytest.raises(error):
        ledger.post("bad", "order_cleared", "o2", legs, AT)

    assert ledger == before
    assert ledger.entry_for("bad") is None


def test_an_entry_needs_a_key_and_an_aware_time() -> None:
    ledger = book()
    with pytest.raises(ValidationError):
        ledger.post("", "k", "r", [(TRANSIT, 1), (PENDING, -1)], AT)
    with pytest.raises(ValidationError):
        ledger.post("k", "k", "r", [(TRANSIT, 1), (PENDING, -1)], datetime(2026, 1, 1))


def test_a_replay_with_the_same_entry_is_a_no_op() -> None:
    ledger = book()
    sale(ledger)
    before = copy.deepcopy(ledger)

    sale(ledger)

    assert ledger.posted == before.posted
    assert len(ledger.entries) == 1


def test_a_key_reused_for_another_entry_is_a_conflict() -> None:
    ledger = book()
    sale(ledger)

    with pytest.raises(IdempotencyConflict):
        sale(ledger, amount=100)
    assert len(ledger.entries) == 1


def test_an_entry_is_never_changed_only_reversed_once() -> None:
    ledger = book()
    sale(ledger)
    first = ledger.entry(0)

    reversal = ledger.reverse(0, "o1/cleared/reversed", AT)

    assert ledger.entry(0) is first
    assert reversal.link == 0
    assert reversal.legs == tuple((a, -x) for a, x in first.legs)
    assert all(balance == 0 for balance in ledger.posted.values())
    assert ledger.reverse(0, "o1/cleared/reversed", AT) == reversal  # replay
    with pytest.raises(EntryAlreadyReversed):
        ledger.reverse(0, "another-key", AT)
    with pytest.raises(UnknownEntry):
        ledger.reverse(7, "k7", AT)


def test_a_pending_entry_moves_only_pending_figures_until_posted() -> None:
    ledger = book()
    ledger.post("s1", "settlement", "st1", [(PENDING, 50_000), (AVAILABLE, -50_000)], AT)

    hold = ledger.post(
        "w1", "withdrawal", "w1", [(AVAILABLE, 20_000), (PAYOUT, -20_000)], AT, pending=True
    )

    assert hold.phase is Phase.PENDING
    assert ledger.balance(AVAILABLE) == -50_000
    assert ledger.figures(AVAILABLE).pending_debits == 20_000
    assert ledger.figures(AVAILABLE).pending == -30_000
    posted = ledger.post_pending(hold.seq, "w1/paid", AT)
    assert posted.phase is Phase.POSTS_PENDING
    assert ledger.balance(AVAILABLE) == -30_000
    assert ledger.figures(AVAILABLE).pending_debits == 0
    assert ledger.post_pending(hold.seq, "w1/paid", AT) == posted  # replay
    with pytest.raises(EntryNotPending):
        ledger.void_pending(hold.seq, "w1/failed", AT)
    assert reconcile(ledger).ok


def test_a_voided_pending_entry_leaves_the_posted_balances_alone() -> None:
    ledger = book()
    ledger.post("s1", "settlement", "st1", [(PENDING, 50_000), (AVAILABLE, -50_000)], AT)
    hold = ledger.post(
        "w1", "withdrawal", "w1", [(AVAILABLE, 20_000), (PAYOUT, -20_000)], AT, pending=True
    )

    ledger.void_pending(hold.seq, "w1/failed", AT)

    assert ledger.balance(AVAILABLE) == -50_000
    assert ledger.figures(AVAILABLE).pending_debits == 0
    assert ledger.balance(PAYOUT) == 0
    with pytest.raises(EntryNotPending):
        ledger.reverse(hold.seq, "rev", AT)
    assert reconcile(ledger).ok


def test_accounts_open_once() -> None:
    ledger = book()
    with pytest.raises(AccountAlreadyOpen):
        ledger.open_accounts([PENDING])
    assert ledger.open_accounts([PENDING, "merchant:m3:pending"], exist_ok=True) == [
        "merchant:m3:pending"
    ]


# -- properties ------------------------------------------------------------------------

ACCOUNTS = [TRANSIT, COMMISSION, CASH, PAYOUT, *merchant_accounts("m1"), *merchant_accounts("m2")]

legs_strategy = st.lists(
    st.tuples(st.sampled_from(ACCOUNTS), st.integers(-(10**9), 10**9).filter(bool)),
    min_size=1,
    max_size=5,
    unique_by=lambda leg: leg[0],
)


def balanced(raw: list[tuple[str, int]], closing: str) -> list[tuple[str, int]]:
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
    attempts: list[tuple[list[tuple[str, int]], str, bool, bool]],
) -> None:
    ledger = book()
    for i, (raw, closing, pending, replay) in enumerate(attempts):
        legs = balanced(raw, closing)
        key = f"k{i - 1 if replay and i else i}"
        before = copy.deepcopy(ledger.posted)
        try:
            ledger.post(key, "test", "r", legs, AT, pending=pending)
        except MerxError:
            assert ledger.posted == before  # a refused entry changes nothing
        assert sum(ledger.posted.values()) == 0
        assert sum(ledger.ledger.pending_debits.values()) == sum(
            ledger.ledger.pending_credits.values()
        )
    for entry in ledger.entries:
        assert sum(amount for _, amount in entry.legs) == 0
        assert len(entry.legs) >= 2
    assert reconcile(ledger).ok


@given(st.lists(st.tuples(legs_strategy, st.sampled_from(ACCOUNTS)), min_size=1, max_size=15))
def test_replaying_every_key_changes_nothing(
    attempts: list[tuple[list[tuple[str, int]], str]],
) -> None:
    ledger = book()
    posted: list[tuple[str, list[tuple[str, int]]]] = []
    for i, (raw, closing) in enumerate(attempts):
        legs = balanced(raw, closing)
        try:
            ledger.post(f"k{i}", "test", "r", legs, AT)
        except MerxError:
            continue
        posted.append((f"k{i}", legs))
    before = copy.deepcopy(ledger)

    for key, legs in posted:
        ledger.post(key, "test", "r", legs, AT)

    assert ledger == before
