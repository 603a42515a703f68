"""The business calendar (due dates off non-working days), grace days before penalties,
product settings reaching every way a plan opens, one currency error, open bills."""

from __future__ import annotations

import copy
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx import checkout, credit, funding, installments, orders, payments
from merx.adapters.memory import MemoryBusinessCalendar, MemoryUnitOfWork
from merx.app import build_memory_app
from merx.credit import PlanId
from merx.installments import BillState, InstallmentPlan, ProductSettings
from merx.installments.ports import MAX_MOVE_DAYS, working_due_dates
from merx.kernel.bus import Command
from merx.kernel.errors import CurrencyMismatch, ValidationError
from merx.kernel.ids import CustomerId, OrderId
from merx.kernel.money import Money
from merx.schedules import InstallmentTerms, InvalidPlan, ScheduleMethod, build_schedule
from tests.credit.world import ALICE, CreditWorld, cny, make_world
from tests.installments.test_plan import open_plan

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
import journey_installments as j4

WEEKEND = (5, 6)


def usd(amount: str) -> Money:
    return Money.of(amount, "USD")


# -- the calendar port and its in-memory adapter ----------------------------------------


def test_the_default_calendar_has_no_non_working_days() -> None:
    calendar = MemoryBusinessCalendar()
    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(800)]
    assert all(calendar.is_working_day(day) for day in days)
    assert working_due_dates(calendar, days[::31]) == tuple(days[::31])


@given(
    st.sets(st.integers(0, 6), max_size=6),
    st.sets(st.dates(date(2026, 1, 1), date(2027, 12, 31)), max_size=40),
    st.lists(st.integers(28, 31), min_size=1, max_size=12),
)
def test_a_due_date_moves_to_the_first_working_day_on_or_after_it(
    days_off: set[int], holidays: set[date], gaps: list[int]
) -> None:
    calendar = MemoryBusinessCalendar(days_off, holidays)
    dues = [date(2026, 1, 1) + timedelta(days=sum(gaps[: n + 1])) for n in range(len(gaps))]
    try:
        moved = working_due_dates(calendar, dues)
    except InvalidPlan:  # two due dates pushed onto one day: refused, never merged
        return
    for due, day in zip(dues, moved, strict=True):
        assert day >= due
        assert calendar.is_working_day(day)
        skipped = [due + timedelta(days=n) for n in range((day - due).days)]
        assert not any(calendar.is_working_day(d) for d in skipped)


def test_a_calendar_refuses_bad_days_and_one_without_working_days() -> None:
    calendar = MemoryBusinessCalendar()
    for bad in (7, -1, True, "sat"):
        with pytest.raises(ValidationError):
            calendar.close_weekday(bad)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        MemoryBusinessCalendar(days_off=range(7))
    with pytest.raises(ValidationError):
        calendar.close("2026-01-01")  # type: ignore[arg-type]

    class Closed:
        def is_working_day(self, day: date) -> bool:
            return False

    with pytest.raises(InvalidPlan, match=f"no working day within {MAX_MOVE_DAYS} days"):
        working_due_dates(Closed(), [date(2026, 2, 1)])


def test_plan_rows_take_the_moved_dates_and_keep_the_schedules_amounts() -> None:
    terms = InstallmentTerms(
        cny("3000.00"),
        3,
        ScheduleMethod.FLAT_FEE,
        date(2026, 1, 1),
        period_fee_rate=Decimal("0.006"),
    )
    schedule = build_schedule(terms)
    # 1 Feb and 1 Mar 2026 are Sundays: with weekends off they move to Monday the 2nd
    dues = working_due_dates(MemoryBusinessCalendar(WEEKEND), [r.due for r in schedule.rows])
    assert dues == (date(2026, 2, 2), date(2026, 3, 2), date(2026, 4, 1))
    plan = InstallmentPlan.open(
        PlanId("p"), ALICE, OrderId("o"), schedule, product=ProductSettings(), due_dates=dues
    )
    assert [row.due for row in plan.installments] == list(dues)
    assert [row.period_start for row in plan.installments] == [date(2026, 1, 1), *dues[:2]]
    assert [(r.principal, r.fee) for r in plan.installments] == [
        (r.principal_minor, r.fee_minor) for r in schedule.rows
    ]
    for wrong in ([date(2026, 1, 30), *dues[1:]], list(dues[:2]), [dues[0], dues[0], dues[2]]):
        with pytest.raises(InvalidPlan):
            InstallmentPlan.open(
                PlanId("p"),
                ALICE,
                OrderId("o"),
                schedule,
                product=ProductSettings(),
                due_dates=wrong,
            )


def test_a_purchase_whose_due_dates_cannot_move_changes_nothing() -> None:
    class Closed:
        def is_working_day(self, day: date) -> bool:
            return False

    world = make_world(calendar=Closed())
    world.open_account()
    before = copy.deepcopy(world.store.tables)
    with pytest.raises(InvalidPlan):
        world.buy("3000.00", 3)
    assert world.store.tables == before


# -- grace days before penalties ----------------------------------------------------------


