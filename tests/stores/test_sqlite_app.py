"""merx on a SQLite file: the golden path runs unchanged, state survives a restart, and a
second start over the same file creates nothing twice."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from merx import catalog, checkout, customers, fulfillment, inventory, ledger, orders, payments
from merx.adapters.memory import FixedClock, SequentialIds
from merx.adapters.sqlite import SCHEMA_VERSION, SchemaTooNew, SqliteDatabase
from merx.app import StoredApp, build_sqlite_app
from merx.customers import Address
from merx.kernel.ids import PLATFORM, CustomerId, SkuId, WarehouseId
from merx.kernel.money import Money

PHONE = SkuId("phone-x")
START = datetime(2026, 1, 1, tzinfo=UTC)


def open_shop(path: Path) -> StoredApp:
    return build_sqlite_app(
        path, clock=FixedClock(START), ids=SequentialIds(), synchronous="NORMAL"
    )


def stock(app: StoredApp) -> None:
    app.handle(catalog.CreateSku(PHONE, "Phone X", PLATFORM, "phone", Money.of("2999.00", "CNY")))
    app.handle(inventory.OpenWarehouse(WarehouseId("wh"), "DC", "1 Rd", {"Shanghai": 30}))
    app.handle(inventory.ReceiveStock(WarehouseId("wh"), PHONE, 10, reference="po-1"))


def buy(app: StoredApp, who: str) -> orders.PlacedOrder:
    alice = app.handle(customers.RegisterCustomer(CustomerId(who), who, "13800000000"))
    app.handle(customers.AddAddress(alice, "home", Address(who, "138", "Shanghai", "1 Bund Rd")))
    app.handle(checkout.AddToCart(alice, PHONE, 1))
    return app.handle(orders.PlaceOrder(alice))


def test_the_golden_path_runs_on_a_file(tmp_path: Path) -> None:
    app = open_shop(tmp_path / "shop.db")
    stock(app)
    placed = buy(app, "alice")
    outcome = app.handle(payments.PayOrder(placed.parent_id, channel="alipay"))
    app.handle(fulfillment.ShipOrder(placed.order_ids[0]))
    assert outcome.status is payments.PaymentStatus.SUCCEEDED
    assert app.get(orders.Order, placed.order_ids[0]).status is orders.OrderStatus.SHIPPED
    names = [event.name for event in app.events.events]
    assert "OrderPaid" in names
    assert "OrderShipped" in names


def test_state_survives_a_restart_and_reference_data_is_made_once(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    first = open_shop(path)
    stock(first)
    placed = buy(first, "alice")
    first.handle(payments.PayOrder(placed.parent_id, channel="alipay"))
    again = open_shop(path)  # a second start: no AlreadyExists, nothing created twice
    assert again.get(orders.ParentOrder, placed.parent_id).status is orders.ParentStatus.PAID
    assert again.get(inventory.StockItem, inventory.stock_key(WarehouseId("wh"), PHONE)).on_hand
    book = again.get(ledger.Ledger, "CNY")
    assert book.version == first.get(ledger.Ledger, "CNY").version


def test_a_file_of_a_later_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "later.db"
    SqliteDatabase(path).connection().execute(
        "UPDATE merx_schema SET version = ?", (SCHEMA_VERSION + 1,)
    )
    with pytest.raises(SchemaTooNew):
        SqliteDatabase(path)


def test_every_commit_writes_its_events_to_the_outbox(tmp_path: Path) -> None:
    app = open_shop(tmp_path / "shop.db")
    stock(app)
    assert isinstance(app.database, SqliteDatabase)
    rows = app.database.events_after(0)
    names = [name for _, _, name, _ in rows]
    assert "catalog.SkuCreated" in names
    assert [seq for seq, *_ in rows] == sorted(seq for seq, *_ in rows)
    assert len({event_id for _, event_id, _, _ in rows}) == len(rows)
