"""Voucher codes through the golden process: a code entered at checkout prices the cart,
the order placed with it holds it, cancelling gives it back; a single-use code placed once
is refused to the next customer."""

from __future__ import annotations

import pytest

from merx import catalog, checkout, customers, inventory, orders, payments, promotions
from merx.app import MemoryApp, build_memory_app
from merx.customers import Address
from merx.kernel.ids import PLATFORM, CustomerId, SkuId, WarehouseId
from merx.kernel.money import Money
from merx.pricing import Coupon
from merx.promotions.codes import code_promotion_id

SHIRT = SkuId("shirt")


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def shop() -> tuple[MemoryApp, list[str]]:
    app = build_memory_app()
    app.handle(catalog.CreateSku(SHIRT, "Shirt", PLATFORM, "shirt", cny("100.00")))
    app.handle(inventory.OpenWarehouse(WarehouseId("wh"), "DC", "-", {"sh": 1}))
    app.handle(inventory.ReceiveStock(WarehouseId("wh"), SHIRT, 10, "po"))
    campaign = app.handle(promotions.CreateCampaign(PLATFORM, Coupon(id="C1", off=cny("15.00"))))
    for command in (promotions.SubmitCampaign, promotions.ApproveCampaign):
        app.handle(command(campaign, PLATFORM))
    app.handle(promotions.ScheduleCampaign(campaign, PLATFORM))
    app.handle(promotions.TickCampaigns())
    app.handle(promotions.CreateCodeSet("launch", campaign, PLATFORM))
    return app, list(app.handle(promotions.GenerateVoucherCodes("launch", 2, PLATFORM)))


def shopper(app: MemoryApp, who: str) -> CustomerId:
    cid = app.handle(customers.RegisterCustomer(CustomerId(who), who, "1"))
    app.handle(customers.AddAddress(cid, "h", Address(who, "1", "sh", "r"), default=True))
    app.handle(checkout.AddToCart(cid, SHIRT, 1))
    return cid


def test_an_entered_code_prices_the_cart_and_is_held_by_the_order() -> None:
    app, codes = shop()
    ann = shopper(app, "ann")
    app.handle(promotions.EnterVoucherCode(ann, promotions.display_code(codes[0]).lower()))
    assert app.quote(ann).payable == cny("85.00")
    placed = app.handle(orders.PlaceOrder(ann, expected_payable=cny("85.00")))
    assert app.get(promotions.VoucherCode, codes[0]).used == 1
    app.handle(payments.PayOrder(placed.parent_id, "alipay"))
    assert app.get(promotions.VoucherCode, codes[0]).used == 1
    assert app.get(promotions.Campaign, "C1").ledger.consumed == cny("15.00")


def test_a_cancelled_order_gives_its_code_back() -> None:
    app, codes = shop()
    ann, ben = shopper(app, "ann"), shopper(app, "ben")
    app.handle(promotions.EnterVoucherCode(ann, codes[0]))
    placed = app.handle(orders.PlaceOrder(ann))
    app.handle(promotions.EnterVoucherCode(ben, codes[1]))
    with pytest.raises(promotions.VoucherCodeUsedUp):
        app.handle(promotions.EnterVoucherCode(ben, codes[0]))
    app.handle(orders.CancelOrder(placed.parent_id, "changed mind"))
    assert app.get(promotions.VoucherCode, codes[0]).used == 0
    app.handle(promotions.EnterVoucherCode(ben, codes[0]))  # usable again
    assert app.quote(ben).payable == cny("85.00")  # one coupon slot: one code applies


def test_a_code_used_up_since_entry_says_why_in_the_quote() -> None:
    app, codes = shop()
    ann, ben = shopper(app, "ann"), shopper(app, "ben")
    for who in (ann, ben):
        app.handle(promotions.EnterVoucherCode(who, codes[0]))
    app.handle(orders.PlaceOrder(ann))
    quote = app.quote(ben)
    assert quote.payable == cny("100.00")
    dead = code_promotion_id("C1", codes[0])
    assert {r.promotion_id: r.code for r in quote.pricing.rejections} == {dead: "code_used_up"}
    placed = app.handle(orders.PlaceOrder(ben, expected_payable=cny("100.00")))  # without it
    assert app.get(promotions.VoucherCode, codes[0]).used == 1
    assert placed.parent_id


def test_codes_at_checkout_take_the_campaign_coupon_stock() -> None:
    app = build_memory_app()
    app.handle(catalog.CreateSku(SHIRT, "Shirt", PLATFORM, "shirt", cny("100.00")))
    app.handle(inventory.OpenWarehouse(WarehouseId("wh"), "DC", "-", {"sh": 1}))
    app.handle(inventory.ReceiveStock(WarehouseId("wh"), SHIRT, 10, "po"))
    limits = promotions.BudgetLimits(coupon_stock=1)
    app.handle(promotions.CreateCampaign(PLATFORM, Coupon(id="C1", off=cny("15.00")), limits))
    for command in (promotions.SubmitCampaign, promotions.ApproveCampaign):
        app.handle(command("C1", PLATFORM))
    app.handle(promotions.ScheduleCampaign("C1", PLATFORM))
    app.handle(promotions.TickCampaigns())
    app.handle(promotions.CreateCodeSet("launch", "C1", PLATFORM))
    codes = app.handle(promotions.GenerateVoucherCodes("launch", 2, PLATFORM))  # over stock
    ann, ben = shopper(app, "ann"), shopper(app, "ben")
    app.handle(promotions.EnterVoucherCode(ann, codes[0]))
    app.handle(promotions.EnterVoucherCode(ben, codes[1]))
    placed = app.handle(orders.PlaceOrder(ann, expected_payable=cny("85.00")))
    quote = app.quote(ben)
    assert quote.payable == cny("100.00")
    assert [r.code for r in quote.pricing.rejections] == ["code_out_of_stock"]
    with pytest.raises(promotions.CouponStockExhausted):
        app.handle(promotions.ClaimCoupon(ben, "C1"))
    app.handle(orders.CancelOrder(placed.parent_id, "changed mind"))  # the coupon goes back
    assert app.quote(ben).payable == cny("85.00")
