"""The day of trade on a database (issue 13, item 5): a day traded in several runs over one
database reports exactly what one run reports, on SQLite and, when ``MERX_TEST_POSTGRES``
names a server, on PostgreSQL; a run that cannot go on exactly is refused."""

from __future__ import annotations

import io
import json
import os
import secrets
import signal
import sqlite3
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
import resumable
import simulate

#: A fresh database for one run of the simulation: the ``--store``/``--db`` arguments.
Fresh = Callable[[], list[str]]

POSTGRES_DSN = os.environ.get("MERX_TEST_POSTGRES")


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param(
            "postgres",
            marks=pytest.mark.skipif(
                not POSTGRES_DSN, reason="MERX_TEST_POSTGRES names no PostgreSQL server"
            ),
        ),
    ]
)
def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Fresh]:
    if request.param == "sqlite":
        paths = (tmp_path / f"day-{n}.db" for n in range(100))
        yield lambda: ["--store", "sqlite", "--db", str(next(paths))]
        return
    yield from _postgres_databases(str(POSTGRES_DSN))


def _postgres_databases(dsn: str) -> Iterator[Fresh]:
    """Each call creates an empty database on the server of ``dsn``; all dropped after."""
    psycopg: Any = pytest.importorskip("psycopg")
    made: list[str] = []
    with psycopg.connect(dsn, autocommit=True) as admin:

        def create() -> list[str]:
            name = f"merx_day_{secrets.token_hex(6)}"
            admin.execute(f'CREATE DATABASE "{name}"')
            made.append(name)
            return ["--store", "postgres", "--db", psycopg.conninfo.make_conninfo(dsn, dbname=name)]

        yield create
        for name in made:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any], str]:
    """The exit code, the JSON report (if any) and what went to stderr."""
    code = simulate.main([*args, "--json", "--quiet"])
    out, err = capsys.readouterr()
    return code, json.loads(out) if out else {}, err


def report(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    """The report of a run that must succeed, without the run's own figures (time, store)."""
    code, result, err = run(capsys, *args)
    assert code == 0, (result, err)
    del result["run"]
    return result


def test_a_day_in_two_halves_over_one_database_reports_what_one_run_reports(
    fresh: Fresh, capsys: pytest.CaptureFixture[str]
) -> None:
    one = report(capsys, *fresh(), "--orders", "300", "--seed", "7")
    halves = fresh()
    first = report(capsys, *halves, "--orders", "300", "--seed", "7", "--stop-after", "150")
    assert first["orders"] < one["orders"]  # the first half stopped part-way
    second = report(capsys, *halves, "--resume")
    assert second == one
    assert one["checks"] == {"problems": [], "ok": True}
    assert one["orders"] >= 270
    # the same core on the memory store reports the same day too
    assert report(capsys, "--store", "memory", "--orders", "300", "--seed", "7") == one


def test_a_day_stopped_anywhere_goes_on_exactly(
    fresh: Fresh, capsys: pytest.CaptureFixture[str]
) -> None:
    in_memory = report(capsys, "--store", "memory", "--orders", "40", "--seed", "3")
    pieces = fresh()
    report(capsys, *pieces, "--orders", "40", "--seed", "3", "--stop-after", "1")
    report(capsys, *pieces, "--resume", "--stop-after", "26")
    assert report(capsys, *pieces, "--resume") == in_memory


def test_ctrl_c_stops_after_the_order_under_way_and_the_day_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    class InterruptedAt(resumable.Progress):
        def __call__(self, done: int) -> None:
            if done == 17:
                signal.raise_signal(signal.SIGINT)  # the handler asks the run to stop

    db = str(tmp_path / "day.db")
    options = simulate.parse(["--db", db, "--orders", "40"])
    before = signal.getsignal(signal.SIGINT)
    outcome = simulate.simulate(options, InterruptedAt(io.StringIO()))
    assert (outcome.interrupted, outcome.done) == (True, 17)
    assert signal.getsignal(signal.SIGINT) is before  # the handler is given back
    resumed = report(capsys, "--db", db, "--resume")
    assert resumed == report(capsys, "--store", "memory", "--orders", "40")


def test_runs_that_cannot_go_on_exactly_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "day.db")
    common = ["--db", db]
    assert run(capsys, *common, "--resume")[::2] == (
        2,
        f"simulate: {db} does not exist: there is no run to resume\n",
    )
    report(capsys, *common, "--orders", "6", "--stop-after", "3")
    code, _, err = run(capsys, *common, "--resume", "--seed", "2")
    assert (code, err) == (2, f"simulate: the run in {db} was started with --seed 1, not 2\n")
    report(capsys, *common, "--resume")
    code, _, err = run(capsys, *common, "--resume")
    assert (code, err) == (
        2,
        f"simulate: the day in {db} is over (6 orders): start a new run instead\n",
    )
    with sqlite3.connect(db) as killed:  # as a run killed while trading leaves its record
        row = killed.execute("SELECT document FROM merx_documents WHERE id = 'run'").fetchone()
        document = {**json.loads(row[0]), "status": "running"}
        killed.execute(
            "UPDATE merx_documents SET document = ? WHERE id = 'run'", (json.dumps(document),)
        )
    code, _, err = run(capsys, *common, "--resume")
    assert code == 2
    assert "it was running when it was killed or failed): it cannot go on exactly" in err


def test_a_fresh_run_replaces_an_earlier_simulation_but_no_other_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "day.db"
    report(capsys, "--db", str(db), "--orders", "5")
    again = report(capsys, "--db", str(db), "--orders", "5")
    assert again["orders"] <= 5  # made anew, not added to
    other = tmp_path / "notes.db"
    with sqlite3.connect(other) as db_of_someone_else:
        db_of_someone_else.execute("CREATE TABLE notes (text TEXT)")
    code, _, err = run(capsys, "--db", str(other), "--orders", "5")
    assert (code, err) == (
        2,
        f"simulate: {other} exists and is not a merx simulation: choose another --db\n",
    )
    assert other.exists()


def test_the_memory_store_keeps_nothing_to_resume() -> None:
    with pytest.raises(SystemExit) as refused:
        simulate.parse(["--store", "memory", "--resume"])
    assert refused.value.code == 2


# -- progress -----------------------------------------------------------------------------


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_a_bar_on_a_terminal_and_plain_lines_elsewhere() -> None:
    ticks = iter(float(n) for n in range(1000))
    terminal = Terminal()
    bar = resumable.Progress(terminal, now=lambda: next(ticks))
    bar.start(0, 50, 100)
    for done in range(1, 51):
        bar(done)
    bar.say("reconciling")
    drawn = terminal.getvalue()
    assert drawn.startswith("\r[")
    assert "\r[###############...............] 50/100 orders  1/s  eta 0s \n" in drawn
    assert drawn.endswith("simulate: reconciling\n")

    log = io.StringIO()
    lines = resumable.Progress(log, now=lambda: next(ticks))
    lines.start(50, 100, 100)
    for done in range(51, 101):
        lines(done)
    written = log.getvalue().splitlines()
    assert len(written) == 10  # one line at each tenth of the run
    assert written[-1] == "simulate: 100/100 orders, 1 orders/s"
    assert "\r" not in log.getvalue()

    quiet = io.StringIO()
    silent = resumable.Progress(quiet, quiet=True)
    silent.start(0, 10, 10)
    silent(10)
    silent.say("nothing")
    assert quiet.getvalue() == ""
