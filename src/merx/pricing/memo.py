"""A memo of recent quotes: the engine is a pure function of its inputs, so a cart priced
a moment ago (the checkout page) is not priced again when the order is placed.

A quote depends on the instant only through which promotions are in force, so a memo
entry holds for the window in which none of its promotions starts or ends. Inputs with a
promotion out of force (its rejection names the instant) are not remembered.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TypeAlias

from merx.kernel.errors import ValidationError
from merx.pricing.engine import quote
from merx.pricing.freight import FreightTemplate
from merx.pricing.model import CartLine, Customer, Promotion, Quote, TaxMode
from merx.pricing.ports import Pricer

_Key: TypeAlias = tuple[
    tuple[CartLine, ...],
    tuple[Promotion, ...],
    tuple[Promotion, ...],
    Customer,
    tuple[tuple[str, int], ...],  # the customer's usage counts (not part of its equality)
    str | None,
    str | None,
    tuple[FreightTemplate, ...],
    TaxMode,
    tuple[tuple[str, int], ...],  # everyone's usage counts
    tuple[tuple[str, str], ...],  # the caps the host says are reached
]


def in_force_window(
    promotions: Sequence[Promotion], at: datetime
) -> tuple[datetime | None, datetime | None] | None:
    """The window ``[since, until)`` around ``at`` in which every promotion stays in force
    (``None`` bounds are open), or ``None`` if one is not in force at ``at``."""
    since: datetime | None = None
    until: datetime | None = None
    for promotion in promotions:
        if not promotion.in_force(at):
            return None
        if promotion.starts_at is not None and (since is None or promotion.starts_at > since):
            since = promotion.starts_at
        if promotion.ends_at is not None and (until is None or promotion.ends_at < until):
            until = promotion.ends_at
    return since, until


class QuoteMemo:
    """:func:`~merx.pricing.quote` remembering its last ``size`` answers (least recently
    used first out). Equal inputs inside the entry's window give the remembered quote."""

    def __init__(self, size: int = 1024, pricer: Pricer = quote) -> None:
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValidationError(f"a quote memo holds at least one quote, not {size!r}")
        self._size = size
        self._pricer = pricer
        self._entries: OrderedDict[_Key, tuple[datetime | None, datetime | None, Quote]]
        self._entries = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __call__(  # noqa: PLR0917 - the same inputs as quote()
        self,
        lines: Sequence[CartLine],
        promotions: Sequence[Promotion],
        wallet: Sequence[Promotion],
        customer: Customer,
        at: datetime,
        payment_method: str | None = None,
        *,
        destination: str | None = None,
        freight: Sequence[FreightTemplate] = (),
        tax_mode: TaxMode = "inclusive",
        usage: Mapping[str, int] | None = None,
        capped: Mapping[str, str] | None = None,
    ) -> Quote:
        def price() -> Quote:
            return self._pricer(
                lines,
                promotions,
                wallet,
                customer,
                at,
                payment_method,
                destination=destination,
                freight=freight,
                tax_mode=tax_mode,
                usage=usage,
                capped=capped,
            )

        try:
            used = tuple(sorted(customer.used.items()))
            counts = tuple(sorted((usage or {}).items()))
            reasons = tuple(sorted((capped or {}).items()))
        except (AttributeError, TypeError):  # not a customer or a mapping: the engine says why
            return price()
        key: _Key = (
            tuple(lines),
            tuple(promotions),
            tuple(wallet),
            customer,
            used,
            payment_method,
            destination,
            tuple(freight),
            tax_mode,
            counts,
            reasons,
        )
        if not isinstance(at, datetime) or at.utcoffset() is None:  # the engine refuses it
            return price()
        try:
            with self._lock:
                entry = self._entries.get(key)
                if entry is not None:
                    since, until, remembered = entry
                    if (since is None or since <= at) and (until is None or at < until):
                        self._entries.move_to_end(key)
                        self.hits += 1
                        return remembered
        except TypeError:  # unhashable inputs cannot key an entry: the engine says why
            return price()
        result = price()
        window = in_force_window([*promotions, *wallet], at)
        with self._lock:
            self.misses += 1
            if window is not None:
                self._entries[key] = (*window, result)
                self._entries.move_to_end(key)
                while len(self._entries) > self._size:
                    self._entries.popitem(last=False)
        return result

    def __len__(self) -> int:
        return len(self._entries)
