"""Counting what merx asks of a database, where the asking happens: at the connection.

A :class:`RoundTrips` is handed to a database adapter (``SqliteDatabase.count_into``,
``PostgresDatabase.count_into``), which from then on reports to it everything its
connections send, not what merx's own ports believe they asked for:

- **SQLite**: every statement the library runs (its trace callback: each row of an
  ``executemany`` is one), ``BEGIN`` and ``COMMIT`` included. SQLite runs in the process,
  so a statement is what a round trip is there.
- **PostgreSQL**: the wire protocol as libpq traces it (``PQtrace``, Linux): every time the
  client sends and then waits for the server is one round trip (a pipeline with its
  ``Sync`` is one), and every ``Execute`` or simple ``Query`` is one statement.

Statements are told apart by what they do: a *read* (``SELECT``), a *write* (``INSERT``,
``UPDATE``, ``DELETE``, the guarded update function), *other* (``BEGIN``, ``ROLLBACK``,
locks, settings); a *commit* is a ``COMMIT`` or a write outside an explicit transaction
(which the database commits by itself). Counts only grow; take two :meth:`snapshot`\\ s and
subtract. For measuring (``benchmarks/bench_stores.py``, the round-trip ceilings in
``tests/stores``), never for running a shop: it costs a call per statement.
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path
from typing import Any, Final, Literal

import attrs

#: What a statement does, by its first word.
Kind = Literal["read", "write", "commit", "other"]

_WRITES: Final = frozenset({"INSERT", "UPDATE", "DELETE", "REPLACE"})


def statement_kind(sql: str) -> Kind:
    """What ``sql`` does: ``"read"``, ``"write"``, ``"commit"`` or ``"other"``."""
    words = sql.lstrip(" (\n\t").split(None, 1)
    first = words[0].upper() if words else ""
    if first in _WRITES:
        return "write"
    if first in {"COMMIT", "END"}:
        return "commit"
    if first in {"SELECT", "WITH", "VALUES"}:
        if "merx_update_document(" in sql:
            return "write"
        return "other" if "pg_advisory" in sql else "read"
    return "other"


@attrs.define
class RoundTrips:
    """What a database's connections were asked (see the module docstring)."""

    reads: int = 0
    writes: int = 0
    commits: int = 0
    other: int = 0
    round_trips: int = 0
    _in_transaction: dict[int, bool] = attrs.field(factory=dict, repr=False, eq=False)
    _lock: threading.Lock = attrs.field(factory=threading.Lock, repr=False, eq=False)

    def statement(self, sql: str, connection: int = 0, *, round_trip: bool = False) -> None:
        """Count ``sql``, run on ``connection`` (any id that tells connections apart);
        ``round_trip``: it was also a round trip of its own."""
        kind = statement_kind(sql)
        with self._lock:
            in_transaction = self._in_transaction.get(connection, False)
            if kind == "read":
                self.reads += 1
            elif kind == "write":
                self.writes += 1
                if not in_transaction:
                    self.commits += 1  # autocommit: the write is its own transaction
            elif kind == "commit":
                self.commits += 1
                in_transaction = False
            else:
                self.other += 1
                first = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
                if first in {"BEGIN", "START"}:
                    in_transaction = True
                elif first in {"ROLLBACK", "ABORT"}:
                    in_transaction = False
            self._in_transaction[connection] = in_transaction
            if round_trip:
                self.round_trips += 1

    def round_trip(self, count: int = 1) -> None:
        """Count ``count`` round trips that are not one statement each (PostgreSQL's)."""
        with self._lock:
            self.round_trips += count

    def snapshot(self) -> tuple[int, int, int, int, int]:
        """(reads, writes, commits, other statements, round trips) so far."""
        with self._lock:
            return self.reads, self.writes, self.commits, self.other, self.round_trips


