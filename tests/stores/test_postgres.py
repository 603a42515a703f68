"""PostgreSQL under real concurrency: two connections losing an update to each other, two
inserting one id, the outbox keeping commit order, and one round trip per commit."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import pytest

from merx.adapters.documents import ChangedDocument, DocumentUnitOfWork, NewDocument, StoredEvent
from merx.adapters.memory import SequentialIds
from merx.adapters.system import TimeOrderedIds
from merx.kernel.aggregate import Aggregate
from merx.kernel.documents import Documents
from merx.kernel.errors import ConcurrencyError
from merx.kernel.events import DomainEvent
from merx.kernel.serde import make_converter

if TYPE_CHECKING:
    import psycopg

    from merx.adapters.postgres import PostgresDatabase

pytestmark = pytest.mark.postgres


@attrs.frozen
class CounterIncremented(DomainEvent):
    counter_id: str
    count: int


@attrs.define(kw_only=True)
class Counter(Aggregate):
    id: str
    count: int = 0

    def increment(self) -> None:
        self.count += 1
        self.record(CounterIncremented(self.id, self.count))


def counter_documents() -> Documents:
    converter = make_converter([Counter])
    known = Documents()
    for name, cls in (("Counter", Counter), ("CounterIncremented", CounterIncremented)):
        known.register(f"test.{name}", cls, converter.unstructure, converter.structure)
    return known


@pytest.fixture
def dsn(postgres_schema: Callable[[], str]) -> str:
    return postgres_schema()


@pytest.fixture
def open_database(dsn: str) -> Iterator[Callable[..., PostgresDatabase]]:
    """Opens databases over the test's schema, each with its own pool (another process)."""
    from merx.adapters.postgres import PostgresDatabase

    opened: list[PostgresDatabase] = []

    def open_one(**options: Any) -> PostgresDatabase:
        opened.append(PostgresDatabase(dsn, **options))
        return opened[-1]

    yield open_one
    for database in opened:
        database.close()


@pytest.fixture
def holder(dsn: str) -> Iterator[psycopg.Connection[Any]]:
    """A raw connection to keep a transaction open while a database writes."""
    import psycopg

    with psycopg.connect(dsn) as connection:
        yield connection


def in_thread(work: Callable[[], object]) -> tuple[threading.Thread, list[BaseException]]:
    """Run ``work`` in a thread; what it raised lands in the list."""
    raised: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as error:
            raised.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, raised


