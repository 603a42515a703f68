"""The ``Payout`` contract (:mod:`merx.testing.payout`) run against the in-memory adapter."""

from __future__ import annotations

import pytest

from merx.adapters.memory import MemoryPayout
from merx.testing.payout import PayoutContract, PayoutFactory


class TestMemoryPayout(PayoutContract):
    @pytest.fixture
    def make_payout(self) -> PayoutFactory:
        return MemoryPayout
