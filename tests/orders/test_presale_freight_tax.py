"""A pre-sale's freight and tax, through ``app.handle`` from the deposit to the balance to
the refunds: each order's line carries the SKU's tax rate and the tax on what it charges
(the deposit; the balance), added on top in exclusive mode; the freight is charged with the
balance, on the goods order that ships, and refunded by the freight rule; a deposit given
back gives back its tax too.

Worked numbers (``tests/orders/test_presale.py``'s terms: 50.00 down, worth 100.00 against
1000.00; 13 % tax; the merchant's freight 10.00 for the first watch and 5.00 each further):
two watches, exclusive mode: the deposit 100.00 + 13.00 tax = 113.00; the balance 1800.00 +
234.00 tax + 15.00 freight = 2049.00. Inclusive mode: the deposit 100.00 (11.50 of it tax),
the balance 1800.00 (207.08 of it tax) + 15.00 freight = 1815.00.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from merx import (
    aftersales,
    catalog,
    checkout,
    customers,
    fulfillment,
    inventory,
    orders,
    payments,
    settlement,
)
from merx.adapters.memory import FixedClock, SequentialIds
from merx.app import App, MemoryApp, Settings, build_memory_app, build_sqlite_app
from merx.checkout import FreightCharge
from merx.customers import Address
from merx.fulfillment.ports import TrackingStatus
from merx.inventory import InventoryPolicy, LockPolicy
from merx.kernel.ids import CustomerId, MerchantId, OrderId
from merx.orders import DepositRule, PresaleOrder, PresaleStatus
from merx.orders import serde as orders_serde
from merx.pricing import FreightRule, FreightTemplate, UndeliverableDestination
from tests.orders.test_presale import (
    BALANCE_ENDS,
    BALANCE_STARTS,
    DC,
    T0,
    TERMS,
    WATCH,
    cny,
    customer,
    reconciled,
)
from tests.orders.test_presale_aftersales import return_units

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
import journey_merchant
from journey_presale import paid  # what was paid for a parent order, net of refunds

EXCLUSIVE = catalog.TaxPolicy(catalog.TaxMode.EXCLUSIVE)
INCLUSIVE = catalog.TaxPolicy(catalog.TaxMode.INCLUSIVE)


def world(
    tax: catalog.TaxPolicy, rule: DepositRule = DepositRule.FORFEIT
) -> tuple[MemoryApp, MerchantId]:
    """A merchant's watch at 13 % with a freight template, on pre-sale."""
    app = build_memory_app(
        clock=FixedClock(T0),
        inventory_policy=InventoryPolicy(LockPolicy.AT_PAYMENT),
        commission=settlement.CommissionTable(Decimal("0.10")),
        tax_policy=tax,
    )
    shop = journey_merchant.onboard(app, lambda line: None, categories=("watch",))
    app.handle(catalog.CreateSku(WATCH, "Watch", shop, "watch", cny("1200.00")))
    app.handle(catalog.SetTaxRate(WATCH, Decimal("0.13")))
    rule_ = FreightRule(("*",), 1, cny("10.00"), 1, cny("5.00"))
    template = FreightTemplate(shop, "piece", (rule_,), undeliverable=("xj",))
    app.handle(checkout.SetFreightTemplate(shop, template))
    app.handle(inventory.OpenWarehouse(DC, "DC", "-", {"sh": 1}))
    app.handle(orders.CreatePresale("ps-watch", shop, TERMS, rule, limit_per_order=2))
    return app, shop


def deposit_and_balance(app: MemoryApp, quantity: int = 2) -> tuple[OrderId, OrderId, OrderId]:
    """The deposit and the balance of ``quantity`` watches, both paid: the pre-sale
    order, the balance's parent order and its goods order."""
    placed = app.handle(orders.PlaceDepositOrder(customer(app, "ann"), "ps-watch", quantity))
    app.handle(payments.PayOrder(placed.parent_id, "alipay"))
    app.clock.set(BALANCE_STARTS + timedelta(hours=1))
    balance = app.handle(orders.PlaceBalanceOrder(placed.parent_id))
    app.handle(payments.PayOrder(balance.parent_id, "alipay"))
    return placed.parent_id, balance.parent_id, balance.order_ids[0]


