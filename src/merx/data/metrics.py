"""The metric catalogue (:data:`METRICS`) and :func:`metric_series`, the one way to read a
metric.

Every metric is defined here, once: its definition in words, its unit, and how it is
computed from :mod:`merx.data.measures` (a numerator and, for rates and averages, a
denominator). A store answers the measures (the memory store in Python, DuckDB in SQL);
what is made of them here (the division, the rounding, money in major units) is shared,
so two stores holding the same facts give the same rows, to the cent.

Units and rounding:

* ``money``: the sum in minor units, shown in major units (``Decimal("12.34")`` CNY), exact;
* ``count``: a whole number;
* ``rate``: numerator / denominator as a fraction, rounded ``ROUND_HALF_EVEN`` to
  :data:`RATE_PLACES` places; a bucket whose denominator is zero has no row;
* ``money_per``: a money numerator over a count, rounded ``ROUND_HALF_EVEN`` to the
  currency's minor unit (the average order value);
* ``ratio``: like a rate but not a fraction of a whole (promotion return: sales per unit
  of cost), rounded the same.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Final

import attrs

from merx.data.errors import InvalidWindow, MixedCurrencies, UnknownMetric
from merx.data.facts import from_us, to_us
from merx.data.measures import GRAINS, How, Measure, Tally, Window, balance, flow, open_items
from merx.data.ports import FactStore
from merx.kernel.money import MINOR_DIGITS

#: Decimal places of a rate or ratio (``ROUND_HALF_EVEN``).
RATE_PLACES: Final = 6

UNITS: Final = ("money", "count", "rate", "money_per", "ratio")


@attrs.frozen
class Metric:
    """One metric of the catalogue: ``value = numerator`` or ``numerator / denominator``."""

    name: str
    definition: str
    unit: str
    numerator: Measure
    denominator: Measure | None = None

    def __attrs_post_init__(self) -> None:
        assert self.unit in UNITS, self.unit
        assert (self.denominator is None) == (self.unit in ("money", "count"))
        if self.unit in ("money", "money_per"):
            assert self.numerator.how is How.AMOUNT, self.name


@attrs.frozen
class MetricRow:
    """One value of a metric: the bucket's start (UTC), the breakdown's values in the
    order asked, and the value (money in major units; rates as fractions)."""

    bucket: datetime
    dims: tuple[str, ...]
    value: Decimal


_PAID = ("order.paid",)
_PLACED = ("order.placed",)
_QUOTED = ("quote.made",)
_OVERDUE = ("bill.issued",), ("bill.paid",)
_EXPOSED = ("asset.funded",), ("asset.closed",)


def _catalogue(*metrics: Metric) -> Mapping[str, Metric]:
    return MappingProxyType({metric.name: metric for metric in metrics})


#: Every metric, by name.
METRICS: Final[Mapping[str, Metric]] = _catalogue(
    Metric("gmv", "Gross merchandise value: the amounts of the orders paid.", "money",
           flow(How.AMOUNT, *_PAID)),
    Metric("merchant_gmv", "GMV (as `gmv`), meant broken down by merchant.", "money",
           flow(How.AMOUNT, *_PAID)),
    Metric("orders", "Orders placed (one per seller's order).", "count",
           flow(How.UNITS, *_PLACED)),
    Metric("paid_orders", "Orders paid.", "count", flow(How.UNITS, *_PAID)),
    Metric("paid_rate", "Orders paid / orders placed, each counted in its own bucket.", "rate",
           flow(How.UNITS, *_PAID), flow(How.UNITS, *_PLACED)),
    Metric("average_order_value", "GMV / orders paid.", "money_per",
           flow(How.AMOUNT, *_PAID), flow(How.UNITS, *_PAID)),
    Metric("conversion_placed_paid",
           "Distinct customers who paid an order / distinct customers who placed one.", "rate",
           flow(How.CUSTOMERS, *_PAID), flow(How.CUSTOMERS, *_PLACED)),
    Metric("quotes", "Quotes made (the customer's trial calculation of a checkout).", "count",
           flow(How.UNITS, *_QUOTED)),
    Metric("conversion_quote_order",
           "Distinct customers who placed an order / distinct customers who were quoted.",
           "rate", flow(How.CUSTOMERS, *_PLACED), flow(How.CUSTOMERS, *_QUOTED)),
    Metric("conversion_quote_paid",
           "Distinct customers who paid an order / distinct customers who were quoted.",
           "rate", flow(How.CUSTOMERS, *_PAID), flow(How.CUSTOMERS, *_QUOTED)),
    Metric("refunds", "Refunds that reached the customer.", "count",
           flow(How.UNITS, "refund.succeeded")),
    Metric("refund_amount", "The money refunded to customers.", "money",
           flow(How.AMOUNT, "refund.succeeded")),
    Metric("refund_rate", "Refunds that reached the customer / orders paid.", "rate",
           flow(How.UNITS, "refund.succeeded"), flow(How.UNITS, *_PAID)),
    Metric("promotion_cost",
           "Promotion budgets consumed by paid orders less those released (cancelled, refunded).",
           "money", flow(How.AMOUNT, "promotion.consumed", minus=("promotion.released",))),
    Metric("promotion_sales",
           "The payable of the orders a campaign's budget was consumed by (an order with two "
           "campaigns counts for each).", "money", flow(How.AMOUNT, "promotion.sales")),
    Metric("promotion_return", "Promotion sales / promotion cost.", "ratio",
           flow(How.AMOUNT, "promotion.sales"),
           flow(How.AMOUNT, "promotion.consumed", minus=("promotion.released",))),
    Metric("commission", "The platform's net commission on orders completed.", "money",
           flow(How.AMOUNT, "commission.earned")),
    Metric("merchant_owed", "What merchants are owed for orders completed.", "money",
           flow(How.AMOUNT, "settlement.owed")),
    Metric("settled", "Money settled to merchants.", "money",
           flow(How.AMOUNT, "settlement.settled")),
    Metric("topup_success_rate", "Top-up units that succeeded / top-up units asked.", "rate",
           flow(How.UNITS, "topup.succeeded"), flow(How.UNITS, "topup.opened")),
    Metric("topup_timeout_rate",
           "Top-up units with no final answer (the supplier timed out) / units asked: "
           "(asked - succeeded - failed) / asked.", "rate",
           flow(How.UNITS, "topup.opened", minus=("topup.succeeded", "topup.failed")),
           flow(How.UNITS, "topup.opened")),
    Metric("payment_success_rate",
           "Payments that succeeded / payments that got a final answer.", "rate",
           flow(How.UNITS, "payment.succeeded"),
           flow(How.UNITS, "payment.succeeded", "payment.failed")),
    Metric("payments_failed", "Payments the channel declined or failed.", "count",
           flow(How.UNITS, "payment.failed")),
    Metric("credit_outstanding", "Credit drawn less credit restored, at each bucket's end.",
           "money", balance(How.AMOUNT, ("credit.drawn",), ("credit.restored",))),
    Metric("overdue_m1", "Bills unpaid 1-30 days past their due day, at each bucket's end.",
           "money", open_items(How.AMOUNT, *_OVERDUE, age_days=(1, 30))),
    Metric("overdue_m2", "Bills unpaid 31-60 days past their due day, at each bucket's end.",
           "money", open_items(How.AMOUNT, *_OVERDUE, age_days=(31, 60))),
    Metric("overdue_m3_plus", "Bills unpaid 61 or more days past due, at each bucket's end.",
           "money", open_items(How.AMOUNT, *_OVERDUE, age_days=(61, None))),
    Metric("funder_exposure",
           "Principal of assets funded and not yet settled, repurchased or sold, at each "
           "bucket's end (by funder).", "money", open_items(How.AMOUNT, *_EXPOSED)),
    Metric("funding_timeouts", "Funding requests that timed out at a funder.", "count",
           flow(How.UNITS, "funding.timed_out")),
    Metric("risk_decisions", "Risk decisions (break down by outcome).", "count",
           flow(How.UNITS, "risk.decided")),
)  # fmt: skip


def metric_series(
    store: FactStore,
    metric: str,
    *,
    start: datetime,
    end: datetime,
    grain: str = "day",
    by: tuple[str, ...] = (),
    merchant: str | None = None,
) -> list[MetricRow]:
    """``metric`` of :data:`METRICS` over ``[start, end)`` in UTC hours or days, broken down
    by ``by`` (dimensions of :data:`~merx.data.facts.DIMENSIONS`), for ``merchant`` only if
    given (then only that merchant's facts are read). Rows by bucket then breakdown. With
    no breakdown, every bucket has a row (0 where nothing happened) except a rate's
    buckets with a zero denominator; with one, the breakdowns that had facts."""
    definition = METRICS.get(metric)
    if definition is None:
        raise UnknownMetric(f"unknown metric {metric!r}; known: {sorted(METRICS)}")
    if grain not in GRAINS:
        raise InvalidWindow(f"unknown grain {grain!r}: 'hour' or 'day'")
    for name, at in (("start", start), ("end", end)):
        if at.tzinfo is None:
            raise InvalidWindow(f"{name} {at!r} has no time zone")
    window = Window(to_us(start), to_us(end), GRAINS[grain], tuple(by), merchant)
    numerator = _by_key(store.tally(definition.numerator, window), metric)
    denominator = (
        None
        if definition.denominator is None
        else _by_key(store.tally(definition.denominator, window), metric)
    )
    keys = set(numerator) | set(denominator or {})
    if not by:
        keys |= {(bucket, ()) for bucket in window.buckets()}
    rows: list[MetricRow] = []
    for key in sorted(keys):
        value = _value(
            definition, numerator.get(key), None if denominator is None else denominator.get(key)
        )
        if value is not None:
            rows.append(MetricRow(from_us(key[0]), key[1], value))
    return rows


_Key = tuple[int, tuple[str, ...]]


def _by_key(tallies: list[Tally], metric: str) -> dict[_Key, tuple[str, int]]:
    found: dict[_Key, tuple[str, int]] = {}
    currencies: dict[_Key, set[str]] = defaultdict(set)
    for tally in tallies:
        key = (tally.bucket_us, tally.dims)
        currencies[key].add(tally.currency)
        if len(currencies[key]) > 1:
            raise MixedCurrencies(
                f"metric {metric!r}: bucket {from_us(tally.bucket_us).isoformat()} "
                f"{tally.dims!r} has amounts in {sorted(currencies[key])}"
            )
        found[key] = (tally.currency, tally.value)
    return found


def _value(
    metric: Metric, numerator: tuple[str, int] | None, denominator: tuple[str, int] | None
) -> Decimal | None:
    currency, top = numerator if numerator is not None else ("", 0)
    if metric.unit == "money":
        return _major(top, currency)
    if metric.unit == "count":
        return Decimal(top)
    below = 0 if denominator is None else denominator[1]
    if below == 0:
        return None
    if metric.unit == "money_per":
        return _major(_half_even(top, below), currency)
    scale = 10**RATE_PLACES
    return Decimal(_half_even(top * scale, below)).scaleb(-RATE_PLACES)


def _half_even(top: int, below: int) -> int:
    """``top / below`` rounded ``ROUND_HALF_EVEN`` to a whole number, exactly."""
    if below < 0:
        top, below = -top, -below
    quotient, rest = divmod(top, below)
    if 2 * rest > below or (2 * rest == below and quotient % 2 == 1):
        quotient += 1
    return quotient


def _major(minor: int, currency: str) -> Decimal:
    """``minor`` units of ``currency`` in major units, exactly on the minor unit."""
    digits = MINOR_DIGITS.get(currency, 0)
    return Decimal(minor).scaleb(-digits) if digits else Decimal(minor)
