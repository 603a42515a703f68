"""Schedules: the spec's rules as properties, and the worked 10,000 / 12 % / 12 plan."""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given

from merx.kernel.money import Money
from merx.schedules import (
    InstallmentTerms,
    InvalidPlan,
    ScheduleMethod,
    apr_of,
    build_schedule,
    due_dates,
)
from tests.schedules.strategies import installment_terms


def _cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def test_the_worked_plan_pays_888_49_eleven_times_then_888_47() -> None:
    terms = InstallmentTerms(
        _cny("10000.00"),
        12,
        ScheduleMethod.EQUAL_INSTALLMENT,
        date(2026, 1, 31),
        annual_rate=Decimal("0.12"),
    )
    schedule = build_schedule(terms)
    assert [row.payment for row in schedule.rows] == [_cny("888.49")] * 11 + [_cny("888.47")]
    assert schedule.total_interest == _cny("661.86")
    assert schedule.apr_disclosed == Decimal("0.1200")


@given(installment_terms())
def test_rows_sum_exactly_and_the_balance_ends_at_zero(terms: InstallmentTerms) -> None:
    schedule = build_schedule(terms)
    rows = schedule.rows
    assert len(rows) == terms.term_months
    assert sum(r.principal_minor for r in rows) == terms.principal.minor
    assert rows[-1].balance_minor == 0
    assert all(r.principal_minor >= 0 and r.interest_minor >= 0 for r in rows)
    balance = terms.principal.minor
    for row in rows:
        balance -= row.principal_minor
        assert row.balance_minor == balance
    assert schedule.total_payment == (
        terms.principal + schedule.total_interest + schedule.total_fee
    )
    if terms.method is ScheduleMethod.FLAT_FEE:
        assert schedule.total_fee == terms.principal.scale(
            terms.period_fee_rate * terms.term_months
        )
        assert schedule.total_interest.is_zero()
    else:
        assert schedule.total_fee.is_zero()


@given(installment_terms())
def test_due_dates_keep_the_start_day_clamped_to_month_end(terms: InstallmentTerms) -> None:
    start = terms.start
    for k, due in enumerate(due_dates(start, terms.term_months), start=1):
        month_index = start.month - 1 + k
        year, month = start.year + month_index // 12, month_index % 12 + 1
        assert due == date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


@given(installment_terms())
def test_the_apr_solves_the_cash_flows(terms: InstallmentTerms) -> None:
    schedule = build_schedule(terms)
    monthly = schedule.apr / 12
    value = Decimal(0)
    for k, row in enumerate(schedule.rows, start=1):
        value += Decimal(row.payment_minor) / (1 + monthly) ** k
    assert abs(value - terms.principal.minor) < Decimal("0.000001")
    if terms.rate == 0:
        assert schedule.apr == 0


def test_the_flat_fee_apr_is_far_above_the_nominal_fee() -> None:
    terms = InstallmentTerms(
        _cny("6000.00"),
        6,
        ScheduleMethod.FLAT_FEE,
        date(2026, 3, 15),
        period_fee_rate=Decimal("0.006"),
    )
    schedule = build_schedule(terms)
    assert schedule.apr_disclosed == Decimal("0.1224")
    unguided = apr_of(terms.principal.minor, schedule.rows)
    assert abs(unguided - schedule.apr) < Decimal("1e-18")


@pytest.mark.parametrize(("principal", "months"), [("0.04", 6), ("0.05", 9), ("0.07", 12)])
def test_a_principal_too_small_for_the_term_is_refused(principal: str, months: int) -> None:
    terms = InstallmentTerms(
        _cny(principal),
        months,
        ScheduleMethod.EQUAL_PRINCIPAL,
        date(2026, 1, 1),
        annual_rate=Decimal("0.12"),
    )
    with pytest.raises(InvalidPlan):
        build_schedule(terms)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"annual_rate": 0.12},
        {"annual_rate": Decimal("-0.01")},
        {"period_fee_rate": Decimal("0.01")},
        {"term_months": 0},
        {"term_months": True},
        {"start": "2026-01-01"},
    ],
)
def test_bad_terms_are_refused(kwargs: dict[str, object]) -> None:
    base: dict[str, object] = {
        "principal": _cny("100.00"),
        "term_months": 3,
        "method": ScheduleMethod.EQUAL_INSTALLMENT,
        "start": date(2026, 1, 1),
    }
    base.update(kwargs)
    with pytest.raises(InvalidPlan):
        InstallmentTerms(**base)  # type: ignore[arg-type]