def deliver(app: MemoryApp, shop: MerchantId, goods: OrderId) -> None:
    shipment = app.handle(fulfillment.ShipByMerchant(goods, shop, "zto", "Z-1"))
    app.logistics.advance("Z-1", TrackingStatus.DELIVERED, app.clock.now())
    app.handle(fulfillment.SyncTracking(shipment))


def return_one(app: MemoryApp, shop: MerchantId, goods: OrderId, n: int) -> aftersales.AfterSale:
    return app.get(aftersales.AfterSale, return_units(app, shop, goods, 1, n))


def test_exclusive_tax_on_the_deposit_and_the_balance_freight_with_the_balance() -> None:
    app, shop = world(EXCLUSIVE)
    presale_id, balance, goods_id = deposit_and_balance(app)
    deposit = app.get(orders.Order, app.get(PresaleOrder, presale_id).deposit_order_id)
    (line,) = deposit.lines
    assert (line.tax_rate, line.tax, deposit.freight) == (Decimal("0.13"), cny("13.00"), None)
    assert deposit.payable == cny("113.00")
    goods = app.get(orders.Order, goods_id)
    (line,) = goods.lines
    assert (line.net, line.tax) == (cny("1800.00"), cny("234.00"))
    assert goods.freight == FreightCharge(shop, cny("15.00"))
    assert goods.payable == cny("2049.00")
    assert (paid(app, presale_id), paid(app, balance)) == (cny("113.00"), cny("2049.00"))
    assert reconciled(app)


def test_inclusive_tax_is_part_of_each_orders_price() -> None:
    app, shop = world(INCLUSIVE)
    presale_id, balance, goods_id = deposit_and_balance(app)
    deposit = app.get(orders.Order, app.get(PresaleOrder, presale_id).deposit_order_id)
    goods = app.get(orders.Order, goods_id)
    assert (deposit.lines[0].tax, goods.lines[0].tax) == (cny("11.50"), cny("207.08"))
    assert (deposit.payable, goods.payable) == (cny("100.00"), cny("1815.00"))
    assert goods.freight == FreightCharge(shop, cny("15.00"))
    assert (paid(app, presale_id), paid(app, balance)) == (cny("100.00"), cny("1815.00"))


def test_returns_after_delivery_give_back_tax_and_deposit_share_but_not_the_freight() -> None:
    app, shop = world(EXCLUSIVE)
    presale_id, balance, goods = deposit_and_balance(app)
    deliver(app, shop, goods)
    first = return_one(app, shop, goods, 1)
    assert first.amount == cny("1017.00")  # 900.00 and its 117.00 of tax
    # the deposit's share: half of 113.00, its tax with it
    assert (paid(app, presale_id), paid(app, balance)) == (cny("56.50"), cny("1032.00"))
    return_one(app, shop, goods, 2)
    # every unit back, the freight spent on the customer's behalf stays paid
    assert (paid(app, presale_id), paid(app, balance)) == (cny("0.00"), cny("15.00"))
    assert reconciled(app)


def test_a_refund_before_shipment_gives_back_everything_freight_and_tax_included() -> None:
    app, shop = world(EXCLUSIVE)
    presale_id, balance, goods = deposit_and_balance(app)
    case = app.handle(aftersales.RequestRefund(goods, "changed my mind"))
    app.handle(aftersales.ApproveAfterSale(case, acting=shop))
    done = app.get(aftersales.AfterSale, case)
    assert done.amount == cny("2049.00")
    assert dict(done.refund_lines)[FreightCharge.KEY] == cny("15.00")
    assert (paid(app, presale_id), paid(app, balance)) == (cny("0.00"), cny("0.00"))
    assert reconciled(app)


@pytest.mark.parametrize(("tax", "back"), [(EXCLUSIVE, "113.00"), (INCLUSIVE, "100.00")])
def test_a_refunded_deposit_gives_back_its_tax(tax: catalog.TaxPolicy, back: str) -> None:
    app, _ = world(tax, DepositRule.REFUND)
    placed = app.handle(orders.PlaceDepositOrder(customer(app, "ann"), "ps-watch", 2))
    app.handle(payments.PayOrder(placed.parent_id, "alipay"))
    assert paid(app, placed.parent_id) == cny(back)
    app.clock.set(BALANCE_ENDS)
    assert app.handle(orders.EndUnpaidPresales()) == [placed.parent_id]
    assert app.get(PresaleOrder, placed.parent_id).status is PresaleStatus.REFUNDED
    assert paid(app, placed.parent_id) == cny("0.00")
    assert reconciled(app)


