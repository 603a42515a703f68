"""merx.funding: the sources of funds behind installment assets.

Investors (direct lending, trust, factoring, the platform's self-held funds) with quotas
and prices; asset routing (cheapest first, most quota next, self-held funds last); the
``Funder`` port each external investor is reached through; assets with their owner
history, repurchase by the platform, and disposal (collection, package sale). Funding
depends on :mod:`merx.installments` (it finances its plans) and :mod:`merx.credit`. See
docs/credit.md.

Handlers and the subscribers to installments' events live in :mod:`merx.funding.services`
(wired by ``merx.app.register_funding``); ``finance_installment_order`` is exported for
the cashier (:mod:`merx.payments`), which calls it in-process.
"""

from merx.funding.errors import (
    AssetAlreadyFinanced,
    AssetNotFinanced,
    FunderTimeout,
    QuotaExhausted,
)
from merx.funding.model import (
    PLATFORM_FUNDER,
    Asset,
    AssetFunded,
    AssetFundingFailed,
    AssetRepurchased,
    AssetSentToCollection,
    AssetSettled,
    AssetSold,
    AssetState,
    AttemptOutcome,
    FundingAttempt,
    FundingChannel,
    FundingTimedOut,
    Investor,
    InvestorQuotaChanged,
    InvestorRegistered,
    PackageSale,
)
from merx.funding.ports import Funder, FundingDecision, FundingStatus
from merx.funding.services import (
    ChangeInvestorQuota,
    FinanceInstallmentOrder,
    FundAsset,
    FundingResult,
    InstallmentFinancing,
    RegisterInvestor,
    RepurchaseAsset,
    SellAssetPackage,
    SendAssetToCollection,
    finance_installment_order,
)

__all__ = [
    "PLATFORM_FUNDER",
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
    "PackageSale",
    "QuotaExhausted",
    "RegisterInvestor",
    "RepurchaseAsset",
    "SellAssetPackage",
    "SendAssetToCollection",
    "finance_installment_order",
]
