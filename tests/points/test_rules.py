"""The account's rules one by one: the spending order, returns, the refund share, the
rate; each refusal changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from merx.kernel.errors import IdempotencyConflict
from merx.kernel.money import Money
from merx.points import (
    InvalidPoints,
    PointsOverCap,
    PointsRate,
    PointsReturnExceeded,
    UnknownPointsSpend,
)
from tests.points.held import HeldAccount

AT = datetime(2026, 3, 1, 9, tzinfo=UTC)


def account_with_lots() -> HeldAccount:
    """Never-expiring 100 first, then 50 lapsing on 1 May, then 30 lapsing on 1 April."""
    account = HeldAccount("alice")
    account.earn(100, "task", "forever", None, AT)
    account.earn(50, "task", "may", date(2026, 5, 1), AT)
    account.earn(30, "task", "april", date(2026, 4, 1), AT)
    account.account.pull_events()
    return account


def test_a_spend_takes_the_earliest_expiry_first_and_never_expiring_last() -> None:
    account = account_with_lots()
    entry = account.spend(120, "o1", AT)
    assert entry.draws == (
        ("earned:task:april", 30),
        ("earned:task:may", 50),
        ("earned:task:forever", 40),
    )
    assert account.spend(120, "o1", AT) == entry  # a replay
    with pytest.raises(IdempotencyConflict):
        account.spend(121, "o1", AT)


def test_a_return_goes_to_the_latest_expiring_lots_first_never_beyond_the_spend() -> None:
    account = account_with_lots()
    account.spend(120, "o1", AT)
    back = account.give_back("o1", 60, "case-1", AT)
    assert back.draws == (("earned:task:forever", 40), ("earned:task:may", 20))
    with pytest.raises(PointsReturnExceeded):
        account.give_back("o1", 61, "case-2", AT)
    with pytest.raises(UnknownPointsSpend):
        account.give_back("o2", 1, "case-3", AT)
    assert account.spent_on("o1") == 60
    assert account.balance == 120
    assert account.give_back("o1", 60, "case-1", AT) == back  # the same cause: a replay
    with pytest.raises(IdempotencyConflict):
        account.give_back("o1", 59, "case-1", AT)


def test_a_refund_share_rounds_down_and_a_full_refund_gives_back_the_rest() -> None:
    account = account_with_lots()
    account.spend(100, "o1", AT)
    assert account.give_back_share("o1", 333, 1000, "c1", AT) is not None  # 33.3 -> 33
    assert account.spent_on("o1") == 67
    assert account.give_back_share("o1", 333, 1000, "c1", AT) is None  # a replay
    assert account.give_back_share("o1", 1000, 1000, "c2", AT) is not None
    assert account.spent_on("o1") == 0
    assert account.give_back_share("o1", 1000, 1000, "c3", AT) is None  # never more
    assert account.give_back_share("o9", 10, 10, "c4", AT) is None  # nothing spent on it
    with pytest.raises(InvalidPoints):
        account.give_back_share("o1", 11, 10, "c5", AT)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"points": 0},
        {"worth": Decimal(0)},
        {"worth": Decimal("-1")},
        {"max_share": Decimal("1.01")},
        {"max_share": Decimal("NaN")},
    ],
)
def test_a_rate_must_make_sense(kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidPoints):
        PointsRate(**kwargs)  # type: ignore[arg-type]


def test_the_cap_is_rounded_down() -> None:
    rate = PointsRate(max_share=Decimal("0.3"))
    goods = Money.of("0.05", "CNY")
    assert rate.cap(goods) == Money.of("0.01", "CNY")  # 0.015 rounds down
    assert rate.check(1, goods) == Money.of("0.01", "CNY")
    with pytest.raises(PointsOverCap):
        rate.check(2, goods)
