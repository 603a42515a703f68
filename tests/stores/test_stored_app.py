"""merx on a database, the same tests for each (a SQLite file, a PostgreSQL schema): the
golden path runs unchanged, state survives a restart, a second start over the same data
creates nothing twice, a later schema is refused, every commit fills the outbox."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
import pytest

from merx import catalog, checkout, customers, fulfillment, inventory, ledger, orders, payments
from merx.adapters.documents import SchemaTooNew
from merx.adapters.memory import FixedClock, SequentialIds
from merx.adapters.sqlite import SCHEMA_VERSION, SqliteDatabase
from merx.app import StoredApp, build_app
from merx.app.stores import Database
from merx.customers import Address
from merx.kernel.ids import PLATFORM, CustomerId, SkuId, WarehouseId
from merx.kernel.money import Money

if TYPE_CHECKING:
    from merx.adapters.postgres import PostgresDatabase

PHONE = SkuId("phone-x")
START = datetime(2026, 1, 1, tzinfo=UTC)


@attrs.frozen
class Storage:
    """One place merx keeps its data: each :attr:`open` is a new database over it (as a
    restarted process opens it); :attr:`make_later` marks it as written by a later schema."""

    open: Callable[[], Database]
    make_later: Callable[[], None]


def sqlite_storage(path: Path) -> Storage:
    def make_later() -> None:
        SqliteDatabase(path).connection().execute(
            "UPDATE merx_schema SET version = ?", (SCHEMA_VERSION + 1,)
        )

    return Storage(lambda: SqliteDatabase(path, synchronous="NORMAL"), make_later)


def postgres_storage(dsn: str, opened: list[PostgresDatabase]) -> Storage:
    import psycopg

    from merx.adapters import postgres

    def open_database() -> PostgresDatabase:
        opened.append(postgres.PostgresDatabase(dsn, max_size=2))
        return opened[-1]

    def make_later() -> None:
        open_database()
        with psycopg.connect(dsn, autocommit=True) as db:
            db.execute("UPDATE merx_schema SET version = %s", (postgres.SCHEMA_VERSION + 1,))

    return Storage(open_database, make_later)


def open_shop(storage: Storage) -> StoredApp:
    return build_app(storage.open(), clock=FixedClock(START), ids=SequentialIds())


def stock(app: StoredApp) -> None:
    app.handle(catalog.CreateSku(PHONE, "Phone X", PLATFORM, "phone", Money.of("2999.00", "CNY")))
    app.handle(inventory.OpenWarehouse(WarehouseId("wh"), "DC", "1 Rd", {"Shanghai": 30}))
    app.handle(inventory.ReceiveStock(WarehouseId("wh"), PHONE, 10, reference="po-1"))


def buy(app: StoredApp, who: str) -> orders.PlacedOrder:
    alice = app.handle(customers.RegisterCustomer(CustomerId(who), who, "13800000000"))
    app.handle(customers.AddAddress(alice, "home", Address(who, "138", "Shanghai", "1 Bund Rd")))
    app.handle(checkout.AddToCart(alice, PHONE, 1))
    return app.handle(orders.PlaceOrder(alice))


def test_the_golden_path_runs_on_a_database(storage: Storage) -> None:
    app = open_shop(storage)
    stock(app)
    placed = buy(app, "alice")
    outcome = app.handle(payments.PayOrder(placed.parent_id, channel="alipay"))
    app.handle(fulfillment.ShipOrder(placed.order_ids[0]))
    assert outcome.status is payments.PaymentStatus.SUCCEEDED
    assert app.get(orders.Order, placed.order_ids[0]).status is orders.OrderStatus.SHIPPED
    names = [event.name for event in app.events.events]
    assert "OrderPaid" in names
    assert "OrderShipped" in names


def test_state_survives_a_restart_and_reference_data_is_made_once(storage: Storage) -> None:
    first = open_shop(storage)
    stock(first)
    placed = buy(first, "alice")
    first.handle(payments.PayOrder(placed.parent_id, channel="alipay"))
    again = open_shop(storage)  # a second start: no AlreadyExists, nothing created twice
    assert again.get(orders.ParentOrder, placed.parent_id).status is orders.ParentStatus.PAID
    assert again.get(inventory.StockItem, inventory.stock_key(WarehouseId("wh"), PHONE)).on_hand
    book = again.get(ledger.Ledger, "CNY")
    assert book.version == first.get(ledger.Ledger, "CNY").version


def test_a_database_of_a_later_schema_is_refused(storage: Storage) -> None:
    storage.make_later()
    with pytest.raises(SchemaTooNew, match="this merx knows up to"):
        storage.open()


def test_every_commit_writes_its_events_to_the_outbox(storage: Storage) -> None:
    database = storage.open()
    app = build_app(database, clock=FixedClock(START), ids=SequentialIds())
    stock(app)
    rows = database.events_after(0)
    names = [name for _, _, name, _ in rows]
    assert "catalog.SkuCreated" in names
    assert [seq for seq, *_ in rows] == sorted(seq for seq, *_ in rows)
    assert len({event_id for _, event_id, _, _ in rows}) == len(rows)
    assert database.events_after(rows[1][0], limit=1) == [rows[2]]
