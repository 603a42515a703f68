"""What counting quotes costs the quote path (issue 18: the funnel's quote step).

``App.quote`` is a read; with the facts collector subscribed to ``checkout.QuoteMade`` it
also mints a quote id, builds the event, publishes it and hands it to the collector (in a
unit of work never committed), which maps it to ``quote.made`` facts and adds them to the
memory facts store. A small simulated world (examples/simulate.py), one customer with a
phone and two cases in the cart: the quote's CPU time without the collector and with it
(best of three rounds of ``quotes`` quotes each).

Run: ``python benchmarks/bench_quote_funnel.py [quotes]``. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from merx import checkout
from merx.adapters.memory import FixedClock
from merx.adapters.memory.facts import MemoryFactStore
from merx.app.data import collect_facts

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
import simulate


def quote_seconds(quotes: int, *, collect: bool) -> tuple[float, int]:
    """CPU seconds per quote (best of three rounds) and the facts the store then holds."""
    world = simulate.World(6, seed=18, clock=FixedClock(simulate.START))
    store = MemoryFactStore()
    if collect:
        collect_facts(world.app.bus, store, world.clock)
    world.build()
    customer, _ = world.customer()
    world.app.handle(checkout.AddToCart(customer, world.phones[0], 1))
    world.app.handle(checkout.AddToCart(customer, world.cases[0], 2))
    world.app.quote(customer)
    rounds = []
    for _ in range(3):
        began = time.process_time()
        for _ in range(quotes):
            world.app.quote(customer)
        rounds.append((time.process_time() - began) / quotes)
    return min(rounds), len(store.facts(start_us=0, end_us=2**62, kinds=("quote.made",)))


def run(quotes: int) -> dict[str, float]:
    """Seconds per quote, ``plain`` and ``collected``."""
    plain, none = quote_seconds(quotes, collect=False)
    collected, facts = quote_seconds(quotes, collect=True)
    assert none == 0 < facts
    return {"plain": plain, "collected": collected}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("quotes", type=int, nargs="?", default=500)
    seconds = run(parser.parse_args().quotes)
    for name, spent in seconds.items():
        print(f"quote, {name:<10} {spent * 1e6:8.0f} us CPU")
    extra = seconds["collected"] - seconds["plain"]
    print(f"counting a quote adds {extra * 1e6:.0f} us CPU")


if __name__ == "__main__":
    main()