def test_grace_days_are_free_and_the_penalty_runs_from_their_end() -> None:
    # the 10,000 / 12 % / 12 plan's first installment, 888.49, due 28 February
    plain, graced = open_plan(), open_plan(product=ProductSettings(grace_days=3))
    due = plain.installments[0].due
    late_3, late_10 = due + timedelta(days=3), due + timedelta(days=10)
    # paid 3 days late: no penalty within the 3 grace days (888.49 x 0.05 % x 3 = 1.33
    # without grace)
    assert copy.deepcopy(graced).repay(cny("888.49"), late_3).penalty.is_zero()
    assert copy.deepcopy(plain).repay(cny("888.49"), late_3).penalty == cny("1.33")
    # paid 10 days late: 888.49 x 0.05 % x (10 - 3) days = 3.1097 -> 3.11 (4.44 without grace)
    assert graced.repay(cny("500.00"), late_10).penalty == cny("3.11")
    assert plain.repay(cny("500.00"), late_10).penalty == cny("4.44")


@pytest.mark.parametrize("grace", [-1, 367, True, Decimal("1"), "3"])
def test_grace_days_must_be_a_whole_number_of_days(grace: object) -> None:
    with pytest.raises(ValidationError):
        ProductSettings(grace_days=grace)  # type: ignore[arg-type]


# -- settings reach every way a plan opens ---------------------------------------------------

PRODUCT = ProductSettings(
    penalty_rate_per_day=Decimal("0.001"),
    payoff_fees=installments.plan.PayoffFees.CHARGE,
    grace_days=3,
)


def test_product_and_calendar_reach_register_funding_and_register_installments() -> None:
    world = make_world(product=PRODUCT, calendar=MemoryBusinessCalendar(WEEKEND))
    world.open_account()  # 31 January 2026
    financed = world.plan(world.buy("3000.00", 3))  # through FinanceInstallmentOrder
    direct_id = world.handle(
        installments.PurchaseOnInstallment(ALICE, OrderId("ord-2"), cny("1200.00"), 3)
    )
    direct = world.plan(direct_id)
    for plan in (financed, direct):
        assert plan.product == PRODUCT
        # 28 February 2026 is a Saturday: due on Monday 2 March
        assert plan.installments[0].due == date(2026, 3, 2)
        assert all(row.due.weekday() < 5 for row in plan.installments)


def test_product_and_calendar_reach_pay_by_installments_in_build_memory_app() -> None:
    app = build_memory_app(credit_product=PRODUCT)
    for weekday in WEEKEND:
        app.calendar.close_weekday(weekday)
    j4.set_up(app, lambda line: None)
    j4.apply_for_credit(app, lambda line: None)
    app.handle(checkout.AddToCart(j4.MEI, j4.PHONE, 1))
    placed = app.handle(orders.PlaceOrder(j4.MEI))
    outcome = app.handle(payments.PayByInstallments(placed.parent_id, 6))
    assert outcome.status is payments.PaymentStatus.SUCCEEDED
    (plan_id,) = app.get(credit.CreditAccount, j4.MEI).open_plans
    plan = app.get(InstallmentPlan, plan_id)
    assert plan.product == PRODUCT
    # bought 1 January 2026; 1 February and 1 March are Sundays: due on the 2nd
    assert [row.due for row in plan.installments[:2]] == [date(2026, 2, 2), date(2026, 3, 2)]
    assert all(row.due.weekday() < 5 for row in plan.installments)


def test_build_memory_app_keeps_the_spec_schedule_dates_by_default() -> None:
    app = build_memory_app()
    assert app.calendar.is_working_day(date(2026, 2, 1))  # a Sunday


# -- one error for a repayment in the wrong currency ---------------------------------------


def test_a_repayment_in_the_wrong_currency_is_a_currency_mismatch_everywhere_and_changes_nothing(
    world: CreditWorld,
) -> None:
    world.open_account()
    plan_id = world.buy("3000.00", 3)
    before = copy.deepcopy(world.store.tables)
    wrong: list[Command[Any]] = [
        installments.RepayCredit(ALICE, usd("10.00")),
        installments.RepayInstallmentPlan(plan_id, usd("10.00")),
        installments.PayOffInstallmentPlan(plan_id, usd("5000.00")),
        installments.PrepayInstallmentPlan(plan_id, usd("100.00")),
        installments.RefundInstallmentOrder(ALICE, OrderId("ord-1"), usd("10.00")),
        funding.FinanceInstallmentOrder(ALICE, OrderId("ord-9"), usd("100.00"), 3),
    ]
    for command in wrong:
        with pytest.raises(CurrencyMismatch):
            world.handle(command)
        assert world.store.tables == before


# -- the open bills query --------------------------------------------------------------------


def world_uow(world: CreditWorld) -> MemoryUnitOfWork:
    return MemoryUnitOfWork(world.store)


def test_open_bills_lists_a_customers_unpaid_bills_oldest_first(world: CreditWorld) -> None:
    world.open_account()
    world.buy("3000.00", 3)  # 31 January: due 28 February, 31 March, 30 April
    with world_uow(world) as uow:
        assert installments.open_bills(uow, ALICE) == ()
        assert installments.open_bills(uow, CustomerId("nobody")) == ()
    world.go_to(date(2026, 2, 1))
    world.handle(installments.RunBills())
    world.go_to(date(2026, 3, 1))
    world.handle(installments.RunBills())
    with world_uow(world) as uow:
        bills = installments.open_bills(uow, ALICE)
    assert [b.statement_date for b in bills] == [date(2026, 2, 1), date(2026, 3, 1)]
    assert all(b.status is BillState.ISSUED for b in bills)
    world.handle(installments.RepayCredit(ALICE, bills[-1].total))
    with world_uow(world) as uow:
        assert installments.open_bills(uow, ALICE) == ()