def test_a_balance_to_an_address_the_seller_does_not_deliver_to_is_refused() -> None:
    app, shop = world(EXCLUSIVE)
    ann = customer(app, "ann")
    app.handle(
        orders.PlaceDepositOrder(ann, "ps-watch", 1, address_label="home")
    )  # Shanghai: delivered
    app.handle(
        checkout.SetFreightTemplate(
            shop,
            FreightTemplate(
                shop, "piece", (FreightRule(("*",), 1, cny("10.00"), 1, cny("5.00")),),
                undeliverable=("sh",),
            ),
        )
    )  # fmt: skip
    (presale,) = (p for p in app.store.tables[PresaleOrder])
    app.handle(payments.PayOrder(OrderId(presale), "alipay"))
    app.clock.set(BALANCE_STARTS)
    with pytest.raises(UndeliverableDestination):
        app.handle(orders.PlaceBalanceOrder(OrderId(presale)))
    assert app.get(PresaleOrder, presale).status is PresaleStatus.AWAITING_BALANCE


def test_a_presale_order_stored_before_tax_still_loads() -> None:
    app, _ = world(EXCLUSIVE)
    placed = app.handle(orders.PlaceDepositOrder(customer(app, "ann"), "ps-watch", 2))
    presale = app.get(PresaleOrder, placed.parent_id)
    old = {
        k: v
        for k, v in orders_serde.unstructure(presale).items()
        if k not in ("deposit_tax", "tax_mode")
    }
    back = orders_serde.structure(old, PresaleOrder)
    assert (back.deposit_tax, back.tax_mode) == (None, catalog.TaxMode.INCLUSIVE)
    assert back.deposit_charged == cny("100.00")  # what it charged before tax
    assert orders_serde.structure(orders_serde.unstructure(presale), PresaleOrder) == presale


def test_a_taxed_presale_with_freight_survives_restarts_on_sqlite(tmp_path: Path) -> None:
    path, clock = tmp_path / "shop.db", FixedClock(T0)
    settings_ = Settings(
        commission=settlement.CommissionTable(Decimal("0.10")), tax_policy=EXCLUSIVE
    )

    def opened() -> App:
        return build_sqlite_app(path, clock=clock, ids=SequentialIds(), settings=settings_)

    app = opened()
    shop = journey_merchant.onboard(app, lambda line: None, categories=("watch",))
    app.handle(catalog.CreateSku(WATCH, "Watch", shop, "watch", cny("1200.00"), origin="hz"))
    app.handle(catalog.SetTaxRate(WATCH, Decimal("0.13")))
    rule_ = FreightRule(("*",), 1, cny("10.00"), 1, cny("5.00"))
    app.handle(
        checkout.SetFreightTemplate(shop, FreightTemplate(shop, "piece", (rule_,), origin="hz"))
    )
    app.handle(orders.CreatePresale("ps-watch", shop, TERMS, DepositRule.FORFEIT))
    ann = app.handle(customers.RegisterCustomer(CustomerId("ann"), "Ann", "1"))
    app.handle(customers.AddAddress(ann, "home", Address("Ann", "1", "sh", "r"), default=True))
    placed = app.handle(orders.PlaceDepositOrder(ann, "ps-watch", 2))
    app.handle(payments.PayOrder(placed.parent_id, "alipay"))
    again = opened()
    presale = again.get(PresaleOrder, placed.parent_id)
    assert (presale.deposit_tax, presale.tax_mode) == (cny("13.00"), catalog.TaxMode.EXCLUSIVE)
    assert presale.deposit_charged == cny("113.00")
    clock.set(BALANCE_STARTS)
    balance = again.handle(orders.PlaceBalanceOrder(placed.parent_id))
    goods = opened().get(orders.Order, balance.order_ids[0])
    assert goods.freight == FreightCharge(shop, cny("15.00"), origin="hz")
    assert (goods.lines[0].tax, goods.lines[0].origin, goods.payable) == (
        cny("234.00"),
        "hz",
        cny("2049.00"),
    )
