"""Money: an exact decimal amount in one ISO 4217 currency.

Rules (see docs/architecture.md, "Money"):

* amounts are ``Decimal`` (or ``int``/``str`` through :meth:`Money.of`); floats are refused;
* an amount always sits on the currency's minor unit (0.01 CNY, 1 JPY, 0.001 KWD); a value
  with finer precision is refused by the constructor and rounded only where a caller says so
  (:meth:`Money.rounded`, :meth:`Money.scale`), always ``ROUND_HALF_UP`` unless told otherwise;
* arithmetic and comparison work only within one currency;
* :meth:`Money.allocate` is the one way an amount is split: largest remainder, ties to the
  earlier share, the shares always summing to the whole.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Context,
    Decimal,
    InvalidOperation,
)
from fractions import Fraction
from math import lcm
from typing import Final

import attrs

from merx.kernel.errors import CurrencyMismatch, InvalidAllocation, InvalidAmount, UnknownCurrency

#: ISO 4217 codes merx knows, with the number of digits of their minor unit.
MINOR_DIGITS: Final[dict[str, int]] = {
    "AED": 2, "AUD": 2, "BHD": 3, "BRL": 2, "CAD": 2, "CHF": 2, "CNY": 2, "CZK": 2,
    "DKK": 2, "EUR": 2, "GBP": 2, "HKD": 2, "HUF": 2, "IDR": 2, "ILS": 2, "INR": 2,
    "JOD": 3, "JPY": 0, "KRW": 0, "KWD": 3, "MXN": 2, "MYR": 2, "NOK": 2, "NZD": 2,
    "OMR": 3, "PHP": 2, "PLN": 2, "SAR": 2, "SEK": 2, "SGD": 2, "THB": 2, "TRY": 2,
    "TWD": 2, "USD": 2, "VND": 0, "ZAR": 2,
}  # fmt: skip

_QUANTUM: Final[dict[str, Decimal]] = {
    code: Decimal(1).scaleb(-digits) for code, digits in MINOR_DIGITS.items()
}

#: Amounts must stay below 10**18 minor units (10**16 CNY): far above any real order,
#: and small enough that sums of thousands of them stay exact in :data:`_EXACT`.
MAX_MINOR_DIGITS: Final = 18

#: The context every amount is computed in: wide enough to be exact for any two amounts
#: within the bound above, and raising instead of rounding silently if it were not.
_EXACT: Final = Context(prec=60, traps=[InvalidOperation])


def minor_unit(currency: str) -> Decimal:
    """The smallest amount of ``currency``: ``Decimal("0.01")`` for CNY, ``1`` for JPY."""
    try:
        return _QUANTUM[currency]
    except (KeyError, TypeError):
        raise UnknownCurrency(f"unknown currency {currency!r}") from None


def _exact_decimal(value: object) -> Decimal:
    if isinstance(value, (bool, float)):
        kind = type(value).__name__
        raise InvalidAmount(f"amount must be an exact decimal, not {kind} {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise InvalidAmount(f"amount {value!r} is not a decimal number") from None
    else:
        raise InvalidAmount(f"amount must be Decimal, int or str, not {type(value).__name__}")
    if not result.is_finite():
        raise InvalidAmount(f"amount {value!r} is not finite")
    if result.adjusted() >= MAX_MINOR_DIGITS:
        raise InvalidAmount(f"amount {value!r} is beyond what merx handles (10**16)")
    return result


def _round_fraction(value: Fraction, digits: int, rounding: str) -> Decimal:
    """``value`` rounded once to ``digits`` decimals with a ``decimal`` rounding mode."""
    scaled = value * 10**digits
    units, remainder = divmod(scaled.numerator, scaled.denominator)  # units = floor
    if remainder:
        negative = scaled < 0
        twice = 2 * remainder
        half = scaled.denominator
        if rounding in (ROUND_HALF_UP, ROUND_HALF_DOWN, ROUND_HALF_EVEN) and twice != half:
            units += twice > half
        elif rounding in (ROUND_HALF_UP, ROUND_UP):
            units += not negative  # away from zero; floor already is for negatives
        elif rounding in (ROUND_HALF_DOWN, ROUND_DOWN):
            units += negative  # toward zero
        elif rounding == ROUND_HALF_EVEN:
            units += units % 2
        elif rounding == ROUND_CEILING:
            units += 1
        elif rounding != ROUND_FLOOR:
            raise InvalidAmount(f"unsupported rounding mode {rounding!r}")
    return Decimal(units).scaleb(-digits)


@attrs.frozen(order=False, eq=True, hash=True, repr=False)
class Money:
    """An exact amount of one currency, on the currency's minor unit."""

    amount: Decimal
    currency: str

    def __attrs_post_init__(self) -> None:
        quantum = minor_unit(self.currency)
        exact = _exact_decimal(self.amount)
        on_unit = exact.quantize(quantum, context=_EXACT)
        if not on_unit:
            on_unit = on_unit.copy_abs()
        if on_unit.adjusted() >= _TOP[self.currency]:
            raise InvalidAmount(f"{exact} {self.currency} is beyond what merx handles")
        if on_unit != exact:
            raise InvalidAmount(
                f"{exact} has more decimals than {self.currency} allows "
                f"(minor unit {quantum}); round it explicitly with Money.rounded"
            )
        object.__setattr__(self, "amount", on_unit)

    # -- construction ------------------------------------------------------------------

    @classmethod
    def of(cls, amount: Decimal | int | str, currency: str) -> Money:
        """Build from a Decimal, int or decimal string; refuse floats and sub-minor digits."""
        return cls(_exact_decimal(amount), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    @classmethod
    def from_minor(cls, units: int, currency: str) -> Money:
        """``Money.from_minor(1099, "CNY") == Money.of("10.99", "CNY")``."""
        if isinstance(units, bool) or not isinstance(units, int):
            raise InvalidAmount(f"minor units must be an int, not {units!r}")
        return _make(Decimal(units).scaleb(-MINOR_DIGITS.get(currency, 0)), currency, check=True)

    @classmethod
    def rounded(
        cls, value: Decimal | int | str, currency: str, rounding: str = ROUND_HALF_UP
    ) -> Money:
        """Round ``value`` to the currency's minor unit (``ROUND_HALF_UP`` by default)."""
        minor_unit(currency)
        exact = Fraction(_exact_decimal(value))
        return _make(_round_fraction(exact, MINOR_DIGITS[currency], rounding), currency, check=True)

    @classmethod
    def sum(cls, items: Iterable[Money], currency: str) -> Money:
        """The total of ``items`` (zero when empty); every item must be in ``currency``."""
        total = _ZEROS.get(currency) if isinstance(currency, str) else None
        if total is None:
            raise UnknownCurrency(f"unknown currency {currency!r}")
        add = _EXACT.add
        for item in items:
            if item.currency != currency:
                raise CurrencyMismatch(f"cannot add {item} to a {currency} total")
            total = add(total, item.amount)  # every amount sits on the minor unit already
        return _result(total, currency)

    # -- views -------------------------------------------------------------------------

    @property
    def minor(self) -> int:
        """The amount in minor units: 10.99 CNY -> 1099."""
        return int(self.amount.scaleb(MINOR_DIGITS[self.currency]))

    def is_zero(self) -> bool:
        return not self.amount

    def is_positive(self) -> bool:
        return self.amount > 0

    def is_negative(self) -> bool:
        return self.amount < 0

    def __repr__(self) -> str:
        return f"Money('{self.amount}', '{self.currency}')"

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

    # -- arithmetic --------------------------------------------------------------------

    def _same(self, other: Money, op: str) -> None:
        if not isinstance(other, Money):
            raise InvalidAmount(f"cannot {op} {type(other).__name__} and Money")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot {op} {self} and {other}")

    def __add__(self, other: Money) -> Money:
        if type(other) is not Money or other.currency != self.currency:
            self._same(other, "add")
        return _result(_EXACT.add(self.amount, other.amount), self.currency)

    def __sub__(self, other: Money) -> Money:
        if type(other) is not Money or other.currency != self.currency:
            self._same(other, "subtract")
        return _result(_EXACT.subtract(self.amount, other.amount), self.currency)

    def __neg__(self) -> Money:
        return _make(-self.amount, self.currency)

    def __abs__(self) -> Money:
        return _make(abs(self.amount), self.currency)

    def __mul__(self, factor: int) -> Money:
        """Multiply by a whole number (exact). For rates use :meth:`scale`."""
        if isinstance(factor, bool) or not isinstance(factor, int):
            raise InvalidAmount(
                f"Money * {factor!r}: only whole numbers multiply exactly; use scale() for rates"
            )
        return _make(_EXACT.multiply(self.amount, Decimal(factor)), self.currency, check=True)

    __rmul__ = __mul__

    def scale(self, ratio: Decimal | int | Fraction, rounding: str = ROUND_HALF_UP) -> Money:
        """``self * ratio`` computed exactly, then rounded once to the minor unit
        (``ROUND_HALF_UP`` by default)."""
        factor = ratio if isinstance(ratio, Fraction) else Fraction(_exact_decimal(ratio))
        exact = Fraction(self.amount) * factor
        digits = MINOR_DIGITS[self.currency]
        return _make(_round_fraction(exact, digits, rounding), self.currency, check=True)

    def min(self, other: Money) -> Money:
        return other if other < self else self

    def max(self, other: Money) -> Money:
        return other if other > self else self

    # -- comparison (one currency only) ------------------------------------------------

    def __lt__(self, other: Money) -> bool:
        self._same(other, "compare")
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other, "compare")
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same(other, "compare")
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same(other, "compare")
        return self.amount >= other.amount

    # -- splitting ---------------------------------------------------------------------

    def allocate(self, ratios: Sequence[Money | Decimal | int]) -> list[Money]:
        """Split into ``len(ratios)`` shares proportional to ``ratios``.

        Largest remainder method on minor units: every share is the exact share rounded
        down, then the leftover units go one each to the largest remainders, ties to the
        earlier share. The shares sum to ``self`` exactly and each lies within one minor
        unit of its exact share. A negative amount is split as its absolute value, negated.
        """
        weights = _integer_weights(ratios, self.currency)
        units = self.minor
        sign = -1 if units < 0 else 1
        shares = split_minor(abs(units), weights)
        digits = MINOR_DIGITS[self.currency]
        return [_make(Decimal(sign * s).scaleb(-digits), self.currency) for s in shares]


