"""merx.installments: installment plans and what follows them.

A purchase on installment opens a plan priced and scheduled by :mod:`merx.schedules` and
draws the customer's limit (:class:`merx.credit.CreditAccount`); the plan is activated
once funded or cancelled (the limit restored); then repayment allocation, late
penalties, early payoff, partial prepayment and after-sales refunds, each restoring the
limit by the principal repaid; monthly bills over all of a customer's plans and the
month-end bill run; what a payment does not need is held on the credit account. This
context imports credit's and schedules' public APIs; neither imports it. See
docs/credit.md.

Handlers live in :mod:`merx.installments.services` (wired by
``merx.app.register_installments``); exported here are only the four that funding and
payments call in-process (``purchase_on_installment``, ``activate_installment_plan``,
``cancel_installment_plan``, ``refund_installment_order``) and the queries
``payoff_quote`` and ``open_bills``.
"""

from merx.installments.bills import Bill, BillIssued, BillPaid, BillState
from merx.installments.errors import (
    BackdatedTransaction,
    PaymentDueFirst,
    PayoffShortfall,
    PrepaymentNotAllowed,
    PrepaymentTooLarge,
    RefundExceedsPrincipal,
)
from merx.installments.plan import (
    Allocation,
    Component,
    InstallmentPlan,
    InstallmentPlanActivated,
    InstallmentPlanCancelled,
    InstallmentPlanClosed,
    InstallmentPlanOpened,
    InstallmentPlanPaidOff,
    InstallmentPlanRefunded,
    InstallmentPrepaid,
    InstallmentRepaid,
    PayoffQuote,
    PenaltyAccrued,
    PlanState,
    PrepaymentMode,
    ProductSettings,
    RefundOutcome,
    TransactionType,
)
from merx.installments.ports import BusinessCalendar, InstallmentQueries
from merx.installments.repayment import CustomerRepayment
from merx.installments.services import (
    ActivateInstallmentPlan,
    BillRun,
    CancelInstallmentPlan,
    PayOffInstallmentPlan,
    PrepayInstallmentPlan,
    PurchaseOnInstallment,
    RefundInstallmentOrder,
    RepayCredit,
    RepayInstallmentPlan,
    RunBills,
    activate_installment_plan,
    cancel_installment_plan,
    open_bills,
    payoff_quote,
    purchase_on_installment,
    refund_installment_order,
)

__all__ = [
    "ActivateInstallmentPlan",
    "Allocation",
    "BackdatedTransaction",
    "Bill",
    "BillIssued",
    "BillPaid",
    "BillRun",
    "BillState",
    "BusinessCalendar",
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
    "InstallmentQueries",
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
    "open_bills",
    "payoff_quote",
    "purchase_on_installment",
    "refund_installment_order",
]
