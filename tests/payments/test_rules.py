"""A payment's authentication lapses in the model: it checks the window, fails the
payment and records both events; a payment whose window is open is left as it was."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs

from merx.kernel.ids import OrderId, PaymentId
from merx.kernel.money import Money
from merx.payments import AuthenticationLapsed, AuthFactor, Payment, PaymentFailed, PaymentStatus

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=5)


def awaiting() -> Payment:
    payment = Payment.initiate(
        payment_id=PaymentId("pay-1"),
        order_id=OrderId("p-1"),
        channel="alipay",
        method="balance",
        amount=Money.of("10.00", "CNY"),
        at=T0,
    )
    payment.require_authentication(AuthFactor.SMS, at=T0, expires_at=T0 + WINDOW, max_attempts=3)
    payment.pull_events()
    return payment


def test_a_lapsed_authentication_fails_the_payment_and_records_why() -> None:
    assert awaiting().awaits_authentication
    payment = awaiting()
    now = T0 + WINDOW
    assert payment.lapse_authentication(now)
    assert payment.status is PaymentStatus.FAILED
    assert not payment.awaits_authentication
    assert payment.pull_events() == [
        AuthenticationLapsed(payment.id, T0 + WINDOW, now),
        PaymentFailed(payment.id, payment.order_id, "authentication expired", now),
    ]


def test_an_authentication_not_due_does_not_lapse_and_nothing_changes() -> None:
    for payment, now in (
        (awaiting(), T0 + WINDOW - timedelta(seconds=1)),
        (Payment.initiate(
            payment_id=PaymentId("pay-2"), order_id=OrderId("p-1"), channel="alipay",
            method="balance", amount=Money.of("10.00", "CNY"), at=T0,
        ), T0 + timedelta(days=1)),
    ):  # fmt: skip
        payment.pull_events()
        before = attrs.asdict(payment)
        assert not payment.lapse_authentication(now)
        assert attrs.asdict(payment) == before
        assert payment.pending_events == []
    lapsed = awaiting()
    lapsed.lapse_authentication(T0 + WINDOW)
    lapsed.pull_events()
    assert not lapsed.lapse_authentication(T0 + 2 * WINDOW)
    assert lapsed.pending_events == []
