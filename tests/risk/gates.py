"""A memory merx (risk control on) with a merchant holding money it may withdraw."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from merx import merchants, risk, settlement
from merx.app import App, MemoryApp
from merx.kernel.ids import MerchantId, OrderId
from merx.merchants import DocumentKind
from tests.risk.world import cny, risky_app

TERMS = settlement.SettlementTerms(
    cycle=settlement.SettlementCycle(settlement.CycleKind.T_PLUS_N, 0),
    negative_policy=settlement.NegativeBalancePolicy.OFFSET_NEXT_SETTLEMENT,
    limits=settlement.WithdrawalLimits(cny("1.00"), cny("50000.00"), cny("100000.00")),
    presettle_fee_rate=Decimal("0.006"),
)


def funded_merchant(app: App, sold: str = "1000.00") -> MerchantId:
    """A merchant whose completed sale of ``sold`` was settled: available to withdraw."""
    merchant = app.handle(merchants.ApplyMerchant("Shirt Shop"))
    number = f"BL-{merchant}"
    licence = DocumentKind.BUSINESS_LICENCE
    app.handle(merchants.AddMerchantDocument(merchant, merchant, licence, number, date(2030, 1, 1)))
    app.handle(merchants.SetGoodsScope(merchant, merchant, ("shirt",)))
    app.handle(merchants.SubmitMerchantApplication(merchant, merchant))
    app.handle(merchants.ReviewMerchantDocument(merchant, number, accepted=True))
    app.handle(merchants.ApproveMerchant(merchant, cny("1000.00")))
    app.handle(settlement.OpenMerchantAccount(merchant, TERMS))
    deposit = settlement.PayDeposit(merchant, merchant, f"dep-{merchant}", cny("1000.00"), "alipay")
    app.handle(deposit)
    app.handle(merchants.OpenStore(merchant, merchant, "Shirt Shop flagship"))
    line = settlement.SaleLine("A", merchant, "shirt", cny(sold), cny("0.00"), cny("0.00"))
    order = OrderId(f"o-{merchant}")
    app.handle(settlement.BookOrderPayment(order, "wechat_pay", (line,)))
    today = app.clock.now().date()
    app.handle(settlement.CompleteOrder(order, today))
    app.handle(settlement.RunSettlement(merchant, settlement.StatementId(f"st-{merchant}"), today))
    return merchant


def withdrawal_app(
    rules: tuple[risk.RiskRule, ...], *, on: bool = True
) -> tuple[MemoryApp, MerchantId]:
    app = risky_app(rules, risk_control=on)
    return app, funded_merchant(app)


def withdraw(
    app: App, merchant: MerchantId, amount: str, key: str = "w1"
) -> settlement.WithdrawalOutcome:
    return app.handle(
        settlement.RequestWithdrawal(
            merchant, merchant, settlement.WithdrawalId(key), cny(amount), "6222"
        )
    )


def balances(app: App, merchant: MerchantId) -> settlement.MerchantBalances:
    with app.new_unit_of_work() as uow:
        return settlement.merchant_money(uow, merchant, merchant, journals=app.journals)


DAY = timedelta(days=1)
