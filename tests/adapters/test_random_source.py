"""The ``RandomSource`` contract (:mod:`merx.testing.randomness`) on the seeded source
tests and simulations use and on the system's, which codes are drawn from by default."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from merx.adapters.memory import SeededRandomSource
from merx.adapters.system import SystemRandomSource
from merx.promotions import RandomSource
from merx.testing.randomness import RandomSourceContract


class TestSeededRandomSource(RandomSourceContract):
    @pytest.fixture
    def make_random(self) -> Callable[[], RandomSource]:
        return lambda: SeededRandomSource(7)


class TestSystemRandomSource(RandomSourceContract):
    @pytest.fixture
    def make_random(self) -> Callable[[], RandomSource]:
        return SystemRandomSource


def test_one_seed_draws_one_sequence_and_another_seed_another() -> None:
    draws = [[SeededRandomSource(seed).below(10**9) for _ in range(5)] for seed in (1, 1, 2)]
    assert draws[0] == draws[1] != draws[2]
