"""Idempotent commands on the bus: a command sent again under its key acts once, and the
re-send gets the first reply (merx.kernel.replies)."""

from __future__ import annotations

import copy
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from merx.adapters.memory import EventLog, FixedClock, MemoryStore, MemoryUnitOfWork
from merx.errors import (
    BusinessRuleViolation,
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
    ValidationError,
)
from merx.kernel.aggregate import Aggregate
from merx.kernel.bus import Command, MessageBus
from merx.kernel.money import Money
from merx.kernel.replies import CommandRecord, RecordState, Replies, fingerprint, result_type
from merx.kernel.serde import make_converter
from merx.kernel.uow import UnitOfWork

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@attrs.define(kw_only=True)
class Till(Aggregate):
    id: str
    total: int = 0


@attrs.frozen
class Receipt:
    till: str
    total: int
    paid: Money


@attrs.frozen
class Ring(Command[Receipt]):
    till: str
    amount: int
    tags: frozenset[str] = frozenset()


@attrs.frozen
class RingThenRefuse(Command[int]):
    till: str


@attrs.frozen
class RingThenCrash(Command[int]):
    till: str


@attrs.frozen
class Refuse(Command[None]):
    till: str


def ring(command: Ring, uow: UnitOfWork) -> Receipt:
    if command.amount <= 0:
        raise BusinessRuleViolation(f"cannot ring {command.amount}")
    repo = uow.repo(Till)
    till = repo.find(command.till)
    if till is None:
        till = Till(id=command.till)
        repo.add(till)
    else:
        repo.save(till)
    till.total += command.amount
    uow.commit()
    return Receipt(till.id, till.total, Money.of(Decimal(command.amount), "CNY"))


def ring_then_refuse(command: RingThenRefuse, uow: UnitOfWork) -> int:
    ring(Ring(command.till, 1), uow)  # commits
    raise BusinessRuleViolation("the second step refused")


def ring_then_crash(command: RingThenCrash, uow: UnitOfWork) -> int:
    ring(Ring(command.till, 1), uow)  # commits, then the process "dies" before replying
    raise KeyboardInterrupt


def refuse(command: Refuse, uow: UnitOfWork) -> None:
    raise BusinessRuleViolation("never")


class Shop:
    def __init__(self, kept_for: timedelta = timedelta(days=1)) -> None:
        self.store = MemoryStore()
        self.clock = FixedClock(START)
        self.log = EventLog()
        self.runs = 0
        self.bus = MessageBus(
            self.uow, self.log, clock=self.clock, replies=Replies(make_converter(), kept_for)
        )
        for command, handler in (
            (Ring, ring),
            (RingThenRefuse, ring_then_refuse),
            (RingThenCrash, ring_then_crash),
            (Refuse, refuse),
        ):
            self.bus.register(command, self.counted(handler))

    def counted(
        self, handler: Callable[[Any, UnitOfWork], Any]
    ) -> Callable[[Any, UnitOfWork], Any]:
        def run(command: Any, uow: UnitOfWork) -> Any:
            self.runs += 1
            return handler(command, uow)

        return run

    def uow(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.store)

    def total(self, till: str = "t1") -> int:
        with self.uow() as uow:
            found = uow.repo(Till).find(till)
            return 0 if found is None else found.total

    def record(self, key: str) -> CommandRecord | None:
        with self.uow() as uow:
            return uow.repo(CommandRecord).find(key)


def test_a_command_sent_again_under_its_key_acts_once_and_gets_the_first_reply() -> None:
    shop = Shop()
    first = shop.bus.handle(Ring("t1", 5), idempotency_key="k1")
    versions = copy.deepcopy(shop.store.tables)

    again = shop.bus.handle(Ring("t1", 5), idempotency_key="k1")

    assert again == first == Receipt("t1", 5, Money.of("5", "CNY"))
    assert shop.total() == 5
    assert shop.runs == 1  # the handler did not run again
    assert shop.store.tables == versions  # nothing written
    record = shop.record("k1")
    assert record is not None
    assert record.state is RecordState.DONE
    assert shop.bus.handle(Ring("t1", 5)) == Receipt("t1", 10, Money.of("5", "CNY"))  # no key


def test_another_command_under_a_used_key_is_refused_and_changes_nothing() -> None:
    shop = Shop()
    shop.bus.handle(Ring("t1", 5), idempotency_key="k1")
    with pytest.raises(IdempotencyKeyReused, match="k1"):
        shop.bus.handle(Ring("t1", 6), idempotency_key="k1")
    with pytest.raises(IdempotencyKeyReused):
        shop.bus.handle(Refuse("t1"), idempotency_key="k1")
    assert shop.total() == 5
    assert shop.runs == 1


def test_a_command_refused_before_acting_keeps_no_reply() -> None:
    shop = Shop()
    with pytest.raises(BusinessRuleViolation):
        shop.bus.handle(Ring("t1", 0), idempotency_key="k1")
    assert shop.record("k1") is None
    with pytest.raises(BusinessRuleViolation):  # sent again: it runs again
        shop.bus.handle(Ring("t1", 0), idempotency_key="k1")
    assert shop.runs == 2
    shop.bus.handle(Ring("t1", 3), idempotency_key="k1")  # the key is still free
    assert shop.total() == 3


