"""merx.schedules: installment schedules, the pure calculation under installment credit.

Schedule methods (equal installment, equal principal, flat fee) over :class:`InstallmentTerms`,
computed in whole minor units with one rounding rule (:func:`div_half_up`), the last row
absorbing every residue; the APR (:func:`apr_of`); a risk grade's price list
(:class:`GradePricing`, one :class:`TermOffer` per term) and an offer priced into a
schedule (:func:`price_plan`, interest-free plans included); the spec's entry point
(:func:`schedule_from_dict`). No state, no I/O: :mod:`merx.installments` builds its plans
on it and :mod:`merx.credit` prices the options a customer sees. See docs/credit.md.
"""

from merx.schedules.errors import InvalidPlan
from merx.schedules.model import (
    InstallmentTerms,
    Reschedule,
    Schedule,
    ScheduleMethod,
    ScheduleRow,
    amortize,
    apr_of,
    build_schedule,
    div_half_up,
    due_dates,
)
from merx.schedules.pricing import FeePayer, GradePricing, TermOffer, price_plan
from merx.schedules.spec import schedule_from_dict

__all__ = [
    "FeePayer",
    "GradePricing",
    "InstallmentTerms",
    "InvalidPlan",
    "Reschedule",
    "Schedule",
    "ScheduleMethod",
    "ScheduleRow",
    "TermOffer",
    "amortize",
    "apr_of",
    "build_schedule",
    "div_half_up",
    "due_dates",
    "price_plan",
    "schedule_from_dict",
]
