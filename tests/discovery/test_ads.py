"""Search ads: at most the cap per page, marked, never a SKU off sale or out of stock,
charged once per click on the merchant's marketing balance, refused when it is short."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from merx import ads, catalog, inventory, settlement
from merx.app import App, build_memory_app
from merx.errors import MerxError
from merx.kernel.ids import PLATFORM, MerchantId, SkuId
from merx.search import SearchQuery
from merx.settlement import InsufficientBalance
from tests.discovery.world import SKUS, WH, cny, shop


def campaign(app: App, seller: MerchantId, cid: str, bid: str, *skus: str) -> str:
    return app.handle(ads.CreateAdCampaign(cid, seller, skus, ("tea",), cny(bid), cny("5.00")))


def marketing(app: App, seller: MerchantId) -> str:
    with app.unit_of_work() as uow:
        return str(settlement.merchant_money(uow, seller, seller, journals=app.journals).marketing)


@pytest.fixture(scope="module")
def world() -> tuple[App, list[MerchantId]]:
    app = build_memory_app()
    sellers = shop(app)
    mine = [[s for s, (_, i, _, _) in SKUS.items() if i == k] for k in (0, 1)]
    for n in range(6):
        seller = sellers[n % 2]
        campaign(app, seller, f"c{n}", f"0.{n + 1}0", *mine[n % 2][n % 3 :])
    return app, sellers


@settings(max_examples=20, deadline=None)
@given(
    cap=st.integers(0, 5),
    page_size=st.integers(5, 8),
    text=st.sampled_from(["tea", "green tea", "cup"]),
)
def test_never_more_ads_than_the_cap_each_marked_and_shown_once(
    world: tuple[App, list[MerchantId]], cap: int, page_size: int, text: str
) -> None:
    app, _ = world
    page = app.search_page(SearchQuery(text, page_size=page_size), cap=cap)
    sponsored = page.ads
    assert len(sponsored) <= cap
    assert all(item.campaign_id is not None for item in sponsored)
    assert all(
        not item.sponsored and item.campaign_id is None for item in page.items[len(sponsored) :]
    )
    shown = [item.sku_id for item in page.items]
    assert len(shown) == len(set(shown))
    if text != "cup" and cap:
        assert sponsored  # campaigns bid on "tea"


def test_ads_go_highest_bid_first_and_never_show_a_delisted_or_out_of_stock_sku() -> None:
    app = build_memory_app()
    leaf, clay = shop(app)
    campaign(app, leaf, "cheap", "0.10", "tea-1")
    campaign(app, clay, "dear", "0.50", "pot-1", "tea-3")
    page = app.search_page(SearchQuery("tea"), cap=2)
    assert [(i.sku_id, i.campaign_id) for i in page.ads] == [("pot-1", "dear"), ("tea-1", "cheap")]
    app.handle(catalog.DelistSku(SkuId("pot-1"), "recalled"))
    page = app.search_page(SearchQuery("tea"), cap=2)
    assert [i.sku_id for i in page.ads] == ["tea-3", "tea-1"]  # the campaign's next SKU
    page = app.search_page(SearchQuery("tea", region="bj"), cap=2)
    assert page.ads == []  # nothing in stock for bj


def test_a_click_is_charged_once_and_refused_when_the_balance_is_short() -> None:
    app = build_memory_app()
    leaf, _ = shop(app, marketing="1.00")
    campaign(app, leaf, "c", "0.40", "tea-1")
    assert app.handle(ads.ClickAd("k1", "c", "tea-1"))
    assert app.handle(ads.ClickAd("k1", "c", "tea-1")) is False  # the same click again
    assert marketing(app, leaf) == "0.60 CNY"
    assert app.handle(ads.ClickAd("k2", "c", "tea-1"))
    assert marketing(app, leaf) == "0.20 CNY"
    before = app.get(ads.AdCampaign, "c")
    with pytest.raises(InsufficientBalance, match=r"0\.20"):
        app.handle(ads.ClickAd("k3", "c", "tea-1"))
    assert app.get(ads.AdCampaign, "c") == before  # nothing changed
    assert marketing(app, leaf) == "0.20 CNY"
    assert app.search_page(SearchQuery("tea")).ads == []  # the ad stops showing
    app.handle(settlement.Recharge(leaf, leaf, "rc-2", cny("1.00"), "alipay"))
    assert [i.sku_id for i in app.search_page(SearchQuery("tea")).ads] == ["tea-1"]


def test_the_daily_budget_and_pausing_stop_clicks_and_showing() -> None:
    app = build_memory_app()
    leaf, _ = shop(app)
    app.handle(ads.CreateAdCampaign("c", leaf, ("tea-1",), ("tea",), cny("2.00"), cny("4.00")))
    app.handle(ads.ClickAd("k1", "c", "tea-1"))
    app.handle(ads.ClickAd("k2", "c", "tea-1"))
    with pytest.raises(ads.DailyBudgetSpent):
        app.handle(ads.ClickAd("k3", "c", "tea-1"))
    assert app.search_page(SearchQuery("tea")).ads == []
    with pytest.raises(ads.AdNotShowing):
        app.handle(ads.ClickAd("k4", "c", "cup-2"))


def test_a_campaign_is_checked_and_created_once() -> None:
    app = build_memory_app()
    leaf, clay = shop(app)
    with pytest.raises(ads.InvalidAdCampaign, match="pot-1"):
        app.handle(ads.CreateAdCampaign("c", leaf, ("pot-1",), ("tea",), cny("1.00"), cny("5.00")))
    with pytest.raises(ads.InvalidAdCampaign, match="daily budget"):
        app.handle(ads.CreateAdCampaign("c", leaf, ("tea-1",), ("tea",), cny("1.00"), cny("0.50")))
    command = ads.CreateAdCampaign("c", leaf, ("tea-1",), ("Tea",), cny("1.00"), cny("5.00"))
    assert app.handle(command) == app.handle(command) == "c"
    assert app.get(ads.AdCampaign, "c").keywords == ("tea",)
    del clay


def test_a_merchant_without_an_account_shows_no_ad_and_its_click_is_refused() -> None:
    app = build_memory_app()
    shop(app)
    app.handle(catalog.CreateSku(SkuId("tea-9"), "White tea 白茶", PLATFORM, "tea", cny("9.00")))
    app.handle(inventory.ReceiveStock(WH, SkuId("tea-9"), 5, "po-9"))
    app.handle(ads.CreateAdCampaign("p", PLATFORM, ("tea-9",), ("tea",), cny("0.10"), cny("1.00")))
    assert app.search_page(SearchQuery("tea")).ads == []
    with pytest.raises(MerxError):
        app.handle(ads.ClickAd("k", "p", "tea-9"))
    assert app.get(ads.AdCampaign, "p").clicks == 0
