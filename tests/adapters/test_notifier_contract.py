"""The ``Notifier`` contract (:mod:`merx.testing.notifier`) run against the in-memory adapter."""

from __future__ import annotations

import pytest

from merx.adapters.memory import MemoryNotifier
from merx.testing.notifier import NotifierContract, NotifierFactory


class TestMemoryNotifier(NotifierContract):
    @pytest.fixture
    def make_notifier(self) -> NotifierFactory:
        return MemoryNotifier
