from __future__ import annotations

import pytest

from tests.credit.world import CreditWorld, make_world


@pytest.fixture
def world() -> CreditWorld:
    return make_world()
