"""Embedded vaults for the database apps: a ``merx_vault`` table in the same SQLite file or
PostgreSQL database, apart from the documents (which only ever hold tokens).

The table is created here if missing (it is not part of the document schema, whose
version it leaves alone). Values are kept in clear in that table: this is a default so a
stored merx runs on its own, **to be replaced with your KMS or vault service** (any object
with the ``Vault`` methods of :mod:`merx.people.ports`), or at least kept in a database
with encryption at rest and its own grants. Tokens are 128 random bits, unrelated to the
value. Each call commits on its own.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from merx.adapters.sqlite import SqliteDatabase
from merx.people import PersonalKind, UnknownToken

if TYPE_CHECKING:
    from merx.adapters.postgres import PostgresDatabase

_TABLE = (
    "CREATE TABLE IF NOT EXISTS merx_vault "
    "(token TEXT PRIMARY KEY, kind TEXT NOT NULL, value TEXT NOT NULL)"
)


def _new_token(kind: PersonalKind) -> str:
    return f"vt-{kind.value}-{secrets.token_hex(16)}"


def _unknown(token: str) -> UnknownToken:
    return UnknownToken(f"the vault holds no value under token {token!r}")


class SqliteVault:
    """``Vault`` in the ``merx_vault`` table of a :class:`SqliteDatabase`'s file."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._database = database
        database.connection().execute(_TABLE)

    def tokenize(self, kind: PersonalKind, value: str) -> str:
        token = _new_token(kind)
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

    def __repr__(self) -> str:
        return f"SqliteVault({self._database.path!r})"


class PostgresVault:
    """``Vault`` in the ``merx_vault`` table of a :class:`PostgresDatabase`."""

    def __init__(self, database: PostgresDatabase) -> None:
        self._database = database
        with database.connection() as connection:
            connection.execute(_TABLE)

    def tokenize(self, kind: PersonalKind, value: str) -> str:
        token = _new_token(kind)
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

    def __repr__(self) -> str:
        return "PostgresVault()"
