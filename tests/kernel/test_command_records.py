"""Purging expired command records (merx.kernel.command_records): a live key is never
removed, and a key sent again after its record was purged acts as a new command."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from merx.adapters.memory import MemoryCommandRecordQueries
from merx.errors import ValidationError
from merx.kernel.command_records import (
    PurgeCommandRecords,
    command_record_index,
    purge_command_records,
)
from merx.kernel.documents import index_instant
from merx.kernel.replies import CommandRecord
from tests.kernel.test_replies import START, Ring, Shop

KEPT = timedelta(hours=1)


def purging_shop(kept_for: timedelta = KEPT) -> Shop:
    shop = Shop(kept_for)
    shop.bus.register(
        PurgeCommandRecords,
        partial(
            purge_command_records,
            clock=shop.clock,
            queries=MemoryCommandRecordQueries(shop.store),
            kept_for=kept_for,
        ),
    )
    return shop


def records(shop: Shop) -> dict[str, CommandRecord]:
    return {key: record for key, (_, record) in shop.store.tables.get(CommandRecord, {}).items()}


def test_a_purge_removes_the_expired_records_and_keeps_the_live_ones() -> None:
    shop = purging_shop()
    shop.bus.handle(Ring("t1", 1), idempotency_key="old")
    shop.clock.advance(timedelta(minutes=30))
    shop.bus.handle(Ring("t1", 2), idempotency_key="young")
    shop.clock.advance(timedelta(minutes=30))  # "old" expires now, exactly
    assert shop.bus.handle(PurgeCommandRecords(shop.clock.now())) == 1
    assert set(records(shop)) == {"young"}
    assert shop.bus.handle(PurgeCommandRecords(shop.clock.now())) == 0  # nothing left to do


def test_a_purge_removes_at_most_its_limit() -> None:
    shop = purging_shop()
    for n in range(5):
        shop.bus.handle(Ring("t1", 1), idempotency_key=f"k{n}")
    shop.clock.advance(KEPT)
    assert shop.bus.handle(PurgeCommandRecords(shop.clock.now(), limit=2)) == 2
    assert len(records(shop)) == 3
    assert shop.bus.handle(PurgeCommandRecords(shop.clock.now(), limit=10)) == 3
    assert records(shop) == {}


def test_a_purge_ahead_of_the_clock_or_with_a_bad_limit_is_refused_and_removes_nothing() -> None:
    shop = purging_shop()
    shop.bus.handle(Ring("t1", 1), idempotency_key="k")
    later = shop.clock.now() + KEPT
    with pytest.raises(ValidationError, match="ahead of the clock"):
        shop.bus.handle(PurgeCommandRecords(later))
    for limit in (0, -1, True):
        with pytest.raises(ValidationError, match="at least 1"):
            shop.bus.handle(PurgeCommandRecords(shop.clock.now(), limit=limit))
    with pytest.raises(ValidationError, match="no timezone"):
        shop.bus.handle(PurgeCommandRecords(later.replace(tzinfo=None)))
    assert set(records(shop)) == {"k"}


def test_a_record_is_indexed_by_when_it_was_written() -> None:
    record = CommandRecord(id="k", command="x.Ring", fingerprint="f", at=START)
    assert command_record_index(record) == {"recorded_at": index_instant(START)}


@settings(max_examples=60, deadline=None)
@given(
    sends=st.lists(
        st.tuples(st.sampled_from("abcdef"), st.integers(0, 180)), min_size=1, max_size=14
    ),
    wait_minutes=st.integers(0, 150),
    limit=st.integers(1, 6),
)
def test_purging_never_removes_a_live_key_and_a_purged_key_acts_as_a_new_command(
    sends: list[tuple[str, int]], wait_minutes: int, limit: int
) -> None:
    shop = purging_shop()
    for key, minute in sorted(sends, key=lambda send: send[1]):
        shop.clock.set(START + timedelta(minutes=minute))
        shop.bus.handle(Ring(key, 1), idempotency_key=key)  # one command per key
    shop.clock.advance(timedelta(minutes=wait_minutes))
    now = shop.clock.now()
    before = records(shop)
    expired = {key for key, record in before.items() if record.expired(now, KEPT)}

    purged = shop.bus.handle(PurgeCommandRecords(now, limit=limit))

    after = records(shop)
    gone = set(before) - set(after)
    assert purged == len(gone) == min(limit, len(expired))
    assert gone <= expired  # a live key is never removed
    assert all(after[key] == before[key] for key in after)  # nor changed
    for key in sorted(after.keys() - expired):  # a live key still answers from its record
        runs = shop.runs
        shop.bus.handle(Ring(key, 1), idempotency_key=key)
        assert shop.runs == runs
    for key in sorted(gone):  # a purged key acts as a new command, and is kept again
        runs, total = shop.runs, shop.total(key)
        receipt = shop.bus.handle(Ring(key, 1), idempotency_key=key)
        assert (shop.runs, receipt.total) == (runs + 1, total + 1)
        assert records(shop)[key].at == now
