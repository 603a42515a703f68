"""Lottery draws on the memory app, through ``app.handle``: each draw reads the lottery
and the customer's entrant, rolls (HMAC of the seed and the draw id), records the draw
and, the event dispatched, grants its reward (points into the customer's account) once.

The lottery: three prizes (1%, 5% and 20%, with stock and a budget) and a consolation of
points for the rest, at most 5 draws per customer a day; ``customers`` customers draw in
turn. Issue 17's goal: a draw's p50 < 0.5 ms. Printed: p50 and p99 of ``draws`` draws
(wall time, noisy on a shared machine), and with ``--instructions`` the instructions per
draw counted by valgrind's callgrind (the difference of two run lengths, so set-up cancels
out; needs ``valgrind`` on the PATH), which repeat to the thousand.

Run: ``python benchmarks/bench_play.py [--draws N] [--customers N] [--instructions]``.
Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from count_instructions import per_unit

from merx import play
from merx.adapters.memory import FixedClock
from merx.app import MemoryApp, build_memory_app
from merx.kernel.ids import CustomerId
from merx.kernel.money import Money

AT = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
HERE = Path(__file__).resolve().parent


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def prepare(customers: int) -> tuple[MemoryApp, list[CustomerId]]:
    """A memory app with a live lottery, and the customers who draw."""
    app = build_memory_app(clock=FixedClock(AT), check_views=False)
    prizes = (
        play.Prize("phone", Decimal("0.01"), 20, cny("2999.00"), play.Reward.points_of(5000)),
        play.Prize("mug", Decimal("0.05"), 500, cny("20.00"), play.Reward.points_of(200)),
        play.Prize("tea", Decimal("0.2"), 5000, cny("5.00"), play.Reward.points_of(50)),
    )
    spec = play.LotterySpec(
        "bench", "Bench wheel", prizes, cny("100000.00"), "bench-seed",
        play.Reward.points_of(1), draws_per_day=5,
    )  # fmt: skip
    app.handle(play.DefineLottery(spec))
    app.handle(play.OpenLottery("bench"))
    return app, [CustomerId(f"u{n}") for n in range(customers)]


def draw(app: MemoryApp, customer: CustomerId) -> play.DrawResult:
    return app.handle(play.DrawLottery("bench", customer))


def timed(draws: int, customers: int) -> list[float]:
    """Seconds per draw, ``draws`` draws by the customers in turn (after 200 to warm)."""
    app, people = prepare(customers)
    for n in range(200):
        draw(app, people[n % len(people)])
    seconds: list[float] = []
    for n in range(200, 200 + draws):
        start = time.perf_counter()
        draw(app, people[n % len(people)])
        seconds.append(time.perf_counter() - start)
    return seconds


SCRIPT = """
import gc, sys
sys.path.insert(0, sys.argv[2])
import bench_play as b
gc.disable()
app, people = b.prepare(1000)
for n in range(50):  # warm
    b.draw(app, people[n])
for n in range(50, 50 + int(sys.argv[1])):
    b.draw(app, people[n])
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--draws", type=int, default=5000)
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--instructions", action="store_true")
    args = parser.parse_args()
    seconds = sorted(timed(args.draws, args.customers))
    p50 = statistics.median(seconds) * 1e3
    p99 = seconds[int(len(seconds) * 0.99) - 1] * 1e3
    print(f"lottery draw through app.handle: p50 {p50:.3f} ms, p99 {p99:.3f} ms ({args.draws})")
    if args.instructions:
        low, high = 20, 120
        per_draw = per_unit(HERE.parent, SCRIPT, low, high)
        print(f"instructions per draw: {per_draw / 1e3:,.0f} thousand")


if __name__ == "__main__":
    main()
