"""The message bus over the in-memory unit of work and event log."""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import pytest

from merx.adapters.memory import EventLog, MemoryStore, MemoryUnitOfWork
from merx.kernel.aggregate import Aggregate
from merx.kernel.bus import Command, MessageBus
from merx.kernel.errors import BusinessRuleViolation, ValidationError
from merx.kernel.events import DomainEvent
from merx.kernel.uow import UnitOfWork

# -- a tiny domain -----------------------------------------------------------------------


@attrs.frozen
class AccountOpened(DomainEvent):
    account_id: str


@attrs.frozen
class Deposited(DomainEvent):
    account_id: str
    amount_minor: int


@attrs.frozen
class Audited(DomainEvent):
    account_id: str
    audits: int


@attrs.define(kw_only=True)
class Account(Aggregate):
    id: str
    balance_minor: int = 0
    audits: int = 0

    def deposit(self, amount_minor: int) -> None:
        if amount_minor <= 0:
            raise BusinessRuleViolation(f"deposit of {amount_minor} is not positive")
        self.balance_minor += amount_minor
        self.record(Deposited(self.id, amount_minor))

    def audit(self) -> None:
        self.audits += 1
        self.record(Audited(self.id, self.audits))


@attrs.frozen
class OpenAccount(Command[str]):
    account_id: str


@attrs.frozen
class Deposit(Command[int]):
    account_id: str
    amounts_minor: tuple[int, ...]


@attrs.frozen
class DepositThenFail(Command[int]):
    account_id: str


@attrs.frozen
class DepositWithoutCommit(Command[int]):
    account_id: str


def open_account(command: OpenAccount, uow: UnitOfWork) -> str:
    account = Account(id=command.account_id)
    account.record(AccountOpened(account.id))
    uow.repo(Account).add(account)
    uow.commit()
    return account.id


def deposit(command: Deposit, uow: UnitOfWork) -> int:
    account = uow.repo(Account).get(command.account_id)
    for amount_minor in command.amounts_minor:
        account.deposit(amount_minor)
    uow.repo(Account).save(account)
    uow.commit()
    return account.balance_minor


def deposit_then_fail(command: DepositThenFail, uow: UnitOfWork) -> int:
    account = uow.repo(Account).get(command.account_id)
    account.deposit(100)
    uow.repo(Account).save(account)
    raise BusinessRuleViolation("the handler changed its mind before committing")


def deposit_without_commit(command: DepositWithoutCommit, uow: UnitOfWork) -> int:
    account = uow.repo(Account).get(command.account_id)
    account.deposit(100)
    uow.repo(Account).save(account)
    return account.balance_minor


def audit(event: Deposited, uow: UnitOfWork) -> None:
    account = uow.repo(Account).get(event.account_id)
    account.audit()
    uow.repo(Account).save(account)
    uow.commit()


class Harness:
    """A bus over a fresh store, counting the units of work it opens."""

    def __init__(self, publisher: EventLog | None = None) -> None:
        self.store = MemoryStore()
        self.log = publisher if publisher is not None else EventLog()
        self.uows: list[MemoryUnitOfWork] = []
        self.bus = MessageBus(self.new_uow, self.log)
        self.bus.register(OpenAccount, open_account)
        self.bus.register(Deposit, deposit)
        self.bus.register(DepositThenFail, deposit_then_fail)
        self.bus.register(DepositWithoutCommit, deposit_without_commit)

    def new_uow(self) -> UnitOfWork:
        uow = MemoryUnitOfWork(self.store)
        self.uows.append(uow)
        return uow

    def account(self, key: str) -> Account:
        return MemoryUnitOfWork(self.store).repo(Account).get(key)


@pytest.fixture
def harness() -> Harness:
    h = Harness()
    h.bus.handle(OpenAccount("acc"))
    h.log.events.clear()
    h.uows.clear()
    return h


# -- commands ----------------------------------------------------------------------------


def test_a_command_returns_its_handlers_result() -> None:
    h = Harness()
    assert h.bus.handle(OpenAccount("acc")) == "acc"
    balance: int = h.bus.handle(Deposit("acc", (100, 250)))
    assert balance == 350
    assert h.account("acc").balance_minor == 350


