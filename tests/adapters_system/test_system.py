"""The system clock and the time-ordered id source."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx.adapters.system import SystemClock, TimeOrderedIds
from merx.errors import ValidationError


def test_the_system_clock_is_aware_and_close_to_the_machine_time() -> None:
    now = SystemClock().now()
    assert now.tzinfo is UTC
    assert abs(now - datetime.now(UTC)) < timedelta(seconds=5)


def test_the_system_clock_reads_the_shops_zone() -> None:
    shanghai = timezone(timedelta(hours=8))
    now = SystemClock(shanghai).now()
    assert now.utcoffset() == timedelta(hours=8)
    assert abs(now - datetime.now(UTC)) < timedelta(seconds=5)


def test_ids_carry_the_prefix_and_26_base32hex_characters() -> None:
    minted = TimeOrderedIds().next_id("ord")
    prefix, _, body = minted.partition("-")
    assert prefix == "ord"
    assert len(body) == 26
    assert set(body) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUV")


@given(st.lists(st.integers(0, 3), min_size=1, max_size=200))
def test_ids_sort_in_minting_order_even_when_the_clock_stalls_or_steps_back(
    steps: list[int],
) -> None:
    clock = iter([1_700_000_000_000 + sum(steps[:k]) - (k % 3) for k in range(len(steps))])
    ids = TimeOrderedIds(milliseconds=lambda: next(clock))
    minted = [ids.next_id("x") for _ in steps]
    assert minted == sorted(minted)
    assert len(set(minted)) == len(minted)


def test_ids_of_a_later_millisecond_sort_after() -> None:
    times = iter([1_000, 2_000])
    ids = TimeOrderedIds(milliseconds=lambda: next(times), random_bits=lambda bits: 2**bits - 1)
    first, second = ids.next_id("p"), ids.next_id("p")
    assert first < second


def test_a_full_millisecond_moves_to_the_next() -> None:
    ids = TimeOrderedIds(milliseconds=lambda: 5, random_bits=lambda bits: 2**bits - 1)
    first, second = ids.next_id("p"), ids.next_id("p")
    assert first < second
    assert first[2:12] != second[2:12]  # the time part (first 48 bits) moved on


def test_a_bad_prefix_is_refused() -> None:
    with pytest.raises(ValidationError):
        TimeOrderedIds().next_id("")


def _mint(_: int) -> list[str]:
    ids = TimeOrderedIds()
    return [ids.next_id("c") for _ in range(2_000)]


def test_processes_minting_at_once_never_collide() -> None:
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        batches = pool.map(_mint, range(4))
    minted = [one for batch in batches for one in batch]
    assert len(set(minted)) == len(minted) == 8_000


@given(st.integers(0, 2**128 - 1))
def test_an_id_body_is_rfc_4648_base32hex_of_the_16_bytes(value: int) -> None:
    import base64

    from merx.adapters.system import _base32

    expected = base64.b32hexencode(value.to_bytes(16, "big"))[:26].decode("ascii")
    assert _base32(value) == expected
