"""The port of the people context: the vault personal values are kept in.

merx never stores a phone number, an ID card number, a bank card number or a name in an
aggregate's document: it asks the :class:`Vault` for a token and stores that (with a mask
for display). A host plugs in its KMS or vault service; merx's own adapters are
``merx.adapters.memory.MemoryVault`` (a dict apart from the store) and
``merx.adapters.vaults`` (a table apart from the documents in the same SQLite or
PostgreSQL database: an embedded default, to be replaced by a KMS in production).
"""

from __future__ import annotations

import enum
from typing import Protocol


class PersonalKind(enum.Enum):
    """What a vaulted value is: a vault may keep each kind under its own key."""

    NAME = "name"
    PHONE = "phone"
    ID_CARD = "id_card"
    BANK_CARD = "bank_card"


class Vault(Protocol):
    """Keeps personal values; hands out opaque tokens for them.

    A token must not be derived from the value (no hash of a phone number: the space of
    phone numbers is small enough to search). Tokenizing the same value twice may give two
    tokens. Each call is its own transaction at the vault: a token whose command then
    fails is forgotten again by the use case.
    """

    def tokenize(self, kind: PersonalKind, value: str) -> str:
        """Keep ``value`` and answer a new token for it."""
        ...

    def reveal(self, token: str) -> str:
        """The value kept under ``token``, for the few callers allowed to see it (the
        vault decides who is), or :class:`~merx.people.UnknownToken`."""
        ...

    def forget(self, token: str) -> None:
        """Erase the value kept under ``token`` (an erasure request); forgetting an
        unknown or forgotten token does nothing."""
        ...
