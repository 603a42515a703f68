"""What lets a long simulation over a database stop and go on (``examples/simulate.py``).

* :class:`RunRecord`: the run's place, kept in the store beside merx's documents;
* :func:`outside_world`: the sandboxes standing for the outside world, kept with it;
* :func:`make_room`: a fresh run's SQLite file, replacing only an earlier simulation's;
* :class:`Progress`: a bar on a terminal, plain lines elsewhere;
* :func:`interruptible`: Ctrl-C stops after the order under way, so the place can be kept.
"""

from __future__ import annotations

import base64
import contextlib
import json
import pickle
import signal
import sqlite3
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from merx.adapters.documents import ChangedDocument, DocumentDatabase, NewDocument
from merx.app import App
from merx.errors import ConcurrencyError

# -- the run's place, kept in the store ---------------------------------------------------


class Refused(Exception):
    """What the command line was asked cannot be done; the message says why."""


#: The simulation's own documents, stored beside merx's through the store's document port.
RECORD_KIND = "simulation"
#: The sandboxes of a merx that stand for the outside world (see :func:`outside_world`).
SANDBOXES = (
    "gateways",
    "logistics",
    "consignment",
    "payout",
    "funders",
    "virtual_suppliers",
    "scorer",
    "risk",
    "channel_health",
)


class RunRecord:
    """Where a day traded over a database stands, kept in that database: ``simulation/run``
    (the options, the orders done, the clock's instant, the id counters, the tally, the
    world's names) and ``simulation/outside`` (the sandboxes). Both are written in one
    transaction with the store's version check, so two processes cannot both go on with
    one run (the second gets :class:`~merx.errors.ConcurrencyError`)."""

    def __init__(self, database: DocumentDatabase) -> None:
        self._database = database
        self._versions: dict[str, int] = {}

    def load(self, key: str) -> Any | None:
        row = self._database.load(RECORD_KIND, key)
        if row is None:
            return None
        self._versions[key], document = row
        # A database may hand back the JSON text undecoded (the unit of work decodes only
        # what its cache lacks); the record decodes its own.
        return json.loads(document) if isinstance(document, str | bytes) else document

    def save(self, run: dict[str, Any], outside: dict[str, str] | None = None) -> None:
        documents = {"run": run} if outside is None else {"run": run, "outside": outside}
        new = [
            NewDocument(RECORD_KIND, key, document)
            for key, document in documents.items()
            if key not in self._versions
        ]
        changed = [
            ChangedDocument(RECORD_KIND, key, self._versions[key], document)
            for key, document in documents.items()
            if key in self._versions
        ]
        try:
            self._database.write(new, changed, [])
        except ConcurrencyError as error:
            raise Refused(f"another process goes on with this run ({error})") from error
        for key in documents:
            self._versions[key] = self._versions.get(key, 0) + 1


def outside_world(app: App) -> dict[str, str]:
    """The sandboxes standing for the outside world (payment channels, carriers, the
    consignment and top-up suppliers, the funder, the bank, risk control), as one document.

    They keep their books in this process only, and a run stopped between two orders
    leaves things in them: each channel's record of every payment (the report checks merx
    against it; a fresh channel answers ``UnknownPayment``), the counters that external
    references, tracking numbers and notification ids come from (fresh ones would mint
    ``alipay-000001`` a second time in one day), refund notices queued at the channel and
    taken at its next payment, outcomes scripted for an order that was refused before it
    used them, the funder's book. A run that stops keeps them with its place, so the next
    run faces the same outside world. They are test doubles with no serde, so they are
    pickled: resume only a file you made.
    """
    sandboxes = {name: getattr(app, name) for name in SANDBOXES}
    data = zlib.compress(pickle.dumps(sandboxes, protocol=pickle.HIGHEST_PROTOCOL))
    return {"format": "pickle, zlib, base64", "data": base64.b64encode(data).decode("ascii")}


