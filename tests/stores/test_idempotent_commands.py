"""A host re-sends PlaceOrder and PayOrder under their idempotency keys after a lost
response, on memory, SQLite and PostgreSQL, across a restart: the first reply comes back
and nothing acts twice."""

from __future__ import annotations

import inspect
from datetime import timedelta
from typing import Any

import pytest

from merx import checkout, customers, orders, payments
from merx.adapters.memory import FixedClock
from merx.app import build_memory_app
from merx.customers import Address
from merx.errors import IdempotencyKeyReused, ValidationError
from merx.kernel.bus import Command
from merx.kernel.command_records import RECORDED_AT, PurgeCommandRecords
from merx.kernel.ids import CustomerId
from merx.kernel.replies import KEPT_FOR, result_type
from merx.kernel.serde import make_converter
from tests.stores.test_stored_app import PHONE, START, Storage, open_shop, stock


def cart(app: Any, who: str) -> CustomerId:
    cid: CustomerId = app.handle(customers.RegisterCustomer(CustomerId(who), who, "13800000000"))
    app.handle(customers.AddAddress(cid, "home", Address(who, "138", "Shanghai", "1 Bund Rd")))
    app.handle(checkout.AddToCart(cid, PHONE, 1))
    return cid


def parents(app: Any) -> list[str]:
    with app.unit_of_work() as uow:
        return list(uow.repo(orders.ParentOrder).ids())


def test_place_and_pay_sent_again_after_a_restart_reply_as_the_first_time(
    storage: Storage,
) -> None:
    app = open_shop(storage)
    stock(app)
    alice = cart(app, "alice")
    placed = app.handle(orders.PlaceOrder(alice), idempotency_key="place-1")
    paid = app.handle(payments.PayOrder(placed.parent_id, "alipay"), idempotency_key="pay-1")
    seq = len(app.events.events)

    again = open_shop(storage)  # the response was lost with the process; the host re-sends

    assert again.handle(orders.PlaceOrder(alice), idempotency_key="place-1") == placed
    repaid = again.handle(payments.PayOrder(placed.parent_id, "alipay"), idempotency_key="pay-1")
    assert repaid == paid
    assert paid.status is payments.PaymentStatus.SUCCEEDED
    assert parents(again) == [placed.parent_id]  # one order, paid once
    assert len(again.events.events) == 0  # the new process published nothing
    assert len(app.events.events) == seq
    cancel = orders.CancelOrder(placed.parent_id, "changed my mind")
    with pytest.raises(IdempotencyKeyReused):
        again.handle(cancel, idempotency_key="place-1")


def test_on_the_memory_app_a_re_sent_place_order_returns_the_same_order() -> None:
    app = build_memory_app(clock=FixedClock(START))
    stock(app)  # type: ignore[arg-type]  # the memory app takes the same commands
    alice = cart(app, "alice")
    placed = app.handle(orders.PlaceOrder(alice), idempotency_key="k")
    published = len(app.events.events)
    assert app.handle(orders.PlaceOrder(alice), idempotency_key="k") == placed
    assert len(app.events.events) == published
    assert parents(app) == [placed.parent_id]


def test_every_commands_reply_can_be_kept() -> None:
    """The converter kept replies with can write and read every command's declared result
    type (a reply that could not be read back would make a re-send fail)."""
    app = build_memory_app(clock=FixedClock(START))
    converter = make_converter()
    commands = [kind for kind in app.bus._handlers if issubclass(kind, Command)]
    assert len(commands) > 100
    for kind in commands:
        declared = result_type(object.__new__(kind))
        if declared is None:
            continue
        assert converter.get_structure_hook(declared) is not None, kind
        assert converter.get_unstructure_hook(declared) is not None, kind
        assert not inspect.isabstract(kind)


def test_expired_keys_are_purged_through_the_index_and_a_key_sent_again_acts_anew(
    storage: Storage,
) -> None:
    app = open_shop(storage)
    stock(app)
    alice = cart(app, "alice")
    app.handle(checkout.AddToCart(alice, PHONE, 1), idempotency_key="add-1")
    app.clock.advance(KEPT_FOR)  # type: ignore[attr-defined]  # the FixedClock of open_shop
    app.handle(checkout.AddToCart(alice, PHONE, 1), idempotency_key="add-2")
    kind = "kernel.CommandRecord"
    assert app.database.find(kind, RECORDED_AT) == ["add-1", "add-2"]

    again = open_shop(storage)  # another process purges
    again.clock.set(app.clock.now())  # type: ignore[attr-defined]
    assert again.handle(PurgeCommandRecords(app.clock.now())) == 1

    assert app.database.keys(kind) == ["add-2"]  # the live key is kept
    assert app.database.find(kind, RECORDED_AT) == ["add-2"]  # and the index follows
    assert app.get(checkout.Cart, alice).items[PHONE].quantity == 3
    app.handle(checkout.AddToCart(alice, PHONE, 1), idempotency_key="add-2")  # answered
    app.handle(checkout.AddToCart(alice, PHONE, 1), idempotency_key="add-1")  # acts anew
    assert app.get(checkout.Cart, alice).items[PHONE].quantity == 4
    assert app.database.keys(kind) == ["add-2", "add-1"]
    app.clock.advance(timedelta(seconds=1))  # type: ignore[attr-defined]
    assert app.handle(PurgeCommandRecords(app.clock.now(), limit=5)) == 0


def test_a_key_purged_and_used_again_by_another_process_answers_its_new_command(
    storage: Storage,
) -> None:
    """No process answers from a record it read before the record was purged: an id
    removed and added again starts at version 1 again, so command records are never
    kept in a process's cache of decoded documents."""
    first = open_shop(storage)
    stock(first)
    alice = cart(first, "alice")
    first.handle(checkout.AddToCart(alice, PHONE, 1), idempotency_key="k")  # cached here
    later = START + KEPT_FOR
    first.clock.set(later)  # type: ignore[attr-defined]
    second = open_shop(storage)
    second.clock.set(later)  # type: ignore[attr-defined]
    assert second.handle(PurgeCommandRecords(later)) == 1
    remove = checkout.RemoveFromCart(alice, PHONE)
    second.handle(remove, idempotency_key="k")  # the key again, for another command
    first.handle(remove, idempotency_key="k")  # answered from the second's record
    with pytest.raises(IdempotencyKeyReused):
        first.handle(checkout.AddToCart(alice, PHONE, 1), idempotency_key="k")


def test_only_kinds_registered_removable_can_be_removed(storage: Storage) -> None:
    app = open_shop(storage)
    stock(app)
    alice = cart(app, "alice")
    with app.unit_of_work() as uow, pytest.raises(ValidationError, match="not removable"):
        uow.repo(checkout.Cart).remove(uow.repo(checkout.Cart).get(alice))
