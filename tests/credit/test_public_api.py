"""The public APIs of credit, installments, schedules and funding, pinned: growing one
is a visible decision (issue 12). Each exports its commands, their results, events,
errors, read models, ports and the few functions other contexts call in-process;
everything else (handlers, serde, state-machine tables, internal values) is imported from
its module."""

from __future__ import annotations

from types import ModuleType

import pytest

import merx.credit
import merx.funding
import merx.installments
import merx.schedules

PUBLIC: dict[ModuleType, frozenset[str]] = {
    merx.credit: frozenset(
        {
            "AccountFrozen",
            "ApplicationDecision",
            "ApplyForCredit",
            "ChangeCreditLimit",
            "Consent",
            "ConsentMissing",
            "CreditAccount",
            "CreditAccountFrozen",
            "CreditAccountOpened",
            "CreditAccountUnfrozen",
            "CreditApplication",
            "CreditApplicationApproved",
            "CreditApplicationRejected",
            "CreditApplicationSubmitted",
            "CreditDeclined",
            "CreditLimitChanged",
            "CreditLimitDrawn",
            "CreditLimitRestored",
            "CreditScorer",
            "FreezeCreditAccount",
            "GrantSpecialLimit",
            "GrantTemporaryLimit",
            "Identity",
            "InstallmentOption",
            "LimitExceeded",
            "LimitPosition",
            "OverpaymentHeld",
            "OverpaymentReleased",
            "PlanId",
            "ReassessCredit",
            "RefundHeldCredit",
            "RiskAssessment",
            "RiskCheck",
            "ScoringFacts",
            "SpecialLimitGranted",
            "TemporaryLimitGranted",
            "TermNotAllowed",
            "UnfreezeCreditAccount",
            "UnknownDraw",
            "installment_options",
            "limit_position",
        }
    ),
    merx.installments: frozenset(
        {
            "ActivateInstallmentPlan",
            "Allocation",
            "BackdatedTransaction",
            "Bill",
            "BillIssued",
            "BillPaid",
            "BillRun",
            "BillState",
            "CancelInstallmentPlan",
            "Component",
            "CustomerRepayment",
            "InstallmentPlan",
            "InstallmentPlanActivated",
            "InstallmentPlanCancelled",
            "InstallmentPlanClosed",
            "InstallmentPlanOpened",
            "InstallmentPlanPaidOff",
            "InstallmentPlanRefunded",
            "InstallmentPrepaid",
            "InstallmentRepaid",
            "PayOffInstallmentPlan",
            "PaymentDueFirst",
            "PayoffQuote",
            "PayoffShortfall",
            "PenaltyAccrued",
            "PlanState",
            "PrepayInstallmentPlan",
            "PrepaymentMode",
            "PrepaymentNotAllowed",
            "PrepaymentTooLarge",
            "ProductSettings",
            "PurchaseOnInstallment",
            "RefundExceedsPrincipal",
            "RefundInstallmentOrder",
            "RefundOutcome",
            "RepayCredit",
            "RepayInstallmentPlan",
            "RunBills",
            "TransactionType",
            "activate_installment_plan",
            "cancel_installment_plan",
            "payoff_quote",
            "purchase_on_installment",
            "refund_installment_order",
        }
    ),
    merx.funding: frozenset(
        {
            "Asset",
            "AssetAlreadyFinanced",
            "AssetFunded",
            "AssetFundingFailed",
            "AssetNotFinanced",
            "AssetRepurchased",
            "AssetSentToCollection",
            "AssetSettled",
            "AssetSold",
            "AssetState",
            "AttemptOutcome",
            "ChangeInvestorQuota",
            "FinanceInstallmentOrder",
            "FundAsset",
            "Funder",
            "FunderTimeout",
            "FundingAttempt",
            "FundingChannel",
            "FundingDecision",
            "FundingResult",
            "FundingStatus",
            "FundingTimedOut",
            "InstallmentFinancing",
            "Investor",
            "InvestorQuotaChanged",
            "InvestorRegistered",
            "PLATFORM_FUNDER",
            "PackageSale",
            "QuotaExhausted",
            "RegisterInvestor",
            "RepurchaseAsset",
            "SellAssetPackage",
            "SendAssetToCollection",
            "finance_installment_order",
        }
    ),
    merx.schedules: frozenset(
        {
            "FeePayer",
            "GradePricing",
            "InstallmentTerms",
            "InvalidPlan",
            "Reschedule",
            "Schedule",
            "ScheduleMethod",
            "ScheduleRow",
            "TermOffer",
            "amortize",
            "apr_of",
            "build_schedule",
            "div_half_up",
            "due_dates",
            "price_plan",
            "schedule_from_dict",
        }
    ),
}


@pytest.mark.parametrize("context", list(PUBLIC), ids=lambda m: m.__name__)
def test_the_public_api_is_exactly_the_pinned_names(context: ModuleType) -> None:
    names: list[str] = context.__all__
    assert len(names) == len(set(names))
    assert set(names) == PUBLIC[context]
    assert all(getattr(context, name, None) is not None for name in names)
