"""The facts collector on a stored app (SQLite, and PostgreSQL where it runs): the outbox
relay hands each event to it, the order's seller and the payment's channel are read
through the relay's unit of work, a restart delivers nothing twice, and the outbox read
back (events as stored, ids derived from them) adds nothing."""

from __future__ import annotations

from merx import customers, data, fulfillment, payments
from merx.adapters.memory.facts import MemoryFactStore
from merx.app.data import collect_facts
from merx.app.stores import StoredApp
from merx.kernel.events import DomainEvent
from merx.kernel.ids import CustomerId
from tests.stores.test_stored_app import START, Storage, buy, open_shop, stock


def outbox_events(app: StoredApp) -> list[DomainEvent]:
    known = app.new_unit_of_work().documents
    events, position = [], 0
    while rows := app.database.events_after(position, 1_000):
        events += [known.read_event(name, stored) for _, _, name, stored in rows]
        position = rows[-1][0]
    return events


def kinds(store: MemoryFactStore) -> list[tuple[str, str, str]]:
    return sorted((f.kind, f.merchant, f.channel) for f in store.facts(start_us=0, end_us=2**62))


def test_the_relay_hands_every_event_to_the_collector_once(storage: Storage) -> None:
    facts = MemoryFactStore()
    app = open_shop(storage)
    collect_facts(app.bus, facts, app.clock)
    stock(app)
    for who in ("alice", "bob"):
        placed = buy(app, who)
        app.handle(payments.PayOrder(placed.parent_id, channel="alipay"))
        app.handle(fulfillment.ShipOrder(placed.order_ids[0]))
    made = kinds(facts)
    assert made.count(("order.placed", "platform", "")) == 2
    assert made.count(("order.paid", "platform", "")) == 2
    assert made.count(("payment.succeeded", "", "alipay")) == 2
    gmv = data.metric_series(facts, "gmv", start=START, end=START.replace(day=START.day + 1))
    assert [str(row.value) for row in gmv] == ["5998.00"]
    count = facts.count()

    again = open_shop(storage)  # a restart: the relay resumes after what it delivered
    collect_facts(again.bus, facts, again.clock)
    again.handle(customers.RegisterCustomer(CustomerId("carol"), "carol", "13800000001"))
    assert facts.count() == count  # the relay ran (again over what it left unsaved): no fact twice

    data.ingest(facts, outbox_events(again), at=START)  # the outbox read back
    assert facts.count() == count
    assert kinds(facts) == made
