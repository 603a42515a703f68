"""Installment schedules: equal installment, equal principal and flat fee; the APR.

A schedule is computed in whole minor units (``int``), which keeps every step exact and
cheap; :class:`ScheduleRow` shows its amounts as :class:`~merx.kernel.money.Money`. Rules
(docs/credit.md, the spec in ``tests/spec/cases/installments``):

* a monthly rate is ``annual_rate / 12``, kept as an exact ratio of integers, never rounded;
* every amount is rounded once to the minor unit, ``ROUND_HALF_UP`` (:func:`div_half_up`);
* the **last row absorbs every residue**: its principal is the balance left, its fee the
  fee left, so the balance ends at exactly zero and the columns sum exactly;
* due dates are the start plus *k* months with ``dateutil.relativedelta``: the start's day
  of month is kept and clamped to the month's end (31 Jan -> 28 Feb, 31 Mar, 30 Apr ...);
* the APR is the monthly internal rate of return of the cash flows (principal out,
  payments in) times 12, solved by Newton's method in ``Decimal`` (no float).

The split routine here is the spec's (equal shares rounded, the last row absorbs the
residue), not :meth:`Money.allocate`: a schedule's rows are not shares of one amount in
proportions, they are the regular installment the product promises, and the spec fixes
where the rounding residue goes (the last row) so every customer sees one regular amount.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Context, Decimal, InvalidOperation, localcontext
from functools import lru_cache
from typing import Final, TypeAlias

import attrs
from dateutil.relativedelta import relativedelta

from merx.kernel.money import Money
from merx.kernel.validation import require_date
from merx.schedules.errors import InvalidPlan

#: The longest term merx schedules, in months (30 years).
MAX_TERM_MONTHS: Final = 360

_APR: Final = Context(prec=34, traps=[InvalidOperation])
_APR_TOLERANCE: Final = Decimal("1e-12")
_ZERO: Final = Decimal(0)
_HALF: Final = Decimal("0.5")
_ALMOST_ONE: Final = Decimal("0.999999")
_FOUR_PLACES: Final = Decimal("0.0001")


class ScheduleMethod(enum.Enum):
    EQUAL_INSTALLMENT = "equal_installment"  # equal principal and interest (等额本息)
    EQUAL_PRINCIPAL = "equal_principal"  # equal principal (等额本金)
    FLAT_FEE = "flat_fee"  # a fee per period on the original principal

    @property
    def charges_interest(self) -> bool:
        return self is not ScheduleMethod.FLAT_FEE


def div_half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half up (both >= 0, denominator > 0): the one
    rounding of a schedule, and of what a plan derives from it (pro rata interest, penalties)."""
    return (2 * numerator + denominator) // (2 * denominator)


def require_rate(value: object, what: str) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
        raise InvalidPlan(f"{what} must be a finite Decimal >= 0, not {value!r}")
    return value


def require_term(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidPlan(f"term_months must be a whole number, not {value!r}")
    if not 1 <= value <= MAX_TERM_MONTHS:
        raise InvalidPlan(f"term_months must be between 1 and {MAX_TERM_MONTHS}, not {value}")
    return value


@lru_cache(maxsize=4096)
def due_dates(start: date, term_months: int) -> tuple[date, ...]:
    """``start`` plus 1..term months, the start's day kept and clamped to the month's end."""
    return tuple(start + relativedelta(months=k) for k in range(1, term_months + 1))


@attrs.frozen
class InstallmentTerms:
    """What a plan is priced on: ``principal`` over ``term_months`` from ``start``.

    ``annual_rate`` (a fraction: ``Decimal("0.12")`` is 12 % a year) prices the two interest
    methods; ``period_fee_rate`` (``Decimal("0.006")`` is 0.6 % of the principal a month)
    prices ``flat_fee``. The rate the method does not use must be zero.
    """

    principal: Money
    term_months: int
    method: ScheduleMethod
    start: date
    annual_rate: Decimal = Decimal(0)
    period_fee_rate: Decimal = Decimal(0)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.principal, Money) or not self.principal.is_positive():
            raise InvalidPlan(f"principal must be a positive Money, not {self.principal!r}")
        require_term(self.term_months)
        if not isinstance(self.method, ScheduleMethod):
            raise InvalidPlan(f"method must be a ScheduleMethod, not {self.method!r}")
        require_date(self.start, "start", InvalidPlan)
        require_rate(self.annual_rate, "annual_rate")
        require_rate(self.period_fee_rate, "period_fee_rate")
        if self.method.charges_interest and self.period_fee_rate:
            raise InvalidPlan(f"{self.method.value} charges no period fee: got a fee rate")
        if not self.method.charges_interest and self.annual_rate:
            raise InvalidPlan("flat_fee charges no interest: got an annual rate")

    @property
    def currency(self) -> str:
        return self.principal.currency

    @property
    def rate(self) -> Decimal:
        """The rate the method uses (annual rate, or fee rate per period)."""
        return self.annual_rate if self.method.charges_interest else self.period_fee_rate

    def free_of_charge(self) -> InstallmentTerms:
        """The same plan with no interest and no fee (what an interest-free customer sees)."""
        return attrs.evolve(self, annual_rate=Decimal(0), period_fee_rate=Decimal(0))


