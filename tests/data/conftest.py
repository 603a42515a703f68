"""The data tests' stores: each rule runs on the memory store and on DuckDB."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from merx.adapters.memory.facts import MemoryFactStore
from merx.data import FactStore


@pytest.fixture(params=["memory", "duckdb"])
def new_store(request: pytest.FixtureRequest) -> Iterator[Callable[[], FactStore]]:
    """Makes empty stores of one kind (DuckDB skipped, with the reason, without duckdb)."""
    if request.param == "memory":
        yield MemoryFactStore
        return
    duckdb_facts = pytest.importorskip(
        "merx.adapters.duckdb_facts", reason="duckdb is not installed (merx[duckdb])"
    )
    opened: list[FactStore] = []

    def make() -> FactStore:
        opened.append(duckdb_facts.DuckDBFactStore())
        return opened[-1]

    yield make
    for store in opened:
        store.close()  # type: ignore[attr-defined]
