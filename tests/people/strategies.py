"""Hypothesis strategies for personal numbers, built from the standards' own tables (not
from merx's code): mainland mobile numbers, GB 11643 resident ID card numbers, Luhn card
numbers."""

from __future__ import annotations

from datetime import date

from hypothesis import strategies as st

#: GB 11643-1999's weights and check characters, as the standard prints them.
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECKS = "10X98765432"

digits = st.text("0123456789", min_size=1, max_size=1)


def check_character(first_17: str) -> str:
    return CHECKS[sum(int(d) * w for d, w in zip(first_17, WEIGHTS, strict=True)) % 11]


def luhn_check_digit(body: str) -> str:
    """The digit that makes ``body + digit`` pass Luhn (double every second digit from the
    right of the full number)."""
    total = 0
    for position, char in enumerate(reversed(body)):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


phones = st.builds(
    lambda second, rest: f"1{second}{rest}",
    st.sampled_from("3456789"),
    st.text("0123456789", min_size=9, max_size=9),
)


def _with_check(first_17: str) -> str:
    return first_17 + check_character(first_17)


id_cards = st.builds(
    lambda region, born, order: _with_check(f"{region}{born:%Y%m%d}{order}"),
    st.text("0123456789", min_size=6, max_size=6),
    st.dates(date(1900, 1, 1), date(2025, 12, 31)),
    st.text("0123456789", min_size=3, max_size=3),
)

card_numbers = st.integers(11, 18).flatmap(
    lambda length: st.text("0123456789", min_size=length, max_size=length).map(
        lambda body: body + luhn_check_digit(body)
    )
)
