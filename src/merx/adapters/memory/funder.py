"""In-memory :class:`~merx.funding.ports.Funder`: a funder with a quota, scriptable.

A :class:`MemoryFunder` accepts assets while its quota lasts and refuses past it; the
platform gives quota back with :meth:`MemoryFunder.release` when it repurchases an asset.
Tests script refusals with :meth:`~MemoryFunder.refuse_next` and timeouts with
:meth:`~MemoryFunder.timeout_next`; scripted outcomes are consumed in order by the next
requests that reach the funder (replays and invalid requests do not consume one).
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType

import attrs

from merx.funding import AssetAlreadyFinanced, AssetNotFinanced, FunderTimeout
from merx.funding.ports import FundingDecision, FundingStatus
from merx.kernel.errors import CurrencyMismatch, InvalidAmount, ValidationError
from merx.kernel.idempotency import IdempotencyLog
from merx.kernel.money import Money


class _Script(enum.Enum):
    REFUSE = "refuse"
    TIMEOUT_APPLIED = "timeout, applied"
    TIMEOUT_LOST = "timeout, not applied"


@attrs.frozen
class _Scripted:
    outcome: _Script
    reason: str | None = None


class MemoryFunder:
    """A funder held in memory (see the module docstring for the test hooks)."""

    def __init__(self, funder_id: str, quota: Money) -> None:
        if not isinstance(funder_id, str) or not funder_id:
            raise ValidationError(f"funder id must be a non-empty string, not {funder_id!r}")
        if not isinstance(quota, Money) or quota.is_negative():
            raise InvalidAmount(f"funder {funder_id!r}: quota must be a Money >= 0, not {quota!r}")
        self._funder_id = funder_id
        self.quota = quota
        self._log: IdempotencyLog[FundingDecision] = IdempotencyLog()
        self._financed: dict[str, Money] = {}  # asset id -> principal
        self._script: deque[_Scripted] = deque()
        self._sequence = 0

    @property
    def funder_id(self) -> str:
        return self._funder_id

    # -- the port ----------------------------------------------------------------------

    def finance(
        self,
        *,
        asset_id: str,
        principal: Money,
        term_months: int,
        annual_rate: Decimal,
        idempotency_key: str,
    ) -> FundingDecision:
        if not isinstance(idempotency_key, str) or not idempotency_key:
            raise ValidationError(
                f"idempotency key must be a non-empty string, not {idempotency_key!r}"
            )
        payload = (asset_id, principal, term_months, annual_rate)
        replayed = self._log.replay(idempotency_key, payload)
        if replayed is not None:
            return replayed
        self._check_request(asset_id, principal, term_months, annual_rate)
        if asset_id in self._financed:
            raise AssetAlreadyFinanced(
                f"funder {self._funder_id!r} already finances asset {asset_id!r} "
                f"({self._financed[asset_id]})"
            )
        scripted = self._script.popleft() if self._script else None
        outcome = None if scripted is None else scripted.outcome
        if outcome is _Script.TIMEOUT_LOST:
            raise FunderTimeout(
                f"funder {self._funder_id!r}: request {idempotency_key!r} for asset "
                f"{asset_id!r} timed out before reaching the funder; retry with the same key"
            )
        self._sequence += 1
        reference = f"{self._funder_id}-{self._sequence:06d}"
        available = self.available
        if scripted is not None and outcome is _Script.REFUSE:
            decision = FundingDecision(FundingStatus.REFUSED, reference, scripted.reason)
        elif principal > available:
            decision = FundingDecision(
                FundingStatus.REFUSED,
                reference,
                f"quota exhausted: {available} available of {self.quota}, {principal} asked",
            )
        else:
            decision = FundingDecision(FundingStatus.ACCEPTED, reference)
            self._financed[asset_id] = principal
        assert self.used <= self.quota, (self.used, self.quota)
        self._log.remember(idempotency_key, payload, decision)
        if outcome is _Script.TIMEOUT_APPLIED:
            raise FunderTimeout(
                f"funder {self._funder_id!r}: request {idempotency_key!r} for asset "
                f"{asset_id!r} timed out; its decision is unknown: retry with the same key"
            )
        return decision

    # -- quota -------------------------------------------------------------------------

    @property
    def used(self) -> Money:
        """The principal of every asset the funder finances now."""
        return Money.sum(self._financed.values(), self.quota.currency)

    @property
    def available(self) -> Money:
        return self.quota - self.used

    @property
    def financed(self) -> Mapping[str, Money]:
        """Principal financed, by asset id (read-only view)."""
        return MappingProxyType(self._financed)

    def release(self, asset_id: str) -> Money:
        """The platform repurchased ``asset_id``: give its principal back to the quota.

        A replay of the original request still answers its decision and finances nothing.
        """
        principal = self._financed.pop(asset_id, None)
        if principal is None:
            raise AssetNotFinanced(
                f"funder {self._funder_id!r} does not finance asset {asset_id!r}"
            )
        return principal

    # -- test hooks --------------------------------------------------------------------

    def refuse_next(self, n: int = 1, *, reason: str = "refused by the funder") -> None:
        """The next ``n`` requests are ``REFUSED`` with ``reason``, whatever the quota."""
        self._push(n, _Scripted(_Script.REFUSE, reason))

    def timeout_next(self, n: int = 1, *, applied: bool) -> None:
        """The next ``n`` requests raise :class:`FunderTimeout`; with ``applied=True`` the
        funder decided first (a retry with the same key answers that decision)."""
        self._push(n, _Scripted(_Script.TIMEOUT_APPLIED if applied else _Script.TIMEOUT_LOST))

    # -- internals ---------------------------------------------------------------------

    def _check_request(
        self, asset_id: str, principal: Money, term_months: int, annual_rate: Decimal
    ) -> None:
        if not isinstance(asset_id, str) or not asset_id:
            raise ValidationError(f"asset id must be a non-empty string, not {asset_id!r}")
        if not isinstance(principal, Money) or not principal.is_positive():
            raise InvalidAmount(f"principal must be a positive Money, not {principal!r}")
        if principal.currency != self.quota.currency:
            raise CurrencyMismatch(
                f"funder {self._funder_id!r} lends {self.quota.currency}, not {principal}"
            )
        if isinstance(term_months, bool) or not isinstance(term_months, int) or term_months < 1:
            raise ValidationError(f"term_months must be a whole number >= 1, not {term_months!r}")
        if not isinstance(annual_rate, Decimal) or not annual_rate.is_finite() or annual_rate < 0:
            raise ValidationError(f"annual_rate must be a Decimal >= 0, not {annual_rate!r}")

    def _push(self, n: int, scripted: _Scripted) -> None:
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValidationError(
                f"number of scripted outcomes must be a whole number >= 1, not {n!r}"
            )
        self._script.extend([scripted] * n)
