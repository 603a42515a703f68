"""The vault port: where personal values are kept, so no document holds one in clear.

merx never stores a phone number, an ID card number, a bank card number, a name or a
top-up account in an aggregate's document: a use case asks the :class:`Vault` for a token
and stores a :class:`Sealed` value (the token and a mask for display). The port lives in
the kernel because several contexts seal values (people, customers, orders, fulfillment,
credit) and none of them may import another of its layer; ``merx.people`` re-exports it.

A host plugs in its KMS or vault service; merx's own adapters are
``merx.adapters.memory.MemoryVault`` (a dict apart from the store) and
``merx.adapters.vaults`` (a table apart from the documents in the same SQLite or
PostgreSQL database: an embedded default, to be replaced by a KMS in production).
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
from typing import Any, Protocol

import attrs

from merx.kernel.errors import NotFound


class PersonalKind(enum.Enum):
    """What a vaulted value is: a vault may keep each kind under its own key."""

    NAME = "name"
    PHONE = "phone"
    ID_CARD = "id_card"
    BANK_CARD = "bank_card"
    #: the account a top-up credits (a phone number, a game id)
    ACCOUNT = "account"
    #: a shopper's device id (behaviour events keep only its digest)
    DEVICE = "device"


class UnknownToken(NotFound):
    """The vault holds no value under this token (never issued, or forgotten)."""


@attrs.frozen
class Sealed:
    """A personal value as merx keeps it: the vault's ``token`` and the ``masked`` form
    derived when it was tokenized (``138****0000``)."""

    token: str
    masked: str


class Vault(Protocol):
    """Keeps personal values; hands out opaque tokens for them, and keyed digests.

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
        vault decides who is), or :class:`UnknownToken`."""
        ...

    def forget(self, token: str) -> None:
        """Erase the value kept under ``token`` (an erasure request); forgetting an
        unknown or forgotten token does nothing."""
        ...

    def digest(self, kind: PersonalKind, value: str) -> str:
        """A keyed digest of ``value`` (an HMAC under a secret key the vault holds and
        never hands out): the same value of a kind always gives the same digest, so merx
        can tell a value it saw before (a card bound twice, a command sent again) without
        keeping it; without the key, hashing every candidate phone number finds nothing."""
        ...


def hmac_digest(key: bytes, kind: PersonalKind, value: str) -> str:
    """HMAC-SHA256 of ``kind`` and ``value`` under ``key``, in URL-safe base64 (not hex:
    a hex digest's runs of digits look like card numbers to a scan): the embedded vaults'
    :meth:`Vault.digest`."""
    assert len(key) >= 16, "a digest key has at least 128 bits"
    message = f"{kind.value}\x00{value}".encode()
    mac = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def personal(kind: PersonalKind, **kwargs: Any) -> Any:
    """An attrs field holding a personal value in clear (a command's phone number, before
    it is sealed): left out of the repr, and in a command's idempotency fingerprint
    replaced by the vault's keyed digest (:mod:`merx.kernel.replies`)."""
    metadata = {**kwargs.pop("metadata", {}), PERSONAL: kind}
    return attrs.field(repr=False, metadata=metadata, **kwargs)


#: the attrs metadata key :func:`personal` marks a field with (its :class:`PersonalKind`)
PERSONAL = "merx.personal"


def mask_name(value: str) -> str:
    """A name's mask: its first character, then a ``*`` for each other one (``张**``)."""
    text = value.strip()
    return text[:1] + "*" * (len(text) - 1)


def mask_number(value: str) -> str:
    """The mask of a number of any shape (an address's phone, a top-up account, a
    declared ID number): the first three and last four characters of a value of eleven
    or more (an ID card's birth date, characters 7 to 14, is never shown), else only the
    last two, and a ``*`` for each other one."""
    text = value.strip()
    if len(text) >= 11:
        return text[:3] + "*" * (len(text) - 7) + text[-4:]
    shown = text[-2:] if len(text) > 4 else ""
    return "*" * (len(text) - len(shown)) + shown
