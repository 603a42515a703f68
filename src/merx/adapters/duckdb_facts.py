"""``FactStore`` on DuckDB (``pip install merx[duckdb]``): the embedded analytical store,
the default for real use.

Facts live in one table, ``merx_facts``, its primary key the fact id (``INSERT OR
IGNORE``: a fact id is kept once). A few facts (one event's) go in one ``INSERT``; a
larger batch is written to a CSV file in a temporary folder (every cell quoted: an empty
one is a missing due day, or an empty text, which ``force_not_null`` keeps as text) and
read by DuckDB's CSV reader in one statement (far faster than binding each row).
Measures are answered in SQL, translated from the same :class:`merx.data.Measure` the
memory store evaluates in Python (:func:`merx.data.tally_facts`); the contract suite
(:mod:`merx.testing.data`, run by ``tests/data``) holds the two equal.
"""

from __future__ import annotations

import csv
import operator
import os
import tempfile
from collections.abc import Iterable, Sequence
from typing import Any, Final

import duckdb

from merx.data import DIMENSIONS, US_PER_DAY, Fact, How, Measure, Shape, Tally, Window

_COLUMNS: Final = (
    ("fact_id", "VARCHAR"),
    ("kind", "VARCHAR"),
    ("at_us", "BIGINT"),
    *((name, "VARCHAR") for name in DIMENSIONS),
    ("subject", "VARCHAR"),
    ("customer", "VARCHAR"),
    ("units", "BIGINT"),
    ("amount_minor", "BIGINT"),
    ("currency", "VARCHAR"),
    ("due_day", "INTEGER"),
)
_NAMES: Final = tuple(name for name, _ in _COLUMNS)

_SCHEMA: Final = (
    "CREATE TABLE IF NOT EXISTS merx_facts ("
    + ", ".join(
        f"{name} {kind}"
        + (" PRIMARY KEY" if name == "fact_id" else " NOT NULL" * (name != "due_day"))
        for name, kind in _COLUMNS
    )
    + ")"
)
#: Up to this many facts go in one ``INSERT ... VALUES``; more through a CSV file.
_FEW: Final = 64
_CSV_COLUMNS: Final = "{" + ", ".join(f"'{name}': '{kind}'" for name, kind in _COLUMNS) + "}"
_TEXT_COLUMNS: Final = [name for name, kind in _COLUMNS if kind == "VARCHAR"]
_FROM_CSV: Final = (
    "INSERT OR IGNORE INTO merx_facts SELECT * FROM read_csv(?, header = false, "
    "auto_detect = false, delim = ',', "
    f"columns = {_CSV_COLUMNS}, force_not_null = {_TEXT_COLUMNS}, "
    "quote = '\"', escape = '\"')"
)


class DuckDBFactStore:
    """:class:`merx.data.FactStore` in a DuckDB database (a file, or ``":memory:"``).

    ``flush_at``: facts added are written once this many wait (and before every read, and
    in :meth:`flush` and :meth:`close`). 1, the default, writes each call's facts at once;
    a larger number spares a statement per event (a DuckDB insert costs milliseconds) but
    facts still waiting are lost if the process dies: a host that buffers re-ingests the
    outbox's recent events after a restart (:func:`merx.data.ingest`: the facts it kept
    already are ignored)."""

    def __init__(self, path: str = ":memory:", *, flush_at: int = 1, batch: int = 250_000) -> None:
        self._db = duckdb.connect(path)
        self._db.execute(_SCHEMA)
        self._flush_at = flush_at
        self._batch = batch
        self._waiting: dict[str, Fact] = {}

    def close(self) -> None:
        self.flush()
        self._db.close()

    def add(self, facts: Iterable[Fact]) -> None:
        for fact in facts:
            self._waiting.setdefault(fact.fact_id, fact)
            if len(self._waiting) >= self._batch:
                self.flush()
        if len(self._waiting) >= self._flush_at:
            self.flush()

    def flush(self) -> None:
        """Write the facts waiting (those whose id is kept already are ignored)."""
        if self._waiting:
            waiting, self._waiting = list(self._waiting.values()), {}
            self._insert(waiting)

    def _insert(self, facts: list[Fact]) -> None:
        if len(facts) <= _FEW:
            row = "(" + ", ".join("?" * len(_NAMES)) + ")"
            values = [getattr(fact, name) for fact in facts for name in _NAMES]
            sql = f"INSERT OR IGNORE INTO merx_facts VALUES {', '.join([row] * len(facts))}"
            self._db.execute(sql, values)
            return
        with tempfile.TemporaryDirectory(prefix="merx-facts-") as folder:
            path = os.path.join(folder, "facts.csv")
            with open(path, "w", newline="", encoding="utf-8") as out:
                row_of = operator.attrgetter(*_NAMES)
                csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL).writerows(
                    row_of(fact) for fact in facts
                )
            self._db.execute(_FROM_CSV, [path])

    def facts(
        self,
        *,
        start_us: int,
        end_us: int,
        kinds: Sequence[str] = (),
        merchant: str | None = None,
    ) -> list[Fact]:
        self.flush()
        where = ["at_us >= ?", "at_us < ?"]
        params: list[Any] = [start_us, end_us]
        if kinds:
            where.append("list_contains(?, kind)")
            params.append(list(kinds))
        if merchant is not None:
            where.append("merchant = ?")
            params.append(merchant)
        rows = self._db.execute(
            f"SELECT {', '.join(_NAMES)} FROM merx_facts WHERE {' AND '.join(where)} "
            "ORDER BY at_us, fact_id",
            params,
        ).fetchall()
        return [Fact(**dict(zip(_NAMES, row, strict=True))) for row in rows]

    def count(self) -> int:
        self.flush()
        found = self._db.execute("SELECT count(*) FROM merx_facts").fetchone()
        assert found is not None
        return int(found[0])

    def tally(self, measure: Measure, window: Window) -> list[Tally]:
        self.flush()
        sql, params = _tally_sql(measure, window)
        rows = self._db.execute(sql, params).fetchall()
        by = len(window.by)
        tallies = [
            Tally(int(row[0]), tuple(row[1 : 1 + by]), row[1 + by], int(row[2 + by]))
            for row in rows
        ]
        return sorted(tallies, key=lambda t: (t.bucket_us, t.dims, t.currency))


