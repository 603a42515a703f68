"""Search ads (the seed's 搜索结果广告): sponsored slots merchants buy on keywords.

An :class:`AdCampaign` advertises some of its merchant's SKUs on keywords, at a bid per
click and a daily budget. A search shows at most ``cap`` ads on a page, marked
(``sponsored=True``), above the organic hits; an ad shows only when its campaign is
active, its daily budget can pay one more click, the merchant's marketing balance covers
the bid, and its SKU is on sale, sold to the shopper's region and in stock there (each
checked at query time). A click is charged once (by click id) on the merchant's
marketing balance through settlement and the ledger, and refused when the balance is
short. :class:`AdKeyword` documents (one per keyword: the campaigns bidding on it) let a
query find its campaigns without a scan.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from datetime import date, timedelta

import attrs

from merx.ads.errors import AdNotShowing, DailyBudgetSpent, InvalidAdCampaign
from merx.kernel.aggregate import Aggregate, flat_field
from merx.kernel.events import DomainEvent
from merx.kernel.ids import MerchantId
from merx.kernel.money import Money

#: days of spend a campaign keeps (today's is what the budget checks)
SPEND_DAYS_KEPT = 7


class AdStatus(enum.Enum):
    ACTIVE = "active"
    PAUSED = "paused"


@attrs.frozen
class AdCampaignCreated(DomainEvent):
    campaign_id: str
    merchant_id: MerchantId


@attrs.frozen
class AdClicked(DomainEvent):
    """A shopper clicked an ad: its bid was charged to the merchant's marketing balance."""

    campaign_id: str
    merchant_id: MerchantId
    click_id: str
    sku_id: str
    charged: Money


@attrs.frozen
class AdCampaignPaused(DomainEvent):
    campaign_id: str


@attrs.frozen
class AdCampaignResumed(DomainEvent):
    campaign_id: str


@attrs.define(kw_only=True)
class AdCampaign(Aggregate):
    id: str
    merchant_id: MerchantId
    skus: tuple[str, ...]
    keywords: tuple[str, ...]
    bid: Money
    daily_budget: Money
    status: AdStatus = AdStatus.ACTIVE
    spent_minor: dict[str, int] = flat_field(dict)  # ISO day -> minor units spent
    clicks: int = 0

    @classmethod
    def create(
        cls,
        *,
        campaign_id: str,
        merchant_id: MerchantId,
        skus: Sequence[str],
        keywords: Sequence[str],
        bid: Money,
        daily_budget: Money,
    ) -> AdCampaign:
        if not campaign_id.strip():
            raise InvalidAdCampaign("an ad campaign needs an id")
        if not skus or any(not s.strip() for s in skus):
            raise InvalidAdCampaign(f"campaign {campaign_id!r} advertises SKUs, got {skus!r}")
        if not keywords or any(not k.strip() for k in keywords):
            raise InvalidAdCampaign(f"campaign {campaign_id!r} bids on keywords, got {keywords!r}")
        if not bid.is_positive():
            raise InvalidAdCampaign(f"campaign {campaign_id!r}: a bid above zero, got {bid}")
        if daily_budget.currency != bid.currency or daily_budget < bid:
            raise InvalidAdCampaign(
                f"campaign {campaign_id!r}: a daily budget of at least one bid ({bid}) in "
                f"its currency, got {daily_budget}"
            )
        campaign = cls(
            id=campaign_id, merchant_id=merchant_id, skus=tuple(dict.fromkeys(skus)),
            keywords=tuple(dict.fromkeys(keywords)), bid=bid, daily_budget=daily_budget,
        )  # fmt: skip
        campaign.record(AdCampaignCreated(campaign_id, merchant_id))
        return campaign

    def same_terms(self, other: AdCampaign) -> bool:
        fields = ("merchant_id", "skus", "keywords", "bid", "daily_budget")
        return all(getattr(self, f) == getattr(other, f) for f in fields)

    def spent_on(self, day: date) -> Money:
        return Money.from_minor(self.spent_minor.get(day.isoformat(), 0), self.bid.currency)

    def can_pay(self, day: date) -> bool:
        """Active, and today's budget pays one more click."""
        return self.status is AdStatus.ACTIVE and self.spent_on(day) + self.bid <= self.daily_budget

    def click(self, click_id: str, sku_id: str, day: date) -> None:
        """A click on ``sku_id``'s ad: counted on ``day``'s spend (the charge is the
        caller's, in the same unit of work)."""
        if self.status is not AdStatus.ACTIVE:
            raise AdNotShowing(f"campaign {self.id!r} is {self.status.value}")
        if sku_id not in self.skus:
            raise AdNotShowing(f"campaign {self.id!r} does not advertise SKU {sku_id!r}")
        if not self.can_pay(day):
            raise DailyBudgetSpent(
                f"campaign {self.id!r} spent {self.spent_on(day)} of {self.daily_budget} on {day}"
            )
        key = day.isoformat()
        self.spent_minor[key] = self.spent_minor.get(key, 0) + self.bid.minor
        oldest = (day - timedelta(days=SPEND_DAYS_KEPT - 1)).isoformat()
        for old in [k for k in self.spent_minor if k < oldest]:
            del self.spent_minor[old]
        self.clicks += 1
        self.record(AdClicked(self.id, self.merchant_id, click_id, sku_id, self.bid))

    def pause(self) -> None:
        if self.status is AdStatus.ACTIVE:
            self.status = AdStatus.PAUSED
            self.record(AdCampaignPaused(self.id))

    def resume(self) -> None:
        if self.status is AdStatus.PAUSED:
            self.status = AdStatus.ACTIVE
            self.record(AdCampaignResumed(self.id))


@attrs.define(kw_only=True)
class AdKeyword(Aggregate):
    """The campaigns bidding on one keyword (its id, normalized)."""

    id: str
    campaigns: list[str] = flat_field(list)

    def add(self, campaign_id: str) -> None:
        if campaign_id not in self.campaigns:
            self.campaigns.append(campaign_id)


@attrs.frozen
class PageItem:
    """One item of a search page: an organic hit, or an ad (``sponsored``, with its
    ``campaign_id``: what the host sends back in :class:`~merx.ads.ClickAd`)."""

    sku_id: str
    score: float  # float-ok: a ranking weight
    sponsored: bool = False
    campaign_id: str | None = None


@attrs.frozen
class SearchPage:
    """A page of search results with its ads: ``items`` (ads first, at most the cap;
    an ad's SKU is not shown again organically on the page), ``total`` organic hits over
    all pages and the facet counts (organic only)."""

    items: tuple[PageItem, ...]
    total: int
    facets: Mapping[str, Mapping[str, int]]

    @property
    def ads(self) -> list[PageItem]:
        return [item for item in self.items if item.sponsored]
