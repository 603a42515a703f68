"""Instructions per quote and per golden-path order, counted by valgrind's callgrind.

On a shared machine wall time drifts by tens of percent within minutes; instruction counts
repeat to the million. Each figure is the difference of two run lengths (so start-up and
set-up cancel out), with the collector off and a fixed hash seed.

Run: ``python benchmarks/count_instructions.py [--decisions] [TREE ...]``, where each TREE
is a checkout of merx (default: this one); every tree is measured in the same run with the
same interpreter, for a before/after comparison, e.g. against ``git worktree add
/tmp/before <commit>``. ``--decisions`` counts instructions per ``app.decide`` instead
(bench_decisions' scenario through the in-memory and the stored tag ports). Needs
``valgrind`` on the PATH. Figures are printed, never asserted.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

QUOTES = """
import gc, sys
sys.path.insert(0, sys.argv[2])
import bench_quote as b
gc.disable()
carts = [b.scenario(seed, 10, 8, 12) for seed in range(50)]
customer = b.Customer("u1", new_user=False)
for lines, promotions, coupons in carts:  # warm: definitions prepared once
    b.quote(lines, promotions, coupons, customer, b.AT, "card")
for _ in range(int(sys.argv[1])):
    for lines, promotions, coupons in carts:
        b.quote(lines, promotions, coupons, customer, b.AT, "card")
"""

ORDERS = """
import gc, sys
sys.path.insert(0, sys.argv[2])
import bench_golden_path as b
gc.disable()
app, people = b.prepare(320)
for cid in people[:20]:  # warm
    b.golden_path(app, cid)
for cid in people[20 : 20 + int(sys.argv[1])]:
    b.golden_path(app, cid)
"""

DECISIONS = """
import gc, sys
sys.path.insert(0, sys.argv[2])
import bench_decisions as b
from merx.app import build_memory_app
gc.disable()
ids = [f"u{n}" for n in range(50)]
if sys.argv[3] == "memory":
    app = b.prepared(50)
else:
    app = b.stored(build_memory_app(check_views=False), 50)
for subject in ids:  # warm: the version compiled, the catalog read
    app.decide("homepage.popup", subject, {"channel": "app"}, caller="homepage")
for _ in range(int(sys.argv[1])):
    for subject in ids:
        app.decide("homepage.popup", subject, {"channel": "app"}, caller="homepage")
"""

#: The same on a SQLite file (``synchronous=NORMAL``: a commit's fsync is no instruction
#: anyway): merx's Python around the database, and SQLite's own work, which grows with
#: the file if a statement scans a table. Fewer orders: each costs ~10x a memory one.
ORDERS_SQLITE = """
import gc, sys, tempfile
from datetime import UTC, datetime
from pathlib import Path
sys.path.insert(0, sys.argv[2])
import bench_golden_path as b
from merx.adapters.memory import FixedClock, SequentialIds
from merx.app import build_sqlite_app
gc.disable()
path = Path(tempfile.mkdtemp()) / "shop.db"
clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
store = build_sqlite_app(path, clock=clock, ids=SequentialIds(), synchronous="NORMAL")
app, people = b.prepare(140, store)
for cid in people[:20]:  # warm
    b.golden_path(app, cid)
for cid in people[20 : 20 + int(sys.argv[1])]:
    b.golden_path(app, cid)
"""


def instructions(tree: Path, script: str, units: int, *more: str) -> int:
    """Instructions callgrind counts for ``script`` run on ``tree`` with ``units`` units."""
    env = {**os.environ, "PYTHONPATH": str(tree / "src"), "PYTHONHASHSEED": "0"}
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    done = subprocess.run(
        [*command, sys.executable, "-c", script, str(units), str(tree / "benchmarks"), *more],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    assert found is not None, done.stderr[-2000:]
    return int(found.group(1))


def per_unit(tree: Path, script: str, low: int, high: int, *more: str) -> float:
    high_count = instructions(tree, script, high, *more)
    return (high_count - instructions(tree, script, low, *more)) / (high - low)


def decisions(trees: list[Path]) -> None:
    """Instructions per ``app.decide`` (bench_decisions' scenario), through the in-memory
    tag ports and through the default stored tag ports of a memory app. Each tree's
    ``src`` runs this tree's benchmarks (an older tree's bench may lack the stored run)."""
    print("instructions (thousands) per app.decide: in-memory tag ports, stored tag ports")
    for tree in trees:
        figures = [
            per_unit(tree, DECISIONS.replace("sys.argv[2]", repr(str(HERE))), 1, 3, ports) / 50
            for ports in ("memory", "stored")
        ]
        print(f"{figures[0] / 1e3:7.1f} memory ports  {figures[1] / 1e3:7.1f} stored ports  {tree}")


def main() -> None:
    args = sys.argv[1:]
    if args[:1] == ["--decisions"]:
        decisions([Path(arg).resolve() for arg in args[1:]] or [HERE.parent])
        return
    trees = [Path(arg).resolve() for arg in args] or [HERE.parent]
    print(
        "instructions (millions): a 10-line quote with 20 candidates; a golden-path order "
        "in memory; one on a SQLite file"
    )
    for tree in trees:
        quote = per_unit(tree, QUOTES, 1, 3) / 50  # 50 carts a round
        order = per_unit(tree, ORDERS, 100, 300)
        on_sqlite = per_unit(tree, ORDERS_SQLITE, 40, 120)
        print(
            f"{quote / 1e6:7.2f} per quote  {order / 1e6:7.2f} per order  "
            f"{on_sqlite / 1e6:7.2f} per order on SQLite  {tree}"
        )


if __name__ == "__main__":
    main()
