"""The ``Journal`` contract (:mod:`merx.testing.journal`) run against both in-memory
journals: ``MemoryJournal`` (plain dicts, for a ledger used by hand) and ``StoredJournal``
(records staged in a unit of work over a ``MemoryStore``, what ``merx.app`` wires)."""

from __future__ import annotations

import pytest

from merx.adapters.memory import MemoryJournal, MemoryStore, MemoryUnitOfWork, StoredJournal
from merx.ledger import Journal
from merx.testing.journal import JournalContract, JournalFactory


class MemoryHarness:
    def __init__(self) -> None:
        self._journal = MemoryJournal()

    def journal(self) -> Journal:
        return self._journal

    def commit(self) -> None:
        pass

    def reopen(self) -> Journal:
        return self._journal


class StoredHarness:
    def __init__(self) -> None:
        self._store = MemoryStore(check_views=True)
        self._uow = MemoryUnitOfWork(self._store)
        self._journal = StoredJournal(self._uow, "CNY")

    def journal(self) -> Journal:
        return self._journal

    def commit(self) -> None:
        self._uow.commit()

    def reopen(self) -> Journal:
        self._uow = MemoryUnitOfWork(self._store)
        self._journal = StoredJournal(self._uow, "CNY")
        return self._journal


class TestMemoryJournal(JournalContract):
    @pytest.fixture
    def make_journal(self) -> JournalFactory:
        return MemoryHarness


class TestStoredJournal(JournalContract):
    @pytest.fixture
    def make_journal(self) -> JournalFactory:
        return StoredHarness
