"""The in-memory vault: clear personal values in a dict of its own, apart from the store's
documents (which only ever hold tokens)."""

from __future__ import annotations

import secrets

from merx.kernel.vault import hmac_digest
from merx.people import PersonalKind, UnknownToken


class MemoryVault:
    """``Vault`` (:mod:`merx.people.ports`) keeping values in memory.

    Tokens are ``vt-<kind>-<n>``, counted, so tests get the same tokens on every run; they
    say nothing of the value. :attr:`reveals` counts the reveals (tests check who asks).
    Digests are HMAC-SHA256 under ``key`` (by default 256 random bits of this instance).
    """

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key if key is not None else secrets.token_bytes(32)
        self._values: dict[str, str] = {}
        self._count = 0
        self.reveals = 0

    def tokenize(self, kind: PersonalKind, value: str) -> str:
        self._count += 1
        token = f"vt-{kind.value}-{self._count}"
        self._values[token] = value
        return token

    def reveal(self, token: str) -> str:
        self.reveals += 1
        try:
            return self._values[token]
        except KeyError:
            raise UnknownToken(f"the vault holds no value under token {token!r}") from None

    def forget(self, token: str) -> None:
        self._values.pop(token, None)

    def digest(self, kind: PersonalKind, value: str) -> str:
        return hmac_digest(self._key, kind, value)

    def __len__(self) -> int:
        """How many values are kept (forgotten ones are gone)."""
        return len(self._values)

    def __repr__(self) -> str:
        return f"MemoryVault({len(self._values)} values)"
