"""A small shop for the behaviour, recommendation and search ads tests: two merchants
with a marketing balance, SKUs in a few categories, stock in Shanghai, and shoppers who
buy (paid orders feed the recommendation documents)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from merx import (
    catalog,
    checkout,
    customers,
    inventory,
    merchants,
    orders,
    payments,
    settlement,
)
from merx.app import App
from merx.customers import Address
from merx.kernel.ids import CustomerId, MerchantId, SkuId, WarehouseId
from merx.kernel.money import Money
from merx.merchants import DocumentKind
from merx.settlement import SettlementTerms

WH = WarehouseId("sh-dc")
#: sku -> (title, merchant index, category, price)
SKUS = {
    "tea-1": ("Green tea 绿茶", 0, "tea", "39.00"),
    "tea-2": ("Black tea 红茶", 0, "tea", "49.00"),
    "tea-3": ("Oolong tea 乌龙茶", 1, "tea", "59.00"),
    "cup-1": ("Tea cup 茶杯", 1, "cup", "19.00"),
    "cup-2": ("Glass cup 玻璃杯", 0, "cup", "29.00"),
    "pot-1": ("Tea pot 茶壶", 1, "pot", "99.00"),
    "pot-2": ("Clay pot 紫砂壶", 0, "pot", "299.00"),
    "kettle": ("Kettle 电水壶", 1, "kettle", "159.00"),
}


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def terms() -> SettlementTerms:
    return SettlementTerms(
        cycle=settlement.SettlementCycle(settlement.CycleKind.T_PLUS_N, 7),
        negative_policy=settlement.NegativeBalancePolicy.OFFSET_NEXT_SETTLEMENT,
        limits=settlement.WithdrawalLimits(cny("1.00"), cny("50000.00"), cny("100000.00")),
        presettle_fee_rate=Decimal("0.006"),
    )


def merchant(app: App, name: str) -> MerchantId:
    merchant_id = app.handle(merchants.ApplyMerchant(name))
    number = f"BL-{merchant_id}"
    app.handle(
        merchants.AddMerchantDocument(
            merchant_id, merchant_id, DocumentKind.BUSINESS_LICENCE, number, date(2030, 1, 1)
        )
    )
    app.handle(merchants.SetGoodsScope(merchant_id, merchant_id, ("tea", "cup", "pot", "kettle")))
    app.handle(merchants.SubmitMerchantApplication(merchant_id, merchant_id))
    app.handle(merchants.ReviewMerchantDocument(merchant_id, number, accepted=True))
    app.handle(merchants.ApproveMerchant(merchant_id, cny("1000.00")))
    app.handle(settlement.OpenMerchantAccount(merchant_id, terms()))
    app.handle(
        settlement.PayDeposit(
            merchant_id, merchant_id, f"dep-{merchant_id}", cny("1000.00"), "alipay"
        )
    )
    app.handle(merchants.OpenStore(merchant_id, merchant_id, f"{name} flagship"))
    return merchant_id


def shop(app: App, marketing: str = "10.00") -> list[MerchantId]:
    """The merchants (each recharged ``marketing``), their SKUs and stock in ``sh``."""
    sellers = [merchant(app, "Leaf"), merchant(app, "Clay")]
    for seller in sellers:
        if Money.of(marketing, "CNY").is_positive():
            app.handle(
                settlement.Recharge(seller, seller, f"rc-{seller}", cny(marketing), "alipay")
            )
    app.handle(inventory.OpenWarehouse(WH, "SH", "-", {"sh": 10}))
    for sku, (title, index, category, price) in SKUS.items():
        app.handle(catalog.CreateSku(SkuId(sku), title, sellers[index], category, cny(price)))
        app.handle(inventory.ReceiveStock(WH, SkuId(sku), 50, f"po-{sku}"))
    return sellers


def buy(app: App, who: str, *skus: str) -> None:
    """``who`` (registered on first use, living in ``sh``) buys and pays ``skus``."""
    customer = CustomerId(who)
    with app.unit_of_work() as uow:
        known = uow.repo(customers.Customer).peek(customer) is not None
    if not known:
        app.handle(customers.RegisterCustomer(customer, who, "13800000000"))
        app.handle(customers.AddAddress(customer, "home", Address(who, "138", "sh", "1 Rd")))
    for sku in skus:
        app.handle(checkout.AddToCart(customer, SkuId(sku), 1))
    placed = app.handle(orders.PlaceOrder(customer))
    app.handle(payments.PayOrder(placed.parent_id, channel="alipay"))
