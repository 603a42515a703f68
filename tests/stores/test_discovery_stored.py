"""Behaviour, recommendation and search ads on a database (a SQLite file, a PostgreSQL
schema): their documents survive a restart, a click is charged once across restarts and
refused when the marketing balance is short, and a recommendation reads what the
subscribers of paid orders and behaviour wrote."""

from __future__ import annotations

import pytest

from merx import ads, behaviour, recommendation, settlement
from merx.behaviour import BehaviourKind, TrackBehaviour
from merx.kernel.ids import CustomerId
from merx.search import SearchQuery
from tests.discovery.world import buy, cny, shop
from tests.stores.test_stored_app import Storage, open_shop

ANN = CustomerId("ann")


def test_behaviour_and_recommendations_survive_a_restart(storage: Storage) -> None:
    first = open_shop(storage)
    shop(first)
    buy(first, "ann", "tea-1", "cup-1")
    first.track(TrackBehaviour("v1", BehaviourKind.VIEW, "s1", ANN, sku_id="pot-1"))
    first.track(TrackBehaviour("q1", BehaviourKind.SEARCH, "s1", ANN, text="green tea"))
    again = open_shop(storage)
    assert (
        again.handle(TrackBehaviour("v1", BehaviourKind.VIEW, "s1", ANN, sku_id="pot-1")) is False
    )
    with again.unit_of_work() as uow:
        assert behaviour.recently_viewed(uow, ANN) == ["pot-1"]
    assert again.hot_words() == [("green tea", 1)]
    found = again.recommend("ann", recommendation.Pipeline("base"), region="sh")
    by_sku = {item.sku_id: item for item in found.items}
    assert recommendation.RecallSource.CO_PURCHASE in by_sku["cup-1"].sources
    assert by_sku["pot-1"].sources == (recommendation.RecallSource.RECENTLY_VIEWED,)


def test_an_ad_click_is_charged_once_across_restarts_and_refused_when_short(
    storage: Storage,
) -> None:
    first = open_shop(storage)
    leaf, _ = shop(first, marketing="1.00")
    first.handle(ads.CreateAdCampaign("c", leaf, ("tea-1",), ("tea",), cny("0.60"), cny("5.00")))
    page = first.search_page(SearchQuery("tea"))
    assert [(i.sku_id, i.sponsored) for i in page.ads] == [("tea-1", True)]
    assert first.handle(ads.ClickAd("k1", "c", "tea-1"))
    again = open_shop(storage)
    assert again.handle(ads.ClickAd("k1", "c", "tea-1")) is False
    with pytest.raises(settlement.InsufficientBalance):
        again.handle(ads.ClickAd("k2", "c", "tea-1"))
    with again.unit_of_work() as uow:
        money = settlement.merchant_money(uow, leaf, leaf, journals=again.journals)
    assert money.marketing == cny("0.40")
    assert again.get(ads.AdCampaign, "c").clicks == 1
    assert again.search_page(SearchQuery("tea")).ads == []
