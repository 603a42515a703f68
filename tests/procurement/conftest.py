from __future__ import annotations

import pytest

from tests.procurement.world import SupplyWorld, make_world


@pytest.fixture
def world() -> SupplyWorld:
    return make_world()
