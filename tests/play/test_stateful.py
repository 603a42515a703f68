"""Stateful tests against reference models (the issue's "Must show"):

- lottery: draws of several customers interleaved at the unit-of-work level (each draw
  reads, then others commit, then it commits: a stale one loses with a conflict and is
  run again, as the bus does), days passing: no prize's stock and no budget is ever
  exceeded, each customer's per-day and in-all limits hold, and every committed draw gave
  what the model says its roll gives in the state it committed against;
- tasks: paid orders repeated and reordered, and earned rewards delivered again: each
  customer's weekly task completes once per week and its reward is granted exactly once.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from merx import play
from merx.errors import ConcurrencyError
from merx.kernel.ids import CustomerId, OrderId
from merx.kernel.uow import UnitOfWork
from merx.orders import OrderPaid
from merx.play import services as play_services
from merx.play.lottery import LotteryEntrant, entrant_id
from merx.play.tasks import period_of
from merx.points import points_balance
from tests.play.world import START, ForcedRolls, cny, deliver, grants, make_app, prize

CUSTOMERS = [CustomerId(f"c{k}") for k in range(4)]
PRIZES = (
    prize("A", "0.3", 2, "10.00", play.Reward.points_of(50)),
    prize("B", "0.2", 3, "25.00", play.Reward.points_of(80)),
)
SPEC = play.LotterySpec(
    "wheel", "Wheel", PRIZES, cny("60.00"), "seed", play.Reward.points_of(1),
    draws_per_day=2, draws_in_all=4,
)  # fmt: skip


class LotteryMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.app = make_app()
        self.app.handle(play.DefineLottery(SPEC))
        self.app.handle(play.OpenLottery("wheel"))
        self.pending: list[tuple[UnitOfWork, CustomerId, int]] = []
        self.given: Counter[str] = Counter()
        self.spent = Decimal("0")
        self.draws: Counter[CustomerId] = Counter()
        self.today: Counter[CustomerId] = Counter()

    @rule(customer=st.sampled_from(CUSTOMERS), roll=st.integers(0, play.ROLL_SCALE - 1))
    def begin_draw(self, customer: CustomerId, roll: int) -> None:
        """A draw reads the lottery and the entrant now and commits later."""
        uow = self.app.unit_of_work()
        uow.__enter__()
        uow.repo(play.Lottery).get("wheel")
        uow.repo(LotteryEntrant).find(entrant_id("wheel", customer))
        self.pending.append((uow, customer, roll))

    @precondition(lambda self: self.pending)
    @rule(data=st.data())
    def finish_draw(self, data: st.DataObject) -> None:
        uow, customer, roll = self.pending.pop(data.draw(st.integers(0, len(self.pending) - 1)))
        try:
            self.draw_in(uow, customer, roll)
        except ConcurrencyError:
            uow.__exit__(None, None, None)
            with self.app.unit_of_work() as fresh:  # the bus runs it again on fresh state
                self.draw_in(fresh, customer, roll)
        else:
            uow.__exit__(None, None, None)

    def draw_in(self, uow: UnitOfWork, customer: CustomerId, roll: int) -> None:
        limited = self.draws[customer] >= 4 or self.today[customer] >= 2
        try:
            result = play_services.draw_lottery(
                play.DrawLottery("wheel", customer), uow, clock=self.app.clock,
                randomness=ForcedRolls([roll]),
            )  # fmt: skip
        except play.DrawLimitReached:
            assert limited
            return
        assert not limited
        hit = SPEC.prize_hit(roll)
        if (
            hit is not None
            and self.given[hit.prize_id] < hit.stock
            and self.spent + hit.cost.amount <= SPEC.budget.amount
        ):
            assert (result.outcome, result.prize_id) == (play.Outcome.PRIZE, hit.prize_id)
            self.given[hit.prize_id] += 1
            self.spent += hit.cost.amount
        else:
            assert result.outcome is play.Outcome.CONSOLATION
        self.draws[customer] += 1
        self.today[customer] += 1

    @rule()
    def next_day(self) -> None:
        self.app.clock.advance(timedelta(days=1))
        self.today.clear()

    @invariant()
    def stock_budget_and_limits_hold(self) -> None:
        lottery = self.app.get(play.Lottery, "wheel")
        for prize_ in PRIZES:
            assert lottery.given.get(prize_.prize_id, 0) <= prize_.stock
        assert lottery.spent <= SPEC.budget
        assert lottery.spent.amount == sum(
            (p.cost.amount * lottery.given.get(p.prize_id, 0) for p in PRIZES), Decimal(0)
        )
        assert dict(lottery.given) == {k: v for k, v in self.given.items() if v}
        with self.app.unit_of_work() as uow:
            for customer in CUSTOMERS:
                entrant = uow.repo(LotteryEntrant).peek(entrant_id("wheel", customer))
                made = 0 if entrant is None else entrant.draws_in_all
                assert made == self.draws[customer] <= 4

    def teardown(self) -> None:
        for uow, _, _ in self.pending:
            uow.__exit__(None, None, None)


TestLotteryAgainstAModel = LotteryMachine.TestCase
TestLotteryAgainstAModel.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)


WEEKLY = play.TaskSpec(
    "weekly", "Place 2 orders this week", play.TaskTrigger.ORDER_PAID, 2, play.TaskWindow.WEEK,
    play.Reward.points_of(100),
)  # fmt: skip


class TaskMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.app = make_app()
        self.app.handle(play.DefineTask(WEEKLY))
        self.app.handle(play.PublishTask("weekly"))
        self.sent: list[OrderPaid] = []
        self.earned: list[Any] = []
        self.orders: dict[tuple[CustomerId, str], set[str]] = {}

    def send(self, event: OrderPaid) -> None:
        raised = deliver(self.app, event)
        self.earned.extend(e for e in raised if isinstance(e, play.RewardEarned))
        assert event.customer_id is not None
        week = period_of(play.TaskWindow.WEEK, event.at, 480)
        self.orders.setdefault((event.customer_id, week), set()).add(event.order_id)

    @rule(
        customer=st.sampled_from(CUSTOMERS[:2]),
        order=st.integers(0, 6),
        week=st.integers(0, 2),
        hour=st.integers(0, 24 * 7 - 1),
    )
    def order_paid(self, customer: CustomerId, order: int, week: int, hour: int) -> None:
        """A paid order, at any instant of one of three weeks (so events arrive out of
        order); an order id names one order, whoever and whenever it is sent."""
        at = START + timedelta(weeks=week, hours=hour)
        known = [e for e in self.sent if e.order_id == f"o{order}"]
        event = (
            known[0] if known else OrderPaid(OrderId(f"o{order}"), "p", cny("1.00"), at, customer)
        )
        self.sent.append(event)
        self.send(event)

    @precondition(lambda self: self.sent)
    @rule(data=st.data())
    def redeliver(self, data: st.DataObject) -> None:
        self.send(data.draw(st.sampled_from(self.sent)))

    @precondition(lambda self: self.earned)
    @rule(data=st.data())
    def redeliver_a_reward(self, data: st.DataObject) -> None:
        deliver(self.app, data.draw(st.sampled_from(self.earned)))

    @invariant()
    def each_completed_week_is_rewarded_exactly_once(self) -> None:
        completed = {key for key, orders in self.orders.items() if len(orders) >= 2}
        given = grants(self.app)
        assert sorted(given) == sorted(f"task:weekly/{c}/{week}" for c, week in completed)
        with self.app.unit_of_work() as uow:
            for customer in CUSTOMERS[:2]:
                weeks = sum(1 for c, _ in completed if c == customer)
                assert points_balance(uow, customer) == 100 * weeks


TestTaskRewardsAgainstAModel = TaskMachine.TestCase
TestTaskRewardsAgainstAModel.settings = settings(
    max_examples=50, stateful_step_count=25, deadline=None
)
