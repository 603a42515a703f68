"""Money: exact amounts on a currency's minor unit, and the one ``allocate``.

The examples pin the rules down (construction, minor units, rounding half up, typed
errors); the properties check the algebra within a currency and every promise of
``allocate`` (exact sum, within one minor unit of the exact share, largest remainder with
ties to the earlier item, zero ratios get zero, sign symmetry).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from functools import reduce
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx.kernel.errors import (
    CurrencyMismatch,
    InvalidAllocation,
    InvalidAmount,
    MerxError,
    UnknownCurrency,
    ValidationError,
)
from merx.kernel.money import MINOR_DIGITS, Money, minor_maker, minor_unit
from tests.strategies import any_money, currencies, money, positive_money, ratios

# -- strategies local to this module -----------------------------------------------------

Ratio = Decimal | int


def same_currency(n: int) -> st.SearchStrategy[tuple[Money, ...]]:
    """``n`` amounts sharing one (drawn) currency."""
    return currencies.flatmap(lambda c: st.tuples(*(money(c) for _ in range(n))))


def money_lists() -> st.SearchStrategy[tuple[str, list[Money]]]:
    return currencies.flatmap(lambda c: st.tuples(st.just(c), st.lists(money(c), max_size=20)))


def _insert_zeros(rs: list[Ratio], zeros: list[int]) -> list[Ratio]:
    out = list(rs)
    for position in zeros:
        out.insert(position % (len(out) + 1), 0)
    return out


#: Ratios that contain at least one zero weight among positive ones.
ratios_with_zeros = st.builds(
    _insert_zeros, ratios, st.lists(st.integers(0, 20), min_size=1, max_size=4)
)

#: Small amounts and small integer ratios: many ties and leftovers.
small_amounts = st.integers(-50, 50)
small_ratios = st.lists(st.integers(0, 5), min_size=1, max_size=8).filter(any)

#: Values that are not exact decimals and must be refused as amounts.
non_finite = st.sampled_from(
    [
        *("NaN", "nan", "sNaN", "inf", "-inf", "Infinity", "-Infinity"),
        *(Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity"), Decimal("sNaN")),
    ]
)


def exact_shares(units: int, ratios: Sequence[Ratio | Money]) -> list[Fraction]:
    """The exact (unrounded) share of each ratio, in minor units."""
    weights = [Fraction(r.amount) if isinstance(r, Money) else Fraction(r) for r in ratios]
    total = sum(weights, Fraction(0))
    return [units * w / total for w in weights]


# -- construction ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("10.5"), Decimal("10.50")),
        (Decimal("10.500"), Decimal("10.50")),
        (10, Decimal("10.00")),
        (-3, Decimal("-3.00")),
        ("10.5", Decimal("10.50")),
        (" 7.25 ", Decimal("7.25")),
        ("1e2", Decimal("100.00")),
        (Decimal(0), Decimal("0.00")),
    ],
)
def test_of_builds_exact_amount_on_the_minor_unit(
    value: Decimal | int | str, expected: Decimal
) -> None:
    m = Money.of(value, "CNY")
    assert m.amount == expected
    assert m.amount.as_tuple().exponent == -2  # always on the minor unit
    assert m.currency == "CNY"


def test_constructor_and_of_agree() -> None:
    assert Money(Decimal("1.5"), "CNY") == Money.of("1.50", "CNY")
    assert Money(Decimal("1.5"), "CNY").amount.as_tuple().exponent == -2
    assert Money.zero("JPY") == Money.of(0, "JPY")
    assert Money.zero("KWD").is_zero()


@pytest.mark.parametrize(
    ("currency", "amount", "minor", "quantum"),
    [
        ("CNY", "10.99", 1099, Decimal("0.01")),
        ("JPY", "1099", 1099, Decimal("1")),
        ("KWD", "1.099", 1099, Decimal("0.001")),
        ("CNY", "-0.05", -5, Decimal("0.01")),
        ("KWD", "0.001", 1, Decimal("0.001")),
    ],
)
def test_minor_units(currency: str, amount: str, minor: int, quantum: Decimal) -> None:
    m = Money.of(amount, currency)
    assert m.minor == minor
    assert Money.from_minor(minor, currency) == m
    assert minor_unit(currency) == quantum
    assert Money.from_minor(1, currency).amount == quantum
    assert Decimal(1).scaleb(-MINOR_DIGITS[currency]) == quantum


def test_jpy_and_kwd_scale() -> None:
    assert str(Money.of(1000, "JPY")) == "1000 JPY"
    assert str(Money.of("1.5", "KWD")) == "1.500 KWD"
    assert str(Money.from_minor(1099, "CNY")) == "10.99 CNY"


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        ("0.025", "CNY", "0.03"),
        ("-0.025", "CNY", "-0.03"),
        ("0.0249", "CNY", "0.02"),
        ("-0.0249", "CNY", "-0.02"),
        ("0.015", "CNY", "0.02"),
        ("0.125", "CNY", "0.13"),  # half up, not banker's (which would give 0.12)
        ("2.5", "JPY", "3"),
        ("-2.5", "JPY", "-3"),
        ("0.0005", "KWD", "0.001"),
        ("1.23", "CNY", "1.23"),
    ],
)
def test_rounded_is_half_up(value: str, currency: str, expected: str) -> None:
    assert Money.rounded(value, currency) == Money.of(expected, currency)
    assert Money.rounded(Decimal(value), currency) == Money.of(expected, currency)


def test_rounded_honours_an_explicit_rounding_mode() -> None:
    assert Money.rounded("0.125", "CNY", ROUND_HALF_EVEN) == Money.of("0.12", "CNY")
    assert Money.rounded("0.129", "CNY", ROUND_DOWN) == Money.of("0.12", "CNY")


@pytest.mark.parametrize(
    ("amount", "ratio", "expected"),
    [
        ("0.05", Decimal("0.5"), "0.03"),
        ("-0.05", Decimal("0.5"), "-0.03"),
        ("0.05", Decimal("-0.5"), "-0.03"),
        ("100.00", Decimal("0.13"), "13.00"),
        ("10.00", 3, "30.00"),
        ("1.00", Fraction(1, 3), "0.33"),
        ("1.00", Fraction(2, 3), "0.67"),
        ("0.01", Fraction(1, 2), "0.01"),
        ("-0.01", Fraction(1, 2), "-0.01"),
        ("99.99", Decimal("0.885"), "88.49"),  # 88.491150 -> 88.49
    ],
)
def test_scale_rounds_once_half_up(
    amount: str, ratio: Decimal | int | Fraction, expected: str
) -> None:
    assert Money.of(amount, "CNY").scale(ratio) == Money.of(expected, "CNY")


def test_scale_honours_an_explicit_rounding_mode() -> None:
    assert Money.of("0.05", "CNY").scale(Decimal("0.5"), ROUND_DOWN) == Money.of("0.02", "CNY")
    assert Money.of("1.00", "CNY").scale(Fraction(2, 3), ROUND_DOWN) == Money.of("0.66", "CNY")


def test_str_and_repr() -> None:
    m = Money.of("10.5", "CNY")
    assert str(m) == "10.50 CNY"
    assert repr(m) == "Money('10.50', 'CNY')"
    assert repr(Money.of(-7, "JPY")) == "Money('-7', 'JPY')"
    assert str(Money.of("0.1", "KWD")) == "0.100 KWD"


def test_sign_views_and_helpers() -> None:
    one, two = Money.of(1, "CNY"), Money.of(2, "CNY")
    assert one.is_positive()
    assert not one.is_negative()
    assert not one.is_zero()
    assert (-one).is_negative()
    assert abs(-one) == one
    assert one.min(two) == one
    assert one.max(two) == two
    assert two.min(one) == one
    assert two.max(one) == two
    assert 3 * one == one * 3 == Money.of(3, "CNY")
    assert Money.sum([], "JPY") == Money.zero("JPY")


def test_money_is_hashable_and_equality_ignores_trailing_zeros() -> None:
    assert {Money.of("1.0", "CNY"), Money.of("1.00", "CNY"), Money.of(1, "CNY")} == {
        Money.of(1, "CNY")
    }
    assert Money.of(1, "CNY") != Money.of(1, "USD")


# -- typed errors ------------------------------------------------------------------------


def _as_any(value: object) -> Any:
    """Pass a deliberately ill-typed value past mypy."""
    return value


@pytest.mark.parametrize("value", [1.5, 0.1, float("nan"), True, False, None, [1], object()])
def test_non_decimal_amounts_are_refused(value: object) -> None:
    with pytest.raises(InvalidAmount):
        Money.of(_as_any(value), "CNY")
    with pytest.raises(InvalidAmount):
        Money(_as_any(value), "CNY")
    with pytest.raises(InvalidAmount):
        Money.rounded(_as_any(value), "CNY")


@given(non_finite)
def test_nan_and_infinity_are_refused(value: str | Decimal) -> None:
    with pytest.raises(InvalidAmount):
        Money.of(value, "CNY")
    with pytest.raises(InvalidAmount):
        Money.rounded(value, "CNY")


@pytest.mark.parametrize(
    ("value", "currency"),
    [("0.001", "CNY"), ("10.999", "USD"), ("0.5", "JPY"), ("0.0001", "KWD"), ("1e-3", "CNY")],
)
def test_too_many_decimals_are_refused(value: str, currency: str) -> None:
    with pytest.raises(InvalidAmount, match="more decimals than"):
        Money.of(value, currency)
    with pytest.raises(InvalidAmount):
        Money(Decimal(value), currency)


@pytest.mark.parametrize("value", ["abc", "", "1,000.00", "1.2.3"])
def test_unparsable_strings_are_refused(value: str) -> None:
    with pytest.raises(InvalidAmount):
        Money.of(value, "CNY")


@pytest.mark.parametrize("currency", ["XXX", "cny", "", "RMB", None, 156])
def test_unknown_currency(currency: object) -> None:
    code: Any = currency
    builders: list[Callable[[], object]] = [
        lambda: Money.of(1, code),
        lambda: Money(Decimal(1), code),
        lambda: Money.zero(code),
        lambda: Money.from_minor(1, code),
        lambda: Money.rounded(1, code),
        lambda: Money.sum([], code),
        lambda: minor_unit(code),
    ]
    for build in builders:
        with pytest.raises(UnknownCurrency):
            build()


def test_from_minor_refuses_non_integers() -> None:
    for units in (1.0, Decimal(1), "1", True):
        with pytest.raises(InvalidAmount):
            Money.from_minor(_as_any(units), "CNY")


def _mixed_ops(a: Money, b: Money) -> list[Callable[[], object]]:
    return [
        lambda: a + b,
        lambda: a - b,
        lambda: a < b,
        lambda: a <= b,
        lambda: a > b,
        lambda: a >= b,
        lambda: a.min(b),
        lambda: a.max(b),
        lambda: Money.sum([a, b], a.currency),
        lambda: Money.sum([b], a.currency),
    ]


@given(
    st.tuples(currencies, currencies)
    .filter(lambda cs: cs[0] != cs[1])
    .flatmap(lambda cs: st.tuples(money(cs[0]), money(cs[1])))
)
def test_mixed_currencies_are_refused_and_change_nothing(pair: tuple[Money, Money]) -> None:
    a, b = pair
    before = (repr(a), repr(b))
    for op in _mixed_ops(a, b):
        with pytest.raises(CurrencyMismatch):
            op()
    assert (repr(a), repr(b)) == before


def test_mixed_currency_message_names_both_amounts() -> None:
    with pytest.raises(CurrencyMismatch, match=r"1\.00 CNY.*1\.00 USD"):
        _ = Money.of(1, "CNY") + Money.of(1, "USD")


@pytest.mark.parametrize("factor", [Decimal("1.5"), Decimal(2), 1.5, True, Fraction(1, 2), "2"])
def test_multiplying_by_anything_but_an_int_is_refused(factor: object) -> None:
    m = Money.of("10.00", "CNY")
    with pytest.raises(InvalidAmount, match="scale"):
        _ = m * _as_any(factor)
    with pytest.raises(InvalidAmount):
        _ = _as_any(factor) * m
    assert m == Money.of("10.00", "CNY")


@pytest.mark.parametrize("other", [1, Decimal(1), "1", None])
def test_arithmetic_with_non_money_is_refused(other: object) -> None:
    m = Money.of(1, "CNY")
    with pytest.raises(InvalidAmount):
        _ = m + _as_any(other)
    with pytest.raises(InvalidAmount):
        _ = m - _as_any(other)
    with pytest.raises(InvalidAmount):
        _ = m < _as_any(other)


def test_scale_refuses_floats() -> None:
    with pytest.raises(InvalidAmount):
        Money.of(1, "CNY").scale(_as_any(0.5))


def test_error_families() -> None:
    for error in (InvalidAmount, UnknownCurrency, CurrencyMismatch, InvalidAllocation):
        assert issubclass(error, ValidationError)
        assert issubclass(error, MerxError)
        assert issubclass(error, ValueError)


def test_money_is_immutable() -> None:
    m = Money.of(1, "CNY")
    with pytest.raises(AttributeError):
        m.amount = Decimal(2)  # type: ignore[misc]


# -- algebra within one currency ---------------------------------------------------------


@given(same_currency(3))
def test_addition_is_associative_and_commutative(abc: tuple[Money, ...]) -> None:
    a, b, c = abc
    assert a + b == b + a
    assert (a + b) + c == a + (b + c)
    assert (a + b).currency == a.currency


@given(same_currency(2))
def test_subtraction_inverts_addition(ab: tuple[Money, ...]) -> None:
    a, b = ab
    zero = Money.zero(a.currency)
    assert a + b - b == a
    assert a - b == a + (-b)
    assert a - a == zero
    assert a + (-a) == zero
    assert a + zero == a
    negated = -a
    assert -negated == a
    assert (a - b).minor == a.minor - b.minor


@given(money_lists())
def test_sum_equals_fold_of_addition(case: tuple[str, list[Money]]) -> None:
    currency, items = case
    total = Money.sum(items, currency)
    assert total == reduce(lambda x, y: x + y, items, Money.zero(currency))
    assert total.minor == sum(m.minor for m in items)
    assert total.currency == currency
    assert total.amount.as_tuple().exponent == -MINOR_DIGITS[currency]


@given(any_money())
def test_minor_round_trips_through_from_minor(m: Money) -> None:
    assert Money.from_minor(m.minor, m.currency) == m
    assert Money.of(str(m.amount), m.currency) == m
    assert Money.of(m.amount, m.currency) == m


@given(currencies, st.integers(-(10**15), 10**15))
def test_from_minor_round_trips_through_minor(currency: str, units: int) -> None:
    m = Money.from_minor(units, currency)
    assert m.minor == units
    assert m.amount == Decimal(units).scaleb(-MINOR_DIGITS[currency])
    assert m.amount.as_tuple().exponent == -MINOR_DIGITS[currency]


@given(same_currency(2))
def test_comparisons_are_consistent_with_amounts(ab: tuple[Money, ...]) -> None:
    a, b = ab
    assert (a < b) == (a.amount < b.amount) == (a.minor < b.minor)
    assert (a <= b) == (a.amount <= b.amount)
    assert (a > b) == (a.amount > b.amount)
    assert (a >= b) == (a.amount >= b.amount)
    assert (a == b) == (a.amount == b.amount)
    assert (a < b) + (a == b) + (a > b) == 1  # exactly one holds
    assert a.min(b) <= a.max(b)


@given(same_currency(1), st.integers(-1000, 1000))
def test_integer_multiplication_is_repeated_addition(a1: tuple[Money, ...], k: int) -> None:
    (a,) = a1
    assert (a * k).minor == a.minor * k
    assert k * a == a * k


@given(currencies, st.integers(-(10**6), 10**6), st.integers(1, 10**4), st.integers(1, 10**4))
def test_scale_by_fraction_is_the_exact_value_rounded_half_up(
    currency: str, units: int, num: int, den: int
) -> None:
    exact = Fraction(units * num, den)  # in minor units
    magnitude = abs(exact)
    rounded = math.floor(magnitude + Fraction(1, 2))  # half up = half away from zero
    expected = rounded if exact >= 0 else -rounded
    assert Money.from_minor(units, currency).scale(Fraction(num, den)).minor == expected


# -- allocate ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [
        ("0.01", [1, 1, 1], ["0.01", "0", "0"]),  # a three-way tie: the earliest gets it
        ("0.02", [1, 1, 1], ["0.01", "0.01", "0"]),
        ("1.00", [1, 1, 1], ["0.34", "0.33", "0.33"]),
        ("0.05", [1, 1], ["0.03", "0.02"]),
        ("-0.05", [1, 1], ["-0.03", "-0.02"]),
        ("100", [Decimal("0.3"), Decimal("0.7")], ["30", "70"]),
        ("10.00", [0, 1, 0, 1], ["0", "5.00", "0", "5.00"]),
        ("0.10", [3, 0, 3, 3], ["0.04", "0", "0.03", "0.03"]),
        ("0.05", [1, 2, 1, 2], ["0.01", "0.02", "0.01", "0.01"]),  # 0.83 .. ties to earlier
        ("7", [1], ["7"]),
        ("0", [1, 2], ["0", "0"]),
    ],
)
def test_allocate_examples(total: str, weights: list[Ratio], expected: list[str]) -> None:
    shares = Money.of(total, "CNY").allocate(weights)
    assert shares == [Money.of(e, "CNY") for e in expected]


def test_allocate_ties_go_to_the_earlier_item_whatever_the_ratio_order() -> None:
    # exact shares 1, 1/3, 1/3, 1/3: one unit is left over and three remainders tie
    assert Money.from_minor(2, "JPY").allocate([3, 1, 1, 1]) == [
        Money.from_minor(1, "JPY"),
        Money.from_minor(1, "JPY"),
        Money.from_minor(0, "JPY"),
        Money.from_minor(0, "JPY"),
    ]
    # same weights, reversed: the leftover still goes to the earliest tied share
    assert [s.minor for s in Money.from_minor(2, "JPY").allocate([1, 1, 1, 3])] == [1, 0, 0, 1]


def test_allocate_in_proportion_to_money() -> None:
    lines = [Money.of("30.00", "CNY"), Money.of("60.00", "CNY"), Money.of("10.00", "CNY")]
    discount = Money.of("10.00", "CNY")
    assert discount.allocate(lines) == [
        Money.of("3.00", "CNY"),
        Money.of("6.00", "CNY"),
        Money.of("1.00", "CNY"),
    ]
    assert Money.of("1.00", "CNY").allocate([Money.of("1.00", "CNY"), Money.of("2.00", "CNY")]) == [
        Money.of("0.33", "CNY"),
        Money.of("0.67", "CNY"),
    ]


@given(
    currencies.flatmap(
        lambda c: st.tuples(
            money(c),
            st.lists(money(c, 0, 10**6), min_size=1, max_size=10).filter(
                lambda ms: any(m.is_positive() for m in ms)
            ),
        )
    )
)
def test_allocate_by_money_equals_allocate_by_amounts(case: tuple[Money, list[Money]]) -> None:
    whole, weights = case
    assert whole.allocate(weights) == whole.allocate([w.amount for w in weights])


@given(any_money(), ratios)
def test_allocate_shares_sum_exactly_to_the_whole(whole: Money, rs: list[Ratio]) -> None:
    shares = whole.allocate(rs)
    assert len(shares) == len(rs)
    assert all(s.currency == whole.currency for s in shares)
    assert all(s.amount.as_tuple().exponent == -MINOR_DIGITS[whole.currency] for s in shares)
    assert Money.sum(shares, whole.currency) == whole


@given(any_money(), ratios)
def test_allocate_shares_lie_within_one_minor_unit_of_the_exact_share(
    whole: Money, rs: list[Ratio]
) -> None:
    shares = whole.allocate(rs)
    for share, exact in zip(shares, exact_shares(whole.minor, rs), strict=True):
        assert abs(share.minor - exact) < 1
        # rounded towards or away from zero, never past the next unit
        assert share.minor in {math.floor(exact), math.ceil(exact)}


@given(st.one_of(small_amounts, st.integers(-(10**6), 10**6)), st.one_of(small_ratios, ratios))
def test_allocate_is_largest_remainder_with_ties_to_the_earlier_item(
    units: int, rs: list[Ratio]
) -> None:
    shares = [s.minor for s in Money.from_minor(units, "CNY").allocate(rs)]
    magnitudes = [abs(s) for s in shares]
    exact = [abs(e) for e in exact_shares(units, rs)]
    floors = [math.floor(e) for e in exact]
    remainders = [e - f for e, f in zip(exact, floors, strict=True)]
    bumped = [i for i in range(len(rs)) if magnitudes[i] == floors[i] + 1]
    kept = [i for i in range(len(rs)) if magnitudes[i] == floors[i]]
    assert sorted(bumped + kept) == list(range(len(rs)))
    for i in bumped:
        for j in kept:
            # an extra unit never goes to a smaller remainder, nor to a later tie
            assert remainders[i] > remainders[j] or (remainders[i] == remainders[j] and i < j)


@given(any_money(), ratios)
def test_allocate_is_deterministic(whole: Money, rs: list[Ratio]) -> None:
    assert whole.allocate(rs) == whole.allocate(list(rs)) == whole.allocate(tuple(rs))


@given(any_money(), ratios_with_zeros)
def test_allocate_gives_zero_to_zero_ratios(whole: Money, rs: list[Ratio]) -> None:
    shares = whole.allocate(rs)
    assert 0 in rs
    for share, ratio in zip(shares, rs, strict=True):
        if ratio == 0:
            assert share.is_zero()


@given(any_money(), ratios)
def test_allocate_negative_is_symmetric_to_positive(whole: Money, rs: list[Ratio]) -> None:
    assert (-whole).allocate(rs) == [-s for s in whole.allocate(rs)]


@given(any_money(), ratios, st.integers(1, 1000))
def test_allocate_ignores_the_scale_of_the_ratios(whole: Money, rs: list[Ratio], k: int) -> None:
    assert whole.allocate(rs) == whole.allocate([r * k for r in rs])


@given(positive_money(), ratios)
def test_allocate_of_positive_amount_gives_no_negative_share(whole: Money, rs: list[Ratio]) -> None:
    assert all(not s.is_negative() for s in whole.allocate(rs))


@pytest.mark.parametrize(
    ("bad", "error"),
    [
        ([], InvalidAllocation),
        ([1, -1], InvalidAllocation),
        ([Decimal("-0.5"), 2], InvalidAllocation),
        ([0], InvalidAllocation),
        ([0, 0, Decimal("0.000")], InvalidAllocation),
        ([Money.of(-1, "CNY"), Money.of(2, "CNY")], InvalidAllocation),
        ([Money.zero("CNY")], InvalidAllocation),
        ([Money.of(1, "USD")], CurrencyMismatch),
        ([Money.of(1, "CNY"), Money.of(1, "JPY")], CurrencyMismatch),
        ([0.5, 0.5], InvalidAmount),
        ([Decimal("NaN")], InvalidAmount),
        ([True, 1], InvalidAmount),
    ],
)
def test_allocate_refuses_invalid_ratios(bad: list[Any], error: type[Exception]) -> None:
    whole = Money.of("10.00", "CNY")
    with pytest.raises(error):
        whole.allocate(bad)
    assert whole == Money.of("10.00", "CNY")


@given(any_money(), ratios, st.integers(0, 12), st.integers(1, 10**6))
def test_allocate_refuses_any_negative_ratio(
    whole: Money, rs: list[Ratio], position: int, magnitude: int
) -> None:
    bad = list(rs)
    bad.insert(position % (len(bad) + 1), -magnitude)
    with pytest.raises(InvalidAllocation):
        whole.allocate(bad)


# -- known defects -----------------------------------------------------------------------


def test_huge_amount_is_refused_with_a_typed_error() -> None:
    with pytest.raises(InvalidAmount):
        Money.of("1e30", "CNY")


def test_addition_never_loses_a_minor_unit() -> None:
    big = Money.of("9999999999999999.97", "CNY")  # 18 digits of minor units: the largest kind
    total = big + Money.of("0.02", "CNY")
    assert total.minor == big.minor + 2
    with pytest.raises(InvalidAmount):
        total + Money.of("0.01", "CNY")  # 10**16: beyond the bound, refused rather than rounded
    with pytest.raises(InvalidAmount):
        Money.of("10000000000000000.00", "CNY")


def test_scale_rounds_exactly_once() -> None:
    ratio = Decimal("0.4999999999999999999999999999999")  # 31 digits, just under a half
    assert Money.of("0.01", "CNY").scale(ratio) == Money.zero("CNY")
    assert Money.of("0.01", "CNY").scale(Fraction(10**30 // 2 - 1, 10**30)) == Money.zero("CNY")


def test_zero_never_prints_with_a_minus_sign() -> None:
    for m in (
        Money.of("-0.00", "CNY"),
        Money.rounded("-0.004", "CNY"),
        Money.of("0.01", "CNY").scale(Decimal("-0.1")),
    ):
        assert m == Money.zero("CNY")
        assert str(m) == "0.00 CNY"
        assert repr(m) == "Money('0.00', 'CNY')"


# -- minor_maker: the hot-loop twin of from_minor ---------------------------------------


@given(currencies, st.integers(min_value=-(10**18) + 1, max_value=10**18 - 1))
def test_minor_maker_equals_from_minor(currency: str, units: int) -> None:
    made = minor_maker(currency)(units)
    expected = Money.from_minor(units, currency)
    assert made == expected
    assert made.amount.as_tuple() == expected.amount.as_tuple()  # same exponent, no -0


@pytest.mark.parametrize("units", [10**18, -(10**18)])
def test_minor_maker_refuses_amounts_beyond_the_bound(units: int) -> None:
    with pytest.raises(InvalidAmount):
        minor_maker("CNY")(units)


def test_minor_maker_refuses_an_unknown_currency() -> None:
    with pytest.raises(UnknownCurrency):
        minor_maker("XXX")
