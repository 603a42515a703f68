"""A test double: a unit of work that counts what its handler reads.

:class:`CountingUnitOfWork` wraps any unit of work; each aggregate read through one of its
repositories (``get``, ``find``, ``view``, ``peek``) is counted once per kind and id in
:attr:`~CountingUnitOfWork.loaded`, and every listing of a kind's ids in
:attr:`~CountingUnitOfWork.scans`. A test of a batch handler runs it through one and checks
that it read only what it had to (counts, never timings).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from types import TracebackType
from typing import Generic, Self, TypeVar

from merx.kernel.events import DomainEvent
from merx.kernel.uow import Keyed, Repository, UnitOfWork

A = TypeVar("A", bound=Keyed)


class CountingRepository(Generic[A]):
    """A repository of ``inner`` that tells its unit of work what it reads."""

    def __init__(self, inner: Repository[A], kind: type[A], uow: CountingUnitOfWork) -> None:
        self._inner = inner
        self._kind = kind
        self._uow = uow

    def _read(self, key: str) -> None:
        self._uow.loaded.setdefault(self._kind, set()).add(key)

    def get(self, key: str) -> A:
        self._read(key)
        return self._inner.get(key)

    def find(self, key: str) -> A | None:
        self._read(key)
        return self._inner.find(key)

    def view(self, key: str) -> A:
        self._read(key)
        return self._inner.view(key)

    def peek(self, key: str) -> A | None:
        self._read(key)
        return self._inner.peek(key)

    def add(self, aggregate: A) -> None:
        self._inner.add(aggregate)

    def save(self, aggregate: A) -> None:
        self._inner.save(aggregate)

    def remove(self, aggregate: A) -> None:
        self._inner.remove(aggregate)

    def ids(self) -> Iterator[str]:
        self._uow.scans[self._kind] += 1
        return self._inner.ids()


class CountingUnitOfWork:
    """``inner``, counting the aggregates read by kind (:attr:`loaded`) and the scans of a
    kind's ids (:attr:`scans`)."""

    def __init__(self, inner: UnitOfWork) -> None:
        self._inner = inner
        self.loaded: dict[type[Keyed], set[str]] = {}
        self.scans: Counter[type[Keyed]] = Counter()

    def of(self, kind: type[Keyed]) -> set[str]:
        """The ids of ``kind`` read so far."""
        return self.loaded.get(kind, set())

    def repo(self, kind: type[A]) -> Repository[A]:
        return CountingRepository(self._inner.repo(kind), kind, self)

    @property
    def committed(self) -> bool:
        return self._inner.committed

    def commit(self) -> None:
        self._inner.commit()

    def rollback(self) -> None:
        self._inner.rollback()

    def collect_events(self) -> list[DomainEvent]:
        return self._inner.collect_events()

    def __enter__(self) -> Self:
        self._inner.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._inner.__exit__(exc_type, exc, tb)
