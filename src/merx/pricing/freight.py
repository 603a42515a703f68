"""Freight templates: what a seller charges to ship its lines of one cart to a region.

A template belongs to one seller (and, optionally, one warehouse ``origin``: a seller with
several warehouses gives one template per origin, and a cart line ships from its
``origin``). Its ``basis`` counts the units of the shipment: pieces (the sum of quantities),
grams (``weight_g * quantity``) or cubic centimetres (``volume_cm3 * quantity``, an
extension of the pricing spec). The rule for the destination is the first whose
``regions`` name it, else the first ``"*"`` rule; the fee is ``first_fee`` up to ``first``
units, then ``additional_fee`` for each further ``additional`` units or part of them
(rounded up to whole steps). The fee is waived, as the seller's own terms, when the
shipment's goods after the platform level reach ``free_over``, or (an extension) when it
holds at least ``free_over_pieces`` pieces.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Literal, TypeAlias

import attrs

from merx.kernel.money import Money
from merx.pricing.errors import InvalidCart, InvalidFreightTemplate, UndeliverableDestination
from merx.pricing.model import CartLine, is_whole

FreightBasis: TypeAlias = Literal["piece", "weight", "volume"]

#: the region of a rule that matches every destination
ANY_REGION = "*"

_UNIT_FIELD: dict[str, str | None] = {"piece": None, "weight": "weight_g", "volume": "volume_cm3"}


def _check_step(owner: str, name: str, value: object) -> None:
    if not is_whole(value) or not isinstance(value, int) or value < 1:
        raise InvalidFreightTemplate(f"{owner}: {name} must be a whole number >= 1, got {value!r}")


@attrs.frozen
class FreightRule:
    """Fees to ``regions`` (``("*",)``: anywhere): ``first_fee`` covers the first ``first``
    units, ``additional_fee`` each further ``additional`` units or part of them."""

    regions: tuple[str, ...]
    first: int
    first_fee: Money
    additional: int
    additional_fee: Money

    def __attrs_post_init__(self) -> None:
        owner = f"freight rule {list(self.regions)}"
        if not self.regions or not all(isinstance(r, str) and r for r in self.regions):
            raise InvalidFreightTemplate(f"{owner}: regions must be non-empty strings")
        _check_step(owner, "first", self.first)
        _check_step(owner, "additional", self.additional)
        for name in ("first_fee", "additional_fee"):
            fee = getattr(self, name)
            if not isinstance(fee, Money) or fee.is_negative():
                raise InvalidFreightTemplate(f"{owner}: {name} must be Money >= 0, got {fee!r}")

    def fee_minor(self, units: int) -> int:
        """``first_fee`` up to ``first`` units, then whole ``additional`` steps (rounded
        up): ``first_fee + ceil((units - first) / additional) * additional_fee``."""
        if units <= self.first:
            return self.first_fee.minor
        steps = -(-(units - self.first) // self.additional)
        return self.first_fee.minor + steps * self.additional_fee.minor


@attrs.frozen
class FreightTemplate:
    """A seller's freight terms (from one warehouse ``origin``, if it has several)."""

    seller: str
    basis: FreightBasis
    rules: tuple[FreightRule, ...]
    free_over: Money | None = None
    #: an extension of the spec: free from this many pieces on
    free_over_pieces: int | None = None
    undeliverable: tuple[str, ...] = ()
    origin: str | None = None

    def __attrs_post_init__(self) -> None:
        owner = f"freight template of {self.seller!r}"
        if not isinstance(self.seller, str) or not self.seller:
            raise InvalidFreightTemplate(f"{owner}: seller must be a non-empty string")
        if self.basis not in _UNIT_FIELD:
            raise InvalidFreightTemplate(f"{owner}: basis must be one of {list(_UNIT_FIELD)}")
        if not self.rules:
            raise InvalidFreightTemplate(f"{owner}: needs at least one rule")
        currencies = {money.currency for money in self.amounts()}
        if len(currencies) != 1:
            raise InvalidFreightTemplate(f"{owner}: amounts in {sorted(currencies)}")
        if self.free_over is not None and self.free_over.is_negative():
            raise InvalidFreightTemplate(f"{owner}: free_over must not be negative")
        if self.free_over_pieces is not None:
            _check_step(owner, "free_over_pieces", self.free_over_pieces)
        if self.origin is not None and (not isinstance(self.origin, str) or not self.origin):
            raise InvalidFreightTemplate(f"{owner}: origin must be a non-empty string")

    def amounts(self) -> Iterator[Money]:
        for rule in self.rules:
            yield rule.first_fee
            yield rule.additional_fee
        if self.free_over is not None:
            yield self.free_over

    @property
    def currency(self) -> str:
        return next(self.amounts()).currency

    @property
    def key(self) -> tuple[str, str | None]:
        """The shipment it prices: (seller, origin)."""
        return (self.seller, self.origin)

    def rule_for(self, destination: str | None) -> FreightRule:
        """The first rule naming ``destination``, else the first ``"*"`` rule."""
        if destination is None:
            raise UndeliverableDestination(
                f"{self.seller} charges freight: the quote needs a destination"
            )
        if destination in self.undeliverable:
            raise UndeliverableDestination(f"{self.seller} does not deliver to {destination!r}")
        for rule in self.rules:
            if destination in rule.regions:
                return rule
        for rule in self.rules:
            if ANY_REGION in rule.regions:
                return rule
        raise UndeliverableDestination(f"{self.seller} has no freight rule for {destination!r}")

    def units(self, lines: Sequence[CartLine]) -> int:
        """The shipment's units under the basis: pieces, grams or cubic centimetres."""
        field = _UNIT_FIELD[self.basis]
        if field is None:
            return sum(line.quantity for line in lines)
        total = 0
        for line in lines:
            per_unit = getattr(line, field)
            if per_unit is None:
                raise InvalidCart(
                    f"line {line.sku!r}: {self.seller} charges freight by {self.basis}, "
                    f"the line has no {field}"
                )
            total += per_unit * line.quantity
        return total