@attrs.frozen
class ScheduleRow:
    """One installment: amounts in minor units of ``currency``; Money through properties."""

    number: int
    due: date
    principal_minor: int
    interest_minor: int
    fee_minor: int
    balance_minor: int  # principal still owed after this row
    currency: str

    @property
    def payment_minor(self) -> int:
        return self.principal_minor + self.interest_minor + self.fee_minor

    @property
    def payment(self) -> Money:
        return Money.from_minor(self.payment_minor, self.currency)

    @property
    def principal(self) -> Money:
        return Money.from_minor(self.principal_minor, self.currency)

    @property
    def interest(self) -> Money:
        return Money.from_minor(self.interest_minor, self.currency)

    @property
    def fee(self) -> Money:
        return Money.from_minor(self.fee_minor, self.currency)

    @property
    def balance(self) -> Money:
        return Money.from_minor(self.balance_minor, self.currency)


@attrs.frozen
class Schedule:
    """A priced plan's rows and its APR (a fraction, e.g. ``0.1224...``, not rounded)."""

    terms: InstallmentTerms
    rows: tuple[ScheduleRow, ...]
    apr: Decimal

    @property
    def currency(self) -> str:
        return self.terms.currency

    @property
    def total_interest(self) -> Money:
        return Money.from_minor(sum(r.interest_minor for r in self.rows), self.currency)

    @property
    def total_fee(self) -> Money:
        return Money.from_minor(sum(r.fee_minor for r in self.rows), self.currency)

    @property
    def total_cost(self) -> Money:
        """Interest plus fees: what the credit costs over the whole term."""
        return self.total_interest + self.total_fee

    @property
    def total_payment(self) -> Money:
        return Money.from_minor(sum(r.payment_minor for r in self.rows), self.currency)

    @property
    def apr_disclosed(self) -> Decimal:
        """The APR as disclosed to the customer: a fraction with 4 decimals."""
        return self.apr.quantize(_FOUR_PLACES)


# -- amortization ------------------------------------------------------------------------


def _ratio(rate: Decimal, per: int = 1) -> tuple[int, int]:
    """``rate / per`` as ``(numerator, denominator)`` integers, exact."""
    numerator, denominator = rate.as_integer_ratio()
    return numerator, denominator * per


def annuity_payment_minor(balance_minor: int, monthly: tuple[int, int], periods: int) -> int:
    """The level payment repaying ``balance`` over ``periods`` at ``monthly`` = (a, b) = a/b,
    rounded half up once: ``B * r / (1 - (1 + r) ** -n)``."""
    a, b = monthly
    if a == 0:
        return div_half_up(balance_minor, periods)
    grown = (a + b) ** periods
    return div_half_up(balance_minor * a * grown, b * (grown - b**periods))


@attrs.frozen
class Reschedule:
    """How to rebuild the unpaid rows after principal was paid early (see the plan).

    ``first_fraction`` (``(days left, days in period)``) is the part of the first row's
    period still to run: interest on the new balance is charged only for it.
    ``payment_minor`` keeps an annuity's installment (reduce term); ``principal_minor``
    keeps a level principal (reduce term); ``fees_minor`` keeps the rows' existing fees.
    """

    first_fraction: tuple[int, int] = (1, 1)
    payment_minor: int | None = None
    principal_minor: int | None = None
    fees_minor: tuple[int, ...] | None = None


