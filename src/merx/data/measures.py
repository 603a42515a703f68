"""Measures: the aggregates every metric is made of, defined once as data.

A :class:`Measure` says which facts count and how; a :class:`Window` says over which
time, in which buckets, broken down by what, for which merchant. Three shapes:

* **flow**: the facts that happened in each bucket, summed (``AMOUNT``: minor units,
  ``UNITS``) or counted distinct (``SUBJECTS``, ``CUSTOMERS``); each kind carries a sign,
  so "consumed minus released" is one flow;
* **balance**: the signed sum of every fact that happened before each bucket's end (a
  running total: credit outstanding);
* **open items**: at each bucket's end, the subjects an opening fact opened and no
  closing fact closed yet (funder exposure), optionally only those whose due day is a
  given number of days past (overdue buckets).

:func:`tally_facts` is the definition in Python (the memory store runs it); the DuckDB
store translates the same :class:`Measure` to SQL, and the contract suite holds them
equal. Buckets are UTC hours or days: a bucket is ``at_us // grain_us * grain_us``.
"""

from __future__ import annotations

import enum
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Final

import attrs

from merx.data.errors import InvalidWindow
from merx.data.facts import DIMENSIONS, US_PER_DAY, US_PER_HOUR, Fact

GRAINS: Final = {"hour": US_PER_HOUR, "day": US_PER_DAY}

#: What a fact kind a measure counts may be made of (stores may write kinds into queries).
_KIND: Final = re.compile(r"[a-z][a-z0-9_.]*")


class Shape(enum.Enum):
    FLOW = "flow"
    BALANCE = "balance"
    OPEN = "open"


class How(enum.Enum):
    AMOUNT = "amount"  # the signed sum of amount_minor, per currency
    UNITS = "units"  # the signed sum of units
    SUBJECTS = "subjects"  # distinct subjects
    CUSTOMERS = "customers"  # distinct non-empty customers


@attrs.frozen
class Measure:
    """Which facts count and how (see the module's text). ``kinds``: (kind, sign) pairs,
    for open items the opening kinds (sign 1); ``closes``: the closing kinds; ``age_days``:
    for open items, the days past the due day, inclusive (``None`` as the upper end: no
    limit)."""

    shape: Shape
    how: How
    kinds: tuple[tuple[str, int], ...]
    closes: tuple[str, ...] = ()
    age_days: tuple[int, int | None] | None = None

    def __attrs_post_init__(self) -> None:
        assert self.kinds, "a measure counts some kind of fact"
        assert all(_KIND.fullmatch(k) for k in (*self.kind_names, *self.closes)), self.kinds
        assert all(sign in (1, -1) for _, sign in self.kinds)
        if self.how in (How.SUBJECTS, How.CUSTOMERS):
            assert self.shape is Shape.FLOW
            assert all(sign == 1 for _, sign in self.kinds)
        assert (self.shape is Shape.OPEN) or not (self.closes or self.age_days)

    @property
    def kind_names(self) -> tuple[str, ...]:
        return tuple(kind for kind, _ in self.kinds)

    @property
    def sign_of(self) -> dict[str, int]:
        return dict(self.kinds)


def flow(how: How, *kinds: str, minus: tuple[str, ...] = ()) -> Measure:
    """The facts of ``kinds`` (added) and ``minus`` (subtracted) in each bucket."""
    return Measure(Shape.FLOW, how, tuple((k, 1) for k in kinds) + tuple((k, -1) for k in minus))


def balance(how: How, plus: tuple[str, ...], minus: tuple[str, ...] = ()) -> Measure:
    """The running signed total up to each bucket's end."""
    return Measure(Shape.BALANCE, how, tuple((k, 1) for k in plus) + tuple((k, -1) for k in minus))


def open_items(
    how: How,
    opens: tuple[str, ...],
    closes: tuple[str, ...],
    age_days: tuple[int, int | None] | None = None,
) -> Measure:
    """The subjects opened and not closed at each bucket's end."""
    return Measure(Shape.OPEN, how, tuple((k, 1) for k in opens), closes, age_days)


