"""Marketplace orders flow into the ledger: sale, subsidy, refunds, settlement."""

from __future__ import annotations

import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from merx import aftersales, catalog, checkout, customers, fulfillment, orders, payments, settlement
from merx.app import MemoryApp, build_memory_app
from merx.customers import Address
from merx.errors import Unauthorized
from merx.kernel.ids import CustomerId, MerchantId, OrderId, SkuId
from merx.kernel.money import Money
from merx.pricing import Coupon, FundingShare

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
import journey_merchant

from merx.fulfillment.ports import TrackingStatus

SHIRT = SkuId("shirt")


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


PLATFORM_COUPON = Coupon(
    id="P20", level="platform", off=cny("20.00"), funded_by=(FundingShare("platform", Decimal(1)),)
)


def bought(coupon: bool = True) -> tuple[MemoryApp, MerchantId, OrderId]:
    app = build_memory_app(
        offers=lambda uow, c, at: ((), (PLATFORM_COUPON,) if coupon else ()),
        commission=settlement.CommissionTable(Decimal("0.10")),
    )
    shop = journey_merchant.onboard(app, lambda line: None)
    app.handle(catalog.CreateSku(SHIRT, "Shirt", shop, "shirt", cny("100.00")))
    cid = app.handle(customers.RegisterCustomer(CustomerId("bo"), "Bo", "1"))
    app.handle(customers.AddAddress(cid, "home", Address("Bo", "1", "Hangzhou", "r")))
    app.handle(checkout.AddToCart(cid, SHIRT, 2))
    placed = app.handle(orders.PlaceOrder(cid))
    app.handle(payments.PayOrder(placed.parent_id, "alipay"))
    return app, shop, placed.order_ids[0]


def money_of(app: MemoryApp, shop: MerchantId) -> settlement.MerchantBalances:
    with app.unit_of_work() as uow:
        return settlement.merchant_money(uow, shop, shop, journals=app.journals)


def reconciled(app: MemoryApp) -> bool:
    with app.unit_of_work() as uow:
        return settlement.reconciliation_report(uow, "CNY", journals=app.journals).ok


def deliver_and_complete(app: MemoryApp, shop: MerchantId, order_id: OrderId) -> None:
    shipment = app.handle(fulfillment.ShipByMerchant(order_id, shop, "zto", f"Z-{order_id}"))
    app.logistics.advance(f"Z-{order_id}", TrackingStatus.DELIVERED, app.clock.now())
    app.handle(fulfillment.SyncTracking(shipment))
    app.handle(orders.ConfirmReceipt(order_id))


def test_a_platform_coupon_is_paid_to_the_merchant_as_subsidy() -> None:
    app, shop, order_id = bought()
    assert app.get(orders.Order, order_id).payable == cny("180.00")
    deliver_and_complete(app, shop, order_id)
    # 200.00 of goods: the customer paid 180.00, the platform subsidises 20.00;
    # commission 10% of 200.00 = 20.00, so the merchant is owed 180.00
    assert money_of(app, shop).pending == cny("180.00")
    assert reconciled(app)


def test_a_return_reverses_subsidy_and_commission_in_proportion() -> None:
    app, shop, order_id = bought()
    deliver_and_complete(app, shop, order_id)
    case = app.handle(aftersales.RequestReturn(order_id, ((SHIRT, 1),), "size"))
    app.handle(aftersales.ApproveAfterSale(case, acting=shop))
    app.handle(aftersales.SendReturn(case, "zto", "Z-back"))
    app.handle(aftersales.InspectReturn(case, ((SHIRT, 1),), acting=shop))
    # half refunded (90.00 of 180.00): half the subsidy and half the commission reversed
    assert money_of(app, shop).pending == cny("90.00")
    assert reconciled(app)


def test_a_self_operated_order_is_not_cleared() -> None:
    app = build_memory_app()
    app.handle(catalog.CreateSku(SHIRT, "Shirt", MerchantId("platform"), "shirt", cny("10.00")))
    with app.unit_of_work() as uow:
        assert settlement.reconciliation_report(uow, "CNY", journals=app.journals).ok


def test_only_the_seller_ships_its_order() -> None:
    app, _, order_id = bought(coupon=False)
    with pytest.raises(Unauthorized):
        app.handle(fulfillment.ShipByMerchant(order_id, MerchantId("other"), "zto", "Z-1"))


def test_settlement_follows_the_cycle() -> None:
    app, shop, order_id = bought(coupon=False)
    deliver_and_complete(app, shop, order_id)
    app.clock.advance(timedelta(days=7))
    app.handle(
        settlement.RunSettlement(shop, settlement.StatementId("st-1"), app.clock.now().date())
    )
    assert money_of(app, shop).available == cny("180.00")  # 200.00 less 10% commission


def test_a_merchant_sees_only_its_own_orders_cases_and_money() -> None:
    app, shop, order_id = bought(coupon=False)
    other = journey_merchant.onboard(app, lambda line: None)
    deliver_and_complete(app, shop, order_id)
    case = app.handle(aftersales.RequestRefundOnly(order_id, ((SHIRT, 1),), "stain"))
    with app.unit_of_work() as uow:
        assert orders.merchant_order(uow, shop, order_id).seller == shop
        assert [o.id for o in orders.merchant_orders(uow, shop, app.queries.orders)] == [order_id]
        assert orders.merchant_orders(uow, other, app.queries.orders) == []
        assert aftersales.merchant_case(uow, shop, case).order_id == order_id
        with pytest.raises(Unauthorized):
            orders.merchant_order(uow, other, order_id)
        with pytest.raises(Unauthorized):
            aftersales.merchant_case(uow, other, case)
        with pytest.raises(Unauthorized):
            settlement.merchant_money(uow, other, shop, journals=app.journals)
    with pytest.raises(Unauthorized):
        app.handle(aftersales.ApproveAfterSale(case, acting=other))


def test_a_granted_refund_is_booked_once_paid_back_and_a_return_takes_the_rest() -> None:
    app, shop, order_id = bought()
    deliver_and_complete(app, shop, order_id)
    app.gateways["alipay"].decline_next()
    granted = aftersales.GrantRefund(order_id, "g-1", cny("30.00"), "scratched", acting=shop)
    assert app.handle(granted) is payments.RefundStatus.PENDING
    assert money_of(app, shop).pending == cny("180.00")  # nothing booked before it is paid
    app.clock.advance(timedelta(hours=1))
    app.handle(payments.RetryRefunds())
    assert money_of(app, shop).pending == cny("150.00")  # 30.00 of 180.00 paid back
    assert reconciled(app)
    case = app.handle(aftersales.RequestRefundOnly(order_id, ((SHIRT, 2),), "both faded"))
    assert app.handle(aftersales.ApproveAfterSale(case, acting=shop)).value == "completed"
    assert app.get(aftersales.AfterSale, case).amount == cny("150.00")
    assert money_of(app, shop).pending == cny("0.00")
    assert reconciled(app)
    with pytest.raises(Unauthorized):
        app.handle(
            aftersales.GrantRefund(order_id, "g-2", cny("1.00"), "x", acting=MerchantId("m"))
        )
