"""The idempotency fingerprint of a command with a personal value: the vault's keyed digest
stands in for the value, so a stored fingerprint cannot be matched by hashing candidate
phone numbers without the vault's key (it can with it: the test can fail)."""

from __future__ import annotations

import hashlib

import pytest

from merx import people
from merx.adapters.memory import MemoryVault
from merx.app import build_memory_app
from merx.errors import IdempotencyKeyReused
from merx.kernel.ids import CustomerId
from merx.kernel.replies import CommandRecord, fingerprint
from merx.kernel.vault import hmac_digest
from merx.people import PersonalKind

AMY = CustomerId("amy")
PHONE = "13800138000"
#: the attacker's candidates: 2,000 numbers around the true one, the true one among them
CANDIDATES = [f"138001{n:05d}" for n in range(37_000, 39_000)]


def stored_fingerprint() -> tuple[str, MemoryVault]:
    vault = MemoryVault()
    app = build_memory_app(vault=vault)
    app.handle(people.RegisterPersonalData(AMY, "Amy Li", PHONE), idempotency_key="k1")
    with app.unit_of_work() as uow:
        record = uow.repo(CommandRecord).get("k1")
    return record.fingerprint, vault


def test_a_stored_fingerprint_is_not_matched_by_hashing_candidate_numbers() -> None:
    stored, vault = stored_fingerprint()
    assert PHONE in CANDIDATES

    def unkeyed_hash(kind: PersonalKind, value: str) -> str:
        return hashlib.sha256(value.encode()).hexdigest()

    def wrong_key(kind: PersonalKind, value: str) -> str:
        return hmac_digest(b"guessed-key-0000", kind, value)

    for guess in (lambda _kind, value: value, unkeyed_hash, wrong_key):
        matched = [
            phone
            for phone in CANDIDATES
            if fingerprint(people.RegisterPersonalData(AMY, "Amy Li", phone), guess) == stored
        ]
        assert matched == []
    # with the vault's key the true number is found: the check above could fail
    keyed = [
        phone
        for phone in CANDIDATES
        if fingerprint(people.RegisterPersonalData(AMY, "Amy Li", phone), vault.digest) == stored
    ]
    assert keyed == [PHONE]


def test_a_resend_still_matches_and_another_value_under_the_key_is_refused() -> None:
    vault = MemoryVault()
    app = build_memory_app(vault=vault)
    command = people.RegisterPersonalData(AMY, "Amy Li", PHONE)
    app.handle(command, idempotency_key="k1")
    app.handle(command, idempotency_key="k1")  # the reply again, nothing new at the vault
    assert len(vault) == 2
    with pytest.raises(IdempotencyKeyReused):
        app.handle(people.RegisterPersonalData(AMY, "Amy Li", "13800138001"), idempotency_key="k1")
