"""Merchant-facing reports: one merchant's metrics by day, exported as CSV or JSON.

:func:`merchant_report` reads every metric with ``merchant=`` set, so the store is asked
only for that merchant's facts: another merchant's data cannot reach the report, not even
through a total (a total here is the sum of the merchant's own rows).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from decimal import Decimal
from typing import Final

import attrs

from merx.data.metrics import metric_series
from merx.data.ports import FactStore

#: What a merchant sees, in the report's column order.
MERCHANT_METRICS: Final = (
    "orders",
    "paid_orders",
    "gmv",
    "average_order_value",
    "refunds",
    "refund_amount",
    "refund_rate",
    "promotion_cost",
    "merchant_owed",
    "commission",
    "settled",
)

#: Metrics a merchant's total is the sum of its days for (rates and averages are not).
_SUMMED: Final = frozenset(
    {"orders", "paid_orders", "gmv", "refunds", "refund_amount", "promotion_cost",
     "merchant_owed", "commission", "settled"}
)  # fmt: skip


@attrs.frozen
class MerchantReport:
    """One merchant's metrics: ``rows`` by bucket (ISO time, then one value per metric of
    :data:`MERCHANT_METRICS`, ``None`` where a rate has no denominator) and ``totals``."""

    merchant: str
    start: datetime
    end: datetime
    grain: str
    rows: tuple[tuple[str, tuple[Decimal | None, ...]], ...]
    totals: tuple[Decimal, ...]

    @property
    def totals_names(self) -> tuple[str, ...]:
        """The metrics ``totals`` holds, in its order (those a sum of days makes)."""
        return _summed_names()

    def to_csv(self) -> str:
        """The rows then a ``total`` row (empty cells: no value), with a header."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["bucket", *MERCHANT_METRICS])
        for bucket, values in self.rows:
            writer.writerow([bucket, *("" if v is None else str(v) for v in values)])
        totals = dict(zip(_summed_names(), self.totals, strict=True))
        writer.writerow(
            ["total", *(str(totals[n]) if n in totals else "" for n in MERCHANT_METRICS)]
        )
        return out.getvalue()

    def to_json(self) -> str:
        """The report as JSON: amounts and rates as strings (exact decimals)."""
        document = {
            "merchant": self.merchant,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "grain": self.grain,
            "metrics": list(MERCHANT_METRICS),
            "rows": [
                {
                    "bucket": bucket,
                    **{
                        n: None if v is None else str(v)
                        for n, v in zip(MERCHANT_METRICS, values, strict=True)
                    },
                }
                for bucket, values in self.rows
            ],
            "totals": {n: str(v) for n, v in zip(_summed_names(), self.totals, strict=True)},
        }
        return json.dumps(document, indent=2)


def _summed_names() -> tuple[str, ...]:
    return tuple(name for name in MERCHANT_METRICS if name in _SUMMED)


def merchant_report(
    store: FactStore, merchant: str, *, start: datetime, end: datetime, grain: str = "day"
) -> MerchantReport:
    """``merchant``'s report over ``[start, end)``: only that merchant's facts are read."""
    series = {
        name: {
            row.bucket: row.value
            for row in metric_series(
                store, name, start=start, end=end, grain=grain, merchant=merchant
            )
        }
        for name in MERCHANT_METRICS
    }
    buckets = sorted({bucket for values in series.values() for bucket in values})
    rows = tuple(
        (bucket.isoformat(), tuple(series[name].get(bucket) for name in MERCHANT_METRICS))
        for bucket in buckets
    )
    totals = tuple(sum(series[name].values(), Decimal(0)) for name in _summed_names())
    return MerchantReport(merchant, start, end, grain, rows, totals)
