"""The ``Logistics`` contract (:mod:`merx.testing.logistics`) run against the in-memory adapter."""

from __future__ import annotations

import pytest

from merx.adapters.memory import MemoryLogistics
from merx.testing.logistics import LogisticsContract, LogisticsFactory


class TestMemoryLogistics(LogisticsContract):
    @pytest.fixture
    def make_logistics(self) -> LogisticsFactory:
        return MemoryLogistics
