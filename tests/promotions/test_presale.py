"""Pre-sale: deposit now, balance in a window, forfeit when the balance is not paid."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx.errors import InvalidQuantity, ValidationError
from merx.kernel.money import Money
from merx.promotions import InvalidPresale, Presale, PresaleNotOpen, presale_quote

CNY = "CNY"
OPEN = datetime(2026, 10, 20, 20, 0, tzinfo=UTC)
BALANCE = datetime(2026, 11, 1, 0, 0, tzinfo=UTC)
BALANCE_END = datetime(2026, 11, 3, 0, 0, tzinfo=UTC)


def cny(amount: str) -> Money:
    return Money.of(amount, CNY)


def presale(**changes: Any) -> Presale:
    terms: dict[str, Any] = {
        "sku": "phone-x",
        "deposit": cny("50.00"),
        "deposit_value": cny("100.00"),
        "final_price": cny("2999.00"),
        "balance_starts": BALANCE,
        "balance_ends": BALANCE_END,
        "deposit_starts": OPEN,
    }
    terms.update(changes)
    return Presale(**terms)


def test_pay_50_worth_100() -> None:
    result = presale_quote(presale(), 2, OPEN + timedelta(days=1))
    assert result.deposit_due == cny("100.00")
    assert result.deposit_value == cny("200.00")
    assert result.final_amount == cny("5998.00")
    assert result.balance_due == cny("5798.00")
    assert result.total_paid == cny("5898.00")
    assert result.deposit_bonus == cny("100.00")
    assert (result.balance_starts, result.balance_ends) == (BALANCE, BALANCE_END)


def test_the_balance_window_and_the_forfeit_rule() -> None:
    result = presale_quote(presale(), 1, OPEN)
    assert not result.balance_open(BALANCE - timedelta(seconds=1))
    assert result.balance_open(BALANCE)
    assert not result.balance_open(BALANCE_END)  # [starts, ends)
    assert not result.forfeited(BALANCE_END - timedelta(seconds=1), balance_paid=False)
    assert result.forfeited(BALANCE_END, balance_paid=False)
    assert not result.forfeited(BALANCE_END, balance_paid=True)


def test_deposits_are_taken_before_the_balance_window_only() -> None:
    with pytest.raises(PresaleNotOpen):
        presale_quote(presale(), 1, OPEN - timedelta(seconds=1))
    with pytest.raises(PresaleNotOpen):
        presale_quote(presale(), 1, BALANCE)
    presale_quote(presale(deposit_starts=None), 1, OPEN - timedelta(days=30))


@pytest.mark.parametrize(
    "changes",
    [
        {"deposit": cny("0")},
        {"deposit_value": cny("40.00")},  # worth less than it costs
        {"deposit_value": cny("3000.00")},  # worth more than the article
        {"final_price": Money.of("2999", "USD")},
        {"balance_ends": BALANCE},
        {"deposit_starts": BALANCE},
        {"balance_starts": datetime(2026, 11, 1)},
        {"sku": " "},
        {"deposit": "50"},
    ],
)
def test_malformed_presales_are_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        presale(**changes)


def test_the_quote_checks_its_inputs() -> None:
    with pytest.raises(InvalidQuantity):
        presale_quote(presale(), 0, OPEN)
    with pytest.raises(ValidationError):
        presale_quote(presale(), 1, datetime(2026, 10, 21))
    with pytest.raises(InvalidPresale):
        presale_quote("phone-x", 1, OPEN)  # type: ignore[arg-type]


@given(
    deposit_minor=st.integers(1, 10_000),
    bonus_minor=st.integers(0, 10_000),
    rest_minor=st.integers(0, 100_000),
    quantity=st.integers(1, 20),
)
def test_deposit_value_plus_balance_is_the_final_amount(
    deposit_minor: int, bonus_minor: int, rest_minor: int, quantity: int
) -> None:
    deposit = Money.from_minor(deposit_minor, CNY)
    value = Money.from_minor(deposit_minor + bonus_minor, CNY)
    final = Money.from_minor(deposit_minor + bonus_minor + rest_minor, CNY)
    result = presale_quote(
        presale(deposit=deposit, deposit_value=value, final_price=final), quantity, OPEN
    )
    assert result.deposit_value + result.balance_due == final * quantity
    assert result.total_paid == final * quantity - Money.from_minor(bonus_minor, CNY) * quantity
    assert not result.balance_due.is_negative()
