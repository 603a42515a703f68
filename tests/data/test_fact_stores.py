"""The facts store contract (:mod:`merx.testing.data`) on the memory store and on DuckDB
(skipped, with the reason, where ``duckdb`` is not installed: CI installs it with ``dev``)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from merx.adapters.memory.facts import MemoryFactStore
from merx.data import FactStore
from merx.testing.data import FactStoreContract


class TestMemoryFacts(FactStoreContract):
    @pytest.fixture
    def make_facts(self) -> Callable[[], FactStore]:
        return MemoryFactStore


class TestDuckDBFacts(FactStoreContract):
    @pytest.fixture
    def make_facts(self) -> Callable[[], FactStore]:
        duckdb_facts = pytest.importorskip(
            "merx.adapters.duckdb_facts", reason="duckdb is not installed (merx[duckdb])"
        )
        store: Callable[[], FactStore] = duckdb_facts.DuckDBFactStore
        return store


class TestBufferedDuckDBFacts(FactStoreContract):
    """DuckDB writing facts 50 at a time: every read still sees every fact added."""

    @pytest.fixture
    def make_facts(self) -> Callable[[], FactStore]:
        duckdb_facts = pytest.importorskip(
            "merx.adapters.duckdb_facts", reason="duckdb is not installed (merx[duckdb])"
        )
        return lambda: duckdb_facts.DuckDBFactStore(flush_at=50)
