"""The storage contract (:mod:`merx.testing.store`) run against the in-memory store, then
the memory store's own check of views (``check_views``, ``ViewChanged``).

A database store runs the same suite from its own tests: subclass
:class:`merx.testing.store.StoreContract` with a ``make_store`` fixture.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from merx.adapters.memory import MemoryStore, MemoryUnitOfWork
from merx.adapters.memory.store import ViewChanged
from merx.kernel.aggregate import Aggregate
from merx.kernel.events import DomainEvent
from merx.testing.store import (
    Counter,
    CounterOpened,
    NewUnitOfWork,
    StoreContract,
    StoreFactory,
    seed,
)


def memory_store(
    aggregates: Sequence[type[Aggregate]], events: Sequence[type[DomainEvent]], /
) -> NewUnitOfWork:
    """A fresh, empty in-memory store (it takes any kind), checking its views."""
    store = MemoryStore(check_views=True)
    return lambda: MemoryUnitOfWork(store)


class TestMemoryStore(StoreContract):
    @pytest.fixture
    def make_store(self) -> StoreFactory:
        return memory_store


# -- the memory store's own check of views -------------------------------------------------


def checked_store(*keys: str) -> MemoryStore:
    store = MemoryStore(check_views=True)
    seed(lambda: MemoryUnitOfWork(store), *keys)
    return store


def change_a_view(store: MemoryStore, end: str, change: Callable[[Counter], None]) -> None:
    with MemoryUnitOfWork(store) as uow:
        change(uow.repo(Counter).view("a"))
        if end == "commit":
            uow.commit()
        elif end == "rollback":
            uow.rollback()


@pytest.mark.parametrize("end", ["commit", "rollback", "leave"])
def test_a_changed_view_is_found_when_the_unit_of_work_ends(end: str) -> None:
    store = checked_store("a")
    with pytest.raises(ViewChanged, match=r"Counter 'a'"):
        change_a_view(store, end, lambda view: view.tags.append("oops"))


def test_events_recorded_on_a_view_are_found() -> None:
    store = checked_store("a")
    with pytest.raises(ViewChanged):
        change_a_view(store, "commit", lambda view: view.record(CounterOpened("a")))


def test_a_view_cannot_be_saved() -> None:
    store = MemoryStore()  # refused even without the check
    seed(lambda: MemoryUnitOfWork(store), "a")
    with MemoryUnitOfWork(store) as uow:
        view = uow.repo(Counter).view("a")
        with pytest.raises(ViewChanged, match="cannot be saved"):
            uow.repo(Counter).save(view)


def test_unchanged_views_pass_the_check() -> None:
    store = checked_store("a", "b")
    with MemoryUnitOfWork(store) as uow:
        assert uow.repo(Counter).view("a").count == 0
        counter = uow.repo(Counter).get("b")
        counter.increment()
        uow.repo(Counter).save(counter)
        uow.commit()
    with MemoryUnitOfWork(store) as uow:
        assert uow.repo(Counter).view("b").count == 1
