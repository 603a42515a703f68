"""merx.ads: search ads: merchants' campaigns on keywords, at most a cap of marked ads
above a search page (never a SKU off sale, restricted or out of stock), each click
charged once on the merchant's marketing balance through settlement's ledger. The
handlers are in ``merx.ads.services`` (for the composition root)."""

from merx.ads.errors import AdNotShowing, DailyBudgetSpent, InvalidAdCampaign
from merx.ads.model import (
    AdCampaign,
    AdCampaignCreated,
    AdCampaignPaused,
    AdCampaignResumed,
    AdClicked,
    AdStatus,
    PageItem,
    SearchPage,
)
from merx.ads.ports import MarketingAccount
from merx.ads.services import (
    AD_CAP,
    ClickAd,
    CreateAdCampaign,
    PauseAdCampaign,
    ResumeAdCampaign,
    sponsored_page,
)

__all__ = [
    "AD_CAP",
    "AdCampaign",
    "AdCampaignCreated",
    "AdCampaignPaused",
    "AdCampaignResumed",
    "AdClicked",
    "AdNotShowing",
    "AdStatus",
    "ClickAd",
    "CreateAdCampaign",
    "DailyBudgetSpent",
    "InvalidAdCampaign",
    "MarketingAccount",
    "PageItem",
    "PauseAdCampaign",
    "ResumeAdCampaign",
    "SearchPage",
    "sponsored_page",
]
