"""A marketplace shop with tax rates and a freight template, for the charges tests.

The engine's freight templates arrive with branch i15-engine; until its ``quote`` fills
``Quote.freight`` from them, :func:`freight_pricer` stands in for it: it prices with the
engine, then charges each seller a flat ``fee`` (or waives it by the named promotion,
funded by ``funder``), in the engine's own shape (:class:`merx.pricing.SellerFreight`).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import attrs

from merx import (
    catalog,
    checkout,
    customers,
    fulfillment,
    orders,
    payments,
    pricing,
    settlement,
)
from merx.adapters.memory import FixedClock, SequentialIds
from merx.app import App, Settings, build_memory_app, build_postgres_app, build_sqlite_app
from merx.customers import Address
from merx.fulfillment.ports import TrackingStatus
from merx.kernel.ids import CustomerId, MerchantId, OrderId, SkuId
from merx.kernel.money import Money
from merx.pricing import (
    AppliedPromotion,
    CartLine,
    Coupon,
    Funding,
    FundingShare,
    Promotion,
    SellerFreight,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
import journey_merchant

SHIRT, SOCKS = SkuId("shirt"), SkuId("socks")
ANN = CustomerId("ann")
#: A coupon no cart here reaches: it only makes the checkout call the engine.
NEVER = Coupon(
    id="never", level="platform", off=Money.of("1.00", "CNY"),
    min_amount=Money.of("99999.00", "CNY"), funded_by=(FundingShare("platform", Decimal(1)),),
)  # fmt: skip


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def freight_pricer(
    fee: Money, waived_by: str | None = None, funder: str = "platform"
) -> pricing.Pricer:
    """The engine's quote with a flat ``fee`` per seller, charged or waived by
    ``waived_by`` (a free-shipping promotion funded by ``funder``; ``"seller"``: by the
    first line's merchant)."""

    def price(  # noqa: PLR0917 - the inputs of quote()
        lines: Sequence[CartLine],
        promotions: Sequence[Promotion],
        wallet: Sequence[Promotion],
        customer: pricing.Customer,
        at: datetime,
        payment_method: str | None,
        /,
    ) -> pricing.Quote:
        quote = pricing.quote(lines, promotions, wallet, customer, at, payment_method)
        sellers = list(dict.fromkeys(line.merchant for line in lines))
        zero = Money.zero(fee.currency)
        if waived_by is None:
            freight = tuple(SellerFreight(s, fee) for s in sellers)
            return attrs.evolve(quote, freight=freight, payable=quote.payable + fee * len(sellers))
        freight = tuple(SellerFreight(s, zero, waived_by, fee) for s in sellers)
        waived = fee * len(sellers)
        party = sellers[0] if funder == "seller" else funder
        applied = AppliedPromotion(
            waived_by, "free_shipping", "platform", zero, (Funding(party, waived),)
        )
        return attrs.evolve(
            quote,
            freight=freight,
            applied=(*quote.applied, waived_by),
            promotions=(*quote.promotions, applied),
            cost=(*quote.cost, Funding(party, waived)),
        )

    return price


def shop(
    *,
    tax: catalog.TaxPolicy = catalog.INCLUSIVE,
    pricer: pricing.Pricer | None = None,
    wallet: Sequence[Promotion] = (NEVER,),
    shirt: str = "100.00",
    socks: str = "10.00",
    sqlite: Path | None = None,
    postgres: str | None = None,
) -> tuple[App, MerchantId]:
    """A merchant selling shirts (13 % tax of their own) and socks (the category's rate),
    at 10 % commission; Ann with an address. In memory, in the SQLite file ``sqlite``, or
    in the PostgreSQL database at ``postgres``."""
    commission = settlement.CommissionTable(Decimal("0.10"))
    app: App
    settings = Settings(
        offers=lambda uow, c, at: ((), tuple(wallet)), commission=commission, tax_policy=tax
    )
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    if sqlite is not None:
        app = build_sqlite_app(sqlite, clock=clock, ids=SequentialIds(), settings=settings)
    elif postgres is not None:
        app = build_postgres_app(
            postgres, clock=clock, ids=SequentialIds(), settings=settings, max_connections=2
        )
    else:
        app = build_memory_app(
            offers=lambda uow, c, at: ((), tuple(wallet)), commission=commission, tax_policy=tax
        )
    if pricer is not None:
        memo = app.pricer
        assert isinstance(memo, pricing.QuoteMemo)
        memo._pricer = pricer  # the engine's freight stands in (see above)
    seller = journey_merchant.onboard(app, lambda line: None, "Shirts", ("shirt", "sock"))
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
