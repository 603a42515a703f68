"""In-memory :class:`~merx.monitoring.MetricSource`: values put by hand (tests, the
simulation), by metric, grain and bucket start.

:meth:`MemoryMetricSource.put` sets a bucket's value (a ``Decimal``; a float is refused);
:meth:`~MemoryMetricSource.declare` makes a metric known before it has any value, so an
alarm rule on it can be saved.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from merx.kernel.clock import require_aware
from merx.kernel.errors import ValidationError
from merx.kernel.validation import require_text

GRAINS = ("hour", "day")


class MemoryMetricSource:
    """Metrics held in memory (see the module docstring)."""

    def __init__(self, metrics: Sequence[str] = ()) -> None:
        self._values: dict[tuple[str, str], dict[datetime, Decimal]] = {}
        self._known: set[str] = set()
        for metric in metrics:
            self.declare(metric)

    def declare(self, metric: str) -> None:
        self._known.add(require_text(metric, "metric"))

    def put(self, metric: str, grain: str, bucket: datetime, value: Decimal) -> None:
        """Set the value of ``metric``'s bucket starting at ``bucket``."""
        if grain not in GRAINS:
            raise ValidationError(f"grain must be one of {GRAINS}, not {grain!r}")
        if not isinstance(value, Decimal) or not value.is_finite():
            raise ValidationError(f"a metric's value is a finite Decimal, not {value!r}")
        require_aware(bucket)
        self.declare(metric)
        self._values.setdefault((metric, grain), {})[bucket] = value

    def series(
        self, metric: str, start: datetime, end: datetime, grain: str
    ) -> Sequence[tuple[datetime, Decimal]]:
        values = self._values.get((metric, grain), {})
        return sorted((at, v) for at, v in values.items() if start <= at < end)

    def knows(self, metric: str) -> bool:
        return metric in self._known