class WireTrace:
    """libpq's trace of the connections a PostgreSQL adapter hands out, counted into a
    :class:`RoundTrips` (see the module docstring). :meth:`attach` each connection as it is
    taken; :meth:`collect` reads what was traced so far (call it while no connection is in
    use: libpq writes its trace through a buffer that only stopping the trace flushes)."""

    def __init__(self, into: RoundTrips) -> None:
        self.into = into
        self._folder = Path(tempfile.mkdtemp(prefix="merx-wire-"))
        self._traced: dict[int, _Traced] = {}
        self._lock = threading.Lock()

    def attach(self, connection: Any) -> None:
        """Trace ``connection`` (a psycopg connection) if it is not traced yet."""
        key = id(connection)
        with self._lock:
            traced = self._traced.get(key)
            if traced is not None and traced.connection is connection and traced.on:
                return
            if traced is None or traced.connection is not connection:
                path = self._folder / f"{len(self._traced)}-{key}.trace"
                traced = self._traced[key] = _Traced(connection, path)
            traced.start()

    def collect(self) -> RoundTrips:
        """Count everything traced since the last call into :attr:`into`; the tally."""
        with self._lock:
            for key, traced in list(self._traced.items()):
                traced.count_into(self.into, key)
                if traced.connection.closed:
                    traced.close()
                    del self._traced[key]
        return self.into

    def close(self) -> None:
        """Stop tracing (what was traced is counted first) and remove the trace files."""
        self.collect()
        with self._lock:
            for traced in self._traced.values():
                traced.close()
            self._traced.clear()
        for leftover in self._folder.iterdir():
            leftover.unlink()
        self._folder.rmdir()


class _Traced:
    """One connection's trace file and how far it has been read."""

    def __init__(self, connection: Any, path: Path) -> None:
        self.connection = connection
        self.path = path
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self.read_upto = 0
        self.on = False
        self.last = "B"  # the last message's direction: an idle connection heard last
        self.prepared: dict[str, str] = {}
        self.unnamed = ""
        self.bound = ""

    def start(self) -> None:
        from psycopg import pq

        self.connection.pgconn.trace(self.fd)
        self.connection.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
        self.on = True

    def stop(self) -> None:
        if self.on and not self.connection.closed:
            self.connection.pgconn.untrace()  # flushes what libpq buffered
        self.on = False

    def close(self) -> None:
        self.stop()
        os.close(self.fd)

    def count_into(self, into: RoundTrips, key: int) -> None:
        self.stop()
        with self.path.open("rb") as trace:
            trace.seek(self.read_upto)
            text = trace.read()
            self.read_upto += len(text)
        for message in _messages(text.decode("utf-8", "replace")):
            self._count(into, key, message)

    def _count(self, into: RoundTrips, key: int, message: list[str]) -> None:
        direction, kind = message[0], message[2] if len(message) > 2 else ""
        if direction == "F" and self.last == "B":
            into.round_trip()
        self.last = direction
        if direction != "F":
            return
        fields = _quoted(message[3] if len(message) > 3 else "")
        if kind == "Parse" and len(fields) >= 2:
            if fields[0]:
                self.prepared[fields[0]] = fields[1]
            else:
                self.unnamed = fields[1]
        elif kind == "Bind" and len(fields) >= 2:
            self.bound = self.prepared.get(fields[1], "") if fields[1] else self.unnamed
        elif kind == "Execute":
            into.statement(self.bound, key)
        elif kind == "Query" and fields:
            into.statement(fields[0], key)


def _messages(text: str) -> list[list[str]]:
    """libpq trace lines split into fields; a line that starts neither ``F`` nor ``B`` is
    the rest of the one before (a statement's own line breaks)."""
    messages: list[list[str]] = []
    for line in text.split("\n"):
        if line.startswith(("F\t", "B\t")):
            messages.append(line.split("\t", 3))
        elif messages and line:
            messages[-1][-1] += "\n" + line
    return messages


def _quoted(text: str) -> list[str]:
    """The double-quoted strings of a traced message, in order."""
    found: list[str] = []
    inside = False
    current: list[str] = []
    for char in text:
        if char == '"':
            if inside:
                found.append("".join(current))
                current = []
            inside = not inside
        elif inside:
            current.append(char)
    return found
