"""Ports of the installments context: the question the month-end bill run asks, and the
business calendar due dates are moved by.

The bill run (:class:`~merx.installments.RunBills`) draws up the bills of one day for the
credit accounts :func:`billed_on` that day: an open plan and a statement day falling on
it. A store answers which ones without loading every account; :class:`InstallmentQueries`
is the port for it. Its answers are candidates: the bill run loads each account and asks
:func:`billed_on` again before it bills it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Protocol

from merx.credit import CreditAccount
from merx.installments.bills import statement_days_on
from merx.kernel.ids import CustomerId
from merx.schedules import InvalidPlan


def billed_on(account: CreditAccount, on: date) -> bool:
    """Whether the bill run of ``on`` draws up ``account``'s bill: its statement day falls
    on ``on`` (:func:`~merx.installments.bills.statement_days_on`) and it has an open plan
    (an account without one has nothing to bill, and no held credit to apply)."""
    return bool(account.open_plans) and account.statement_day in statement_days_on(on)


class InstallmentQueries(Protocol):
    """Port: credit accounts by what the bill run needs, from committed state."""

    def accounts_to_bill(self, on: date) -> Iterable[CustomerId]:
        """The customers whose account is :func:`billed_on` ``on``."""
        ...


class BusinessCalendar(Protocol):
    """Port: the lender's working days (weekly days off and holidays, as Fineract's
    working days and holidays). A due date on a non-working day moves to the next
    working day (:func:`working_due_dates`)."""

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is a working day."""
        ...


#: How far a due date may move before the calendar is taken to have no working day.
MAX_MOVE_DAYS = 366


def working_due_dates(calendar: BusinessCalendar, dues: Sequence[date]) -> tuple[date, ...]:
    """``dues`` each moved to the first working day on or after it (the amounts do not
    change: interest is by period, not by day). Raises :class:`~merx.schedules.InvalidPlan`
    when no working day comes within :data:`MAX_MOVE_DAYS` of a due date, or when a move
    would make two due dates fall on the same day."""
    moved: list[date] = []
    for due in dues:
        day = due
        while not calendar.is_working_day(day):
            day += timedelta(days=1)
            if (day - due).days > MAX_MOVE_DAYS:
                raise InvalidPlan(f"no working day within {MAX_MOVE_DAYS} days of {due}")
        if moved and day <= moved[-1]:
            raise InvalidPlan(f"due dates {moved[-1]} and {due} would fall on the same day")
        moved.append(day)
    return tuple(moved)


# -- what a database indexes to answer InstallmentQueries ------------------------------

#: An account with an open plan, by its statement day (two digits, "01".."31").
BILL_DAY = "bill_day"


def bill_days_on(on: date) -> tuple[str, ...]:
    """The :data:`BILL_DAY` values of the accounts billed on ``on``."""
    return tuple(f"{day:02d}" for day in statement_days_on(on))


def credit_account_index(account: CreditAccount) -> dict[str, str | None]:
    """An account with an open plan is found by its statement day."""
    billed = bool(account.open_plans)
    return {BILL_DAY: f"{account.statement_day:02d}" if billed else None}
