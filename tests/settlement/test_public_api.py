"""Settlement's public API is pinned: a name added to or dropped from ``__all__`` is a
decision this test makes visible. Handlers (but the three ``merx.clearing`` calls), leg
builders, flows, serde and the spec entry point stay in their modules."""

from __future__ import annotations

import merx.settlement

PUBLIC = {
    # commands and the one result
    "SetCommissionTable",
    "OpenMerchantAccount",
    "ChangeSettlementTerms",
    "BookOrderPayment",
    "CompleteOrder",
    "BookRefund",
    "CompensateCustomer",
    "RunSettlement",
    "PayDeposit",
    "DeductDeposit",
    "Recharge",
    "ChargeMarketing",
    "PreSettle",
    "RequestWithdrawal",
    "SyncWithdrawal",
    "SettleFinally",
    "CloseMerchant",
    "WithdrawalOutcome",
    # values commands carry, and configuration hosts pass
    "SaleLine",
    "RefundKind",
    "StatementId",
    "WithdrawalId",
    "CommissionTable",
    "SettlementTerms",
    "SettlementCycle",
    "CycleKind",
    "NegativeBalancePolicy",
    "WithdrawalLimits",
    # events
    "CommissionTableSet",
    "OrderPaymentBooked",
    "OrderCompleted",
    "RefundBooked",
    "OrderSettled",
    "ClearingAccountOpened",
    "SettlementTermsChanged",
    "StatementIssued",
    "WithdrawalRequested",
    "WithdrawalPaid",
    "WithdrawalFailed",
    "FinalSettlementPosted",
    "MerchantAccountClosed",
    # errors
    "InvalidRate",
    "InvalidSale",
    "UnknownLine",
    "RefundExceedsPaid",
    "OrderNotCompleted",
    "AlreadySettled",
    "NothingToSettle",
    "InsufficientBalance",
    "WithdrawalLimitExceeded",
    "BalancesOutstanding",
    "PayoutTimeout",
    "UnknownPayout",
    # the Payout port
    "Payout",
    # read models and queries
    "OrderClearing",
    "MerchantAccount",
    "MerchantBalances",
    "SettlementStatement",
    "Withdrawal",
    "WithdrawalState",
    "ReconciliationReport",
    "merchant_money",
    "merchant_order",
    "merchant_statement",
    "merchant_withdrawal",
    "reconciliation_report",
    # published for merx.clearing
    "book_order_payment",
    "complete_order",
    "book_refund",
}


def test_the_public_api_is_exactly_the_pinned_names() -> None:
    assert set(merx.settlement.__all__) == PUBLIC
    assert len(merx.settlement.__all__) == len(PUBLIC)
    assert all(hasattr(merx.settlement, name) for name in PUBLIC)
