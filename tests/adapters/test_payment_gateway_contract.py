"""The ``PaymentGateway`` contract (:mod:`merx.testing.payment_gateway`) run against the
in-memory gateway."""

from __future__ import annotations

import pytest

from merx.adapters.memory import MemoryPaymentGateway
from merx.testing.payment_gateway import GatewayFactory, PaymentGatewayContract


class TestMemoryPaymentGateway(PaymentGatewayContract):
    @pytest.fixture
    def make_gateway(self) -> GatewayFactory:
        return MemoryPaymentGateway
