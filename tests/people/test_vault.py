"""The vault contract (:mod:`merx.testing.vault`) on the in-memory vault; the embedded
SQLite and PostgreSQL vaults run it in tests/stores/test_people_stored.py."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from merx.adapters.memory import MemoryVault
from merx.people import PersonalKind, Vault
from merx.testing.vault import VaultContract


class TestMemoryVault(VaultContract):
    @pytest.fixture
    def make_vault(self) -> Callable[[], Vault]:
        return MemoryVault


def test_the_memory_vault_shows_no_value_in_its_repr() -> None:
    vault = MemoryVault()
    vault.tokenize(PersonalKind.PHONE, "13800138000")
    assert "13800138000" not in repr(vault)
    assert len(vault) == 1
