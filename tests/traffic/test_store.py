"""Merchant store pages and store positions: the same components, only the merchant's own
SKUs and promotions, within the platform's caps (STORE_CAPS)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from merx.kernel.ids import PLATFORM
from merx.traffic import (
    STORE_CAPS,
    ContentKind,
    DefinePosition,
    ForeignContent,
    ForeignReference,
    NotYours,
    OverStoreCaps,
    Page,
    PlacedContent,
    Placement,
    PositionKind,
    PublishPage,
    SavePageDraft,
    Storefront,
)
from tests.traffic import world
from tests.traffic.world import OTHER, SHOP, START


def test_a_merchant_builds_its_store_page_from_its_own_goods_and_promotions() -> None:
    shop = world.app()
    world.skus(shop)
    own = world.campaign(shop, SHOP, "tea-10")
    content = {
        "components": [
            {"type": "banner", "image": "/tea.png"},
            {"type": "product_grid", "skus": ["oolong"]},
            {"type": "coupon_entrance", "campaign": own},
        ]
    }
    shop.handle(SavePageDraft("store.m-tea", SHOP, "Tea house", content))
    assert shop.handle(PublishPage("store.m-tea", SHOP)) == 1
    assert shop.get(Page, "store.m-tea").owner == SHOP


@pytest.mark.parametrize(
    ("component", "path"),
    [
        ({"type": "product_grid", "skus": ["oolong", "mug"]}, "$.components[0].skus[1]"),
        ({"type": "product", "sku": "tee"}, "$.components[0].sku"),  # the platform's
        ({"type": "coupon_entrance", "campaign": "other-10"}, "$.components[0].campaign"),
    ],
)
def test_a_store_page_refers_to_nothing_of_another_merchant(
    component: dict[str, object], path: str
) -> None:
    shop = world.app()
    world.skus(shop)
    world.campaign(shop, OTHER, "other-10")
    with pytest.raises(ForeignReference) as raised:
        shop.handle(SavePageDraft("store.m-tea", SHOP, "Tea", {"components": [component]}))
    assert raised.value.path == path
    with shop.unit_of_work() as uow:
        assert uow.repo(Page).peek("store.m-tea") is None


def test_store_positions_stay_within_the_platform_caps() -> None:
    shop = world.app()
    with pytest.raises(OverStoreCaps):
        shop.handle(DefinePosition("m-tea.popup", PositionKind.POPUP, 1, "600x800", SHOP))
    with pytest.raises(OverStoreCaps):
        shop.handle(
            DefinePosition(
                "m-tea.top", PositionKind.BANNER, STORE_CAPS.capacity + 1, "750x300", SHOP
            )
        )
    for index in range(STORE_CAPS.positions):
        shop.handle(DefinePosition(f"m-tea.slot{index}", PositionKind.SLOT, 1, "300x300", SHOP))
    with pytest.raises(OverStoreCaps):
        shop.handle(DefinePosition("m-tea.one-more", PositionKind.SLOT, 1, "300x300", SHOP))
    assert len(shop.get(Storefront, SHOP).positions) == STORE_CAPS.positions


def test_a_merchant_places_only_its_own_promotions_on_its_own_positions() -> None:
    shop = world.app()
    own = world.campaign(shop, SHOP, "tea-10")
    theirs = world.campaign(shop, OTHER, "other-10")
    shop.handle(DefinePosition("m-tea.top", PositionKind.BANNER, 2, "750x300", SHOP))
    entrance = PlacedContent(ContentKind.CAMPAIGN_ENTRANCE, own)
    with pytest.raises(ForeignContent):
        world.place(
            shop, "x", "m-tea.top", by=SHOP, everyone=True, daily_cap=1,
            content=PlacedContent(ContentKind.CAMPAIGN_ENTRANCE, theirs),
        )  # fmt: skip
    with pytest.raises(NotYours):  # the platform's pop-up
        world.place(shop, "x", "popup", by=SHOP, everyone=True, daily_cap=1, content=entrance)
    with pytest.raises(NotYours):  # the platform on a store's position
        world.place(shop, "x", "m-tea.top", everyone=True, daily_cap=1, content=entrance)
    with pytest.raises(OverStoreCaps):  # uncapped
        world.place(shop, "x", "m-tea.top", by=SHOP, everyone=True, content=entrance)
    with pytest.raises(OverStoreCaps):
        world.place(
            shop, "x", "m-tea.top", by=SHOP, everyone=True, content=entrance,
            daily_cap=STORE_CAPS.per_user_daily + 1,
        )  # fmt: skip
    with pytest.raises(OverStoreCaps):
        world.place(
            shop, "x", "m-tea.top", by=SHOP, everyone=True, daily_cap=1, content=entrance,
            ends_at=START + STORE_CAPS.longest + timedelta(seconds=1),
        )  # fmt: skip
    with shop.unit_of_work() as uow:
        assert uow.repo(Placement).peek("x") is None
    world.place(shop, "x", "m-tea.top", by=SHOP, everyone=True, daily_cap=1, content=entrance)
    view = shop.traffic_view("u-loyal", "m-tea.top", START + timedelta(hours=1))
    assert [s.placement_id for s in view.shown] == ["x"]
    assert shop.get(Placement, "x").owner == SHOP


def test_the_platform_may_place_a_merchant_campaign_on_its_own_positions() -> None:
    shop = world.app()
    theirs = world.campaign(shop, OTHER, "other-10")
    entrance = PlacedContent(ContentKind.CAMPAIGN_ENTRANCE, theirs)
    world.place(shop, "p", "home_banner", everyone=True, content=entrance)
    assert shop.get(Placement, "p").owner == PLATFORM
