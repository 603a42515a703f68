"""In-memory adapters for every merx port: the library runs and is tested with no server."""

from merx.adapters.memory.basics import EventLog, FixedClock, SequentialIds
from merx.adapters.memory.store import MemoryRepository, MemoryStore, MemoryUnitOfWork

__all__ = [
    "EventLog",
    "FixedClock",
    "MemoryRepository",
    "MemoryStore",
    "MemoryUnitOfWork",
    "SequentialIds",
]
