"""The outbox relay: every committed event is delivered at least once, in commit order,
each subscriber's work done once; a process killed between its commit and the delivery
loses nothing; failing deliveries are parked, then replayed; one relay delivers at a time."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
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
#: What the test subscriber saw, per process (an effect outside the database).
SEEN: list[str] = []


def note_sku(event: catalog.SkuCreated, uow: UnitOfWork) -> None:
    """A subscriber that does its work and commits (the relay's mark goes with it)."""
    SEEN.append(event.sku_id)
    uow.commit()


def open_shop(path: Path) -> StoredApp:
    app = build_sqlite_app(
        path, clock=FixedClock(datetime(2026, 1, 1, tzinfo=UTC)), ids=SequentialIds(),
        synchronous="NORMAL", relay_owner="worker-1",
    )  # fmt: skip
    app.bus.subscribe(catalog.SkuCreated, note_sku)
    return app


def create_sku(app: StoredApp, sku: str) -> None:
    app.handle(catalog.CreateSku(SkuId(sku), sku, PLATFORM, "phone", Money.of("1.00", "CNY")))


@pytest.fixture(autouse=True)
def _fresh() -> None:
    SEEN.clear()


def test_events_are_delivered_after_each_command_in_commit_order(tmp_path: Path) -> None:
    app = open_shop(tmp_path / "shop.db")
    create_sku(app, "a")
    create_sku(app, "b")
    assert SEEN == ["a", "b"]
    created = [e.sku_id for e in app.events.events if isinstance(e, catalog.SkuCreated)]
    assert created == ["a", "b"]


def test_delivering_again_does_nothing_twice(tmp_path: Path) -> None:
    app = open_shop(tmp_path / "shop.db")
    create_sku(app, "a")
    assert app.relay.deliver() == 0
    assert SEEN == ["a"]


def test_a_lost_position_redelivers_but_each_subscriber_works_once(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    app = open_shop(path)
    create_sku(app, "a")
    published = len(app.events.events)
    app.relay.close()
    database = SqliteDatabase(path)
    database.connection().execute("UPDATE merx_relay SET position = 0")  # as if it died
    assert app.relay.deliver() > 0
    assert SEEN == ["a"]  # the mark, written with the subscriber's commit, holds
    assert len(app.events.events) > published  # the publisher hears it again: at least once


def _crash_after_commit(path: str) -> None:  # pragma: no cover - runs in a child process
    app = open_shop(Path(path))

    def die() -> int:
        os.kill(os.getpid(), signal.SIGKILL)
        return 0

    app.relay.deliver = die  # type: ignore[method-assign]
    create_sku(app, "killed")


def test_a_process_killed_after_its_commit_loses_no_event(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    open_shop(path)  # the schema and the reference data
    SEEN.clear()
    child = subprocess.run(
        [sys.executable, "-c",
         f"from tests.stores.test_outbox_relay import _crash_after_commit; "
         f"_crash_after_commit({str(path)!r})"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'src'}"}, check=False,
    )  # fmt: skip
    assert child.returncode == -signal.SIGKILL
    restarted = open_shop(path)
    assert restarted.get(catalog.Sku, "killed").title == "killed"  # the commit survived
    assert SEEN == []
    assert restarted.relay.deliver() > 0  # on restart the relay delivers
    assert SEEN == ["killed"]
    assert restarted.relay.deliver() == 0
    assert SEEN == ["killed"]


def test_a_failing_subscriber_is_parked_then_replayed(tmp_path: Path) -> None:
    failing = {"on": True}

    def flaky(event: catalog.SkuCreated, uow: UnitOfWork) -> None:
        if failing["on"]:
            raise RuntimeError("the warehouse system is down")
        SEEN.append(f"late {event.sku_id}")
        uow.commit()

    pauses: list[float] = []
    app = open_shop(tmp_path / "shop.db")
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


def test_one_relay_delivers_at_a_time_and_a_dead_ones_lease_expires(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    app = open_shop(path)
    app.close()  # the setup's lease goes
    database = SqliteDatabase(path)
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
