"""The contracts of the answer-only ports (:mod:`merx.testing.risk`) run against the
in-memory adapters: the risk rules standard and open, the scorecard, channel health with
every channel up and with one down."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from merx.adapters.memory import (
    MemoryChannelHealth,
    MemoryCreditScorer,
    MemoryTransactionRisk,
    RiskRules,
)
from merx.credit import CreditScorer
from merx.payments import ChannelHealth, TransactionRisk
from merx.testing.risk import (
    ChannelHealthContract,
    CreditScorerContract,
    TransactionRiskContract,
)


class TestMemoryTransactionRiskStandard(TransactionRiskContract):
    @pytest.fixture
    def make_risk(self) -> Callable[[], TransactionRisk]:
        return lambda: MemoryTransactionRisk(RiskRules.standard())


class TestMemoryTransactionRiskOpen(TransactionRiskContract):
    @pytest.fixture
    def make_risk(self) -> Callable[[], TransactionRisk]:
        return MemoryTransactionRisk


class TestMemoryCreditScorer(CreditScorerContract):
    @pytest.fixture
    def make_scorer(self) -> Callable[[], CreditScorer]:
        return MemoryCreditScorer


class TestMemoryChannelHealth(ChannelHealthContract):
    @pytest.fixture
    def make_health(self) -> Callable[[], ChannelHealth]:
        return MemoryChannelHealth


class TestMemoryChannelHealthWithOneDown(ChannelHealthContract):
    @pytest.fixture
    def make_health(self) -> Callable[[], ChannelHealth]:
        return lambda: MemoryChannelHealth(down=["bank_card"])
