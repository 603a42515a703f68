"""Ports of the settlement context: paying merchants out to their bank accounts.

A :class:`Payout` sends money from the platform's payout account to a merchant's bank
account. Each payment carries an ``idempotency_key``: the same key and payload pays once
and answers the first result (or, if that was ``PENDING``, the payment's outcome now); the
same key with another payload raises :class:`~merx.kernel.errors.IdempotencyConflict`.
A refusal (a closed account, a compliance hold) is a result, ``PayoutStatus.REFUSED``,
and moved no money. After a :class:`PayoutTimeout` the outcome is unknown: ask
:meth:`Payout.query`, or retry with the same key; never guess. The two errors of the port
live in :mod:`merx.settlement.errors` and are named here for adapters.

:class:`SettlementQueries` is what closing a merchant asks of the store (its withdrawals
still pending) without loading every withdrawal; :func:`withdrawal_index` is what a
database indexes to answer it.

A :class:`WithdrawalScreen` screens a withdrawal before any money is reserved: go on,
hold it for a review (reserved, not sent, until :class:`~merx.settlement.ReleaseWithdrawal`
ends the hold) or deny it (:class:`~merx.settlement.WithdrawalDenied`, nothing changed).
:data:`NO_SCREEN` lets every withdrawal go on.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Protocol

import attrs

from merx.kernel.ids import MerchantId
from merx.kernel.money import Money
from merx.settlement.errors import PayoutTimeout, UnknownPayout
from merx.settlement.model import Withdrawal, WithdrawalId, WithdrawalState

__all__ = [
    "NO_SCREEN",
    "PENDING_WITHDRAWAL_OF",
    "Payout",
    "PayoutResult",
    "PayoutStatus",
    "PayoutTimeout",
    "SettlementQueries",
    "UnknownPayout",
    "WithdrawalScreen",
    "WithdrawalScreening",
    "WithdrawalVerdict",
    "withdrawal_index",
]


class PayoutStatus(enum.Enum):
    PAID = "paid"  # the money left for the merchant's bank account
    REFUSED = "refused"  # nothing was paid
    PENDING = "pending"  # accepted, not yet decided: query later


@attrs.frozen
class PayoutResult:
    """The payout channel's answer: ``reference`` is its reference for the payment."""

    status: PayoutStatus
    reference: str
    reason: str | None = None

    @property
    def paid(self) -> bool:
        return self.status is PayoutStatus.PAID


class Payout(Protocol):
    """Port: pay merchants out to their bank accounts."""

    def pay(
        self, *, merchant_id: str, bank_account: str, amount: Money, idempotency_key: str
    ) -> PayoutResult:
        """Pay ``amount`` to ``bank_account``. Raises :class:`PayoutTimeout` when the
        outcome is unknown."""
        ...

    def query(self, *, idempotency_key: str) -> PayoutResult:
        """The payment's outcome now. Raises :class:`UnknownPayout` if never received."""
        ...


class WithdrawalVerdict(enum.Enum):
    GO = "go"  # sent to the bank at once
    HOLD = "hold"  # reserved, waiting for a review
    DENY = "deny"  # refused: nothing reserved


@attrs.frozen
class WithdrawalScreening:
    """A screen's answer, with its reason (which rules, which review)."""

    verdict: WithdrawalVerdict
    reason: str = ""


class WithdrawalScreen(Protocol):
    """Port: screen a withdrawal before its money is reserved."""

    def screen(
        self, *, withdrawal_id: str, merchant_id: str, amount: Money
    ) -> WithdrawalScreening: ...


@attrs.frozen
class _NoScreen:
    def screen(self, *, withdrawal_id: str, merchant_id: str, amount: Money) -> WithdrawalScreening:
        return WithdrawalScreening(WithdrawalVerdict.GO)


#: The screen that lets every withdrawal go on (risk control off).
NO_SCREEN: WithdrawalScreen = _NoScreen()


class SettlementQueries(Protocol):
    """Port: settlement's aggregates by state, from committed state. A database answers
    from its index, written in the same transaction as the withdrawal itself."""

    def pending_withdrawals(self, merchant: MerchantId) -> Iterable[WithdrawalId]:
        """The withdrawals of ``merchant`` still open: waiting for the payout's answer or
        held by a review."""
        ...


#: What a database indexes to answer :class:`SettlementQueries`: a pending (or held)
#: withdrawal, by its merchant.
PENDING_WITHDRAWAL_OF = "pending_withdrawal_of"


def withdrawal_index(withdrawal: Withdrawal) -> dict[str, str | None]:
    """A withdrawal is found by its merchant while it is pending or held."""
    pending = withdrawal.status in (WithdrawalState.PENDING, WithdrawalState.HELD)
    return {PENDING_WITHDRAWAL_OF: withdrawal.merchant_id if pending else None}
