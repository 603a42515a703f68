"""A marketplace shop with tax rates and a freight template, for the charges tests.

The seller's freight is a stored template (:class:`merx.checkout.SetFreightTemplate`): a flat
fee per shipment anywhere; a free-shipping promotion ``FREE`` (:class:`merx.pricing.FreeShipping`)
may waive it, funded by the platform or the seller. The engine prices both.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from merx import (
    catalog,
    checkout,
    customers,
    fulfillment,
    orders,
    payments,
    settlement,
)
from merx.adapters.memory import FixedClock, SequentialIds
from merx.app import App, Settings, build_memory_app, build_postgres_app, build_sqlite_app
from merx.customers import Address
from merx.fulfillment.ports import TrackingStatus
from merx.kernel.ids import CustomerId, MerchantId, OrderId, SkuId
from merx.kernel.money import Money
from merx.pricing import (
    FreeShipping,
    FreightRule,
    FreightTemplate,
    FundingShare,
    Promotion,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
import journey_merchant

SHIRT, SOCKS = SkuId("shirt"), SkuId("socks")
ANN = CustomerId("ann")


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def flat_freight(seller: MerchantId, fee: Money) -> FreightTemplate:
    """``fee`` per shipment, whatever it holds, to anywhere."""
    zero = Money.zero(fee.currency)
    return FreightTemplate(seller, "piece", (FreightRule(("*",), 1, fee, 1, zero),))


def shop(
    *,
    tax: catalog.TaxPolicy = catalog.INCLUSIVE,
    freight: Money | None = None,
    free_shipping: str | None = None,
    wallet: Sequence[Promotion] = (),
    shirt: str = "100.00",
    socks: str = "10.00",
    sqlite: Path | None = None,
    postgres: str | None = None,
) -> tuple[App, MerchantId]:
    """A merchant selling shirts (13 % tax of their own) and socks (the category's rate),
    at 10 % commission, charging a flat ``freight`` per order if given, waived by ``FREE``
    funded by ``free_shipping`` (a party; ``"seller"``: the merchant) if given; Ann with an
    address. In memory, in the SQLite file ``sqlite``, or in the PostgreSQL database at
    ``postgres``."""
    commission = settlement.CommissionTable(Decimal("0.10"))
    app: App
    in_force: list[Promotion] = []

    def offers(
        uow: object, customer: CustomerId, at: datetime
    ) -> tuple[Sequence[Promotion], Sequence[Promotion]]:
        return tuple(in_force), tuple(wallet)

    settings = Settings(offers=offers, commission=commission, tax_policy=tax)
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    if sqlite is not None:
        app = build_sqlite_app(sqlite, clock=clock, ids=SequentialIds(), settings=settings)
    elif postgres is not None:
        app = build_postgres_app(
            postgres, clock=clock, ids=SequentialIds(), settings=settings, max_connections=2
        )
    else:
        app = build_memory_app(offers=offers, commission=commission, tax_policy=tax)
    seller = journey_merchant.onboard(app, lambda line: None, "Shirts", ("shirt", "sock"))
    if freight is not None:
        app.handle(checkout.SetFreightTemplate(seller, flat_freight(seller, freight)))
    if free_shipping is not None:
        party = seller if free_shipping == "seller" else free_shipping
        in_force.append(FreeShipping(id="FREE", funded_by=(FundingShare(party, Decimal(1)),)))
    app.handle(catalog.CreateSku(SHIRT, "Shirt", seller, "shirt", cny(shirt)))
    app.handle(catalog.CreateSku(SOCKS, "Socks", seller, "sock", cny(socks)))
    app.handle(catalog.SetTaxRate(SHIRT, Decimal("0.13")))
    app.handle(customers.RegisterCustomer(ANN, "Ann", "1"))
    app.handle(customers.AddAddress(ANN, "home", Address("Ann", "1", "sh", "r"), default=True))
    return app, seller


def buy(app: App, *items: tuple[SkuId, int]) -> OrderId:
    """Ann buys ``items`` and pays: the seller's order."""
    for sku, quantity in items:
        app.handle(checkout.AddToCart(ANN, sku, quantity))
    placed = app.handle(orders.PlaceOrder(ANN))
    app.handle(payments.PayOrder(placed.parent_id, "alipay"))
    return placed.order_ids[0]


def ship(app: App, seller: MerchantId, order_id: OrderId, *, complete: bool) -> None:
    shipment = app.handle(fulfillment.ShipByMerchant(order_id, seller, "zto", f"Z-{order_id}"))
    app.logistics.advance(f"Z-{order_id}", TrackingStatus.DELIVERED, app.clock.now())
    app.handle(fulfillment.SyncTracking(shipment))
    if complete:
        app.handle(orders.ConfirmReceipt(order_id))


def pending(app: App, seller: MerchantId) -> Money:
    with app.unit_of_work() as uow:
        return settlement.merchant_money(uow, seller, seller, journals=app.journals).pending


def reconciled(app: App) -> bool:
    with app.unit_of_work() as uow:
        return settlement.reconciliation_report(uow, "CNY", journals=app.journals).ok
