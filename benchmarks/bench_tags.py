"""Tag recompute: the built-in user tags of 100,000 users at an instant, from the facts of
a simulated day of 10,000 orders (paid orders with 1-3 categories, a fifth of them
completed, 3% refunded, some installment plans and credit grades), on one core.

Two paths, each timed whole:

* batch: :func:`merx.tags.recompute` from the day's facts (the backfill/recompute path);
* realtime: each fact folded into its user's :class:`merx.tags.UserActivity` (what the
  subscriber does per event, without the store), then every user's tags read at the
  instant (users with no activity read as a fresh activity would).

Issue 16's goal: < 10 s for the recompute. Also printed: reads per second of
:func:`merx.tags.values_of` on the memory app (what a decision reads per subject).
Windows longer than the day simply see less. The facts are built directly: turning
events into facts (one order read per event) is the subscriber's cost and is not part
of the recompute.

Run: ``python benchmarks/bench_tags.py [users] [orders]``. Figures are printed, never
asserted.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from merx.adapters.memory import FixedClock
from merx.app import build_memory_app
from merx.kernel.ids import CustomerId
from merx.tags import (
    CreditGradeFact,
    Fact,
    InstallBuiltinTags,
    InstallmentFact,
    OrderCompletedFact,
    OrderPaidFact,
    RefundFact,
    Subject,
    SubjectTags,
    UserActivity,
    recompute,
    tag_catalog,
    values_of,
)
from merx.tags.model import HeldValue

DAY = datetime(2026, 6, 1, tzinfo=UTC)
CATEGORIES = ("phone", "shirt", "shoes", "books", "tea", "toys", "food", "garden")


def users_of(count: int) -> list[CustomerId]:
    return [CustomerId(f"u{n}") for n in range(count)]


def simulated_day(users: list[CustomerId], orders: int, seed: int = 16) -> list[Fact]:
    """The facts of one day of ``orders`` orders by random ``users``, in time order."""
    rng = random.Random(seed)
    facts: list[Fact] = []
    for n in range(orders):
        user = rng.choice(users)
        at = DAY + timedelta(seconds=rng.randrange(86_400 - 3_600))
        lines = tuple(
            (category, Decimal(rng.randrange(100, 50_000)).scaleb(-2))
            for category in rng.sample(CATEGORIES, rng.randint(1, 3))
        )
        spend = sum((amount for _, amount in lines), Decimal(0))
        facts.append(OrderPaidFact(f"paid:o{n}", user, at, spend, lines))
        if rng.random() < 0.2:
            facts.append(OrderCompletedFact(f"completed:o{n}", user, at + timedelta(minutes=30)))
        if rng.random() < 0.03:
            facts.append(RefundFact(f"refund:o{n}", user, at + timedelta(minutes=50), spend))
        if rng.random() < 0.05:
            facts.append(InstallmentFact(f"plan:o{n}", user))
            facts.append(CreditGradeFact(f"grade:{user}", user, rng.choice("ABC")))
    facts.sort(key=lambda fact: getattr(fact, "at", DAY))
    return facts


def bench_batch(users: list[CustomerId], facts: list[Fact], at: datetime) -> float:
    started = time.perf_counter()
    values = recompute(facts, users, at)
    elapsed = time.perf_counter() - started
    assert len(values) == len(users)
    return elapsed


def bench_realtime(users: list[CustomerId], facts: list[Fact], at: datetime) -> float:
    started = time.perf_counter()
    activities: dict[CustomerId, UserActivity] = {}
    for fact in facts:
        activity = activities.get(fact.customer_id)
        if activity is None:
            activity = activities[fact.customer_id] = UserActivity(id=fact.customer_id)
        activity.apply(fact)
    values = {
        user: (activities.get(user) or UserActivity(id=user)).tag_values(at) for user in users
    }
    elapsed = time.perf_counter() - started
    assert len(values) == len(users)
    return elapsed


def bench_reads(reads: int) -> float:
    """Reads per second of ``values_of`` on the memory app (the catalog read once), each
    user with an activity of a few days and two pushed attributes."""
    app = build_memory_app(clock=FixedClock(DAY), check_views=False)
    app.handle(InstallBuiltinTags())
    users = users_of(reads)
    facts = simulated_day(users, reads)
    with app.unit_of_work() as uow:
        repo = uow.repo(UserActivity)
        for user in users:
            repo.add(UserActivity(id=user))
        for fact in facts:
            repo.get(fact.customer_id).apply(fact)
        uow.commit()
    with app.unit_of_work() as uow:
        for user in users:
            held = SubjectTags.of(Subject.user(user))
            held.held["gender"] = HeldValue("female", DAY)
            held.held["region"] = HeldValue("CN-31", DAY)
            uow.repo(SubjectTags).add(held)
        uow.commit()
    at = DAY + timedelta(days=1)
    started = time.perf_counter()
    with app.unit_of_work() as uow:
        catalog = tag_catalog(uow)
        for user in users:
            values_of(uow, Subject.user(user), at, catalog)
    return reads / (time.perf_counter() - started)


def run(users_count: int, orders: int) -> tuple[float, float]:
    users = users_of(users_count)
    facts = simulated_day(users, orders)
    at = DAY + timedelta(days=1)
    batch = bench_batch(users, facts, at)
    realtime = bench_realtime(users, facts, at)
    print(
        f"tags: {users_count:,} users, {orders:,} orders ({len(facts):,} facts): "
        f"batch recompute {batch:.2f} s, realtime fold and read {realtime:.2f} s (goal < 10 s)"
    )
    reads = bench_reads(min(users_count, 20_000))
    print(f"tags: values_of on the memory app, the catalog read once: {reads:,.0f} reads/s")
    return batch, realtime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("users", nargs="?", type=int, default=100_000)
    parser.add_argument("orders", nargs="?", type=int, default=10_000)
    arguments = parser.parse_args()
    run(arguments.users, arguments.orders)


if __name__ == "__main__":
    main()
