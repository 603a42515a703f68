from __future__ import annotations

import pytest

from tests.suppliers.world import SuppliersWorld, make_world


@pytest.fixture
def world() -> SuppliersWorld:
    return make_world()
