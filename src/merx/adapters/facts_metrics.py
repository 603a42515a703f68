"""Monitoring's :class:`~merx.monitoring.MetricSource` answered by the data system.

An alarm rule names a metric of :data:`merx.data.METRICS`, alone (``"orders"``) or narrowed
to one value of a dimension (``"payment_success_rate[channel=alipay]"``: the series of
:func:`merx.data.metric_series` broken down by ``channel``, the rows of ``alipay`` only).
A bucket the data system has no row for is left out, as the port asks: a rate with no
denominator, or a breakdown value that had no facts in that bucket.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from merx import data

_NAME = re.compile(r"(?P<metric>[a-z0-9_]+)(?:\[(?P<dimension>[a-z_]+)=(?P<value>[^\]]+)\])?")


class FactsMetricSource:
    """:class:`~merx.monitoring.MetricSource` over a :class:`merx.data.FactStore`."""

    def __init__(self, store: data.FactStore) -> None:
        self._store = store

    def knows(self, metric: str) -> bool:
        match = _NAME.fullmatch(metric)
        if match is None or match["metric"] not in data.METRICS:
            return False
        return match["dimension"] is None or match["dimension"] in data.DIMENSIONS

    def series(
        self, metric: str, start: datetime, end: datetime, grain: str
    ) -> Sequence[tuple[datetime, Decimal]]:
        match = _NAME.fullmatch(metric)
        if match is None:
            raise data.UnknownMetric(
                f"unknown metric {metric!r}: write name or name[dimension=value]"
            )
        dimension, value = match["dimension"], match["value"]
        by = () if dimension is None else (dimension,)
        rows = data.metric_series(
            self._store, match["metric"], start=start, end=end, grain=grain, by=by
        )
        return [(row.bucket, row.value) for row in rows if not by or row.dims == (value,)]
