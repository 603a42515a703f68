"""merx.credit: credit applications and the revolving limit (the seed's Huabei / Baitiao).

Credit applications graded through the :class:`CreditScorer` port; a revolving limit
account per customer (granted, used, frozen, available; temporary and special limits;
freezes on risk events) that installment plans draw on and restore, the installment
options a customer may see, and the overpayment held on the account. Plans, repayment
and bills are :mod:`merx.installments` (which drives the account through its methods;
credit never imports it); schedules and pricing are :mod:`merx.schedules`. See
docs/credit.md.

Handlers live in :mod:`merx.credit.services` (wired by ``merx.app.register_credit``);
exported here are only the two queries other contexts call in-process
(``installment_options``, ``limit_position``).
"""

from merx.credit.errors import (
    AccountFrozen,
    ConsentMissing,
    CreditDeclined,
    LimitExceeded,
    TermNotAllowed,
    UnknownDraw,
)
from merx.credit.limits import (
    Consent,
    CreditAccount,
    CreditAccountFrozen,
    CreditAccountOpened,
    CreditAccountUnfrozen,
    CreditApplication,
    CreditApplicationApproved,
    CreditApplicationRejected,
    CreditApplicationSubmitted,
    CreditLimitChanged,
    CreditLimitDrawn,
    CreditLimitRestored,
    Identity,
    InstallmentOption,
    LimitPosition,
    OverpaymentHeld,
    OverpaymentReleased,
    PlanId,
    SealedIdentity,
    SpecialLimitGranted,
    TemporaryLimitGranted,
)
from merx.credit.ports import CreditScorer, RiskAssessment, RiskCheck, ScoringFacts
from merx.credit.services import (
    ApplicationDecision,
    ApplyForCredit,
    ChangeCreditLimit,
    FreezeCreditAccount,
    GrantSpecialLimit,
    GrantTemporaryLimit,
    ReassessCredit,
    RefundHeldCredit,
    UnfreezeCreditAccount,
    installment_options,
    limit_position,
)

__all__ = [
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
    "SealedIdentity",
    "SpecialLimitGranted",
    "TemporaryLimitGranted",
    "TermNotAllowed",
    "UnfreezeCreditAccount",
    "UnknownDraw",
    "installment_options",
    "limit_position",
]
