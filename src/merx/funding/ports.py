"""Ports of the funding context: the sources of funds behind installment assets.

A :class:`Funder` (direct lending, a trust, a factoring company, or the platform's own
money) is asked to finance one installment asset. Each request carries an
``idempotency_key``: the same key and payload answers the first decision and finances once;
the same key and a different payload raises :class:`~merx.kernel.errors.IdempotencyConflict`.
After a :class:`~merx.funding.FunderTimeout` the decision is unknown: retry with the same key.
"""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Protocol

import attrs

from merx.kernel.money import Money


class FundingStatus(enum.Enum):
    ACCEPTED = "accepted"  # the funder finances the asset
    REFUSED = "refused"  # it does not: try another funder


@attrs.frozen
class FundingDecision:
    """The funder's answer: ``reference`` is its reference, ``reason`` why it refused."""

    status: FundingStatus
    reference: str
    reason: str | None = None

    @property
    def accepted(self) -> bool:
        return self.status is FundingStatus.ACCEPTED


class Funder(Protocol):
    """Port: one source of funds for installment assets."""

    @property
    def funder_id(self) -> str: ...

    def finance(
        self,
        *,
        asset_id: str,
        principal: Money,
        term_months: int,
        annual_rate: Decimal,
        idempotency_key: str,
    ) -> FundingDecision:
        """Ask the funder to finance ``principal`` over ``term_months`` at ``annual_rate``
        (a fraction: ``Decimal("0.12")`` is 12 % a year).

        Raises :class:`~merx.funding.AssetAlreadyFinanced`,
        :class:`~merx.funding.FunderTimeout`.
        """
        ...
