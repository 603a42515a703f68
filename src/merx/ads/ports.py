"""Ports of the search ads context: the merchant's marketing balance (settlement's, wired
by the composition root; ads imports no settlement)."""

from __future__ import annotations

from typing import Protocol

from merx.kernel.ids import MerchantId
from merx.kernel.money import Money
from merx.kernel.uow import UnitOfWork


class MarketingAccount(Protocol):
    """Port: a merchant's marketing balance, read and charged in the caller's unit of work."""

    def covers(self, uow: UnitOfWork, merchant_id: MerchantId, amount: Money) -> bool:
        """Whether the merchant's marketing balance holds at least ``amount``."""
        ...

    def charge(
        self, uow: UnitOfWork, merchant_id: MerchantId, charge_id: str, amount: Money
    ) -> bool:
        """Stage the charge of ``amount`` (posted to the ledger with the caller's commit):
        True; False when ``charge_id`` was charged before with the same amount (nothing
        staged). Raises settlement's ``InsufficientBalance`` when the balance is short,
        and ``IdempotencyConflict`` for the same id with another amount."""
        ...
