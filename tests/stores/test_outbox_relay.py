"""The outbox relay, on a SQLite file and on PostgreSQL: every committed event is delivered
at least once, in commit order, each subscriber's work done once; a process killed between
its commit and the delivery loses nothing; failing deliveries are parked, then replayed;
one relay delivers at a time."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from merx import catalog
from merx.adapters.documents import CommittedEvent, DocumentUnitOfWork
from merx.adapters.memory import EventLog, FixedClock, SequentialIds
from merx.adapters.relay import OutboxRelay, Outgoing, subscriber_name
from merx.adapters.sqlite import SqliteDatabase
from merx.adapters.system import TimeOrderedIds
from merx.app import StoredApp, build_sqlite_app
from merx.app.documents import documents
from merx.errors import ConcurrencyError, NotFound
from merx.kernel import serde
from merx.kernel.bus import MessageBus, read_ahead, reads_ahead
from merx.kernel.documents import Documents
from merx.kernel.ids import PLATFORM, SkuId
from merx.kernel.money import Money
from merx.kernel.uow import UnitOfWork
from merx.testing.store import AGGREGATES, EVENTS, Counter, CounterOpened

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2026, 1, 1, tzinfo=UTC)
#: What the test subscriber saw, per process (an effect outside the database).
SEEN: list[str] = []
#: The apps a test opened over PostgreSQL, their pools closed after it.
OPENED: list[StoredApp] = []


def note_sku(event: catalog.SkuCreated, uow: UnitOfWork) -> None:
    """A subscriber that does its work and commits (the relay's mark goes with it)."""
    SEEN.append(event.sku_id)
    uow.commit()


def is_postgres(target: str) -> bool:
    return target.startswith("postgresql:") or "search_path" in target


def open_shop(target: str | Path) -> StoredApp:
    """A merx over ``target`` (a SQLite file, or a PostgreSQL DSN) as one named process."""
    if isinstance(target, str) and is_postgres(target):
        from merx.app import build_postgres_app

        app = build_postgres_app(
            target, clock=FixedClock(START), ids=SequentialIds(), max_connections=2,
            relay_owner="worker-1",
        )  # fmt: skip
        OPENED.append(app)
    else:
        app = build_sqlite_app(
            target, clock=FixedClock(START), ids=SequentialIds(), synchronous="NORMAL",
            relay_owner="worker-1",
        )  # fmt: skip
    app.bus.subscribe(catalog.SkuCreated, note_sku)
    return app


def forget_position(app: StoredApp) -> None:
    """Put the relay's stored position back to the start, as if it had died before it
    stored any (written behind merx's back)."""
    database = app.database
    if isinstance(database, SqliteDatabase):
        database.connection().execute("UPDATE merx_relay SET position = 0")
        return
    from merx.adapters.postgres import PostgresDatabase

    assert isinstance(database, PostgresDatabase)
    with database.connection() as db:
        db.execute("UPDATE merx_relay SET position = 0")


def create_sku(app: StoredApp, sku: str) -> None:
    app.handle(catalog.CreateSku(SkuId(sku), sku, PLATFORM, "phone", Money.of("1.00", "CNY")))


@pytest.fixture(autouse=True)
def nothing_seen() -> None:
    SEEN.clear()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Where the shop lives: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield str(tmp_path / "shop.db")
        return
    dsn: str = request.getfixturevalue("postgres_schema")()
    yield dsn
    while OPENED:
        OPENED.pop().database.close()  # type: ignore[attr-defined]


def test_events_are_delivered_after_each_command_in_commit_order(target: str) -> None:
    app = open_shop(target)
    create_sku(app, "a")
    create_sku(app, "b")
    assert SEEN == ["a", "b"]
    created = [e.sku_id for e in app.events.events if isinstance(e, catalog.SkuCreated)]
    assert created == ["a", "b"]


def test_delivering_again_does_nothing_twice(target: str) -> None:
    app = open_shop(target)
    create_sku(app, "a")
    assert app.relay.deliver() == 0
    assert SEEN == ["a"]


def test_a_lost_position_redelivers_but_each_subscriber_works_once(target: str) -> None:
    app = open_shop(target)
    create_sku(app, "a")
    published = len(app.events.events)
    app.relay.close()
    forget_position(app)  # as if it died before storing it
    assert app.relay.deliver() > 0
    assert SEEN == ["a"]  # the mark, written with the subscriber's commit, holds
    assert len(app.events.events) > published  # the publisher hears it again: at least once


def _crash_after_commit(target: str) -> None:  # pragma: no cover - runs in a child process
    app = open_shop(target)

    def die() -> int:
        os.kill(os.getpid(), signal.SIGKILL)
        return 0

    app.relay.deliver = die  # type: ignore[method-assign]
    create_sku(app, "killed")


def test_a_process_killed_after_its_commit_loses_no_event(target: str) -> None:
    open_shop(target).close()  # the schema and the reference data
    SEEN.clear()
    child = subprocess.run(
        [sys.executable, "-c",
         f"from tests.stores.test_outbox_relay import _crash_after_commit; "
         f"_crash_after_commit({target!r})"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'src'}"}, check=False,
    )  # fmt: skip
    assert child.returncode == -signal.SIGKILL
    restarted = open_shop(target)  # the same relay owner: it takes its lease back at once
    assert restarted.get(catalog.Sku, "killed").title == "killed"  # the commit survived
    assert SEEN == []
    assert restarted.relay.deliver() > 0  # on restart the relay delivers
    assert SEEN == ["killed"]
    assert restarted.relay.deliver() == 0
    assert SEEN == ["killed"]  # once: delivering again does nothing twice


def test_a_failing_subscriber_is_parked_then_replayed(target: str) -> None:
    failing = {"on": True}

    def flaky(event: catalog.SkuCreated, uow: UnitOfWork) -> None:
        if failing["on"]:
            raise RuntimeError("the warehouse system is down")
        SEEN.append(f"late {event.sku_id}")
        uow.commit()

    pauses: list[float] = []
    app = open_shop(target)
    app.bus.subscribe(catalog.SkuCreated, flaky)
    relay = OutboxRelay(
        app.database, documents(), app.bus, app.new_unit_of_work, "tester", name="test",
        attempts=3, sleep=pauses.append,
    )  # fmt: skip
    app.bus.deliver_through(relay)
    create_sku(app, "a")
    create_sku(app, "b")  # a parked delivery does not stop the next events
    assert SEEN == ["a", "b"]
    parked = relay.parked()
    assert [(p.subscriber.rsplit(".", 1)[-1], p.attempts) for p in parked] == [
        ("flaky", 3),
        ("flaky", 3),
    ]
    assert "the warehouse system is down" in parked[0].error
    assert pauses == [0.05, 0.1, 0.05, 0.1]  # a growing pause between attempts
    failing["on"] = False
    assert relay.replay(parked[0].id)
    assert relay.replay(parked[1].id)
    assert relay.parked() == []
    assert SEEN == ["a", "b", "late a", "late b"]
    with pytest.raises(NotFound):  # resolved: nothing to replay
        relay.replay(parked[0].id)


def test_a_subscriber_meeting_other_commits_runs_again_alone_and_is_not_parked(
    target: str,
) -> None:
    conflicts = {"left": 4}
    alone: list[bool] = []

    def contended(event: catalog.SkuCreated, uow: UnitOfWork) -> None:
        alone.append(getattr(uow, "_holding", False))
        if conflicts["left"]:
            conflicts["left"] -= 1
            raise ConcurrencyError("a campaign moved since it was loaded")
        SEEN.append(f"won {event.sku_id}")
        uow.commit()

    pauses: list[float] = []
    conflict_pauses: list[int] = []
    app = open_shop(target)
    app.bus.subscribe(catalog.SkuCreated, contended)
    relay = OutboxRelay(
        app.database, documents(), app.bus, app.new_unit_of_work, "tester", name="test",
        attempts=3, sleep=pauses.append, conflict_attempts=6,
        conflict_pause=conflict_pauses.append, exclusive_after=3,
    )  # fmt: skip
    app.bus.deliver_through(relay)
    create_sku(app, "a")
    assert SEEN == ["a", "won a"]
    assert relay.parked() == []  # four conflicts: more than ``attempts``, not a failure
    assert pauses == []  # a failure's pause is not a conflict's
    assert conflict_pauses == [1, 2, 3, 4]
    assert alone == [False, False, False, True, True]  # alone after the third conflict
    conflicts["left"] = 10
    create_sku(app, "b")
    (parked,) = relay.parked()  # but not for ever: parked after conflict_attempts
    assert (parked.attempts, "moved since it was loaded" in parked.error) == (6, True)


def test_one_relay_delivers_at_a_time_and_a_dead_ones_lease_expires(target: str) -> None:
    app = open_shop(target)
    app.close()  # the setup's lease goes
    database = app.database
    assert database.take_lease("main", "someone-else", now=1e12, until=1e12 + 30) is not None
    create_sku(app, "a")  # committed; the other relay holds the lease
    assert SEEN == []
    database.release("main", "someone-else")
    assert app.relay.deliver() >= 1
    assert SEEN == ["a"]
    app.close()
    assert database.take_lease("main", "dead", now=0, until=1) is not None  # expired at once
    create_sku(app, "b")
    assert SEEN == ["a", "b"]


# -- what the relay reads: its own events from memory, others' from the outbox ------------


def _statements(app: StoredApp) -> list[str]:
    """Every statement the app's database runs on this thread from now on."""
    ran: list[str] = []
    database = app.database
    assert isinstance(database, SqliteDatabase)
    database.connection().set_trace_callback(ran.append)
    return ran


def test_this_processs_own_events_are_delivered_without_reading_them_back(
    tmp_path: Path,
) -> None:
    app = open_shop(tmp_path / "shop.db")
    create_sku(app, "a")  # takes the lease: what was committed before it is read back
    ran = _statements(app)
    create_sku(app, "b")
    assert SEEN == ["a", "b"]
    assert not [sql for sql in ran if "FROM merx_outbox" in sql or "FROM merx_handled" in sql]
    assert not [sql for sql in ran if "merx_relay" in sql]  # the position is stored later
    database = SqliteDatabase(tmp_path / "shop.db")
    stored = database.connection().execute("SELECT position FROM merx_relay").fetchone()[0]
    (last,) = database.connection().execute("SELECT max(seq) FROM merx_outbox").fetchone()
    assert stored < last
    app.close()  # stores the position as it lets the lease go
    assert database.connection().execute("SELECT position FROM merx_relay").fetchone()[0] == last


def test_another_processs_earlier_events_come_first_read_from_the_outbox(
    tmp_path: Path,
) -> None:
    path = tmp_path / "shop.db"
    holder = open_shop(path)
    create_sku(holder, "first")  # the holder takes the lease
    other = build_sqlite_app(
        path, clock=FixedClock(datetime(2026, 1, 1, tzinfo=UTC)), ids=SequentialIds(),
        synchronous="NORMAL", relay_owner="worker-2",
    )  # fmt: skip
    other.bus.subscribe(catalog.SkuCreated, note_sku)
    other.handle(catalog.CreateSku(SkuId("theirs"), "x", PLATFORM, "phone", Money.of("1", "CNY")))
    assert SEEN == ["first"]  # committed; the holder delivers it
    ran = _statements(holder)
    create_sku(holder, "mine")
    assert SEEN == ["first", "theirs", "mine"]  # in commit order
    assert [sql for sql in ran if "FROM merx_outbox" in sql]  # the gap made it read


def test_a_process_that_dies_without_closing_delivers_again_from_the_stored_position(
    tmp_path: Path,
) -> None:
    path = tmp_path / "shop.db"
    app = open_shop(path)
    create_sku(app, "a")
    create_sku(app, "b")
    published = len(app.events.events)
    restarted = open_shop(path)  # the same owner: its lease is taken back at once
    assert restarted.relay.deliver() > 0  # what followed the stored position, again
    assert len(restarted.events.events) > 0  # the publisher hears it again: at least once
    assert SEEN == ["a", "b"]  # each subscriber's work once: the marks hold
    assert len(app.events.events) == published


@pytest.mark.parametrize("save_every", [1, 3])
def test_the_position_is_stored_every_so_many_events(tmp_path: Path, save_every: int) -> None:
    app = open_shop(tmp_path / "shop.db")
    relay = OutboxRelay(
        app.database, documents(), app.bus, app.new_unit_of_work, "tester", name="test",
        save_every=save_every,
    )  # fmt: skip
    app.bus.deliver_through(relay)
    for sku in "abcdefg":
        create_sku(app, sku)
    database = SqliteDatabase(tmp_path / "shop.db")
    (stored,) = (
        database.connection()
        .execute("SELECT position FROM merx_relay WHERE name = 'test'")
        .fetchone()
    )
    (last,) = database.connection().execute("SELECT max(seq) FROM merx_outbox").fetchone()
    assert last - stored < save_every + 3  # a command commits up to a few events


def test_the_lease_is_renewed_with_the_position_as_it_runs_out(tmp_path: Path) -> None:
    clock = {"now": 1_000.0}
    app = open_shop(tmp_path / "shop.db")
    relay = OutboxRelay(
        app.database, documents(), app.bus, app.new_unit_of_work, "tester", name="test",
        lease_s=30, now=lambda: clock["now"],
    )  # fmt: skip
    app.bus.deliver_through(relay)
    create_sku(app, "a")
    clock["now"] += 20  # past half the lease
    create_sku(app, "b")
    database = SqliteDatabase(tmp_path / "shop.db")
    position, until = (
        database.connection()
        .execute("SELECT position, lease_until FROM merx_relay WHERE name = 'test'")
        .fetchone()
    )
    assert until == 1_050.0  # renewed on the way in, from the new now
    assert position > 0  # with the position delivered so far
    assert SEEN == ["a", "b"]


def test_outgoing_hands_out_what_follows_a_position_with_nothing_missing() -> None:
    outgoing = Outgoing(limit=5)
    event = catalog.SkuCreated(SkuId("a"), PLATFORM, Money.of("1.00", "CNY"))
    outgoing.add([(4, "e4", event), (5, "e5", event), (7, "e7", event)])
    assert outgoing.take(2) == []  # 3 is missing: not this process's, or not yet heard of
    assert outgoing.waiting()
    assert [seq for seq, _, _ in outgoing.take(3)] == [4, 5]
    assert outgoing.take(5) == []
    assert [seq for seq, _, _ in outgoing.take(6)] == [7]
    outgoing.add([(9, "e9", event)])
    assert outgoing.take(9) == []  # delivered already: dropped
    assert not outgoing.waiting()
    outgoing.add([(s, f"e{s}", event) for s in range(10, 14)])
    outgoing.add([(14, "e14", event), (15, "e15", event)])  # past the limit: all dropped
    assert outgoing.take(13) == [(14, "e14", event), (15, "e15", event)]


def test_a_mark_written_meanwhile_refuses_the_duplicate_and_the_retry_skips_it(
    tmp_path: Path,
) -> None:
    converter = serde.make_converter(AGGREGATES)
    known = Documents()
    known.register_all(
        "test", (*AGGREGATES, *EVENTS), converter.unstructure, serde.reader(converter)
    )
    database = SqliteDatabase(tmp_path / "shop.db", synchronous="NORMAL")
    outgoing = Outgoing()
    reported: list[CommittedEvent] = []

    def report(events: Sequence[CommittedEvent]) -> None:
        reported.extend(events)
        outgoing.add(events)

    def new_uow() -> DocumentUnitOfWork:
        return DocumentUnitOfWork(database, known, TimeOrderedIds(), None, report)

    worked: list[str] = []

    def counted(event: CounterOpened, uow: UnitOfWork) -> None:
        worked.append(event.counter_id)
        uow.commit()  # writes the mark

    bus = MessageBus(new_uow, EventLog())
    bus.subscribe(CounterOpened, counted)
    pauses: list[float] = []
    relay = OutboxRelay(database, known, bus, new_uow, "me", outgoing=outgoing, sleep=pauses.append)
    assert relay.deliver() == 0  # the lease is taken
    with new_uow() as uow:
        uow.repo(Counter).add(Counter.open("a"))
        uow.commit()
    ((_, event_id, _),) = reported
    database.connection().execute(  # as if another relay had delivered it meanwhile
        "INSERT INTO merx_handled (mark) VALUES (?)", (f"{subscriber_name(counted)}:{event_id}",)
    )
    assert relay.deliver() == 1
    assert worked == ["a"]  # the work was tried, its commit refused (the mark is taken)
    # a conflict, not a failure: tried again at once (no conflict_pause given), which found
    # the mark and did nothing
    assert pauses == []
    assert relay.parked() == []


def test_the_subscribers_of_one_event_read_a_document_once_until_one_writes_it(
    tmp_path: Path,
) -> None:
    converter = serde.make_converter(AGGREGATES)
    known = Documents()
    known.register_all(
        "test", (*AGGREGATES, *EVENTS), converter.unstructure, serde.reader(converter)
    )
    database = SqliteDatabase(tmp_path / "shop.db", synchronous="NORMAL")
    loads: list[str] = []
    load = database.load

    def counted_load(kind: str, key: str) -> Any:
        loads.append(key)
        return load(kind, key)

    database.load = counted_load  # type: ignore[method-assign]

    def new_uow() -> DocumentUnitOfWork:
        return DocumentUnitOfWork(database, known, TimeOrderedIds())

    seen: list[tuple[str, int]] = []

    def looks(event: CounterOpened, uow: UnitOfWork) -> None:
        seen.append(("looks", uow.repo(Counter).view(event.counter_id).count))

    def counts(event: CounterOpened, uow: UnitOfWork) -> None:
        counter = uow.repo(Counter).get(event.counter_id)
        counter.increment()
        uow.repo(Counter).save(counter)
        uow.commit()
        seen.append(("counts", counter.count))

    bus = MessageBus(new_uow, EventLog())
    for subscriber in (looks, looks, counts, looks):
        bus.subscribe(CounterOpened, subscriber)
    relay = OutboxRelay(database, known, bus, new_uow, "me")
    with new_uow() as uow:
        uow.repo(Counter).add(Counter.open("a"))
        uow.commit()
    loads.clear()
    assert relay.deliver() == 2  # CounterOpened, then the CounterIncremented of `counts`
    # read once by the first; the second and the one that writes take that row (its commit
    # is version-checked); after its commit the last reads the new version
    assert loads == ["a", "a"]
    assert seen == [("looks", 0), ("looks", 0), ("counts", 1), ("looks", 1)]


@pytest.mark.parametrize("declared", [True, False])
def test_what_subscribers_declare_they_read_goes_with_the_first_read_of_the_event(
    tmp_path: Path, declared: bool
) -> None:
    """A subscriber declared with ``reads_ahead`` has its documents read with the first
    read any subscriber of the event makes: found or absent, shared, no read of its own;
    one that adds a document read as absent still commits it."""
    converter = serde.make_converter(AGGREGATES)
    known = Documents()
    known.register_all(
        "test", (*AGGREGATES, *EVENTS), converter.unstructure, serde.reader(converter)
    )
    database = SqliteDatabase(tmp_path / "shop.db", synchronous="NORMAL")
    reads: list[list[str]] = []
    load, load_many = database.load, database.load_many

    def counted_load(kind: str, key: str) -> Any:
        reads.append([key])
        return load(kind, key)

    def counted_load_many(keys: Sequence[tuple[str, str]]) -> Any:
        reads.append(sorted(key for _, key in keys))
        return load_many(keys)

    database.load = counted_load  # type: ignore[method-assign]
    database.load_many = counted_load_many  # type: ignore[method-assign]

    def new_uow() -> DocumentUnitOfWork:
        return DocumentUnitOfWork(database, known, TimeOrderedIds())

    seen: list[tuple[str, int | None]] = []

    def looks(event: CounterOpened, uow: UnitOfWork) -> None:
        seen.append(("looks", uow.repo(Counter).view(event.counter_id).count))

    def shadows(event: CounterOpened, uow: UnitOfWork) -> None:
        """Counts ``a`` in a shadow counter ``a-shadow``, added the first time."""
        if event.counter_id.endswith("-shadow"):
            return
        counter = uow.repo(Counter).get(event.counter_id)
        shadow = uow.repo(Counter).find(f"{event.counter_id}-shadow")
        seen.append(("shadows", None if shadow is None else shadow.count))
        if shadow is None:
            shadow = Counter.open(f"{event.counter_id}-shadow")
            uow.repo(Counter).add(shadow)
        shadow.count = counter.count + 1
        uow.commit()

    if declared:
        shadows = reads_ahead(
            lambda event: [(Counter, event.counter_id), (Counter, f"{event.counter_id}-shadow")]
        )(shadows)
    assert read_ahead(shadows, CounterOpened("a")) == (
        [(Counter, "a"), (Counter, "a-shadow")] if declared else []
    )
    bus = MessageBus(new_uow, EventLog())
    for subscriber in (looks, shadows):
        bus.subscribe(CounterOpened, subscriber)
    relay = OutboxRelay(database, known, bus, new_uow, "me")
    with new_uow() as uow:
        uow.repo(Counter).add(Counter.open("a"))
        uow.commit()
    reads.clear()
    assert relay.deliver() == 2  # CounterOpened, then the shadow's CounterOpened
    first = [["a", "a-shadow"]] if declared else [["a"], ["a-shadow"]]
    assert reads[: len(first)] == first  # then the shadow's own event: ``looks`` reads it
    assert seen[:2] == [("looks", 0), ("shadows", None)]
    with new_uow() as uow:
        assert uow.repo(Counter).get("a-shadow").count == 1


# -- this process's own events: their subscribers run in one unit of work, one commit ------


class CounterShop:
    """A relay over a SQLite file with :class:`Outgoing` (this process's events delivered
    from memory, as the stored app's), the test store's counters, and its commits counted."""

    def __init__(self, path: Path) -> None:
        converter = serde.make_converter(AGGREGATES)
        self.known = Documents()
        self.known.register_all(
            "test", (*AGGREGATES, *EVENTS), converter.unstructure, serde.reader(converter)
        )
        self.database = SqliteDatabase(path, synchronous="NORMAL")
        self.outgoing = Outgoing()
        self.commits: list[list[str]] = []  # the marks of each commit
        write = self.database.write

        def counted(*args: Any, **kwargs: Any) -> list[int]:
            seqs: list[int] = write(*args, **kwargs)
            self.commits.append(sorted(m.rsplit(".", 1)[-1].split(":")[0] for m in args[3]))
            return seqs

        self.database.write = counted  # type: ignore[method-assign]
        self.pauses: list[float] = []
        self.bus = MessageBus(self.new_uow, EventLog())
        self.relay = OutboxRelay(
            self.database, self.known, self.bus, self.new_uow, "me", outgoing=self.outgoing,
            sleep=self.pauses.append,
        )  # fmt: skip
        assert self.relay.deliver() == 0  # the lease is taken: what follows is its own

    def new_uow(self) -> DocumentUnitOfWork:
        return DocumentUnitOfWork(
            self.database, self.known, TimeOrderedIds(), None, self.outgoing.add
        )

    def open_counters(self, *ids: str) -> None:
        """One commit opening ``ids`` (a ``CounterOpened`` each), then a delivery."""
        with self.new_uow() as uow:
            for counter_id in ids:
                uow.repo(Counter).add(Counter.open(counter_id))
            uow.commit()
        self.commits.clear()
        self.relay.deliver()

    def count(self, counter_id: str) -> tuple[int, int]:
        """The stored count and version of ``counter_id``."""
        with self.new_uow() as uow:
            counter = uow.repo(Counter).get(counter_id)
            return counter.count, counter.version


def counts(event: CounterOpened, uow: UnitOfWork) -> None:
    counter = uow.repo(Counter).get(event.counter_id)
    counter.increment()
    uow.repo(Counter).save(counter)
    uow.commit()


def counts_too(event: CounterOpened, uow: UnitOfWork) -> None:
    """As :func:`counts`, a second subscriber: sees what :func:`counts` did."""
    counts(event, uow)


def only_looks(event: CounterOpened, uow: UnitOfWork) -> None:
    SEEN.append(f"{event.counter_id} at {uow.repo(Counter).view(event.counter_id).count}")


def test_the_subscribers_of_one_commits_events_commit_once_with_every_mark(
    tmp_path: Path,
) -> None:
    shop = CounterShop(tmp_path / "shop.db")
    for subscriber in (counts, only_looks, counts_too):
        shop.bus.subscribe(CounterOpened, subscriber)
    shop.open_counters("a", "b")
    # one commit for the six runs of two events; the marks of those that committed (one that
    # asked for no commit writes none, as in a unit of work of its own); then the relay
    # delivers the CounterIncremented events that commit appended (no subscriber)
    assert shop.commits == [["counts", "counts", "counts_too", "counts_too"]]
    # each saw what those before it staged, as it would have seen their commits
    assert SEEN == ["a at 1", "b at 1"]
    assert shop.count("a") == (2, 2)  # two increments, one write over version 1
    assert shop.count("b") == (2, 2)
    shop.relay.close()
    forget_marks_position(shop.database)
    shop.relay.deliver()  # delivered again from the outbox: the marks hold
    assert shop.count("a") == (2, 2)


def forget_marks_position(database: SqliteDatabase) -> None:
    database.connection().execute("UPDATE merx_relay SET position = 0")


def test_a_joined_run_that_fails_runs_each_subscriber_alone_with_its_retries(
    tmp_path: Path,
) -> None:
    def fails(event: CounterOpened, uow: UnitOfWork) -> None:
        counter = uow.repo(Counter).get(event.counter_id)
        counter.increment()
        uow.repo(Counter).save(counter)  # staged, then lost with the failure
        raise RuntimeError("the warehouse system is down")

    shop = CounterShop(tmp_path / "shop.db")
    for subscriber in (counts, fails, counts_too):
        shop.bus.subscribe(CounterOpened, subscriber)
    shop.open_counters("a")
    # nothing of the joined run was written; then each alone: counts, fails three times
    # (parked), counts_too
    assert shop.commits == [["counts"], ["counts_too"]]
    assert shop.count("a") == (2, 3)
    (parked,) = shop.relay.parked()
    assert (parked.subscriber.rsplit(".", 1)[-1], parked.attempts) == ("fails", 3)
    assert shop.pauses == [0.05, 0.1]


def test_a_subscriber_that_stages_work_it_does_not_commit_is_not_joined(
    tmp_path: Path,
) -> None:
    def stages(event: CounterOpened, uow: UnitOfWork) -> None:
        counter = uow.repo(Counter).get(event.counter_id)
        counter.increment()
        uow.repo(Counter).save(counter)  # and no commit: dropped on leaving

    shop = CounterShop(tmp_path / "shop.db")
    for subscriber in (stages, counts):
        shop.bus.subscribe(CounterOpened, subscriber)
    shop.open_counters("a")
    # the joined commit would have written what ``stages`` left: each runs alone instead
    assert shop.commits == [["counts"]]
    assert shop.count("a") == (1, 2)
    assert shop.relay.parked() == []
