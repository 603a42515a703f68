"""Search ads: campaigns, the ads of a search page, clicks charged once.

:func:`sponsored_page` puts at most ``cap`` ads above a page of organic results (see
:mod:`merx.ads.model` for when an ad shows); :class:`ClickAd` charges the click's bid once
per click id (:class:`~merx.ads.ports.MarketingAccount`: settlement and the ledger, in
the same unit of work as the campaign's spend).
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from merx.ads.errors import InvalidAdCampaign
from merx.ads.model import AdCampaign, AdKeyword, PageItem, SearchPage
from merx.ads.ports import MarketingAccount
from merx.catalog import Sku
from merx.inventory import StockItem, Warehouse, stock_key
from merx.kernel.bus import Command
from merx.kernel.clock import Clock, today
from merx.kernel.errors import IdempotencyConflict
from merx.kernel.ids import MerchantId, SkuId, WarehouseId
from merx.kernel.money import Money
from merx.kernel.uow import UnitOfWork, add_or_save, prefetch
from merx.search import SearchQuery, SearchResults, words

#: the most ads a page shows unless the caller says fewer
AD_CAP = 2


def keyword(text: str) -> str:
    """A keyword as campaigns and queries are matched on: its words, normalized."""
    return " ".join(words(text))


@attrs.frozen
class CreateAdCampaign(Command[str]):
    """A merchant's campaign: ``skus`` (its own) advertised on ``keywords`` at ``bid`` per
    click, at most ``daily_budget`` a day. Sent again with the same terms: nothing new."""

    campaign_id: str
    merchant_id: MerchantId
    skus: tuple[str, ...]
    keywords: tuple[str, ...]
    bid: Money
    daily_budget: Money


@attrs.frozen
class PauseAdCampaign(Command[None]):
    campaign_id: str


@attrs.frozen
class ResumeAdCampaign(Command[None]):
    campaign_id: str


@attrs.frozen
class ClickAd(Command[bool]):
    """A shopper clicked the ad of ``sku_id`` of ``campaign_id``: the bid is charged once
    per ``click_id`` (True; False for a click already charged)."""

    click_id: str
    campaign_id: str
    sku_id: str


def create_ad_campaign(cmd: CreateAdCampaign, uow: UnitOfWork) -> str:
    normalized = tuple(keyword(k) for k in cmd.keywords)
    if any(not k for k in normalized):
        raise InvalidAdCampaign(
            f"campaign {cmd.campaign_id!r}: keywords with words, got {cmd.keywords!r}"
        )
    campaign = AdCampaign.create(
        campaign_id=cmd.campaign_id, merchant_id=cmd.merchant_id, skus=cmd.skus,
        keywords=normalized, bid=cmd.bid, daily_budget=cmd.daily_budget,
    )  # fmt: skip
    for sku_id in campaign.skus:
        sku = uow.repo(Sku).view(sku_id)
        if sku.merchant != cmd.merchant_id:
            raise InvalidAdCampaign(f"SKU {sku_id!r} is not merchant {cmd.merchant_id!r}'s")
    known = uow.repo(AdCampaign).find(cmd.campaign_id)
    if known is not None:
        if not known.same_terms(campaign):
            raise IdempotencyConflict(f"campaign {cmd.campaign_id!r} exists with other terms")
        return known.id
    keywords = uow.repo(AdKeyword)
    prefetch(keywords, campaign.keywords)
    for word in campaign.keywords:
        posting = keywords.find(word) or AdKeyword(id=word)
        posting.add(campaign.id)
        add_or_save(keywords, posting)
    uow.repo(AdCampaign).add(campaign)
    uow.commit()
    return campaign.id


def pause_ad_campaign(cmd: PauseAdCampaign, uow: UnitOfWork) -> None:
    campaign = uow.repo(AdCampaign).get(cmd.campaign_id)
    campaign.pause()
    uow.repo(AdCampaign).save(campaign)
    uow.commit()


def resume_ad_campaign(cmd: ResumeAdCampaign, uow: UnitOfWork) -> None:
    campaign = uow.repo(AdCampaign).get(cmd.campaign_id)
    campaign.resume()
    uow.repo(AdCampaign).save(campaign)
    uow.commit()


def click_ad(cmd: ClickAd, uow: UnitOfWork, *, clock: Clock, marketing: MarketingAccount) -> bool:
    campaign = uow.repo(AdCampaign).get(cmd.campaign_id)
    if not marketing.charge(uow, campaign.merchant_id, f"ad-click/{cmd.click_id}", campaign.bid):
        return False  # charged before: a re-sent click
    campaign.click(cmd.click_id, cmd.sku_id, today(clock))  # refused: nothing committed
    uow.repo(AdCampaign).save(campaign)
    uow.commit()
    return True


def _in_stock(
    uow: UnitOfWork, sku_id: str, warehouses: Sequence[WarehouseId], region: str | None
) -> bool:
    for warehouse_id in warehouses:
        warehouse = uow.repo(Warehouse).peek(warehouse_id)
        item = uow.repo(StockItem).peek(stock_key(warehouse_id, SkuId(sku_id)))
        if (
            warehouse is not None
            and warehouse.active
            and item is not None
            and item.available > 0
            and (region is None or region in warehouse.delivery_km)
        ):
            return True
    return False


def _showable(
    uow: UnitOfWork, sku_id: str, region: str | None, warehouses: Sequence[WarehouseId]
) -> bool:
    sku = uow.repo(Sku).peek(sku_id)
    return (
        sku is not None
        and sku.on_sale
        and (region is None or sku.restrictions.sells_to(region))
        and _in_stock(uow, sku_id, warehouses, region)
    )


def sponsored_page(
    uow: UnitOfWork,
    query: SearchQuery,
    results: SearchResults,
    *,
    marketing: MarketingAccount,
    clock: Clock,
    cap: int = AD_CAP,
) -> SearchPage:
    """``results`` (a page of ``query``) with at most ``cap`` ads above it: the campaigns
    bidding on the query (as a whole or on one of its words), highest bid first (ties by
    campaign id), one SKU each (its first showable one), never the same SKU twice."""
    if isinstance(cap, bool) or not isinstance(cap, int) or not 0 <= cap <= query.page_size:
        raise InvalidAdCampaign(
            f"an ad cap is a whole number in [0, {query.page_size}], got {cap!r}"
        )
    said = keyword(query.text)
    keys = list(dict.fromkeys([said, *said.split()])) if said else []
    postings = uow.repo(AdKeyword)
    prefetch(postings, keys)
    ids = sorted({c for k in keys if (p := postings.peek(k)) is not None for c in p.campaigns})
    campaigns = uow.repo(AdCampaign)
    prefetch(campaigns, ids)
    day = today(clock)
    bidding = sorted(
        (c for i in ids if (c := campaigns.peek(i)) is not None and c.can_pay(day)),
        key=lambda c: (-c.bid.amount, c.id),
    )
    warehouses = [WarehouseId(key) for key in uow.repo(Warehouse).ids()]
    ads: list[PageItem] = []
    shown: set[str] = set()
    for campaign in bidding:
        if len(ads) >= cap:
            break
        if not marketing.covers(uow, campaign.merchant_id, campaign.bid):
            continue
        prefetch(uow.repo(Sku), campaign.skus)
        for sku_id in campaign.skus:
            if sku_id not in shown and _showable(uow, sku_id, query.region, warehouses):
                ads.append(PageItem(sku_id, 0.0, sponsored=True, campaign_id=campaign.id))
                shown.add(sku_id)
                break
    organic = [PageItem(hit.sku_id, hit.score) for hit in results.hits if hit.sku_id not in shown]
    return SearchPage((*ads, *organic), results.total, results.facets)
