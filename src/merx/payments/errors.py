"""The payments context's errors, each under one family of :mod:`merx.errors`.

The cashier's (a refund beyond the payment, risk control's denial, no channel to route
to, a SKU not sold on installments, transaction authentication), and those a payment
channel raises through the :class:`~merx.payments.PaymentGateway` port (its adapters
raise them: a timeout, an unknown payment, a call that breaks the channel's invariants).
"""

from __future__ import annotations

import attrs

from merx.kernel.errors import (
    AlreadyExists,
    BusinessRuleViolation,
    NotFound,
    OutcomeUnknown,
    ValidationError,
)
from merx.kernel.money import Money

# -- the cashier -----------------------------------------------------------------------


class UnknownChannel(ValidationError):
    """No payment gateway is configured for the channel asked for."""


class PaymentDenied(BusinessRuleViolation):
    """Risk control refused the transaction; nothing was stored or charged."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@attrs.define(auto_exc=True)
class NoChannelAvailable(BusinessRuleViolation):
    """No channel can take the payment: no rule matches, or the matching rule's channels
    are all unavailable. ``rule`` is the matching rule's name (``None`` if none matched)."""

    amount: Money
    method: str
    rule: str | None
    available: frozenset[str]

    def __str__(self) -> str:
        if self.rule is None:
            what = "no routing rule matches"
        else:
            what = f"rule {self.rule!r} matches but none of its channels is available"
        return (
            f"cannot route a {self.amount} payment by {self.method!r}: {what} "
            f"(available: {sorted(self.available)})"
        )


class NotInstallmentEligible(BusinessRuleViolation):
    """A line of the order is not sold on installments (the SKU is not eligible)."""


class RefundExceedsPayment(BusinessRuleViolation):
    """A refund would return more than was captured and not yet refunded."""


class RefundNotFound(NotFound):
    """No refund with this id on the payment."""


class RefundNotPending(BusinessRuleViolation):
    """The refund has succeeded or was escalated (or is not due to escalate): no try now."""


class RefundNotEscalated(BusinessRuleViolation):
    """Only an escalated refund is resolved by hand; this one is pending or succeeded."""


# -- transaction authentication --------------------------------------------------------


class NoAuthenticationPending(BusinessRuleViolation):
    """A proof was given for a payment that never asked for one."""


class WrongAuthenticationFactor(ValidationError):
    """The proof is of another kind than the one risk control asked for (not counted)."""


class WrongProof(BusinessRuleViolation):
    """The proof did not verify. The attempt is counted; ``attempts_left`` more may follow."""

    def __init__(self, message: str, *, attempts_left: int) -> None:
        super().__init__(message)
        self.attempts_left = attempts_left


class AuthenticationLocked(WrongProof):
    """Too many wrong proofs: the payment failed and takes no more proofs."""


class AuthenticationExpired(BusinessRuleViolation):
    """The authentication window closed: the payment failed; pay again to retry."""


# -- raised by a payment channel ---------------------------------------------------------


class GatewayTimeout(OutcomeUnknown):
    """The channel did not answer in time: the operation may or may not have happened.

    Retry with the same idempotency key, or ask ``query``.
    """


class UnknownPayment(NotFound):
    """The channel has no record of this payment id."""


class PaymentAlreadyAuthorized(BusinessRuleViolation):
    """A new authorization for a payment already authorized (or being authorized)."""


class PaymentNotAuthorized(BusinessRuleViolation):
    """A capture for a payment the channel has not authorized."""


class CaptureExceedsAuthorization(BusinessRuleViolation):
    """A capture would take the captured total above the authorized amount."""


class RefundExceedsCapture(BusinessRuleViolation):
    """A refund would take the refunded total above the captured total."""


class DuplicateRefund(AlreadyExists):
    """A refund id already used for another refund of the payment (not a replay)."""
