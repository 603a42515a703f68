from __future__ import annotations

import pytest

from tests.settlement.world import SettlementWorld, make_world


@pytest.fixture
def world() -> SettlementWorld:
    return make_world()
