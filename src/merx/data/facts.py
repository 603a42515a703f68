"""Facts: what the data system keeps of a domain event, and nothing personal.

A :class:`Fact` is one measurable happening: its kind (``order.paid``), when it happened
(UTC), the dimensions it is broken down by (merchant, category, campaign, channel, funder,
outcome), the opaque id of the thing it is about (``subject``: an order, a bill, an asset)
and of the customer where a distinct count needs one, and its measures: a whole number of
``units`` and an amount in integer minor units with its currency. No names, phone numbers,
addresses, account or card numbers: the events facts are made from carry none in clear
(``merx.people`` seals them), and the mapping (:mod:`merx.data.mapping`) copies only ids,
enum values and amounts.

Times are kept as microseconds since the epoch (``at_us``), so an hour's or a day's bucket
is one integer division, the same in every store; a bill's due date as a day number
(``due_day``: days since 1970-01-01).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Final

import attrs

from merx.data.errors import InvalidFact
from merx.kernel.money import MINOR_DIGITS, Money

EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
EPOCH_DAY: Final = date(1970, 1, 1)
US_PER_HOUR: Final = 3_600_000_000
US_PER_DAY: Final = 24 * US_PER_HOUR

#: The dimensions a fact carries and a metric may be broken down by, in column order.
DIMENSIONS: Final = ("merchant", "category", "campaign", "channel", "funder", "outcome")


def to_us(at: datetime) -> int:
    """Microseconds since the epoch of an aware time (exact: no float)."""
    if at.tzinfo is None:
        raise InvalidFact(f"time {at!r} has no time zone")
    delta = at - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_us(at_us: int) -> datetime:
    """The UTC time ``at_us`` microseconds after the epoch."""
    return EPOCH + timedelta(microseconds=at_us)


def day_number(day: date) -> int:
    """Days since 1970-01-01."""
    return (day - EPOCH_DAY).days


@attrs.frozen
class Fact:
    """One measurable happening, made from a domain event (see the module's text).

    ``fact_id`` is the event's id (``:n`` appended when one event makes several facts);
    a store keeps a fact id once. Empty strings stand for "not known" or "not relevant".
    """

    fact_id: str
    kind: str
    at_us: int
    merchant: str = ""
    category: str = ""
    campaign: str = ""
    channel: str = ""
    funder: str = ""
    outcome: str = ""
    subject: str = ""
    customer: str = ""
    units: int = 1
    amount_minor: int = 0
    currency: str = ""
    due_day: int | None = None

    def __attrs_post_init__(self) -> None:
        if not self.fact_id or not self.kind:
            raise InvalidFact(f"fact {self.fact_id!r} of kind {self.kind!r}: both are required")
        if self.units < 0:
            raise InvalidFact(f"fact {self.fact_id!r}: negative units {self.units}")
        if self.currency and self.currency not in MINOR_DIGITS:
            raise InvalidFact(f"fact {self.fact_id!r}: unknown currency {self.currency!r}")
        if self.amount_minor and not self.currency:
            raise InvalidFact(f"fact {self.fact_id!r}: amount {self.amount_minor} has no currency")

    @property
    def occurred_at(self) -> datetime:
        return from_us(self.at_us)

    @property
    def day(self) -> date:
        """The UTC day it happened on: a late fact lands here, whenever it arrives."""
        return EPOCH_DAY + timedelta(days=self.at_us // US_PER_DAY)

    @property
    def amount(self) -> Money | None:
        """The amount as money, or ``None`` for a fact without one."""
        return Money.from_minor(self.amount_minor, self.currency) if self.currency else None

    def dimension(self, name: str) -> str:
        """The value of one of :data:`DIMENSIONS`."""
        value: str = getattr(self, name)
        return value
