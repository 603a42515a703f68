"""The contract of ``Vault`` (:mod:`merx.people.ports`), where personal values are kept.

Run it against a vault by subclassing :class:`VaultContract` and providing its fixture
``make_vault`` (``Callable[[], Vault]``)::

    class TestKmsVault(VaultContract):
        @pytest.fixture
        def make_vault(self) -> Callable[[], Vault]:
            return lambda: KmsVault(sandbox_credentials())

A value comes back as it was given until it is forgotten; a token is new at each call and
does not hold the value; forgetting is idempotent and touches no other token; an unknown
token is :class:`~merx.people.UnknownToken`, whose message holds no value. A digest is
the same for the same kind and value, differs for another value or kind, and is no unkeyed
hash of the value.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from merx.people import UnknownToken
from merx.people.ports import PersonalKind, Vault

#: Any text a personal value may be: every character but NUL (a PostgreSQL text column
#: refuses it, and no name, number or account holds one).
TEXT = st.characters(exclude_characters="\x00", codec="utf-8")

SAMPLES = {
    PersonalKind.NAME: "张三丰",
    PersonalKind.PHONE: "13800138000",
    PersonalKind.ID_CARD: "11010519491231002X",
    PersonalKind.BANK_CARD: "4111111111111111",
    PersonalKind.ACCOUNT: "13900139000",
}


class VaultContract:
    """The contract of a ``Vault`` adapter. Subclass it under a name pytest collects and
    provide the fixture ``make_vault``."""

    def test_a_value_comes_back_as_given(self, make_vault: Callable[[], Vault]) -> None:
        vault = make_vault()

        @settings(max_examples=25, deadline=None)
        @given(kind=st.sampled_from(PersonalKind), value=st.text(TEXT, min_size=1, max_size=40))
        def check(kind: PersonalKind, value: str) -> None:
            assert vault.reveal(vault.tokenize(kind, value)) == value

        check()

    def test_tokens_are_new_and_do_not_hold_the_value(
        self, make_vault: Callable[[], Vault]
    ) -> None:
        vault = make_vault()
        for kind, value in SAMPLES.items():
            first, second = vault.tokenize(kind, value), vault.tokenize(kind, value)
            assert first != second
            for token in (first, second):
                assert value not in token
                assert value[-6:] not in token
                assert vault.reveal(token) == value

    def test_a_forgotten_value_is_gone_and_only_it(self, make_vault: Callable[[], Vault]) -> None:
        vault = make_vault()
        tokens = {kind: vault.tokenize(kind, value) for kind, value in SAMPLES.items()}
        vault.forget(tokens[PersonalKind.PHONE])
        vault.forget(tokens[PersonalKind.PHONE])  # again: nothing happens
        with pytest.raises(UnknownToken) as raised:
            vault.reveal(tokens[PersonalKind.PHONE])
        assert SAMPLES[PersonalKind.PHONE] not in str(raised.value)
        for kind, token in tokens.items():
            if kind is not PersonalKind.PHONE:
                assert vault.reveal(token) == SAMPLES[kind]

    def test_an_unknown_token_is_refused_and_forgetting_it_does_nothing(
        self, make_vault: Callable[[], Vault]
    ) -> None:
        vault = make_vault()
        vault.forget("never-issued")
        with pytest.raises(UnknownToken):
            vault.reveal("never-issued")

    def test_a_digest_is_keyed_stable_and_holds_no_value(
        self, make_vault: Callable[[], Vault]
    ) -> None:
        vault = make_vault()
        for kind, value in SAMPLES.items():
            digest = vault.digest(kind, value)
            assert digest == vault.digest(kind, value)
            assert value not in digest
            assert digest != vault.digest(kind, value + "0")
            unkeyed = {
                hashlib.sha256(text.encode()).hexdigest()
                for text in (value, f"{kind.value}\x00{value}", f"{kind.value}:{value}")
            }
            assert digest not in unkeyed
        assert vault.digest(PersonalKind.PHONE, "13800138000") != vault.digest(
            PersonalKind.ACCOUNT, "13800138000"
        )