def _listed(kinds: Sequence[str]) -> str:
    """Kinds as SQL literals (a :class:`~merx.data.Measure` admits only ``[a-z0-9_.]``)."""
    return ", ".join(f"'{kind}'" for kind in kinds)


def _value_sql(measure: Measure, alias: str) -> str:
    if measure.how is How.SUBJECTS:
        return f"count(DISTINCT {alias}.subject)"
    if measure.how is How.CUSTOMERS:
        return f"count(DISTINCT {alias}.customer)"
    column = "amount_minor" if measure.how is How.AMOUNT else "units"
    cases = " ".join(f"WHEN '{kind}' THEN {sign}" for kind, sign in measure.kinds)
    return f"sum((CASE {alias}.kind {cases} ELSE 0 END) * {alias}.{column})"


def _tally_sql(measure: Measure, window: Window) -> tuple[str, dict[str, Any]]:
    """The SQL answering ``measure`` over ``window`` (kinds are the catalogue's constants,
    never input; every value from the caller is a parameter)."""
    dims = [f"f.{name}" for name in window.by]
    currency = "f.currency" if measure.how is How.AMOUNT else "''"
    keys = ", ".join(["bucket", *dims, currency])
    select = ", ".join(["bucket", *dims, currency, _value_sql(measure, "f")])
    kinds = _listed(measure.kind_names)
    mine = "" if window.merchant is None else " AND f.merchant = $merchant"
    params: dict[str, Any] = {}
    if window.merchant is not None:
        params["merchant"] = window.merchant
    customers = " AND f.customer <> ''" if measure.how is How.CUSTOMERS else ""
    if measure.shape is Shape.FLOW:
        params |= {"start": window.start_us, "end": window.end_us, "grain": window.grain_us}
        sql = (
            f"SELECT {select} "
            "FROM (SELECT *, at_us // $grain * $grain AS bucket FROM merx_facts) f "
            f"WHERE f.kind IN ({kinds}) AND f.at_us >= $start AND f.at_us < $end"
            f"{mine}{customers} GROUP BY {keys}"
        )
        return sql, params
    buckets = list(window.buckets())
    params |= {"buckets": buckets, "as_of": [window.as_of(b) for b in buckets]}
    stocks = "(SELECT UNNEST($buckets::BIGINT[]) AS bucket, UNNEST($as_of::BIGINT[]) AS as_of) b"
    if measure.shape is Shape.BALANCE:
        sql = (
            f"SELECT {select} FROM {stocks} JOIN merx_facts f ON f.at_us < b.as_of "
            f"WHERE f.kind IN ({kinds}){mine} GROUP BY {keys}"
        )
        return sql, params
    closes = _listed(measure.closes)
    closed = (
        "(SELECT f.subject, min(f.at_us) AS closed_us FROM merx_facts f "
        f"WHERE f.kind IN ({closes}){mine} GROUP BY f.subject) c"
    )
    age = ""
    if measure.age_days is not None:
        low, high = measure.age_days
        params["low"] = low
        age = f" AND f.due_day IS NOT NULL AND (b.as_of - 1) // {US_PER_DAY} - f.due_day >= $low"
        if high is not None:
            params["high"] = high
            age += f" AND (b.as_of - 1) // {US_PER_DAY} - f.due_day <= $high"
    sql = (
        f"SELECT {select} FROM {stocks} JOIN merx_facts f ON f.at_us < b.as_of "
        f"LEFT JOIN {closed} ON c.subject = f.subject "
        f"WHERE f.kind IN ({kinds}){mine} "
        f"AND (c.closed_us IS NULL OR c.closed_us >= b.as_of){age} GROUP BY {keys}"
    )
    return sql, params
