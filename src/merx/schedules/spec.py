"""The spec's plain shape of a plan and its schedule (``tests/spec/cases/installments``).

:func:`schedule_from_dict` is the entry point the spec cases run: a plan as strings in,
the ``expect`` shape out. Anything malformed is :class:`~merx.schedules.InvalidPlan`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from merx.kernel.errors import ValidationError
from merx.kernel.money import MINOR_DIGITS, Money
from merx.schedules.errors import InvalidPlan
from merx.schedules.model import (
    InstallmentTerms,
    Schedule,
    ScheduleMethod,
    build_schedule,
    require_rate,
)


def _money_text(units: int, currency: str) -> str:
    return str(Money.from_minor(units, currency).amount)


def schedule_to_dict(schedule: Schedule) -> dict[str, Any]:
    """The spec's ``expect`` shape: rows, totals and the APR with 4 decimals, as strings."""
    currency = schedule.currency
    return {
        "rows": [
            {
                "due": row.due.isoformat(),
                "payment": _money_text(row.payment_minor, currency),
                "interest": _money_text(row.interest_minor, currency),
                "fee": _money_text(row.fee_minor, currency),
                "principal": _money_text(row.principal_minor, currency),
                "balance": _money_text(row.balance_minor, currency),
            }
            for row in schedule.rows
        ],
        "total_interest": str(schedule.total_interest.amount),
        "total_fee": str(schedule.total_fee.amount),
        "apr": str(schedule.apr_disclosed),
    }


def _text(plan: Mapping[str, Any], key: str) -> str:
    value = plan.get(key)
    if not isinstance(value, str):
        raise InvalidPlan(f"plan field {key!r} must be a string, not {value!r}")
    return value


def _decimal(plan: Mapping[str, Any], key: str) -> Decimal:
    text = _text(plan, key)
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidPlan(f"plan field {key!r} is not a decimal: {text!r}") from None
    return require_rate(value, key)


def terms_from_dict(plan: Mapping[str, Any]) -> InstallmentTerms:
    """Read a spec plan (``currency``, ``principal``, ``periods``, ``start``, ``method`` and
    its rate) into :class:`InstallmentTerms`; anything malformed is :class:`InvalidPlan`."""
    if not isinstance(plan, Mapping):
        raise InvalidPlan(f"a plan must be a mapping, not {type(plan).__name__}")
    currency = _text(plan, "currency")
    if currency not in MINOR_DIGITS:
        raise InvalidPlan(f"unknown currency {currency!r}")
    try:
        method = ScheduleMethod(plan.get("method"))
    except ValueError:
        raise InvalidPlan(f"unknown schedule method {plan.get('method')!r}") from None
    try:
        principal = Money.of(_text(plan, "principal"), currency)
        start = date.fromisoformat(_text(plan, "start"))
    except (ValueError, ValidationError) as error:
        raise InvalidPlan(f"bad plan: {error}") from error
    rate_key = "annual_rate" if method.charges_interest else "period_fee_rate"
    other_key = "period_fee_rate" if method.charges_interest else "annual_rate"
    if other_key in plan:
        raise InvalidPlan(f"{method.value} takes {rate_key!r}, not {other_key!r}")
    rate = _decimal(plan, rate_key)
    periods: Any = plan.get("periods")  # checked by InstallmentTerms
    return InstallmentTerms(
        principal=principal,
        term_months=periods,
        method=method,
        start=start,
        annual_rate=rate if method.charges_interest else Decimal(0),
        period_fee_rate=Decimal(0) if method.charges_interest else rate,
    )


def schedule_from_dict(plan: Mapping[str, Any]) -> dict[str, Any]:
    """The schedule of a spec plan in the spec's ``expect`` shape (see the spec README)."""
    return schedule_to_dict(build_schedule(terms_from_dict(plan)))