def test_each_command_runs_in_a_fresh_unit_of_work(harness: Harness) -> None:
    harness.bus.handle(Deposit("acc", (1,)))
    harness.bus.handle(Deposit("acc", (1,)))
    assert len(harness.uows) == 2
    assert harness.uows[0] is not harness.uows[1]


def test_unknown_command_is_a_validation_error(harness: Harness) -> None:
    @attrs.frozen
    class Unrouted(Command[None]):
        pass

    with pytest.raises(ValidationError, match="Unrouted"):
        harness.bus.handle(Unrouted())
    assert harness.uows == []
    assert harness.log.events == []


def test_registering_a_second_handler_is_refused(harness: Harness) -> None:
    def other(command: Deposit, uow: UnitOfWork) -> int:
        return -1

    with pytest.raises(ValidationError, match="Deposit already has a handler"):
        harness.bus.register(Deposit, other)
    assert harness.bus.handle(Deposit("acc", (5,))) == 5  # the first handler stays


def test_a_handler_that_raises_leaves_the_store_unchanged_and_publishes_nothing(
    harness: Harness,
) -> None:
    audited: list[Deposited] = []
    harness.bus.subscribe(Deposited, lambda e, uow: audited.append(e))
    with pytest.raises(BusinessRuleViolation, match="changed its mind"):
        harness.bus.handle(DepositThenFail("acc"))
    with pytest.raises(BusinessRuleViolation, match="not positive"):
        harness.bus.handle(Deposit("acc", (10, -1)))
    account = harness.account("acc")
    assert (account.balance_minor, account.version) == (0, 1)
    assert harness.log.events == []
    assert audited == []
    assert harness.bus.undelivered == []


def test_a_handler_that_does_not_commit_changes_nothing(harness: Harness) -> None:
    assert harness.bus.handle(DepositWithoutCommit("acc")) == 100
    assert harness.account("acc").balance_minor == 0
    assert harness.log.events == []


# -- events ------------------------------------------------------------------------------


def test_events_are_published_in_order() -> None:
    h = Harness()
    h.bus.handle(OpenAccount("acc"))
    h.bus.handle(Deposit("acc", (1, 2, 3)))
    assert h.log.events == [
        AccountOpened("acc"),
        Deposited("acc", 1),
        Deposited("acc", 2),
        Deposited("acc", 3),
    ]


class StoreWatchingLog(EventLog):
    """An event log that reads the committed balance at the moment of each publish."""

    def __init__(self) -> None:
        super().__init__()
        self.store: MemoryStore | None = None
        self.balances_seen: list[int] = []

    def publish(self, events: Sequence[DomainEvent]) -> None:
        assert self.store is not None
        for event in events:
            if isinstance(event, Deposited):
                account = MemoryUnitOfWork(self.store).repo(Account).get(event.account_id)
                self.balances_seen.append(account.balance_minor)
        super().publish(events)


def test_events_are_published_after_commit() -> None:
    log = StoreWatchingLog()
    h = Harness(log)
    log.store = h.store
    h.bus.handle(OpenAccount("acc"))
    h.bus.handle(Deposit("acc", (10, 20)))
    assert log.balances_seen == [30, 30]  # the whole command was committed before publish


def test_subscribers_run_in_their_own_unit_of_work_and_their_events_are_dispatched(
    harness: Harness,
) -> None:
    subscriber_uows: list[UnitOfWork] = []
    seen_audits: list[Audited] = []

    def audit_and_note(event: Deposited, uow: UnitOfWork) -> None:
        subscriber_uows.append(uow)
        audit(event, uow)

    harness.bus.subscribe(Deposited, audit_and_note)
    harness.bus.subscribe(Audited, lambda event, uow: seen_audits.append(event))
    assert harness.bus.handle(Deposit("acc", (10, 20))) == 30

    command_uow = harness.uows[0]
    assert len(subscriber_uows) == 2
    assert all(uow is not command_uow for uow in subscriber_uows)
    assert subscriber_uows[0] is not subscriber_uows[1]
    account = harness.account("acc")
    assert (account.balance_minor, account.audits) == (30, 2)
    assert account.version == 4  # open, deposit, two audits: one commit each
    assert harness.log.events == [
        Deposited("acc", 10),
        Deposited("acc", 20),
        Audited("acc", 1),
        Audited("acc", 2),
    ]
    assert seen_audits == [Audited("acc", 1), Audited("acc", 2)]
    assert harness.bus.undelivered == []


