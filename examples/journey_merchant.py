"""Journey 2, a marketplace merchant: a clothing store from onboarding to its first payout.

The merchant applies, its business licence is reviewed, it opens its clearing account,
pays its deposit and opens its store; it lists a shirt and runs its own promotion; a
customer buys two, the platform takes the payment, the merchant ships with its own
tracking number, the customer receives them and returns one; the order completes and
clears, the settlement run pays the merchant its share less the platform's commission,
and the merchant withdraws to its bank. Run: ``python examples/journey_merchant.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from no_options import takes_no_options

from merx import (
    aftersales,
    catalog,
    checkout,
    customers,
    fulfillment,
    merchants,
    orders,
    payments,
    promotions,
    settlement,
)
from merx.app import App, MemoryApp, build_memory_app
from merx.customers import Address
from merx.fulfillment.ports import TrackingStatus
from merx.kernel.ids import PLATFORM, CustomerId, MerchantId, OrderId, SkuId
from merx.kernel.money import Money
from merx.pricing import FundingShare, Scope, ThresholdOff, Tier

Say = Callable[[str], None]
SHIRT = SkuId("linen-shirt-m")


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def store_promotion(merchant: MerchantId) -> ThresholdOff:
    """The store's own full reduction: 30 off every order of 300, funded by the store."""
    return ThresholdOff(
        id=f"{merchant}-300-30",
        merchant=merchant,
        scope=Scope(merchants=(merchant,)),
        tiers=(Tier(cny("300.00"), cny("30.00")),),
        funded_by=(FundingShare(merchant, Decimal(1)),),
    )


def onboard(
    app: App,
    say: Say,
    name: str = "Linen & Co",
    categories: tuple[str, ...] = ("shirt",),
) -> MerchantId:
    shop = app.handle(merchants.ApplyMerchant(name))
    licence = f"BL-{shop}"
    app.handle(
        merchants.AddMerchantDocument(
            shop, shop, merchants.DocumentKind.BUSINESS_LICENCE, licence, date(2031, 1, 1)
        )
    )
    app.handle(merchants.SetGoodsScope(shop, shop, categories))
    app.handle(merchants.SubmitMerchantApplication(shop, shop))
    app.handle(merchants.ReviewMerchantDocument(shop, licence, accepted=True))
    app.handle(merchants.ApproveMerchant(shop, cny("2000.00")))
    terms = settlement.SettlementTerms(
        cycle=settlement.SettlementCycle(settlement.CycleKind.T_PLUS_N, 7),
        negative_policy=settlement.NegativeBalancePolicy.OFFSET_NEXT_SETTLEMENT,
        limits=settlement.WithdrawalLimits(cny("1.00"), cny("50000.00"), cny("100000.00")),
        presettle_fee_rate=Decimal("0.006"),
    )
    app.handle(settlement.OpenMerchantAccount(shop, terms))
    app.handle(settlement.PayDeposit(shop, shop, f"dep-{shop}", cny("2000.00"), "alipay"))
    app.handle(merchants.OpenStore(shop, shop, f"{name} flagship"))
    say(f"merchant {shop} reviewed, account opened, deposit 2000.00 paid, store open")
    return shop


def run_store_promotion(app: App, shop: MerchantId, say: Say) -> None:
    """The merchant runs its own campaign; the platform reviews it; it goes live."""
    campaign = app.handle(
        promotions.CreateCampaign(
            shop,
            store_promotion(shop),
            promotions.BudgetLimits(total_discount=cny("3000.00")),
        )
    )
    app.handle(promotions.SubmitCampaign(campaign, shop))
    app.handle(promotions.ApproveCampaign(campaign, PLATFORM))
    app.handle(promotions.ScheduleCampaign(campaign, shop))
    app.handle(promotions.TickCampaigns())
    status = app.get(promotions.Campaign, campaign).status.value
    say(f"the store's campaign {campaign} (30 off 300, budget 3000.00) is {status}")


