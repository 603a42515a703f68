"""Wiring of ``merx.data``: the facts collector on a bus, and the facts stores.

:func:`collect_facts` subscribes :func:`merx.data.services.collect` to every event class
that makes facts, so a memory app's bus (after each command) or a stored app's outbox
relay (at least once per event) hands each one over; the store keeps a fact once.
:func:`duckdb_facts` opens the DuckDB store (``merx[duckdb]``); :func:`memory_facts` the
memory one.
"""

from __future__ import annotations

from functools import partial

from merx import data
from merx.adapters.memory.facts import MemoryFactStore
from merx.data import services as data_services
from merx.kernel.bus import MessageBus
from merx.kernel.clock import Clock


def collect_facts(bus: MessageBus, store: data.FactStore, clock: Clock) -> None:
    """Collect the facts of every event of :data:`merx.data.COLLECTED` into ``store``."""
    for event in data.COLLECTED:
        bus.subscribe(event, partial(data_services.collect, store=store, clock=clock))


def memory_facts() -> data.FactStore:
    """A facts store in this process."""
    return MemoryFactStore()


def duckdb_facts(path: str = ":memory:") -> data.FactStore:
    """The DuckDB facts store at ``path`` (a file, or ``":memory:"``); needs ``duckdb``."""
    from merx.adapters.duckdb_facts import DuckDBFactStore

    return DuckDBFactStore(path)