def amortize(  # noqa: PLR0915 - one pass over the rows, the spec's rules in order
    balance_minor: int,
    method: ScheduleMethod,
    rate: Decimal,
    dues: Sequence[date],
    currency: str,
    *,
    first_number: int = 1,
    how: Reschedule | None = None,
) -> tuple[ScheduleRow, ...]:
    """Rows repaying ``balance_minor`` on ``dues`` (at most ``len(dues)`` rows).

    With ``how`` = None this is the spec's schedule. A ``how`` that keeps a payment or a
    principal per row (reduce term) may use fewer rows; the last row always absorbs the
    residue. Raises :class:`InvalidPlan` when the principal is too small for the term.
    """
    if balance_minor <= 0:
        raise InvalidPlan(f"cannot schedule a balance of {balance_minor} minor units")
    periods = len(dues)
    if periods < 1:
        raise InvalidPlan("a schedule needs at least one due date")
    fresh = how is None
    how = how or _FRESH
    fraction_num, fraction_den = how.first_fraction
    rows: list[ScheduleRow] = []
    balance = balance_minor
    if method is ScheduleMethod.FLAT_FEE:
        a, b = _ratio(rate)
        if how.fees_minor is not None:
            fees = list(how.fees_minor[:periods])
        else:
            total_fee = div_half_up(balance_minor * a * periods, b)
            per_fee = div_half_up(total_fee, periods)
            if per_fee * (periods - 1) > total_fee:
                # a tiny fee whose half-up share would leave the last row negative: the
                # shares round down instead (the only departure from the spec's rule)
                per_fee = total_fee // periods
            fees = [per_fee] * (periods - 1) + [total_fee - per_fee * (periods - 1)]
        level = how.principal_minor or div_half_up(balance_minor, periods)
        interest_parts: tuple[int, int] = (0, 1)
    else:
        interest_parts = _ratio(rate, 12)
        fees = [0] * periods
        if method is ScheduleMethod.EQUAL_INSTALLMENT:
            level = how.payment_minor or annuity_payment_minor(balance, interest_parts, periods)
        else:
            level = how.principal_minor or div_half_up(balance_minor, periods)
    a, b = interest_parts
    negative = False
    for index, due in enumerate(dues):
        if a:
            if index == 0 and fraction_num != fraction_den:
                interest = div_half_up(balance * a * fraction_num, b * fraction_den)
            else:
                interest = div_half_up(balance * a, b)
        else:
            interest = 0
        if method is ScheduleMethod.EQUAL_INSTALLMENT:
            principal = level - interest
            if principal <= 0:
                raise InvalidPlan(
                    f"an installment of {level} minor units does not cover the interest "
                    f"{interest} on {balance}"
                )
        else:
            principal = level
        last = index == periods - 1 or (not fresh and principal >= balance)
        if last:
            principal = balance
            fee = sum(fees[index:]) if how.fees_minor is None else fees[index]
        else:
            fee = fees[index]
        balance -= principal
        negative = negative or principal < 0 or fee < 0
        rows.append(
            ScheduleRow(first_number + index, due, principal, interest, fee, balance, currency)
        )
        if last:
            break
    if balance != 0 or negative:
        raise InvalidPlan(
            f"{Money.from_minor(balance_minor, currency)} is too small to split over "
            f"{periods} installments"
        )
    return tuple(rows)


_FRESH: Final = Reschedule()


def build_schedule(terms: InstallmentTerms) -> Schedule:
    """The schedule of ``terms`` (see the module docstring for the rules)."""
    rows = amortize(
        terms.principal.minor,
        terms.method,
        terms.rate,
        due_dates(terms.start, terms.term_months),
        terms.currency,
    )
    return Schedule(terms, rows, apr_of(terms.principal.minor, rows, guess=_guess(terms)))


def _guess(terms: InstallmentTerms) -> Decimal:
    if terms.method.charges_interest:
        return _APR.divide(terms.annual_rate, Decimal(12))
    # the "N-ratio" estimate of a flat rate's true monthly rate: 2 n f / (n + 1)
    n = Decimal(terms.term_months)
    return _APR.divide(2 * n * terms.period_fee_rate, n + 1)


