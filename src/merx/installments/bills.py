"""The monthly bill: one statement per customer and statement day, over all their plans.

On the statement day a bill lists, for every open plan of the customer, each installment
still owing that falls due before the next statement day (overdue ones included, with
their penalties to the statement day). The bill is a document: it owes nothing itself;
repayments go to the plans (oldest due first) and the bill is marked paid once every
installment it lists is settled.
"""

from __future__ import annotations

import calendar
import enum
from collections.abc import Iterable, Mapping
from datetime import date
from functools import lru_cache
from typing import Final

import attrs
from dateutil.relativedelta import relativedelta

from merx.credit import PlanId
from merx.installments.plan import InstallmentPlan, PlanState
from merx.kernel.aggregate import Aggregate
from merx.kernel.events import DomainEvent
from merx.kernel.ids import CustomerId
from merx.kernel.money import Money
from merx.kernel.state import StateMachine


@attrs.frozen
class BillLine:
    """One installment on a bill, as owed on the statement day."""

    plan_id: PlanId
    number: int
    due: date
    principal: Money
    interest: Money
    fee: Money
    penalty: Money

    @property
    def total(self) -> Money:
        return Money.sum(self.parts(), self.principal.currency)

    def parts(self) -> tuple[Money, Money, Money, Money]:
        return (self.principal, self.interest, self.fee, self.penalty)


class BillState(enum.Enum):
    ISSUED = "issued"
    PAID = "paid"


BILL_FLOW: Final = StateMachine[BillState]("bill", [(BillState.ISSUED, "settle", BillState.PAID)])


@attrs.frozen
class BillIssued(DomainEvent):
    bill_id: str
    customer_id: CustomerId
    statement_date: date
    due_date: date
    total: Money


@attrs.frozen
class BillPaid(DomainEvent):
    bill_id: str
    customer_id: CustomerId


def bill_id(customer_id: str, on: date) -> str:
    return f"bill:{customer_id}:{on.isoformat()}"


def statement_date(day: int, year: int, month: int) -> date:
    """The statement date of ``day`` in a month, clamped to the month's end."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def next_statement(day: int, on: date) -> date:
    following = on + relativedelta(months=1)
    return statement_date(day, following.year, following.month)


@lru_cache(maxsize=64)
def billing_until(day: int, on: date) -> date | None:
    """Whether statement day ``day`` bills on ``on`` (clamped to the month's end): if so
    the next statement date (a bill lists what falls due before it), else ``None``."""
    if statement_date(day, on.year, on.month) != on:
        return None
    return next_statement(day, on)


def statement_days_on(on: date) -> tuple[int, ...]:
    """The statement days (1..31) whose bill is drawn up on ``on``: its own day, and on the
    last day of a month also every later day the month lacks (see :func:`statement_date`)."""
    last = calendar.monthrange(on.year, on.month)[1]
    return tuple(range(on.day, 32)) if on.day == last else (on.day,)


@attrs.define(kw_only=True)
class Bill(Aggregate):
    id: str
    customer_id: CustomerId
    statement_date: date
    due_date: date
    lines: tuple[BillLine, ...]
    currency: str
    status: BillState = BillState.ISSUED

    @property
    def total(self) -> Money:
        return Money.sum((part for line in self.lines for part in line.parts()), self.currency)

    @classmethod
    def draw_up(
        cls,
        customer_id: CustomerId,
        on: date,
        until: date,
        plans: Iterable[InstallmentPlan],
        currency: str,
    ) -> Bill | None:
        """The bill of ``on``: every owing installment of ``plans`` due before ``until``.

        ``None`` when nothing is owed. Penalties must already be accrued to ``on``.
        """
        lines: list[BillLine] = []
        for plan in plans:
            if plan.status is not PlanState.ACTIVE:
                continue
            for row in plan.installments:
                if row.due >= until:
                    break
                if row.settled:
                    continue
                lines.append(
                    BillLine(
                        plan.id,
                        row.number,
                        row.due,
                        Money.from_minor(row.principal - row.paid_principal, currency),
                        Money.from_minor(row.interest - row.paid_interest, currency),
                        Money.from_minor(row.fee - row.paid_fee, currency),
                        Money.from_minor(row.penalty - row.paid_penalty, currency),
                    )
                )
        if not lines:
            return None
        lines.sort(key=lambda line: (line.due, line.plan_id, line.number))
        key = bill_id(customer_id, on)
        bill = cls(
            id=key,
            customer_id=customer_id,
            statement_date=on,
            due_date=max(lines[0].due, on),
            lines=tuple(lines),
            currency=currency,
        )
        bill.record(BillIssued(key, customer_id, on, bill.due_date, bill.total))
        return bill

    def settle_if_paid(self, plans: Mapping[PlanId, InstallmentPlan]) -> bool:
        """Mark the bill paid when every installment it lists is settled (or its plan
        ended); returns whether it is paid."""
        if self.status is BillState.PAID:
            return True
        for line in self.lines:
            plan = plans.get(line.plan_id)
            if plan is None or not plan.status.is_open:
                continue
            rows = plan.installments
            if line.number <= len(rows) and not rows[line.number - 1].settled:
                return False
        BILL_FLOW.move(self, "settle", BillPaid(self.id, self.customer_id))
        return True
