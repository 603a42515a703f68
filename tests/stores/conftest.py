"""The stores every stored-app test runs on: a SQLite file, and a PostgreSQL schema."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.stores.test_stored_app import Storage, postgres_storage, sqlite_storage

if TYPE_CHECKING:
    from merx.adapters.postgres import PostgresDatabase


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    if request.param == "sqlite":
        yield sqlite_storage(tmp_path / "shop.db")
        return
    opened: list[PostgresDatabase] = []
    yield postgres_storage(request.getfixturevalue("postgres_schema")(), opened)
    for database in opened:
        database.close()
