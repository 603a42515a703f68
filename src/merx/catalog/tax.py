"""Tax per line: a rate per SKU (or its category's, or the shop's default) and a mode.

In China prices contain their tax (:attr:`TaxMode.INCLUSIVE`, the default); a host selling
abroad lists prices without it and adds it on top (:attr:`TaxMode.EXCLUSIVE`). A line's
tax is computed once, from the line's amount after all discounts, rounded half up once per
line (``../shared/spec/pricing_extensions`` README, "Tax"):

* inclusive: ``amount * rate / (1 + rate)`` (already in the amount);
* exclusive: ``amount * rate`` (added to it).

This module imports nothing of the catalog's model, so the model and the policy stay
free of import cycles.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType

import attrs

from merx.catalog.errors import InvalidTaxRate
from merx.kernel.money import Money

ZERO_RATE = Decimal(0)


def require_tax_rate(value: object, what: str) -> Decimal:
    """``value`` as a tax rate: a finite ``Decimal`` with ``0 <= rate < 1``
    (:class:`InvalidTaxRate` otherwise)."""
    if not isinstance(value, Decimal) or not value.is_finite() or not 0 <= value < 1:
        raise InvalidTaxRate(f"{what}: a tax rate is a Decimal in [0, 1), got {value!r}")
    return value


class TaxMode(enum.Enum):
    """Whether listed prices contain their tax or have it added on top."""

    INCLUSIVE = "inclusive"
    EXCLUSIVE = "exclusive"

    def tax_on(self, amount: Money, rate: Decimal) -> Money:
        """The tax of a line worth ``amount`` after discounts at ``rate``, rounded half up
        once: the part of ``amount`` that is tax (inclusive), or what is added (exclusive)."""
        exact = Fraction(rate)
        share = exact / (1 + exact) if self is TaxMode.INCLUSIVE else exact
        return amount.scale(share)

    def added(self, tax: Money) -> Money:
        """What ``tax`` adds to the payable: all of it when exclusive, nothing when the
        prices already contain it."""
        return tax if self is TaxMode.EXCLUSIVE else Money.zero(tax.currency)


def _rates(value: Mapping[str, Decimal]) -> Mapping[str, Decimal]:
    for category, rate in value.items():
        require_tax_rate(rate, f"category {category!r}")
    return MappingProxyType(dict(value))


@attrs.frozen
class TaxPolicy:
    """A shop's tax: its mode, a default rate per category and one for everything else.

    A SKU's own rate (:class:`~merx.catalog.SetTaxRate`) wins; else its category's here;
    else ``default_rate``. China's default: inclusive, rate 0 until rates are set.
    """

    mode: TaxMode = TaxMode.INCLUSIVE
    category_rates: Mapping[str, Decimal] = attrs.field(factory=dict, converter=_rates)
    default_rate: Decimal = ZERO_RATE

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.mode, TaxMode):
            raise InvalidTaxRate(f"tax mode must be a TaxMode, got {self.mode!r}")
        require_tax_rate(self.default_rate, "default rate")

    def rate_for(self, own_rate: Decimal | None, category: str) -> Decimal:
        """The rate of a SKU with ``own_rate`` (``None``: none of its own) in ``category``."""
        if own_rate is not None:
            return own_rate
        return self.category_rates.get(category, self.default_rate)


#: Prices contain their tax (China); rates come from the SKUs.
INCLUSIVE = TaxPolicy()