def sell(app: MemoryApp, shop: MerchantId, say: Say) -> OrderId:
    app.handle(catalog.CreateSku(SHIRT, "Linen shirt M", shop, "shirt", cny("199.00")))
    ann = app.handle(customers.RegisterCustomer(CustomerId("ann"), "Ann", "13800000001"))
    app.handle(customers.AddAddress(ann, "home", Address("Ann", "1", "Hangzhou", "8 West Lake Rd")))
    app.handle(checkout.AddToCart(ann, SHIRT, 2))
    quote = app.quote(ann)
    say(f"ann's quote: {quote.total} less the store's {quote.discount} = {quote.payable}")
    placed = app.handle(orders.PlaceOrder(ann, expected_payable=quote.payable))
    app.handle(payments.PayOrder(placed.parent_id, "wechat_pay"))
    (order_id,) = placed.order_ids
    shipment = app.handle(fulfillment.ShipByMerchant(order_id, shop, "zto", "ZTO-7781"))
    app.logistics.advance("ZTO-7781", TrackingStatus.DELIVERED, app.clock.now())
    app.handle(fulfillment.SyncTracking(shipment))
    say(f"order {order_id} paid, shipped by the merchant (ZTO-7781), delivered")
    return order_id


def return_one(app: MemoryApp, shop: MerchantId, order_id: OrderId, say: Say) -> None:
    case = app.handle(aftersales.RequestReturn(order_id, ((SHIRT, 1),), "too tight"))
    app.handle(aftersales.ApproveAfterSale(case, acting=shop))  # the merchant reviews
    app.handle(aftersales.SendReturn(case, "zto", "ZTO-RET-1"))
    app.handle(aftersales.InspectReturn(case, ((SHIRT, 1),), acting=shop))
    refund = app.get(aftersales.AfterSale, case).amount
    say(f"one shirt returned and accepted by the merchant: {refund} refunded")


def exchange_one(app: MemoryApp, shop: MerchantId, order_id: OrderId, say: Say) -> None:
    """The other shirt comes back for a new one; the merchant ships it itself."""
    case = app.handle(aftersales.RequestExchange(order_id, ((SHIRT, 1),), "a loose thread"))
    app.handle(aftersales.ApproveAfterSale(case, acting=shop))
    app.handle(aftersales.SendReturn(case, "zto", "ZTO-RET-2"))
    app.handle(aftersales.InspectReturn(case, ((SHIRT, 1),), acting=shop))
    status = app.handle(aftersales.ShipReplacement(case, shop, "zto", "ZTO-EX-1"))
    say(
        f"the other shirt exchanged, the new one shipped by the merchant (ZTO-EX-1): {status.value}"
    )


def settle_and_withdraw(app: MemoryApp, shop: MerchantId, order_id: OrderId, say: Say) -> None:
    app.handle(orders.ConfirmReceipt(order_id))
    app.clock.advance(timedelta(days=7))
    with app.unit_of_work() as uow:
        before = settlement.merchant_money(uow, shop, shop, journals=app.journals)
    say(f"completed: {before.pending} pending for the merchant (T+7)")
    statement = settlement.StatementId(f"st-{shop}-1")
    app.handle(settlement.RunSettlement(shop, statement, app.clock.now().date()))
    with app.unit_of_work() as uow:
        after = settlement.merchant_money(uow, shop, shop, journals=app.journals)
    say(f"settlement run: {after.available} available to withdraw")
    outcome = app.handle(
        settlement.RequestWithdrawal(
            shop, shop, settlement.WithdrawalId(f"wd-{shop}-1"), after.available, "6222****0001"
        )
    )
    say(f"withdrawal of {after.available}: {outcome.status.value}")
    with app.unit_of_work() as uow:
        report = settlement.reconciliation_report(uow, "CNY", journals=app.journals)
    say(f"ledger reconciled: {report.ok}")


def build_app() -> MemoryApp:
    return build_memory_app()


def run(app: MemoryApp, say: Say = print) -> None:
    shop = onboard(app, say)
    run_store_promotion(app, shop, say)
    order_id = sell(app, shop, say)
    return_one(app, shop, order_id, say)
    exchange_one(app, shop, order_id, say)
    settle_and_withdraw(app, shop, order_id, say)


if __name__ == "__main__":
    takes_no_options(__doc__)
    run(build_app())
