"""Pre-sale: pay a deposit now, the balance later, at a price fixed in advance.

A :class:`Presale` on one SKU fixes, per unit:

* ``deposit`` - what the customer pays now;
* ``deposit_value`` - what the deposit counts for against the final price; it may exceed
  the deposit (pay 50, worth 100: the "expansion" of a deposit);
* ``final_price`` - the unit price of the pre-sold article;
* the balance window ``[balance_starts, balance_ends)`` in which the balance is paid.

Deposits are taken from ``deposit_starts`` (open when omitted) until the balance window
opens. :func:`presale_quote` prices ``quantity`` units at an instant: the deposit due now,
the balance due in the window (``final_price - deposit_value`` per unit), and the forfeit
rule: a balance not paid by ``balance_ends`` leaves the order unpaid and the deposit kept
(:meth:`PresaleQuote.forfeited`). The function is pure; the order flow (a deposit order,
the balance payment, closing an unpaid order) is the caller's.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from merx.kernel.errors import ValidationError
from merx.kernel.money import Money
from merx.kernel.quantity import require_quantity
from merx.kernel.validation import require_text
from merx.promotions.errors import InvalidPresale, PresaleNotOpen


@attrs.frozen(kw_only=True)
class Presale:
    """A pre-sale of one SKU; every amount is per unit."""

    sku: str
    deposit: Money
    deposit_value: Money
    final_price: Money
    balance_starts: datetime
    balance_ends: datetime
    deposit_starts: datetime | None = None

    def __attrs_post_init__(self) -> None:
        require_text(self.sku, "pre-sale sku")
        where = f"pre-sale of {self.sku!r}"
        amounts = (self.deposit, self.deposit_value, self.final_price)
        if not all(isinstance(amount, Money) for amount in amounts):
            raise InvalidPresale(f"{where}: deposit, deposit_value and final_price are Money")
        if len({amount.currency for amount in amounts}) != 1:
            raise InvalidPresale(f"{where}: amounts in several currencies {amounts}")
        if not self.deposit.is_positive():
            raise InvalidPresale(f"{where}: the deposit must be above zero, got {self.deposit}")
        if self.deposit_value < self.deposit:
            raise InvalidPresale(
                f"{where}: the deposit's value {self.deposit_value} is below the deposit "
                f"{self.deposit}"
            )
        if self.deposit_value > self.final_price:
            raise InvalidPresale(
                f"{where}: the deposit's value {self.deposit_value} exceeds the final price "
                f"{self.final_price}"
            )
        instants = [("balance_starts", self.balance_starts), ("balance_ends", self.balance_ends)]
        if self.deposit_starts is not None:
            instants.append(("deposit_starts", self.deposit_starts))
        for name, instant in instants:
            if not isinstance(instant, datetime) or instant.utcoffset() is None:
                raise InvalidPresale(f"{where}: {name} must be an aware datetime, got {instant!r}")
        if not self.balance_starts < self.balance_ends:
            raise InvalidPresale(
                f"{where}: the balance window [{self.balance_starts}, {self.balance_ends}) is empty"
            )
        if self.deposit_starts is not None and not self.deposit_starts < self.balance_starts:
            raise InvalidPresale(
                f"{where}: deposits from {self.deposit_starts} leave no time before the "
                f"balance window opens at {self.balance_starts}"
            )

    @property
    def currency(self) -> str:
        return self.final_price.currency

    def taking_deposits(self, at: datetime) -> bool:
        """``deposit_starts <= at < balance_starts``."""
        return (self.deposit_starts is None or self.deposit_starts <= at) and (
            at < self.balance_starts
        )


@attrs.frozen
class PresaleQuote:
    """What a pre-sale order of ``quantity`` units costs, and when."""

    sku: str
    quantity: int
    deposit_due: Money  # now
    deposit_value: Money  # what the deposit counts for
    final_amount: Money  # final_price * quantity
    balance_due: Money  # final_amount - deposit_value, paid in the window
    balance_starts: datetime
    balance_ends: datetime

    def __attrs_post_init__(self) -> None:
        assert self.balance_due == self.final_amount - self.deposit_value
        assert not self.balance_due.is_negative()

    @property
    def total_paid(self) -> Money:
        """What the customer pays in all when the balance is paid."""
        return self.deposit_due + self.balance_due

    @property
    def deposit_bonus(self) -> Money:
        """How much more the deposit is worth than it cost."""
        return self.deposit_value - self.deposit_due

    def balance_open(self, at: datetime) -> bool:
        """Whether the balance may be paid at ``at``: ``balance_starts <= at < balance_ends``."""
        return self.balance_starts <= at < self.balance_ends

    def forfeited(self, at: datetime, *, balance_paid: bool) -> bool:
        """The forfeit rule: the deposit is kept (and not refunded) once the window has
        closed with the balance unpaid."""
        return not balance_paid and at >= self.balance_ends


def presale_quote(presale: Presale, quantity: int, at: datetime) -> PresaleQuote:
    """Price ``quantity`` units of ``presale`` for a deposit taken at ``at``.

    Raises :class:`~merx.errors.InvalidQuantity` for a quantity below one, a
    :class:`~merx.errors.ValidationError` for a naive ``at`` and :class:`PresaleNotOpen`
    outside ``[deposit_starts, balance_starts)``.
    """
    if not isinstance(presale, Presale):
        raise InvalidPresale(f"expected a Presale, got {presale!r}")
    require_quantity(quantity, f"pre-sale quantity of {presale.sku!r}")
    if not isinstance(at, datetime) or at.utcoffset() is None:
        raise ValidationError(f"the pre-sale quote needs an aware instant, got {at!r}")
    if not presale.taking_deposits(at):
        raise PresaleNotOpen(
            f"pre-sale of {presale.sku!r} takes deposits from {presale.deposit_starts} until "
            f"{presale.balance_starts}, not at {at}"
        )
    deposit_value = presale.deposit_value * quantity
    final_amount = presale.final_price * quantity
    return PresaleQuote(
        sku=presale.sku,
        quantity=quantity,
        deposit_due=presale.deposit * quantity,
        deposit_value=deposit_value,
        final_amount=final_amount,
        balance_due=final_amount - deposit_value,
        balance_starts=presale.balance_starts,
        balance_ends=presale.balance_ends,
    )
