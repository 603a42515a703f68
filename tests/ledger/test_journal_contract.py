"""The ``Journal`` contract (:mod:`merx.testing.journal`) run against both in-memory
journals: ``MemoryJournal`` (plain dicts, for a ledger used by hand) and ``StoredJournal``
(appends staged in a unit of work over a ``MemoryStore``, what the memory app wires).
The database journals run it in tests/stores."""

from __future__ import annotations

import attrs
import pytest

from merx.adapters.memory import MemoryJournal, MemoryStore, MemoryUnitOfWork, StoredJournal
from merx.ledger import Journal
from merx.testing.journal import JournalContract, JournalFactory


@attrs.frozen
class Transaction:
    journal: Journal
    uow: MemoryUnitOfWork | None = None

    def commit(self) -> None:
        if self.uow is not None:
            self.uow.commit()


class MemoryHarness:
    transactional = False

    def __init__(self) -> None:
        self._journal = MemoryJournal()

    def begin(self) -> Transaction:
        return Transaction(self._journal)


class StoredHarness:
    transactional = True

    def __init__(self) -> None:
        self._store = MemoryStore(check_views=True)

    def begin(self) -> Transaction:
        uow = MemoryUnitOfWork(self._store)
        return Transaction(StoredJournal(uow, "CNY"), uow)


class TestMemoryJournal(JournalContract):
    @pytest.fixture
    def make_journal(self) -> JournalFactory:
        return MemoryHarness


class TestStoredJournal(JournalContract):
    @pytest.fixture
    def make_journal(self) -> JournalFactory:
        return StoredHarness
