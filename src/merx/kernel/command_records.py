"""Purging expired command records: what keeps the idempotency keys' table small.

The bus keeps a :class:`~merx.kernel.replies.CommandRecord` per idempotency key
(:mod:`merx.kernel.replies`); once its key expires (``Settings.keys_kept_for`` after the
record was written) the bus ignores it, and a host that mints a key per request would
keep one small document per request forever. :class:`PurgeCommandRecords`, sent by the
host on a schedule (as it sends the timers), removes up to ``limit`` expired records:

* the candidates come from a query port, :class:`CommandRecordQueries` (a database's
  index of when each record was written, :func:`command_record_index`), never from
  loading every record;
* each candidate is loaded and asked again (:meth:`CommandRecord.expired`), so a key
  claimed again since the query is kept; the removal is version-checked at commit, so a
  re-send that claims an expired key while the purge runs makes one of the two commits
  fail (the bus runs the loser again);
* the ``now`` it purges at may not run ahead of the bus's clock: a live key (one the bus
  would still answer from) is never removed. A key sent again after its record was
  purged acts as a new command, exactly as one sent after it expired.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

import attrs

from merx.kernel.bus import Command
from merx.kernel.clock import Clock, require_aware
from merx.kernel.documents import index_instant
from merx.kernel.errors import ValidationError
from merx.kernel.replies import CommandRecord
from merx.kernel.uow import UnitOfWork, prefetch

#: The index of a command record: when it was written (UTC text that sorts by time).
RECORDED_AT = "recorded_at"

#: How many records one purge removes unless told otherwise.
PURGE_LIMIT = 1_000


def command_record_index(record: CommandRecord) -> dict[str, str | None]:
    """What a database indexes of a command record to find the expired ones."""
    return {RECORDED_AT: index_instant(record.at)}


class CommandRecordQueries(Protocol):
    """Port: the command records a purge looks at, answered by the store."""

    def recorded_by(self, at: datetime, limit: int) -> list[str]:
        """The ids of up to ``limit`` command records written at or before ``at``."""
        ...


@attrs.frozen
class PurgeCommandRecords(Command[int]):
    """Remove up to ``limit`` command records expired at ``now``: how many were removed."""

    now: datetime
    limit: int = PURGE_LIMIT


def purge_command_records(
    command: PurgeCommandRecords,
    uow: UnitOfWork,
    *,
    clock: Clock,
    queries: CommandRecordQueries,
    kept_for: timedelta,
) -> int:
    """Handle :class:`PurgeCommandRecords` (see the module docstring)."""
    now = require_aware(command.now, "the purge's instant")
    if isinstance(command.limit, bool) or not isinstance(command.limit, int) or command.limit < 1:
        raise ValidationError(f"a purge removes at least 1 record, not {command.limit!r}")
    if now > clock.now():
        raise ValidationError(
            f"a purge at {now.isoformat()} runs ahead of the clock ({clock.now().isoformat()}): "
            "it would remove keys still kept"
        )
    candidates = queries.recorded_by(now - kept_for, command.limit)
    repo = uow.repo(CommandRecord)
    prefetch(repo, candidates)
    purged = 0
    for key in candidates:
        record = repo.find(key)
        if record is not None and record.expired(now, kept_for):
            repo.remove(record)
            purged += 1
    if purged:
        uow.commit()
    return purged
