"""Experiments in a database (SQLite, and PostgreSQL when one is at hand): definitions,
namespaces, sticky assignments and conversions survive a restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from merx import catalog, checkout, customers, inventory, orders, payments
from merx.adapters.memory import FixedClock
from merx.app import StoredApp, build_app
from merx.customers import Address
from merx.errors import NotFound
from merx.experiments import (
    AssignVariation,
    DefineExperiment,
    Experiment,
    NamespaceOverlap,
    NamespaceRange,
    ReweighExperiment,
    StartExperiment,
    Variation,
)
from merx.kernel.ids import PLATFORM, CustomerId, SkuId, WarehouseId
from merx.kernel.money import Money
from tests.experiments.results import results_of
from tests.stores.test_stored_app import Storage

D = Decimal
SKU, DC = SkuId("shirt"), WarehouseId("wh")


def opened(storage: Storage, clock: FixedClock) -> StoredApp:
    return build_app(storage.open(), clock=clock, relay_owner="shop")


def test_experiments_survive_a_restart(storage: Storage) -> None:
    clock = FixedClock(datetime(2026, 3, 1, tzinfo=UTC))
    app = opened(storage, clock)
    app.handle(catalog.CreateSku(SKU, "Shirt", PLATFORM, "shirt", Money.of("10.00", "CNY")))
    app.handle(inventory.OpenWarehouse(DC, "DC", "-", {"sh": 1}))
    app.handle(inventory.ReceiveStock(DC, SKU, 100, "po"))
    home = NamespaceRange("home", D(0), D("0.8"))
    app.handle(
        DefineExperiment(
            "popup", (Variation("a", D("0.5")), Variation("b", D("0.5"))), namespace=home
        )
    )
    app.handle(StartExperiment("popup"))
    seen = {f"u{n}": app.handle(AssignVariation("popup", f"u{n}")) for n in range(30)}
    exposed = [s for s, v in seen.items() if v is not None]
    assert exposed
    app.close()

    clock.advance(timedelta(minutes=5))
    again = opened(storage, clock)
    with pytest.raises(NamespaceOverlap):
        again.handle(
            DefineExperiment(
                "banner",
                (Variation("a", D("0.5")), Variation("b", D("0.5"))),
                namespace=NamespaceRange("home", D("0.7"), D(1)),
            )
        )
    with pytest.raises(NotFound):
        again.get(Experiment, "banner")
    again.handle(ReweighExperiment("popup", (D("0.01"), D("0.99")), D(1)))
    for subject in exposed:
        assert again.handle(AssignVariation("popup", subject)) == seen[subject]
    buyer = CustomerId(exposed[0])
    again.handle(customers.RegisterCustomer(buyer, "b", "1"))
    again.handle(customers.AddAddress(buyer, "h", Address("b", "1", "sh", "r"), default=True))
    again.handle(checkout.AddToCart(buyer, SKU, 1))
    placed = again.handle(orders.PlaceOrder(buyer))
    again.handle(payments.PayOrder(placed.parent_id, "alipay"))
    results = {r.variation_key: r for r in results_of(again, "popup")}
    assert sum(r.exposures for r in results.values()) == len(exposed)
    assert results[str(seen[exposed[0]])].conversions == 1
    assert sum(r.conversions for r in results.values()) == 1
    again.close()
