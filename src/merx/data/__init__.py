"""merx.data: the data system (the seed's 数据系统): domain events collected into a facts
store, a catalogue of metrics computed from the facts at query time, and merchant-facing
reports exported as CSV and JSON.

:func:`metric_series` is the one way to read a metric (the monitoring alarms read it); a
store is a :class:`FactStore` (in memory, or DuckDB for real use: ``merx[duckdb]``). See
docs/data.md.
"""

from merx.data.errors import InvalidFact, InvalidWindow, MixedCurrencies, UnknownMetric
from merx.data.facts import DIMENSIONS, US_PER_DAY, US_PER_HOUR, Fact, from_us, to_us
from merx.data.mapping import COLLECTED, event_id_of, facts_of
from merx.data.measures import GRAINS, How, Measure, Shape, Tally, Window, tally_facts
from merx.data.metrics import METRICS, RATE_PLACES, Metric, MetricRow, metric_series
from merx.data.ports import Attribution, FactStore, NoAttribution, OrderSide
from merx.data.reports import MERCHANT_METRICS, MerchantReport, merchant_report
from merx.data.services import StoredAttribution, ingest

__all__ = [
    "COLLECTED",
    "DIMENSIONS",
    "GRAINS",
    "MERCHANT_METRICS",
    "METRICS",
    "RATE_PLACES",
    "US_PER_DAY",
    "US_PER_HOUR",
    "Attribution",
    "Fact",
    "FactStore",
    "How",
    "InvalidFact",
    "InvalidWindow",
    "Measure",
    "MerchantReport",
    "Metric",
    "MetricRow",
    "MixedCurrencies",
    "NoAttribution",
    "OrderSide",
    "Shape",
    "StoredAttribution",
    "Tally",
    "UnknownMetric",
    "Window",
    "event_id_of",
    "facts_of",
    "from_us",
    "ingest",
    "merchant_report",
    "metric_series",
    "tally_facts",
    "to_us",
]
