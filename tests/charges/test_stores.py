"""Freight, tax and their refunds and invoices survive the stores: the same journey on
memory and SQLite, read back after a restart, and every aggregate through its converter."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from merx import aftersales, invoicing, orders, settlement
from merx.aftersales import serde as aftersales_serde
from merx.app import App, MemoryApp, build_postgres_app, build_sqlite_app
from merx.catalog import TaxMode, TaxPolicy
from merx.catalog import serde as catalog_serde
from merx.checkout import FreightCharge
from merx.invoicing import BuyerKind, InvoiceTitle
from merx.invoicing import serde as invoicing_serde
from merx.kernel.ids import OrderId
from merx.orders import serde as orders_serde
from merx.settlement import serde as settlement_serde
from tests.charges.world import (
    ANN,
    SHIRT,
    buy,
    cny,
    pending,
    reconciled,
    ship,
    shop,
)

EXCLUSIVE = TaxPolicy(TaxMode.EXCLUSIVE)


def journey(*, sqlite: Path | None = None, postgres: str | None = None) -> tuple[App, OrderId, str]:
    """Three shirts with 13 % on top and 8.00 freight waived by the platform; one unit
    refunded for the seller's fault after delivery, then the invoice corrected."""
    app, seller = shop(
        tax=EXCLUSIVE,
        freight=cny("8.00"),
        free_shipping="platform",
        sqlite=sqlite,
        postgres=postgres,
    )
    order_id = buy(app, (SHIRT, 3))
    invoice_id = app.handle(
        invoicing.RequestInvoice(order_id, ANN, InvoiceTitle(BuyerKind.PERSONAL, "Ann"))
    )
    app.handle(invoicing.IssueInvoice(invoice_id, seller, "No.1"))
    ship(app, seller, order_id, complete=True)
    case = app.handle(
        aftersales.RequestRefundOnly(order_id, ((SHIRT, 1),), "torn", seller_at_fault=True)
    )
    app.handle(aftersales.ApproveAfterSale(case, acting=seller))
    app.handle(invoicing.ReissueInvoice(invoice_id, seller, "No.2"))
    # 339.00 paid; 113.00 back; 226.00 less 20.00 commission, plus the 8.00 freight subsidy
    assert pending(app, seller) == cny("214.00")
    assert reconciled(app)
    return app, order_id, invoice_id


def check(app: App, order_id: OrderId, invoice_id: str) -> None:
    get = app.get
    order = get(orders.Order, order_id)
    assert order.freight is not None
    assert order.tax_mode is TaxMode.EXCLUSIVE
    assert order.freight == FreightCharge(order.seller, cny("8.00"), order.freight.waivers)
    assert order.freight.funded_by("platform") == cny("8.00")
    assert (order.payable, order.refunded_tax(SHIRT)) == (cny("339.00"), cny("13.00"))
    invoice = get(invoicing.Invoice, invoice_id)
    assert [e.tax for e in invoice.entries] == [cny("39.00"), cny("-39.00"), cny("26.00")]
    clearing = get(settlement.OrderClearing, order_id)
    assert clearing.line(FreightCharge.KEY).subsidy == cny("8.00")


def test_on_sqlite_across_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    _, order_id, invoice_id = journey(sqlite=path)
    check(build_sqlite_app(path), order_id, invoice_id)


@pytest.mark.postgres
def test_on_postgres_across_a_restart(postgres_schema: Callable[[], str]) -> None:
    dsn = postgres_schema()
    first, order_id, invoice_id = journey(postgres=dsn)
    first.database.close()  # type: ignore[attr-defined]
    again = build_postgres_app(dsn, max_connections=2)
    try:
        check(again, order_id, invoice_id)
    finally:
        again.database.close()  # type: ignore[attr-defined]


CONVERTERS: list[ModuleType] = [
    catalog_serde, orders_serde, aftersales_serde, settlement_serde, invoicing_serde,
]  # fmt: skip


@pytest.mark.parametrize("serde", CONVERTERS, ids=lambda m: m.__name__)
def test_every_aggregate_round_trips_through_json(serde: ModuleType) -> None:
    app, seller = shop(tax=EXCLUSIVE, freight=cny("8.00"), free_shipping="platform")
    order_id = buy(app, (SHIRT, 3))
    invoice_id = app.handle(
        invoicing.RequestInvoice(order_id, ANN, InvoiceTitle(BuyerKind.PERSONAL, "Ann"))
    )
    app.handle(invoicing.IssueInvoice(invoice_id, seller, "No.1"))
    case = app.handle(aftersales.RequestRefund(order_id, "changed my mind"))
    app.handle(aftersales.ApproveAfterSale(case, acting=seller))
    assert isinstance(app, MemoryApp)
    for kind in serde.AGGREGATES:
        for _, aggregate in app.store.tables.get(kind, {}).values():
            back = serde.structure(json.loads(json.dumps(serde.unstructure(aggregate))), kind)
            assert back == aggregate