def restore_outside_world(app: App, document: dict[str, str]) -> None:
    """Put the sandboxes of :func:`outside_world` back into ``app``'s own objects (its
    handlers hold those), each as it was."""
    sandboxes = pickle.loads(zlib.decompress(base64.b64decode(document["data"])))
    for name in SANDBOXES:
        _restore(getattr(app, name), sandboxes[name])


def _restore(target: Any, saved: Any) -> None:
    if isinstance(target, dict):
        for key, value in saved.items():
            if key in target:
                _restore(target[key], value)
            else:
                target[key] = value
    else:
        vars(target).update(vars(saved))


# -- a fresh file ------------------------------------------------------------------------


def make_room(path: Path) -> None:
    """Make way for a fresh run at ``path``: an earlier simulation's file there goes; any
    other file is refused."""
    if not path.exists():
        return
    if path.stat().st_size and not _holds_a_simulation(path):
        raise Refused(f"{path} exists and is not a merx simulation: choose another --db")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _holds_a_simulation(path: Path) -> bool:
    try:
        with contextlib.closing(
            sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        ) as db:
            row = db.execute(
                "SELECT 1 FROM merx_documents WHERE kind = ? AND id = 'run'", (RECORD_KIND,)
            ).fetchone()
    except sqlite3.DatabaseError:
        return False
    return row is not None


# -- progress -----------------------------------------------------------------------------


class Progress:
    """How far the run is, on ``stream``: a bar redrawn in place on a terminal, else a
    plain line at every tenth of the run; nothing when ``quiet``."""

    def __init__(
        self,
        stream: TextIO,
        *,
        quiet: bool = False,
        now: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._stream = stream
        self._quiet = quiet
        self._tty = stream.isatty()
        self._now = now
        self._first = self._stop = self._total = 0
        self._started = self._drawn = 0.0
        self._tenths = 0
        self._bar_shown = False  # the cursor is at the end of a drawn bar

    def say(self, text: str) -> None:
        if not self._quiet:
            self._end_bar()
            print(f"simulate: {text}", file=self._stream, flush=True)

    def start(self, first: int, stop: int, total: int) -> None:
        """Orders ``first`` to ``stop`` of a day of ``total`` are about to be traded."""
        self._first, self._stop, self._total = first, stop, total
        self._started = self._drawn = self._now()
        self._tenths = 0

    def __call__(self, done: int) -> None:
        if self._quiet:
            return
        now = self._now()
        ran, span = done - self._first, max(self._stop - self._first, 1)
        rate = ran / max(now - self._started, 1e-9)
        if self._tty:
            if now - self._drawn < 0.1 and done < self._stop:
                return
            self._drawn = now
            width = 30
            filled = width * done // max(self._total, 1)
            eta = (self._stop - done) / rate if rate else 0.0
            bar = "#" * filled + "." * (width - filled)
            line = f"\r[{bar}] {done}/{self._total} orders  {rate:.0f}/s  eta {_duration(eta)} "
            print(line, end="", file=self._stream, flush=True)
            self._bar_shown = True
        elif (tenths := 10 * ran // span) > self._tenths or done == self._stop:
            self._tenths = tenths
            print(
                f"simulate: {done}/{self._total} orders, {rate:.0f} orders/s",
                file=self._stream,
                flush=True,
            )

    def _end_bar(self) -> None:
        if self._bar_shown:
            print(file=self._stream, flush=True)
            self._bar_shown = False


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


@contextlib.contextmanager
def interruptible(enabled: bool, progress: Progress) -> Iterator[Callable[[], bool]]:
    """While trading, Ctrl-C asks the run to stop after the order under way, so its place
    can be kept (a second Ctrl-C stops at once, and that run cannot be resumed)."""
    asked: list[bool] = []
    if not enabled or threading.current_thread() is not threading.main_thread():
        yield lambda: False
        return

    def on_interrupt(signum: int, frame: FrameType | None) -> None:
        del signum, frame
        if asked:
            raise KeyboardInterrupt
        asked.append(True)
        progress.say("interrupted: the order under way finishes, then the run keeps its place")

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield lambda: bool(asked)
    finally:
        signal.signal(signal.SIGINT, previous)