def split_minor(units: int, weights: Sequence[int]) -> list[int]:
    """The largest-remainder method on whole minor units, the core of :meth:`Money.allocate`.

    ``units >= 0`` split in proportion to non-negative integer ``weights`` (not all zero):
    every share is rounded down, then the leftover units go one each to the largest
    remainders, ties to the earlier share. For hot loops that work in minor units.
    """
    if len(weights) == 1 and weights[0] > 0:
        return [units]
    total = sum(weights)
    shares = [units * weight // total for weight in weights]
    leftover = units - sum(shares)
    if leftover:
        remainders = [units * weight % total for weight in weights]
        # largest remainders first; the sort is stable, so ties keep the earlier share
        order = sorted(range(len(weights)), key=remainders.__getitem__, reverse=True)
        for i in order[:leftover]:
            shares[i] += 1
    return shares


def _whole_weights(ratios: Sequence[Money | Decimal | int], currency: str) -> list[int] | None:
    """Fast path: all whole numbers, or all amounts of this currency (as minor units)."""
    ints = [r for r in ratios if type(r) is int]
    if len(ints) == len(ratios):
        return ints
    amounts = [r.minor for r in ratios if type(r) is Money and r.currency == currency]
    return amounts if len(amounts) == len(ratios) else None


def _integer_weights(ratios: Sequence[Money | Decimal | int], currency: str) -> list[int]:
    if not ratios:
        raise InvalidAllocation("cannot allocate over an empty list of ratios")
    fast = _whole_weights(ratios, currency)
    if fast is not None:
        if any(w < 0 for w in fast) or not any(fast):
            raise InvalidAllocation(f"allocation ratios {list(ratios)} must be >= 0, not all zero")
        return fast
    fractions: list[Fraction] = []
    for ratio in ratios:
        if isinstance(ratio, Money):
            if ratio.currency != currency:
                raise CurrencyMismatch(f"cannot allocate {currency} in proportion to {ratio}")
            value = Fraction(ratio.amount)
        else:
            value = Fraction(_exact_decimal(ratio))
        if value < 0:
            raise InvalidAllocation(f"allocation ratio {ratio!r} is negative")
        fractions.append(value)
    common = lcm(*(f.denominator for f in fractions))
    weights = [int(f * common) for f in fractions]
    if not any(weights):
        raise InvalidAllocation("cannot allocate when every ratio is zero")
    return weights


def minor_maker(currency: str) -> Callable[[int], Money]:
    """A fast :meth:`Money.from_minor` for one currency, for hot loops that already hold
    whole minor units (an int in range is trusted; beyond the bound it raises)."""
    maker = _MAKERS.get(currency)
    if maker is None:
        maker = _MAKERS[currency] = _minor_maker(currency)
    return maker


def _minor_maker(currency: str) -> Callable[[int], Money]:
    minor_unit(currency)  # refuses an unknown currency
    digits = MINOR_DIGITS[currency]
    limit = 10**MAX_MINOR_DIGITS
    zero = _ZEROS[currency]
    new_money = _new_money

    def make(units: int) -> Money:
        if not -limit < units < limit:
            raise InvalidAmount(f"{units} minor units of {currency} is beyond what merx handles")
        return new_money(Decimal(units).scaleb(-digits) if units else zero, currency)

    return make


def _result(amount: Decimal, currency: str) -> Money:
    """A Money from an arithmetic result on the minor unit of a known ``currency``: refused
    beyond the bound, zero made positive (the hot path of ``+``, ``-`` and ``sum``)."""
    if amount.adjusted() >= _TOP[currency]:
        raise InvalidAmount(f"{amount} {currency} is beyond what merx handles")
    return _new_money(amount if amount else amount.copy_abs(), currency)


#: Per currency: its zero on the minor unit, and the first ``adjusted()`` beyond the bound.
_ZEROS: Final = {code: Decimal(0).scaleb(-digits) for code, digits in MINOR_DIGITS.items()}
_TOP: Final = {code: MAX_MINOR_DIGITS - digits for code, digits in MINOR_DIGITS.items()}

#: one minor_maker per currency (pure functions of the currency, made on first use)
_MAKERS: dict[str, Callable[[int], Money]] = {}


def _make(amount: Decimal, currency: str, *, check: bool = False) -> Money:
    """Build a Money from an amount already on the minor unit (internal fast path).

    ``check`` refuses an unknown currency and amounts beyond the bound; zero is always
    positive zero.
    """
    if check:
        if not isinstance(currency, str) or currency not in _TOP:
            raise UnknownCurrency(f"unknown currency {currency!r}")
        return _result(amount, currency)
    return _new_money(amount if amount else amount.copy_abs(), currency)


def _new_money(amount: Decimal, currency: str) -> Money:
    """A Money of exactly these fields: Money is frozen, so its slots are written once,
    here, through their descriptors (cheaper than ``object.__setattr__``)."""
    money = object.__new__(Money)
    _SET_AMOUNT(money, amount)
    _SET_CURRENCY(money, currency)
    return money


_SET_AMOUNT: Final = Money.__dict__["amount"].__set__
_SET_CURRENCY: Final = Money.__dict__["currency"].__set__
