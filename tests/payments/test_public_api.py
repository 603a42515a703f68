"""merx.payments's public API, pinned: a name added or dropped is a visible decision."""

from __future__ import annotations

from merx import payments

PUBLIC = [
    "AuthFactor",
    "AuthenticateTransaction",
    "AuthenticationExpired",
    "AuthenticationLapsed",
    "AuthenticationLocked",
    "AuthenticationLockedOut",
    "AuthenticationPolicy",
    "AuthenticationProofRejected",
    "AuthenticationRequired",
    "CaptureExceedsAuthorization",
    "ChannelHealth",
    "DEFAULT_ROUTING",
    "DuplicateRefund",
    "ExpirePaymentAuthentications",
    "GatewayTimeout",
    "HandlePaymentNotification",
    "INSTALLMENTS",
    "NoAuthenticationPending",
    "NoChannelAvailable",
    "NotInstallmentEligible",
    "PayByInstallments",
    "PayOrder",
    "PayOrderRouted",
    "Payment",
    "PaymentAlreadyAuthorized",
    "PaymentAnomalyRecorded",
    "PaymentDenied",
    "PaymentFactRecorded",
    "PaymentFailed",
    "PaymentGateway",
    "PaymentInitiated",
    "PaymentNotAuthorized",
    "PaymentNotification",
    "PaymentOutcome",
    "PaymentQueries",
    "PaymentStatus",
    "PaymentSucceeded",
    "RefundExceedsCapture",
    "RefundExceedsPayment",
    "RefundFailed",
    "RefundReserved",
    "RefundStatus",
    "RefundSucceeded",
    "RoutingRule",
    "SyncPayment",
    "TransactionAuthenticated",
    "TransactionRisk",
    "UnknownChannel",
    "UnknownPayment",
    "WrongAuthenticationFactor",
    "WrongProof",
    "refund_to_payer",
]


def test_the_public_api_is_exactly_these_names() -> None:
    assert sorted(payments.__all__) == PUBLIC
    assert len(PUBLIC) <= 60
    for name in PUBLIC:
        assert getattr(payments, name) is not None
