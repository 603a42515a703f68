"""A wired, in-memory credit, installments and funding world for the tests.

:func:`register_credit`, :func:`register_installments` and :func:`register_funding` are the
wiring ``merx.app`` needs (see docs/credit.md); :class:`CreditWorld` adds the usual
starting points.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import attrs

from merx import credit, funding, installments
from merx.adapters.memory import (
    EventLog,
    FixedClock,
    MemoryInstallmentQueries,
    MemoryStore,
    MemoryUnitOfWork,
    MemoryVault,
    SequentialIds,
)
from merx.adapters.memory.funder import MemoryFunder
from merx.adapters.memory.scorer import MemoryCreditScorer
from merx.app import register_credit, register_funding, register_installments
from merx.credit import Consent, CreditAccount, Identity, PlanId, ScoringFacts
from merx.funding import FundingChannel
from merx.installments import InstallmentPlan
from merx.kernel.bus import Command, MessageBus
from merx.kernel.clock import today
from merx.kernel.ids import CustomerId, OrderId
from merx.kernel.money import Money
from merx.kernel.uow import Keyed
from merx.schedules import GradePricing, ScheduleMethod, TermOffer

R = TypeVar("R")
A = TypeVar("A", bound=Keyed)

START = datetime(2026, 1, 31, 10, 0, tzinfo=UTC)
ALICE = CustomerId("alice")


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


#: Grade B for the model tests: 3 and 6 months at a flat fee of 0.6 % a period.
GRADE_B = GradePricing(
    "B",
    (
        TermOffer(6, ScheduleMethod.FLAT_FEE, Decimal("0.006")),
        TermOffer(3, ScheduleMethod.FLAT_FEE, Decimal("0.006")),
    ),
)


def fresh_account(limit: str = "10000.00") -> CreditAccount:
    """Alice's grade-B account with ``limit``, its opening event pulled (no bus)."""
    opened = CreditAccount.open(ALICE, "B", GRADE_B, cny(limit))
    opened.pull_events()
    return opened


@attrs.define
class CreditWorld:
    store: MemoryStore
    clock: FixedClock
    ids: SequentialIds
    events: EventLog
    scorer: MemoryCreditScorer
    funders: dict[str, MemoryFunder]
    bus: MessageBus

    def handle(self, command: Command[R]) -> R:
        return self.bus.handle(command)

    def get(self, kind: type[A], key: str) -> A:
        with MemoryUnitOfWork(self.store) as uow:
            return uow.repo(kind).get(key)

    @property
    def today(self) -> date:
        return today(self.clock)

    def go_to(self, day: date) -> None:
        self.clock.set(datetime.combine(day, START.timetz()))

    def account(self, customer: CustomerId = ALICE) -> CreditAccount:
        return self.get(CreditAccount, customer)

    def plan(self, plan_id: PlanId) -> InstallmentPlan:
        return self.get(InstallmentPlan, plan_id)

    # -- journeys ----------------------------------------------------------------------

    def open_account(
        self,
        customer: CustomerId = ALICE,
        income: str = "12000.00",
        limit: str | None = "10000",
        statement_day: int = 1,
    ) -> CustomerId:
        """An approved customer (grade B by the scorecard, 10,000 limit unless told)."""
        facts = ScoringFacts(customer, 30, cny(income), 12, 0, cny("0"))
        decision = self.handle(
            credit.ApplyForCredit(
                customer,
                Identity("Alice Li", "110101199001011234", "13800000000"),
                Consent(True, self.clock.now(), "v1"),
                facts,
                statement_day,
            )
        )
        assert decision.approved, decision
        if limit is not None:
            self.handle(credit.ChangeCreditLimit(customer, cny(limit), "test limit"))
        return customer

    def buy(
        self,
        principal: str,
        term_months: int,
        order: str = "ord-1",
        customer: CustomerId = ALICE,
        **kwargs: Any,
    ) -> PlanId:
        """An installment purchase, funded by the platform's self-held funds."""
        result = self.handle(
            funding.FinanceInstallmentOrder(
                customer, OrderId(order), cny(principal), term_months, **kwargs
            )
        )
        assert result.funded, result
        return result.plan_id

    def later(self, days: int) -> None:
        self.clock.advance(timedelta(days=days))

    def busy(self) -> None:
        """A plan funded by a bank, repaid in part, billed, partly refunded and repurchased:
        every aggregate of credit, installments and funding stored (serde round trips)."""
        self.funders["bank"] = MemoryFunder("bank", cny("100000"))
        self.handle(
            funding.RegisterInvestor(
                "bank", "bank", FundingChannel.DIRECT_LENDING, Decimal("0.05"), cny("100000")
            )
        )
        self.open_account()
        plan_id = self.buy("3000.00", 3)
        self.go_to(date(2026, 3, 1))
        self.handle(installments.RepayInstallmentPlan(plan_id, cny("500.00")))
        self.handle(installments.RunBills())
        self.handle(installments.RefundInstallmentOrder(ALICE, OrderId("ord-1"), cny("100.00")))
        self.handle(funding.RepurchaseAsset(plan_id, "fraud"))


def make_world(
    start: datetime = START,
    *,
    self_held: str | None = "1000000000",
    product: installments.ProductSettings | None = None,
    calendar: installments.BusinessCalendar | None = None,
) -> CreditWorld:
    store = MemoryStore()
    clock = FixedClock(start)
    ids = SequentialIds()
    events = EventLog()
    scorer = MemoryCreditScorer()
    funders: dict[str, MemoryFunder] = {}
    bus = MessageBus(lambda: MemoryUnitOfWork(store), events)
    register_credit(bus, clock=clock, ids=ids, scorer=scorer, vault=MemoryVault())
    register_installments(
        bus,
        clock=clock,
        ids=ids,
        scorer=scorer,
        queries=MemoryInstallmentQueries(store),
        product=product,
        calendar=calendar,
    )
    register_funding(
        bus,
        clock=clock,
        ids=ids,
        scorer=scorer,
        funders=funders,
        product=product,
        calendar=calendar,
    )
    world = CreditWorld(store, clock, ids, events, scorer, funders, bus)
    if self_held is not None:
        world.handle(
            funding.RegisterInvestor(
                funding.PLATFORM_FUNDER,
                "platform self-held funds",
                FundingChannel.SELF_HELD,
                Decimal("0.08"),
                cny(self_held),
            )
        )
    return world