@attrs.frozen
class Window:
    """Over which time (``[start_us, end_us)``), in which buckets (``grain_us``), broken
    down by which :data:`~merx.data.facts.DIMENSIONS`, for which merchant only."""

    start_us: int
    end_us: int
    grain_us: int
    by: tuple[str, ...] = ()
    merchant: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.end_us <= self.start_us:
            raise InvalidWindow(
                f"window ends ({self.end_us}) at or before it starts ({self.start_us})"
            )
        if self.grain_us not in GRAINS.values():
            raise InvalidWindow(f"unknown grain of {self.grain_us} microseconds")
        unknown = [name for name in self.by if name not in DIMENSIONS]
        if unknown or len(set(self.by)) != len(self.by):
            raise InvalidWindow(f"cannot break down by {self.by!r}: dimensions are {DIMENSIONS}")

    def bucket_of(self, at_us: int) -> int:
        return at_us // self.grain_us * self.grain_us

    def buckets(self) -> Iterator[int]:
        """Every bucket the window touches, in order."""
        yield from range(self.bucket_of(self.start_us), self.end_us, self.grain_us)

    def as_of(self, bucket_us: int) -> int:
        """The instant a stock is taken for ``bucket_us``: its end, or the window's."""
        return min(bucket_us + self.grain_us, self.end_us)


@attrs.frozen
class Tally:
    """One aggregate: a bucket (its start, microseconds), the breakdown's values, the
    currency (``""`` unless the measure sums amounts) and the whole-number value."""

    bucket_us: int
    dims: tuple[str, ...]
    currency: str
    value: int


def as_of_day(as_of_us: int) -> int:
    """The day number a stock taken at ``as_of_us`` belongs to (that of its last instant)."""
    return (as_of_us - 1) // US_PER_DAY


def tally_facts(measure: Measure, window: Window, facts: Iterable[Fact]) -> list[Tally]:
    """``measure`` over ``window``, computed from ``facts`` (any superset of those that
    count): the definition every store must agree with."""
    signs = measure.sign_of
    wanted = [
        fact
        for fact in facts
        if (fact.kind in signs or fact.kind in measure.closes)
        and (window.merchant is None or fact.merchant == window.merchant)
        and fact.at_us < window.end_us
    ]
    if measure.shape is Shape.FLOW:
        return _flow(measure, window, [f for f in wanted if f.at_us >= window.start_us])
    if measure.shape is Shape.BALANCE:
        return _balance(measure, window, wanted)
    return _open(measure, window, wanted)


def _key(window: Window, measure: Measure, fact: Fact) -> tuple[tuple[str, ...], str]:
    currency = fact.currency if measure.how is How.AMOUNT else ""
    return tuple(fact.dimension(name) for name in window.by), currency


def _value(measure: Measure, fact: Fact) -> int:
    return fact.amount_minor if measure.how is How.AMOUNT else fact.units


def _flow(measure: Measure, window: Window, facts: list[Fact]) -> list[Tally]:
    signs = measure.sign_of
    sums: dict[tuple[int, tuple[str, ...], str], int] = defaultdict(int)
    distinct: dict[tuple[int, tuple[str, ...], str], set[str]] = defaultdict(set)
    for fact in facts:
        dims, currency = _key(window, measure, fact)
        key = (window.bucket_of(fact.at_us), dims, currency)
        if measure.how is How.SUBJECTS:
            distinct[key].add(fact.subject)
        elif measure.how is How.CUSTOMERS:
            if fact.customer:
                distinct[key].add(fact.customer)
        else:
            sums[key] += signs[fact.kind] * _value(measure, fact)
    if measure.how in (How.SUBJECTS, How.CUSTOMERS):
        sums = defaultdict(int, {key: len(values) for key, values in distinct.items() if values})
    return [Tally(b, dims, currency, value) for (b, dims, currency), value in sorted(sums.items())]


def _balance(measure: Measure, window: Window, facts: list[Fact]) -> list[Tally]:
    signs = measure.sign_of
    tallies: list[Tally] = []
    for bucket in window.buckets():
        as_of = window.as_of(bucket)
        sums: dict[tuple[tuple[str, ...], str], int] = defaultdict(int)
        for fact in facts:
            if fact.at_us < as_of:
                sums[_key(window, measure, fact)] += signs[fact.kind] * _value(measure, fact)
        tallies += [Tally(bucket, dims, cur, value) for (dims, cur), value in sorted(sums.items())]
    return tallies


def _open(measure: Measure, window: Window, facts: list[Fact]) -> list[Tally]:
    tallies: list[Tally] = []
    for bucket in window.buckets():
        as_of = window.as_of(bucket)
        closed = {f.subject for f in facts if f.kind in measure.closes and f.at_us < as_of}
        sums: dict[tuple[tuple[str, ...], str], int] = defaultdict(int)
        for fact in facts:
            if fact.kind in measure.closes or fact.at_us >= as_of or fact.subject in closed:
                continue
            if measure.age_days is not None:
                if fact.due_day is None:
                    continue
                low, high = measure.age_days
                age = as_of_day(as_of) - fact.due_day
                if age < low or (high is not None and age > high):
                    continue
            sums[_key(window, measure, fact)] += _value(measure, fact)
        tallies += [Tally(bucket, dims, cur, value) for (dims, cur), value in sorted(sums.items())]
    return tallies
