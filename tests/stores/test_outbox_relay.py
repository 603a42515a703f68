"""The outbox relay, on a SQLite file and on PostgreSQL: every committed event is delivered
at least once, in commit order, each subscriber's work done once; a process killed between
its commit and the delivery loses nothing; failing deliveries are parked, then replayed;
one relay delivers at a time."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from merx import catalog
from merx.adapters.memory import FixedClock, SequentialIds
from merx.adapters.relay import OutboxRelay
from merx.adapters.sqlite import SqliteDatabase
from merx.app import StoredApp, build_sqlite_app
from merx.app.documents import documents
from merx.errors import NotFound
from merx.kernel.ids import PLATFORM, SkuId
from merx.kernel.money import Money
from merx.kernel.uow import UnitOfWork

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


def open_shop(target: str) -> StoredApp:
    """A merx over ``target`` (a SQLite file, or a PostgreSQL DSN) as one named process."""
    if is_postgres(target):
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


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Where the shop lives: a SQLite file, or a fresh PostgreSQL schema."""
    SEEN.clear()
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
