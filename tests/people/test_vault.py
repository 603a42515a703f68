"""The vault contract, run by every vault merx ships (memory here; the embedded SQLite and
PostgreSQL ones in tests/stores/test_people_stored.py)."""

from __future__ import annotations

import pytest

from merx import people
from merx.adapters.memory import MemoryVault
from merx.people import PersonalKind, Vault


def check_vault_contract(vault: Vault) -> None:
    """Round trip, distinct tokens that do not hold the value, forgetting (idempotent)."""
    values = {
        PersonalKind.PHONE: "13800138000",
        PersonalKind.ID_CARD: "11010519491231002X",
        PersonalKind.BANK_CARD: "4111111111111111",
        PersonalKind.NAME: "张三",
    }
    tokens = {kind: vault.tokenize(kind, value) for kind, value in values.items()}
    again = vault.tokenize(PersonalKind.PHONE, values[PersonalKind.PHONE])
    assert again != tokens[PersonalKind.PHONE]
    for kind, token in tokens.items():
        assert vault.reveal(token) == values[kind]
        assert values[kind] not in token
        assert values[kind][-4:] not in token or kind is PersonalKind.NAME
    vault.forget(tokens[PersonalKind.PHONE])
    vault.forget(tokens[PersonalKind.PHONE])
    vault.forget("never-issued")
    with pytest.raises(people.UnknownToken) as raised:
        vault.reveal(tokens[PersonalKind.PHONE])
    assert values[PersonalKind.PHONE] not in str(raised.value)
    assert vault.reveal(again) == values[PersonalKind.PHONE]
    assert values[PersonalKind.PHONE] not in repr(vault)


def test_the_memory_vault_keeps_the_contract() -> None:
    check_vault_contract(MemoryVault())
