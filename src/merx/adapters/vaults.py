"""Embedded vaults for the database apps: a ``merx_vault`` table in the same SQLite file or
PostgreSQL database, apart from the documents (which only ever hold tokens).

The table is created here if missing (it is not part of the document schema, whose
version it leaves alone). Values are kept in clear in that table: this is a default so a
stored merx runs on its own, **to be replaced with your KMS or vault service** (any object
with the ``Vault`` methods of :mod:`merx.people.ports`), or at least kept in a database
with encryption at rest and its own grants. Tokens are 128 random bits, unrelated to the
value. Each call commits on its own.

Digests (:meth:`~merx.kernel.vault.Vault.digest`) are HMAC-SHA256 under a key of 256
random bits generated on first use and kept in the ``merx_vault_key`` table beside the
values (the same grants apply; a KMS keeps its HMAC key itself).
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from merx.adapters.sealing import VAULT_TABLE, new_token
from merx.adapters.sqlite import SqliteDatabase
from merx.kernel.vault import hmac_digest
from merx.people import PersonalKind, UnknownToken

if TYPE_CHECKING:
    from merx.adapters.postgres import PostgresDatabase

_TABLE = VAULT_TABLE

_KEY_TABLE = (
    "CREATE TABLE IF NOT EXISTS merx_vault_key "
    "(id INTEGER PRIMARY KEY CHECK (id = 1), key TEXT NOT NULL)"
)


def _unknown(token: str) -> UnknownToken:
    return UnknownToken(f"the vault holds no value under token {token!r}")


class SqliteVault:
    """``Vault`` in the ``merx_vault`` table of a :class:`SqliteDatabase`'s file."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._database = database
        database.connection().execute(_TABLE)
        self._key: bytes | None = None

    def tokenize(self, kind: PersonalKind, value: str) -> str:
        token = new_token(kind)
        self._database.connection().execute(
            "INSERT INTO merx_vault (token, kind, value) VALUES (?, ?, ?)",
            (token, kind.value, value),
        )
        return token

    def reveal(self, token: str) -> str:
        row = (
            self._database.connection()
            .execute("SELECT value FROM merx_vault WHERE token = ?", (token,))
            .fetchone()
        )
        if row is None:
            raise _unknown(token)
        return str(row[0])

    def forget(self, token: str) -> None:
        self._database.connection().execute("DELETE FROM merx_vault WHERE token = ?", (token,))

    def digest(self, kind: PersonalKind, value: str) -> str:
        if self._key is None:
            db = self._database.connection()
            db.execute(_KEY_TABLE)
            db.execute(
                "INSERT INTO merx_vault_key (id, key) VALUES (1, ?) ON CONFLICT (id) DO NOTHING",
                (secrets.token_hex(32),),
            )
            row = db.execute("SELECT key FROM merx_vault_key WHERE id = 1").fetchone()
            assert row is not None
            self._key = bytes.fromhex(row[0])
        return hmac_digest(self._key, kind, value)

    def __repr__(self) -> str:
        return f"SqliteVault({self._database.path!r})"


class PostgresVault:
    """``Vault`` in the ``merx_vault`` table of a :class:`PostgresDatabase`."""

    def __init__(self, database: PostgresDatabase) -> None:
        self._database = database
        with database.connection() as connection:
            connection.execute(_TABLE)
        self._key: bytes | None = None

    def tokenize(self, kind: PersonalKind, value: str) -> str:
        token = new_token(kind)
        with self._database.connection() as connection:
            connection.execute(
                "INSERT INTO merx_vault (token, kind, value) VALUES (%s, %s, %s)",
                (token, kind.value, value),
            )
        return token

    def reveal(self, token: str) -> str:
        with self._database.connection() as connection:
            row = connection.execute(
                "SELECT value FROM merx_vault WHERE token = %s", (token,)
            ).fetchone()
        if row is None:
            raise _unknown(token)
        return str(row[0])

    def forget(self, token: str) -> None:
        with self._database.connection() as connection:
            connection.execute("DELETE FROM merx_vault WHERE token = %s", (token,))

    def digest(self, kind: PersonalKind, value: str) -> str:
        if self._key is None:
            with self._database.connection() as connection:
                connection.execute(_KEY_TABLE)
                connection.execute(
                    "INSERT INTO merx_vault_key (id, key) VALUES (1, %s) "
                    "ON CONFLICT (id) DO NOTHING",
                    (secrets.token_hex(32),),
                )
                row = connection.execute("SELECT key FROM merx_vault_key WHERE id = 1").fetchone()
            assert row is not None
            self._key = bytes.fromhex(row[0])
        return hmac_digest(self._key, kind, value)

    def __repr__(self) -> str:
        return "PostgresVault()"
