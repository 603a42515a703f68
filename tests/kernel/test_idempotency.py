"""Idempotency: a replayed command returns its first result; a reused key with another
payload is refused."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx.kernel.errors import IdempotencyConflict, MerxError
from merx.kernel.idempotency import IdempotencyLog


@attrs.frozen
class Pay:
    order_id: str
    amount_minor: int


def test_new_key_replays_nothing() -> None:
    log: IdempotencyLog[str] = IdempotencyLog()
    assert log.replay("k1", Pay("o1", 100)) is None


def test_replay_returns_the_first_result() -> None:
    log: IdempotencyLog[list[str]] = IdempotencyLog()
    first = ["pay-000001"]
    log.remember("k1", Pay("o1", 100), first)
    replayed = log.replay("k1", Pay("o1", 100))  # an equal payload, not the same object
    assert replayed is first
    assert log.replay("k1", Pay("o1", 100)) is first


def test_different_payload_is_a_conflict_that_changes_nothing() -> None:
    log: IdempotencyLog[str] = IdempotencyLog()
    log.remember("k1", Pay("o1", 100), "pay-1")
    before = dict(log.entries)
    with pytest.raises(IdempotencyConflict, match="k1") as raised:
        log.replay("k1", Pay("o1", 200))
    assert isinstance(raised.value, MerxError)
    assert "200" in str(raised.value)
    assert log.entries == before
    assert log.replay("k1", Pay("o1", 100)) == "pay-1"


def test_keys_are_independent() -> None:
    log: IdempotencyLog[str] = IdempotencyLog()
    log.remember("k1", Pay("o1", 100), "pay-1")
    assert log.replay("k2", Pay("o1", 200)) is None
    log.remember("k2", Pay("o1", 200), "pay-2")
    assert log.replay("k1", Pay("o1", 100)) == "pay-1"
    assert log.replay("k2", Pay("o1", 200)) == "pay-2"


operations = st.lists(
    st.tuples(st.sampled_from(["k1", "k2", "k3"]), st.integers(0, 3)), max_size=30
)


@given(operations)
def test_handling_through_the_log_acts_once_per_key(ops: list[tuple[str, int]]) -> None:
    """A handler that consults the log acts once per key, replays equal payloads and
    refuses different ones, exactly as a reference dict says."""
    log: IdempotencyLog[int] = IdempotencyLog()
    reference: dict[str, tuple[int, int]] = {}
    acted = 0

    def handle(key: str, payload: int) -> int:
        nonlocal acted
        earlier = log.replay(key, payload)
        if earlier is not None:
            return earlier
        acted += 1
        log.remember(key, payload, acted)
        return acted

    for key, payload in ops:
        if key in reference and reference[key][0] != payload:
            with pytest.raises(IdempotencyConflict):
                handle(key, payload)
        else:
            result = handle(key, payload)
            reference.setdefault(key, (payload, result))
            assert result == reference[key][1]
    assert acted == len(reference)