def apr_of(
    principal_minor: int, rows: Sequence[ScheduleRow], *, guess: Decimal | None = None
) -> Decimal:
    """Monthly IRR of ``-principal`` now and each row's payment ``k`` months later, x 12.

    Newton's method on ``f(v) = sum(p_k v^k) - P`` in the discount factor ``v = 1/(1+i)``,
    first in floats (:func:`_float_root`), then in a 34-digit ``Decimal`` context until a
    step is below 1e-12; convergence is quadratic, so the APR is then good to about 1e-20.
    Zero when the payments sum to no more than the principal (an interest-free plan).
    """
    amounts = [row.principal_minor + row.interest_minor + row.fee_minor for row in rows]
    if sum(amounts) <= principal_minor:
        return Decimal(0)
    level = amounts[0]
    n = len(amounts)
    is_level = n > 1 and all(amount == level for amount in amounts[:-1])
    rate = guess if guess is not None and guess > 0 else Decimal("0.01")
    guess_v = 1 / (1 + float(rate))  # float-ok: a starting point, not money
    start = _float_root(amounts, principal_minor, is_level, guess_v)
    with localcontext(_APR):
        one = Decimal(1)
        principal = Decimal(principal_minor)
        v = Decimal(start) if start is not None else one / (one + rate)
        if is_level:
            evaluate = _level_npv(Decimal(level), Decimal(amounts[-1]), n, principal)
        else:
            evaluate = _horner_npv([Decimal(a) for a in reversed(amounts)], principal)
        for _ in range(100):
            value, slope = evaluate(v)
            step = value / slope
            v -= step
            if not _ZERO < v < one:
                v = _HALF if v <= 0 else _ALMOST_ONE
            elif -_APR_TOLERANCE < step < _APR_TOLERANCE:
                break
        return (one / v - one) * 12


#: A discount factor in binary floating point: only ever a starting point for the exact
#: ``Decimal`` solve, never an amount.
_Factor: TypeAlias = float  # float-ok: see above


def _float_root(amounts: list[int], principal: int, is_level: bool, v: _Factor) -> _Factor | None:
    """The discount factor to within float precision, by the same Newton steps in binary
    floats (cheap), so the exact solve starts next to the root and takes one step.
    ``None`` when floats do not settle; the exact solve then starts from the guess."""
    n = len(amounts)
    level, last = float(amounts[0]), float(amounts[-1])  # float-ok: see the docstring
    for _ in range(30):
        if is_level:
            v_n1 = v ** (n - 1)
            v_n = v_n1 * v
            gap = 1.0 - v
            value = level * (v - v_n) / gap + last * v_n - principal
            slope = level * ((1.0 - n * v_n1) * gap + v - v_n) / (gap * gap) + n * last * v_n1
        else:
            value = slope = 0.0
            for payment in reversed(amounts):
                slope = slope * v + value
                value = value * v + payment
            slope = slope * v + value
            value = value * v - principal
        if not slope:
            return None
        step = value / slope
        v -= step
        if not 0.0 < v < 1.0:
            return None
        if abs(step) < 1e-15:
            return v
    return None


def _horner_npv(
    reversed_payments: list[Decimal], principal: Decimal
) -> Callable[[Decimal], tuple[Decimal, Decimal]]:
    """``v -> (f(v), f'(v))`` for ``f(v) = sum(p_k v^k) - P``, by Horner's rule."""

    def evaluate(v: Decimal) -> tuple[Decimal, Decimal]:
        value = _ZERO
        slope = _ZERO
        for payment in reversed_payments:
            slope = slope * v + value
            value = value * v + payment
        slope = slope * v + value
        return value * v - principal, slope

    return evaluate


def _level_npv(
    level: Decimal, last: Decimal, n: int, principal: Decimal
) -> Callable[[Decimal], tuple[Decimal, Decimal]]:
    """The same for ``n - 1`` equal payments ``level`` then ``last``, in closed form:
    ``f(v) = A (v - v^n) / (1 - v) + L v^n - P``."""
    one = Decimal(1)

    def evaluate(v: Decimal) -> tuple[Decimal, Decimal]:
        v_n1 = v ** (n - 1)
        v_n = v_n1 * v
        gap = one - v
        annuity = (v - v_n) / gap
        d_annuity = ((one - n * v_n1) * gap + v - v_n) / (gap * gap)
        value = level * annuity + last * v_n - principal
        slope = level * d_annuity + n * last * v_n1
        return value, slope

    return evaluate
