"""The database port under the unit of work (merx.adapters.documents.DocumentDatabase) and
the relay's (merx.adapters.relay.Outbox), the same tests on SQLite and on PostgreSQL: what
a write hands back, marks asked for together, documents loaded together."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest

from merx.adapters.documents import ChangedDocument, DocumentDatabase, NewDocument, StoredEvent
from merx.adapters.relay import Outbox
from merx.adapters.sqlite import SqliteDatabase


class Database(DocumentDatabase, Outbox, Protocol):
    """What the stores implement."""


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        yield SqliteDatabase(tmp_path / "shop.db", synchronous="NORMAL")
        return
    schema: Callable[[], str] = request.getfixturevalue("postgres_schema")
    postgres: Any = pytest.importorskip("merx.adapters.postgres")
    opened = postgres.PostgresDatabase(schema(), max_size=2)
    yield opened
    opened.close()


def _events(*ids: str) -> list[StoredEvent]:
    return [StoredEvent(event_id, "test.Happened", {"id": event_id}) for event_id in ids]


def test_a_write_hands_back_the_seqs_its_events_got_in_order(database: Database) -> None:
    first = database.write([NewDocument("k", "a", {"n": 1})], [], _events("e1", "e2", "e3"))
    assert len(first) == 3
    assert first == sorted(first)
    assert len(set(first)) == 3
    assert database.write([], [ChangedDocument("k", "a", 1, {"n": 2})], []) == []
    second = database.write([], [], _events("e4"), ["a mark"])
    assert second[0] > first[-1]
    rows = database.events_after(0)
    assert [(seq, event_id) for seq, event_id, _, _ in rows] == list(
        zip([*first, *second], ["e1", "e2", "e3", "e4"], strict=True)
    )


def test_marks_are_asked_for_together(database: Database) -> None:
    written = [f"subscriber-{n}:evt-{n}" for n in range(1_200)]  # more than one IN (...)
    database.write([], [], [], written[::2])
    asked = [*written, "never written"]
    assert database.handled(asked) == set(written[::2])
    assert database.handled([]) == set()
    assert database.is_handled(written[0])
    assert not database.is_handled(written[1])
