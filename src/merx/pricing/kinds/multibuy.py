"""Multibuy: "3 for 2", "N for the price of M", "cheapest item free", "second unit half
price" across the eligible lines (a range, a category...), not a fixed set of SKUs."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import ClassVar

import attrs

from merx.kernel.money import split_minor
from merx.pricing.errors import InvalidPromotion
from merx.pricing.model import (
    CartLine,
    Effect,
    Level,
    Promotion,
    RejectionCode,
    Taken,
    check_count,
    check_percent,
    percent_of,
)


class MultibuyGroups:
    """A multibuy on one cart: the lines whose units it may group."""

    __slots__ = ("buy", "lines", "pay", "percent")

    def __init__(self, lines: tuple[int, ...], buy: int, pay: int, percent: Decimal) -> None:
        self.lines = lines
        self.buy = buy
        self.pay = pay
        self.percent = percent

    def take(self, free: Sequence[int], units: Sequence[int]) -> Taken | RejectionCode:
        """The free units, dearest first (ties in cart order), in whole groups of ``buy``;
        in each group the last ``buy - pay`` are discounted by ``percent``. The discount
        is rounded once and split over the discounted units' lines by their summed unit
        prices there (largest remainder, ties to the earlier line)."""
        order = sorted((i for i in self.lines if free[i]), key=lambda i: -units[i])
        available = sum(free[i] for i in order)
        groups = available // self.buy
        if groups == 0:
            return "no_whole_set" if self.lines else "no_eligible_lines"
        # walk the units in order: positions [0, groups*buy) are used; within each group
        # the positions from `pay` on are discounted
        used: list[tuple[int, int]] = []
        discounted: dict[int, int] = {}
        position = 0
        end = groups * self.buy
        for i in order:
            if position >= end:
                break
            count = min(free[i], end - position)
            used.append((i, count))
            cut = sum(1 for p in range(position, position + count) if p % self.buy >= self.pay)
            if cut:
                discounted[i] = cut
            position += count
        lines = sorted(discounted)
        weights = [discounted[i] * units[i] for i in lines]
        discount = percent_of(sum(weights), self.percent)
        if discount <= 0:
            return "no_discount"
        shares = split_minor(discount, weights)
        return Taken(discount, tuple(zip(lines, shares, strict=True)), tuple(sorted(used)))


class MultibuyRule:
    """``buy`` units for the price of ``pay``, the others ``percent`` off."""

    __slots__ = ("buy", "pay", "percent")
    effect: ClassVar[Effect] = Effect.UNIT_GROUPS

    def __init__(self, buy: int, pay: int, percent: Decimal) -> None:
        self.buy = buy
        self.pay = pay
        self.percent = percent

    def bind(self, cart: Sequence[CartLine], eligible: Sequence[int]) -> MultibuyGroups:
        return MultibuyGroups(tuple(eligible), self.buy, self.pay, self.percent)


@attrs.frozen(kw_only=True, cache_hash=True)
class Multibuy(Promotion):
    """In each group of ``buy`` units of the eligible lines (dearest first), the
    ``buy - pay`` cheapest are ``percent_off`` off: 3 for 2 is ``buy=3, pay=2``; the
    second unit half price ``buy=2, pay=1, percent_off=50``."""

    kind: ClassVar[str] = "multibuy"
    stage: ClassVar[int] = 2
    buy: int
    pay: int
    percent_off: Decimal = Decimal(100)

    def _check(self) -> None:
        check_count(self.id, "buy", self.buy, 2)
        check_count(self.id, "pay", self.pay, 0)
        if self.pay >= self.buy:
            raise InvalidPromotion(
                f"{self.id}: a multibuy pays for fewer units than it takes, "
                f"got buy {self.buy}, pay {self.pay}"
            )
        check_percent(self.id, self.percent_off)

    @property
    def level(self) -> Level:
        return "item"

    def rule(self) -> MultibuyRule:
        return MultibuyRule(self.buy, self.pay, self.percent_off)
