"""The chart of accounts: every account of a book is an :class:`AccountId` with its role.

An account id is a value: its :class:`Role` (the platform's cash at a channel, customers'
payments in transit, refunds due, the platform's income and expense accounts, a merchant's
account), the channel or merchant that owns it, and for a merchant the :class:`Bucket`.
Readers ask ``account.role`` and ``account.merchant``; nothing parses a name. Its text,
``str(account)`` (``"cash:wechat_pay"``, ``"platform:commission"``,
``"merchant:m1:pending"``), is for messages and storage only (``merx.ledger.serde``
reads it back).

It is a named tuple of two string enums and a string, so hashing and equality run at C
speed on the ledger's hot path (balances are keyed by account id), and ids order the same
way in every run: by role, then owner, then bucket.
"""

from __future__ import annotations

import enum
from typing import Final, NamedTuple

from merx.kernel.ids import MerchantId
from merx.ledger.errors import InvalidAccount


class Role(enum.StrEnum):
    """What an account is for; the value is the stem of its name."""

    CASH = "cash"  # the platform's money at a payment channel (or its payout bank)
    TRANSIT = "transit:customers"  # customers' payments received, not yet cleared (escrow)
    REFUNDS = "refunds"  # refunds due back to customers until the channel pays them
    COMMISSION = "platform:commission"  # the platform's commission income
    SUBSIDY = "platform:subsidy"  # platform-funded discounts paid to merchants (expense)
    FEES = "platform:fees"  # pre-settlement fees
    PENALTIES = "platform:penalties"  # penalties taken from deposits
    MARKETING = "platform:marketing"  # marketing spend charged to merchants
    MERCHANT = "merchant"  # one of a merchant's accounts (see Bucket)


class Bucket(enum.StrEnum):
    """A merchant's accounts."""

    PENDING = "pending"  # owed for completed orders, not yet settled
    AVAILABLE = "available"  # settled: may be withdrawn
    DEPOSIT = "deposit"  # the deposit it holds with the platform
    MARKETING = "marketing"  # recharged for marketing spend


class AccountId(NamedTuple):
    """An account of the chart (see the module docstring). Build one with
    :func:`cash_account`, :func:`merchant_account` or take a platform constant
    (:data:`TRANSIT`...); :meth:`Ledger.open_accounts` refuses a malformed one."""

    role: Role
    owner: str = ""  # the channel of a cash account, the merchant of a merchant account
    bucket: Bucket | None = None  # a merchant account's bucket

    @property
    def merchant(self) -> MerchantId | None:
        """The merchant whose account this is (``None`` for the platform's accounts)."""
        return MerchantId(self.owner) if self.role is Role.MERCHANT else None

    @property
    def channel(self) -> str | None:
        """The channel of a cash account (``None`` otherwise)."""
        return self.owner if self.role is Role.CASH else None

    def __str__(self) -> str:
        if self.role is Role.CASH:
            return f"cash:{self.owner}"
        if self.role is Role.MERCHANT:
            return f"merchant:{self.owner}:{self.bucket}"
        return self.role.value


#: Customers' payments received at a channel and not yet cleared to merchants (escrow).
TRANSIT: Final = AccountId(Role.TRANSIT)
#: Refunds due back to customers, until the payment channel has paid them.
REFUNDS: Final = AccountId(Role.REFUNDS)
#: The platform's commission income.
COMMISSION: Final = AccountId(Role.COMMISSION)
#: The platform-funded discounts it pays merchants (an expense: debit balance).
SUBSIDY: Final = AccountId(Role.SUBSIDY)
#: Pre-settlement fees.
FEES: Final = AccountId(Role.FEES)
#: Penalties taken from deposits.
PENALTIES: Final = AccountId(Role.PENALTIES)
#: Marketing spend charged to merchants' recharged balances.
MARKETING: Final = AccountId(Role.MARKETING)

#: The platform's own accounts, opened with every book.
PLATFORM_ACCOUNTS: Final = (TRANSIT, REFUNDS, COMMISSION, SUBSIDY, FEES, PENALTIES, MARKETING)


def cash_account(channel: str) -> AccountId:
    """The platform's money held at a payment channel (or its payout bank)."""
    return AccountId(Role.CASH, channel)


def merchant_account(merchant_id: MerchantId | str, bucket: Bucket) -> AccountId:
    return AccountId(Role.MERCHANT, merchant_id, bucket)


def merchant_accounts(merchant_id: MerchantId | str) -> tuple[AccountId, ...]:
    return tuple(merchant_account(merchant_id, bucket) for bucket in Bucket)


def require_account(value: object) -> AccountId:
    """``value`` if it is a well-formed account id (:class:`InvalidAccount` otherwise): a
    platform role alone, a cash account with its channel, a merchant's with its bucket."""
    if type(value) is not AccountId:
        raise InvalidAccount(f"an account is an AccountId, not {value!r}")
    role, owner, bucket = value
    if not isinstance(role, Role) or not isinstance(owner, str):
        raise InvalidAccount(f"malformed account id {value!r}")
    owned = role is Role.CASH or role is Role.MERCHANT
    if owned != bool(owner) or (role is Role.MERCHANT) != isinstance(bucket, Bucket):
        raise InvalidAccount(f"malformed account id {value!r}")
    if role is not Role.MERCHANT and bucket is not None:
        raise InvalidAccount(f"malformed account id {value!r}")
    return value


_PLATFORM_BY_NAME: Final = {str(account): account for account in PLATFORM_ACCOUNTS}
_BUCKETS: Final = {bucket.value: bucket for bucket in Bucket}


def account_named(name: object) -> AccountId:
    """The account whose name (its ``str``) is ``name``; :class:`InvalidAccount` if it
    names no account of the chart."""
    if not isinstance(name, str):
        raise InvalidAccount(f"an account name is a string, not {name!r}")
    role, _, rest = name.partition(":")
    if role == Role.CASH and rest:
        return cash_account(rest)
    if role == Role.MERCHANT:
        merchant, _, bucket = rest.rpartition(":")
        if merchant and bucket in _BUCKETS:
            return merchant_account(merchant, _BUCKETS[bucket])
    elif name in _PLATFORM_BY_NAME:
        return _PLATFORM_BY_NAME[name]
    raise InvalidAccount(f"{name!r} names no account of the chart")
