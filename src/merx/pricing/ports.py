"""What the pricing context offers to be replaced: the shape of a pricer.

Checkout and orders price carts through a :class:`Pricer`: :func:`merx.pricing.quote`
itself, a :class:`~merx.pricing.QuoteMemo`, or a host's own (a pricing service in another
process, say) that answers exactly what ``quote`` answers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from merx.pricing.freight import FreightTemplate
from merx.pricing.model import CartLine, Customer, Promotion, Quote, TaxMode


class Pricer(Protocol):
    """Prices ``lines`` at ``at`` for ``customer`` paying by ``payment_method``, choosing
    the best of ``promotions`` (automatic) and ``wallet`` (coupons); delivered to
    ``destination`` (a region), each seller's lines carry the freight of its template in
    ``freight``; each line's tax is added on top when ``tax_mode`` is ``"exclusive"``; a
    promotion at a usage cap is rejected ``usage_cap``: by the counts (``customer.used``,
    ``usage``: everyone's uses per promotion id) or because ``capped`` names it (promotion
    id -> the cap reached, for caps the counts cannot tell, such as one per day)."""

    def __call__(  # noqa: PLR0917 - the inputs of quote()
        self,
        lines: Sequence[CartLine],
        promotions: Sequence[Promotion],
        wallet: Sequence[Promotion],
        customer: Customer,
        at: datetime,
        payment_method: str | None,
        /,
        *,
        destination: str | None = None,
        freight: Sequence[FreightTemplate] = (),
        tax_mode: TaxMode = "inclusive",
        usage: Mapping[str, int] | None = None,
        capped: Mapping[str, str] | None = None,
    ) -> Quote: ...