def test_an_error_raised_after_a_commit_is_the_reply_kept() -> None:
    shop = Shop()
    with pytest.raises(BusinessRuleViolation, match="second step"):
        shop.bus.handle(RingThenRefuse("t1"), idempotency_key="k1")
    with pytest.raises(BusinessRuleViolation, match="second step"):
        shop.bus.handle(RingThenRefuse("t1"), idempotency_key="k1")
    assert shop.runs == 1
    assert shop.total() == 1


def test_a_command_cut_short_after_its_commit_is_in_flight_until_its_key_expires() -> None:
    shop = Shop(kept_for=timedelta(hours=1))
    with pytest.raises(KeyboardInterrupt):
        shop.bus.handle(RingThenCrash("t1"), idempotency_key="k1")
    record = shop.record("k1")
    assert record is not None
    assert record.state is RecordState.STARTED  # claimed with the first commit
    with pytest.raises(IdempotencyKeyInFlight):
        shop.bus.handle(RingThenCrash("t1"), idempotency_key="k1")
    assert shop.total() == 1
    shop.clock.advance(timedelta(hours=1))
    assert shop.bus.handle(Ring("t1", 2), idempotency_key="k1").total == 3  # expired: free


def test_an_expired_key_may_carry_another_command() -> None:
    shop = Shop(kept_for=timedelta(minutes=10))
    shop.bus.handle(Ring("t1", 5), idempotency_key="k1")
    shop.clock.advance(timedelta(minutes=9))
    with pytest.raises(IdempotencyKeyReused):
        shop.bus.handle(Ring("t1", 6), idempotency_key="k1")
    shop.clock.advance(timedelta(minutes=1))
    assert shop.bus.handle(Ring("t1", 6), idempotency_key="k1").total == 11
    assert shop.bus.handle(Ring("t1", 6), idempotency_key="k1").total == 11  # kept again


def test_a_reply_sent_again_publishes_nothing() -> None:
    shop = Shop()
    shop.bus.handle(Ring("t1", 5), idempotency_key="k1")
    published = list(shop.log.events)
    shop.bus.handle(Ring("t1", 5), idempotency_key="k1")
    assert shop.log.events == published


@pytest.mark.parametrize("key", ["", "x" * 256, 7])
def test_a_malformed_key_is_refused(key: object) -> None:
    shop = Shop()
    with pytest.raises(ValidationError):
        shop.bus.handle(Ring("t1", 5), idempotency_key=key)  # type: ignore[arg-type]
    assert shop.total() == 0


def test_a_bus_without_a_clock_keeps_no_keys() -> None:
    store = MemoryStore()
    bus = MessageBus(lambda: MemoryUnitOfWork(store), EventLog())
    bus.register(Ring, ring)
    with pytest.raises(ValidationError, match="no idempotency keys"):
        bus.handle(Ring("t1", 5), idempotency_key="k1")


def test_the_result_type_is_the_commands_declared_one() -> None:
    assert result_type(Ring("t", 1)) is Receipt
    assert result_type(Refuse("t")) is None


def test_a_fingerprint_is_the_same_in_another_process() -> None:
    command = Ring("t1", 5, frozenset({"gift", "rush", "vip", "late"}))
    code = (
        "from tests.kernel.test_replies import Ring; from merx.kernel.replies import fingerprint;"
        "print(fingerprint(Ring('t1', 5, frozenset({'late', 'vip', 'rush', 'gift'}))))"
    )
    other = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        env={"PYTHONHASHSEED": "12345", "PATH": ""}, cwd=".",
    )  # fmt: skip
    assert other.stdout.strip() == fingerprint(command)
    assert fingerprint(command) != fingerprint(Ring("t1", 6, command.tags))


# -- the law: under any sequence of sends, each key acts once --------------------------------

sends = st.lists(
    st.tuples(st.sampled_from(["a", "b", "c", None]), st.integers(min_value=-1, max_value=3)),
    max_size=25,
)


@settings(max_examples=75, deadline=None)
@given(sends)
def test_each_key_acts_once_and_replies_the_same(sent: list[tuple[str | None, int]]) -> None:
    shop = Shop()
    model: dict[str, tuple[int, int]] = {}  # key -> (amount, total replied)
    total = 0
    for key, amount in sent:
        if key is not None and key in model:
            first_amount, replied = model[key]
            if amount != first_amount:
                with pytest.raises(IdempotencyKeyReused):
                    shop.bus.handle(Ring("t1", amount), idempotency_key=key)
            else:
                assert shop.bus.handle(Ring("t1", amount), idempotency_key=key).total == replied
            continue
        if amount <= 0:
            with pytest.raises(BusinessRuleViolation):
                shop.bus.handle(Ring("t1", amount), idempotency_key=key)
            continue
        total += amount
        assert shop.bus.handle(Ring("t1", amount), idempotency_key=key).total == total
        if key is not None:
            model[key] = (amount, total)
    assert shop.total() == total
