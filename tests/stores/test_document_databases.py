"""The database port under the unit of work (merx.adapters.documents.DocumentDatabase) and
the relay's (merx.adapters.relay.Outbox), the same tests on SQLite and on PostgreSQL: what
a write hands back, marks asked for together, documents loaded together."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

import pytest

from merx.adapters.documents import (
    ChangedDocument,
    DocumentDatabase,
    HoldsWriters,
    JournalRows,
    LoadsMany,
    NewDocument,
    RemovedDocument,
    StoredEvent,
    load_many,
)
from merx.adapters.relay import Outbox
from merx.adapters.sqlite import SqliteDatabase
from merx.kernel.errors import ConcurrencyError


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


def _parsed(row: tuple[int, Any]) -> tuple[int, Any]:
    version, document = row
    return version, json.loads(document) if isinstance(document, str | bytes) else document


def test_documents_of_any_kinds_are_loaded_together(database: Database) -> None:
    many = [NewDocument("k", f"d-{n}", {"n": n}) for n in range(1_200)]  # more than one IN
    database.write([*many, NewDocument("other", "d-1", {"other": True})], [], [])
    database.write([], [ChangedDocument("k", "d-3", 1, {"n": 33})], [])
    asked = [("k", f"d-{n}") for n in range(1_200)] + [("other", "d-1"), ("k", "nope")]
    assert isinstance(database, LoadsMany)
    found = {key: _parsed(row) for key, row in database.load_many(asked).items()}
    assert len(found) == 1_201
    assert found[("k", "d-3")] == (2, {"n": 33})
    assert found[("k", "d-7")] == (1, {"n": 7})
    assert found[("other", "d-1")] == (1, {"other": True})
    assert ("k", "nope") not in found
    assert database.load_many([]) == {}
    assert {key: _parsed(row) for key, row in load_many(database, asked[:3]).items()} == {
        ("k", "d-0"): (1, {"n": 0}),
        ("k", "d-1"): (1, {"n": 1}),
        ("k", "d-2"): (1, {"n": 2}),
    }


class _OneByOne:
    """A database without ``load_many``: the unit of work asks it one document at a time."""

    def __init__(self, inner: Database) -> None:
        self.inner = inner
        self.loads = 0

    def load(self, kind: str, key: str) -> tuple[int, Any] | None:
        self.loads += 1
        return self.inner.load(kind, key)

    def keys(self, kind: str) -> list[str]:
        return self.inner.keys(kind)

    def find(
        self,
        kind: str,
        index: str,
        *,
        equal: str | None = None,
        upto: str | None = None,
        limit: int | None = None,
    ) -> list[str]:
        return self.inner.find(kind, index, equal=equal, upto=upto, limit=limit)

    def is_handled(self, mark: str) -> bool:
        return self.inner.is_handled(mark)

    def write(
        self,
        new: Sequence[NewDocument],
        changed: Sequence[ChangedDocument],
        events: Sequence[StoredEvent],
        handled: Sequence[str] = (),
        journal: JournalRows | None = None,
        *,
        removed: Sequence[RemovedDocument] = (),
    ) -> list[int]:
        return self.inner.write(new, changed, events, handled, journal, removed=removed)


def test_a_database_without_load_many_is_asked_once_per_document(database: Database) -> None:
    database.write([NewDocument("k", "a", {"n": 1}), NewDocument("k", "b", {"n": 2})], [], [])
    plain = _OneByOne(database)
    assert not isinstance(plain, LoadsMany)
    found = load_many(plain, [("k", "a"), ("k", "b"), ("k", "c")])
    assert {key: _parsed(row) for key, row in found.items()} == {
        ("k", "a"): (1, {"n": 1}),
        ("k", "b"): (1, {"n": 2}),
    }
    assert plain.loads == 3


def test_a_large_commit_is_written_whole_or_not_at_all(database: Database) -> None:
    """More documents, index entries and events than one statement takes on SQLite."""
    keys = [f"d-{n}" for n in range(1_100)]
    entries = (("colour", "red"), ("size", "L"))
    seqs = database.write(
        [NewDocument("k", key, {"n": 0}, entries) for key in keys], [], _events(*keys)
    )
    assert len(seqs) == 1_100
    assert seqs == sorted(seqs)
    assert [event_id for _, event_id, _, _ in database.events_after(0, 2_000)] == keys
    assert database.find("k", "size", equal="L") == keys
    stale = [ChangedDocument("k", key, 1, {"n": 1}, (("colour", "blue"),)) for key in keys]
    database.write([], [stale[700]], [])  # d-700 moves to version 2
    with pytest.raises(ConcurrencyError, match=r"k 'd-700'.*loaded version 1, stored 2"):
        database.write([NewDocument("k", "late", {"n": 0})], stale, _events("x"))
    assert database.load("k", "late") is None
    assert database.find("k", "colour", equal="blue") == ["d-700"]
    assert [event_id for _, event_id, _, _ in database.events_after(seqs[-1])] == []
    with pytest.raises(ConcurrencyError, match="added concurrently") as refused:
        database.write([NewDocument("k", "new", {}), NewDocument("k", "d-900", {})], [], [])
    assert "d-900" in str(refused.value)
    assert database.load("k", "new") is None
    fresh = [ChangedDocument("k", key, 1, {"n": 1}, ()) for key in keys if key != "d-700"]
    database.write([], fresh, [])
    assert database.find("k", "colour", equal="red") == []
    assert database.find("k", "size") == []
    found = database.load("k", "d-1")
    assert found is not None
    assert _parsed(found) == (2, {"n": 1})


def _write_in_a_thread(database: Database, change: ChangedDocument) -> tuple[Any, list[object]]:
    import threading

    outcome: list[object] = []

    def write() -> None:
        try:
            database.write([], [change], [])
            outcome.append("written")
        except ConcurrencyError as error:
            outcome.append(error)

    thread = threading.Thread(target=write)
    thread.start()
    return thread, outcome


def test_a_database_holding_the_writers_keeps_every_other_write_out_until_its_own(
    database: Database,
) -> None:
    assert isinstance(database, HoldsWriters)
    database.write([NewDocument("k", "a", {"n": "first"})], [], [])
    database.hold_writers()
    assert _parsed(database.load("k", "a") or (0, None)) == (1, {"n": "first"})
    theirs, outcome = _write_in_a_thread(database, ChangedDocument("k", "a", 1, {"n": "theirs"}))
    theirs.join(timeout=1.0)  # it waits: without the hold it would commit here
    assert outcome == []
    database.write([], [ChangedDocument("k", "a", 1, {"n": "mine"})], [])  # cannot conflict
    theirs.join()
    (refused,) = outcome
    assert isinstance(refused, ConcurrencyError)  # it read version 1: the hold's write won
    assert _parsed(database.load("k", "a") or (0, None)) == (2, {"n": "mine"})
    database.write([], [ChangedDocument("k", "a", 2, {"n": "after"})], [])  # let go


def test_writers_let_go_without_a_write_commit_as_before(database: Database) -> None:
    assert isinstance(database, HoldsWriters)
    database.write([NewDocument("k", "a", {"n": "first"})], [], [])
    database.hold_writers()
    theirs, outcome = _write_in_a_thread(database, ChangedDocument("k", "a", 1, {"n": "theirs"}))
    theirs.join(timeout=0.2)
    database.release_writers()
    database.release_writers()  # nothing held: nothing happens
    theirs.join()
    assert outcome == ["written"]
    assert _parsed(database.load("k", "a") or (0, None)) == (2, {"n": "theirs"})
