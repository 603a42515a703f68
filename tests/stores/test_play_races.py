"""Real concurrency for lotteries, on a SQLite file and on PostgreSQL: OS processes over
one database draw a lottery whose every roll hits its prize: its stock is never exceeded,
every other draw gets the consolation prize and every reward is granted once; one
customer drawing from every process at once keeps their draw limit, and the budget holds."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from merx import play
from merx.errors import MerxError
from merx.kernel.ids import CustomerId
from merx.kernel.money import Money
from merx.play.lottery import LotteryEntrant
from tests.stores.test_races import PROCESSES, race, shop, target

__all__ = ["target"]  # the fixture: a SQLite file, or a fresh PostgreSQL schema

STOCK = 4


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def setup(path: str, *, stock: int = STOCK, budget: str = "1000.00", **limits: int) -> None:
    """A live lottery: one prize (probability 1: every roll hits it) worth 10 points,
    ``stock`` of them, 50.00 each against ``budget``; the consolation: 1 point."""
    app = shop(path)
    prize = play.Prize("bike", Decimal(1), stock, cny("50.00"), play.Reward.points_of(10))
    spec = play.LotterySpec(
        "race", "Race", (prize,), cny(budget), "seed", play.Reward.points_of(1), **limits
    )
    app.handle(play.DefineLottery(spec))
    app.handle(play.OpenLottery("race"))
    app.close()  # the relay's lease goes: the racers' relays deliver what they commit


def draw(path: str, worker: int, customers: list[str]) -> Counter[str]:
    """Each customer (of the worker's, or shared) draws once; the outcome of each."""
    app = shop(path)
    outcomes: Counter[str] = Counter()
    for customer in customers:
        who = customer.format(worker=worker)
        try:
            outcomes[app.handle(play.DrawLottery("race", CustomerId(who))).outcome.value] += 1
        except MerxError as error:
            outcomes[type(error).__name__] += 1
    app.close()  # the relay's lease goes, for the next process to deliver the rest
    return outcomes


def granted(path: str) -> Counter[str]:
    """The grants, once every event committed is delivered."""
    app = shop(path)
    app.relay.deliver()
    with app.unit_of_work() as uow:
        repo = uow.repo(play.RewardGrant)
        grants = Counter(repo.get(key).status.value for key in repo.ids())
    app.close()
    return grants


def test_processes_racing_for_the_last_prizes_never_exceed_the_stock(target: str) -> None:
    setup(target)
    customers = [f"w{{worker}}-{k}" for k in range(3)]
    total: Counter[str] = sum(race(draw, target, customers), Counter())  # type: ignore[arg-type]
    assert total == Counter({"prize": STOCK, "consolation": PROCESSES * 3 - STOCK}), total
    lottery = shop(target).get(play.Lottery, "race")
    assert lottery.given == {"bike": STOCK}
    assert lottery.spent == cny("200.00")
    assert granted(target) == Counter({"granted": PROCESSES * 3})


def test_one_customer_from_every_process_keeps_the_draw_limit_and_the_budget(
    target: str,
) -> None:
    setup(target, budget="100.00", draws_in_all=3)  # two bikes' worth, three draws
    total: Counter[str] = sum(race(draw, target, ["alice", "alice"]), Counter())  # type: ignore[arg-type]
    assert total == Counter(
        {"prize": 2, "consolation": 1, "DrawLimitReached": PROCESSES * 2 - 3}
    ), total
    app = shop(target)
    assert app.get(LotteryEntrant, "race/alice").draws_in_all == 3
    assert app.get(play.Lottery, "race").spent == cny("100.00")