def test_a_subscriber_that_does_not_commit_changes_nothing(harness: Harness) -> None:
    def audit_without_commit(event: Deposited, uow: UnitOfWork) -> None:
        account = uow.repo(Account).get(event.account_id)
        account.audit()
        uow.repo(Account).save(account)

    harness.bus.subscribe(Deposited, audit_without_commit)
    harness.bus.handle(Deposit("acc", (10,)))
    assert harness.account("acc").audits == 0
    assert harness.log.events == [Deposited("acc", 10)]


def test_every_subscriber_of_an_event_runs_in_subscription_order(harness: Harness) -> None:
    calls: list[str] = []
    harness.bus.subscribe(Deposited, lambda event, uow: calls.append("first"))
    harness.bus.subscribe(Deposited, lambda event, uow: calls.append("second"))
    harness.bus.subscribe(AccountOpened, lambda event, uow: calls.append("wrong event"))
    harness.bus.handle(Deposit("acc", (1,)))
    assert calls == ["first", "second"]


def test_a_subscriber_error_propagates_after_the_command_committed(harness: Harness) -> None:
    def failing_audit(event: Deposited, uow: UnitOfWork) -> None:
        account = uow.repo(Account).get(event.account_id)
        account.audit()
        uow.repo(Account).save(account)
        raise RuntimeError(f"auditor down for {event.amount_minor}")

    harness.bus.subscribe(Deposited, failing_audit)
    with pytest.raises(RuntimeError, match="auditor down for 10"):
        harness.bus.handle(Deposit("acc", (10, 20, 30)))

    account = harness.account("acc")
    assert account.balance_minor == 60  # the command's own changes stay committed
    assert account.audits == 0  # the failing subscriber's unit of work was rolled back
    assert harness.log.events == [Deposited("acc", 10)]
    # the events not yet dispatched wait for the host to retry them
    assert harness.bus.undelivered[-2:] == [Deposited("acc", 20), Deposited("acc", 30)]
    assert Deposited("acc", 20) not in harness.log.events


def test_events_raised_before_a_subscriber_failure_are_kept_undelivered(
    harness: Harness,
) -> None:
    def fail_on_audit(event: Audited, uow: UnitOfWork) -> None:
        raise RuntimeError("audit sink down")

    harness.bus.subscribe(Deposited, audit)
    harness.bus.subscribe(Audited, fail_on_audit)
    with pytest.raises(RuntimeError, match="audit sink down"):
        harness.bus.handle(Deposit("acc", (10, 20)))
    assert harness.account("acc").audits == 2  # both audits committed before the failure
    assert harness.log.events == [Deposited("acc", 10), Deposited("acc", 20), Audited("acc", 1)]
    assert harness.bus.undelivered[-1] == Audited("acc", 2)


def test_the_event_whose_subscriber_failed_is_kept_for_retry(harness: Harness) -> None:
    def failing(event: Deposited, uow: UnitOfWork) -> None:
        raise RuntimeError("subscriber down")

    harness.bus.subscribe(Deposited, failing)
    with pytest.raises(RuntimeError):
        harness.bus.handle(Deposit("acc", (10, 20)))
    assert harness.bus.undelivered == [Deposited("acc", 10), Deposited("acc", 20)]


class BrokenBroker(EventLog):
    def publish(self, events: Sequence[DomainEvent]) -> None:
        raise ConnectionError("broker unreachable")


def test_an_event_the_publisher_refused_is_kept_for_retry() -> None:
    h = Harness(BrokenBroker())
    with pytest.raises(ConnectionError):
        h.bus.handle(OpenAccount("acc"))
    assert h.account("acc").version == 1  # committed
    assert h.bus.undelivered == [AccountOpened("acc")]
