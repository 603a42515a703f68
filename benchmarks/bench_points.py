"""What one points movement writes, as the account ages, on a SQLite file.

A customer earns a reward (``EarnPoints``) after ``age`` earlier movements; printed for
each age: the size of the account's document after it (JSON bytes), the bytes the
movement's commit wrote (the account and its new entry record), and the wall time of the
command (p50 of ``repeats``). Two histories: ``spent``, rewards earned and spent on orders
in turn (their lots close), and ``unspent``, rewards never spent (every lot stays open:
the account's worst case). Before schema 11 the account held every entry, so its
document, and every movement's write, grew with its age whatever the history; now they
grow only with the lots still open.

Run: ``python benchmarks/bench_points.py [--ages 10,1000,10000] [--repeats 50]``.
Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from merx import points
from merx.adapters.memory import FixedClock
from merx.adapters.sqlite import SqliteDatabase
from merx.app import StoredApp, build_sqlite_app
from merx.kernel.ids import CustomerId

AT = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
ALICE = CustomerId("alice")


def _size(database: Any, kind: str, key: str) -> int:
    stored = database.load(kind, key)
    assert stored is not None
    text = stored[1] if isinstance(stored[1], str) else json.dumps(stored[1])
    return len(text.encode())


def one_age(app: StoredApp, age: int, repeats: int, *, spent: bool) -> tuple[int, int, float]:
    """After ``age`` movements: the account's size, one movement's bytes written and
    its p50 in ms."""
    with app.unit_of_work() as uow:  # the history, written in one commit
        book = points.PointsBook(uow, ALICE)
        made = book.account.entry_count
        for n in range(made, age):
            if spent and n % 2:
                book.spend(book.account.balance, f"order-{n}", AT)
            else:
                book.earn(1, "history", str(n), None, AT)
        book.stage()
        uow.commit()
    times: list[float] = []
    for n in range(repeats):
        start = time.perf_counter()
        app.handle(points.EarnPoints(ALICE, 1, "bench", f"{age}-{n}"))
        times.append((time.perf_counter() - start) * 1000)
    database = app.database
    account = _size(database, "points.PointsAccount", ALICE)
    record = _size(database, "points.PointsRecord", f"{ALICE}/earned:bench:{age}-0")
    return account, account + record, statistics.median(times)


def run(
    ages: Sequence[int], repeats: int, folder: Path, *, spent: bool = True
) -> list[tuple[int, int, int, float]]:
    history = "spent" if spent else "unspent"
    app = build_sqlite_app(folder / f"{history}.db", clock=FixedClock(AT), synchronous="NORMAL")
    assert isinstance(app.database, SqliteDatabase)
    rows = []
    for age in sorted(ages):
        account, written, p50 = one_age(app, age, repeats, spent=spent)
        rows.append((age, account, written, p50))
        print(
            f"{history:>7} history, after {age:>6} entries: account {account:>7} B, "
            f"a movement writes {written:>7} B, p50 {p50:.2f} ms"
        )
    app.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ages", default="10,1000,10000")
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        ages = [int(age) for age in args.ages.split(",")]
        run(ages, args.repeats, Path(folder), spent=True)
        run(ages, args.repeats, Path(folder), spent=False)


if __name__ == "__main__":
    main()
