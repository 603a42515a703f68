"""The memory payment channel's incident mode: a seeded share of authorizations fail."""

from __future__ import annotations

from decimal import Decimal

import pytest

from merx.adapters.memory import MemoryPaymentGateway
from merx.errors import ValidationError
from merx.kernel.money import Money
from merx.payments.ports import GatewayStatus

ONE = Money.of("10.00", "CNY")


def authorize_many(gateway: MemoryPaymentGateway, first: int, n: int) -> list[GatewayStatus]:
    return [
        gateway.authorize(
            payment_id=f"p{k}", amount=ONE, method="card", idempotency_key=f"p{k}/authorize"
        ).status
        for k in range(first, first + n)
    ]


def test_a_failing_channel_declines_about_its_rate_and_recovers() -> None:
    gateway = MemoryPaymentGateway("alipay")
    assert set(authorize_many(gateway, 0, 50)) == {GatewayStatus.SUCCEEDED}
    gateway.fail_rate(Decimal("0.3"), seed=7)
    during = authorize_many(gateway, 50, 1000)
    failed = during.count(GatewayStatus.FAILED)
    assert 240 <= failed <= 360
    gateway.stop_failing()
    assert set(authorize_many(gateway, 1050, 50)) == {GatewayStatus.SUCCEEDED}
    replay = gateway.authorize(
        payment_id="p50", amount=ONE, method="card", idempotency_key="p50/authorize"
    )
    assert replay.status is during[0]  # a replay answers what the channel did


def test_the_same_seed_fails_the_same_calls() -> None:
    runs = []
    for _ in range(2):
        gateway = MemoryPaymentGateway("alipay")
        gateway.fail_rate(Decimal("0.3"), seed="incident")
        runs.append(authorize_many(gateway, 0, 100))
    assert runs[0] == runs[1]


def test_a_scripted_outcome_comes_first_and_a_rate_is_checked() -> None:
    gateway = MemoryPaymentGateway("alipay")
    gateway.fail_rate(Decimal(0), seed=1)
    gateway.decline_next()
    assert authorize_many(gateway, 0, 2) == [GatewayStatus.FAILED, GatewayStatus.SUCCEEDED]
    for bad in (Decimal("1.5"), Decimal(-1), 0.3):
        with pytest.raises(ValidationError):
            gateway.fail_rate(bad, seed=1)  # type: ignore[arg-type]