def wait_until_blocked_by(holder: psycopg.Connection[Any], dsn: str) -> None:
    """Return once another session waits for a lock ``holder`` holds (polled, no sleep)."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as probe:
        for _ in range(100_000):
            row = probe.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))",
                (holder.info.backend_pid,),
            ).fetchone()
            if row and row[0]:
                return
    pytest.fail("the writer never waited for the holder's lock")


def test_a_lost_update_between_two_connections_is_refused(
    open_database: Callable[..., PostgresDatabase],
) -> None:
    known = counter_documents()
    first, second = open_database(), open_database()  # two pools, as two processes
    with DocumentUnitOfWork(first, known, SequentialIds()) as uow:
        uow.repo(Counter).add(Counter(id="c"))
        uow.commit()
    mine = DocumentUnitOfWork(first, known, SequentialIds())
    theirs = DocumentUnitOfWork(second, known, TimeOrderedIds())
    mine_counter = mine.repo(Counter).get("c")
    theirs_counter = theirs.repo(Counter).get("c")
    for uow, counter in ((mine, mine_counter), (theirs, theirs_counter)):
        counter.increment()
        uow.repo(Counter).save(counter)
    theirs.repo(Counter).add(Counter(id="other"))
    mine.commit()
    with pytest.raises(ConcurrencyError, match=r"test.Counter 'c' .*loaded version 1, stored 2"):
        theirs.commit()
    assert parsed(first.load("test.Counter", "c")) == (2, {"id": "c", "version": 1, "count": 1})
    assert first.load("test.Counter", "other") is None  # the loser wrote nothing
    assert [event_id for _, event_id, _, _ in first.events_after(0)] == ["evt-000001"]


def test_a_writer_waiting_on_an_uncommitted_update_rechecks_the_version(
    open_database: Callable[..., PostgresDatabase], holder: psycopg.Connection[Any], dsn: str
) -> None:
    database = open_database()
    database.write([NewDocument("k", "a", {"n": 0})], [], [])
    holder.execute("UPDATE merx_documents SET version = 2, document = '{\"n\": 1}' WHERE id = 'a'")
    thread, raised = in_thread(
        lambda: database.write(
            [NewDocument("k", "b", {})], [ChangedDocument("k", "a", 1, {"n": 9})], []
        )
    )
    wait_until_blocked_by(holder, dsn)  # the writer's UPDATE waits for the row lock
    holder.commit()
    thread.join()
    assert len(raised) == 1
    assert isinstance(raised[0], ConcurrencyError)
    assert "loaded version 1, stored 2" in str(raised[0])
    assert parsed(database.load("k", "a")) == (2, {"n": 1})
    assert database.load("k", "b") is None


def test_two_inserts_of_one_id_one_wins(
    open_database: Callable[..., PostgresDatabase], holder: psycopg.Connection[Any], dsn: str
) -> None:
    database = open_database()
    holder.execute(
        "INSERT INTO merx_documents (kind, id, version, document) VALUES ('k', 'a', 1, '{}')"
    )
    thread, raised = in_thread(
        lambda: database.write(
            [NewDocument("k", "b", {}), NewDocument("k", "a", {"mine": True})],
            [],
            [StoredEvent("e1", "test.Added", {})],
        )
    )
    wait_until_blocked_by(holder, dsn)  # the unique index makes the second insert wait
    holder.commit()
    thread.join()
    assert len(raised) == 1
    assert isinstance(raised[0], ConcurrencyError)
    assert "added concurrently" in str(raised[0])
    assert "(k, a)" in str(raised[0])
    assert parsed(database.load("k", "a")) == (1, {})
    assert database.load("k", "b") is None
    assert database.events_after(0) == []


def test_the_outbox_numbers_events_in_commit_order(
    open_database: Callable[..., PostgresDatabase], holder: psycopg.Connection[Any], dsn: str
) -> None:
    database = open_database()
    # an earlier writer, mid-commit: it holds the outbox lock and has numbered its event
    holder.execute("SELECT pg_advisory_xact_lock(%s)", (database.outbox_lock,))
    holder.execute("INSERT INTO merx_outbox (event_id, name, data) VALUES ('first', 'n', '{}')")
    thread, raised = in_thread(
        lambda: database.write([NewDocument("k", "a", {})], [], [StoredEvent("second", "n", {})])
    )
    wait_until_blocked_by(holder, dsn)  # the second append waits for the first commit
    assert database.events_after(0) == []  # nothing visible yet: no gap to skip later
    holder.commit()
    thread.join()
    assert raised == []
    assert [event_id for _, event_id, _, _ in database.events_after(0)] == ["first", "second"]


def test_a_commit_is_one_round_trip_and_a_read_is_one(
    open_database: Callable[..., PostgresDatabase], tmp_path: Path
) -> None:
    from psycopg import pq

    trace = (tmp_path / "libpq.trace").open("w")

    def traced(connection: psycopg.Connection[Any]) -> None:
        connection.pgconn.trace(trace.fileno())
        connection.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)

    def round_trips(work: Callable[[], object]) -> int:
        """Each exchange with the server ends in one ReadyForQuery from it."""
        trace.flush()
        before = (tmp_path / "libpq.trace").read_text().count("\tReadyForQuery")
        work()
        trace.flush()
        return (tmp_path / "libpq.trace").read_text().count("\tReadyForQuery") - before

    database = open_database(configure=traced, max_size=1)
    new = [NewDocument("k", f"n{n}", {"n": n}) for n in range(3)]
    events = [StoredEvent(f"e{n}", "n", {"n": n}) for n in range(5)]
    assert round_trips(lambda: database.write(new, [], events)) == 1
    changed = [ChangedDocument("k", f"n{n}", 1, {"n": -n}) for n in range(3)]
    assert round_trips(lambda: database.write([NewDocument("k", "x", {})], changed, [])) == 1
    assert round_trips(lambda: database.write([], [], [])) == 0
    assert round_trips(lambda: database.load("k", "n1")) == 1
    assert round_trips(lambda: database.keys("k")) == 1
    lost = [ChangedDocument("k", "n1", 1, {})]
    with pytest.raises(ConcurrencyError):
        database.write([], lost, events)
    assert parsed(database.load("k", "n1")) == (2, {"n": -1})
    trace.close()


def parsed(row: tuple[int, Any] | None) -> tuple[int, Any] | None:
    """A loaded row with its document parsed (the database hands out the JSON text)."""
    return None if row is None else (row[0], json.loads(row[1]))
