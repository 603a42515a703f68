"""The ``Funder`` contract (:mod:`merx.testing.funder`) run against the in-memory adapter."""

from __future__ import annotations

import pytest

from merx.adapters.memory import MemoryFunder
from merx.testing.funder import FunderContract, FunderFactory


class TestMemoryFunder(FunderContract):
    @pytest.fixture
    def make_funder(self) -> FunderFactory:
        return MemoryFunder
