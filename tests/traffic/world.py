"""A small world for traffic tests: the decisions world's users and tags, the seed's pop-up
scenario (callable by ``traffic``), an everyone scenario, positions, SKUs and campaigns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from merx import catalog, promotions
from merx.app import MemoryApp
from merx.decisions import (
    Access,
    InputField,
    Output,
    Permission,
    PublishScenario,
    SaveScenarioDraft,
    ScenarioDefinition,
    ValueType,
)
from merx.kernel.ids import PLATFORM, MerchantId, SkuId
from merx.kernel.money import Money
from merx.pricing import PercentTier, ThresholdPercent
from merx.traffic import (
    ContentKind,
    CreatePlacement,
    DefinePosition,
    PlacedContent,
    PositionKind,
    SchedulePlacement,
)
from tests.decisions import world as decisions_world

START = datetime(2026, 1, 1, tzinfo=UTC)
WEEK = timedelta(days=7)
SHOP = MerchantId("m-tea")
OTHER = MerchantId("m-other")
CALLERS = (
    Permission("homepage", {Access.API}),
    Permission("traffic", {Access.API}),
)


def app() -> MemoryApp:
    """The app with ``homepage.popup`` (new users in the north or east; loyal buyers;
    ``channel`` optional) and ``traffic.everyone`` (variant ``show`` for all) published,
    and the platform's ``popup`` (capacity 1, once a day) and ``home_banner`` (capacity 2)
    positions."""
    shop = decisions_world.app()
    channel = InputField("channel", ValueType.ENUM, False, {"app", "mini_program"})
    popup = decisions_world.popup(callers=CALLERS, inputs=(channel,))
    shop.handle(SaveScenarioDraft("homepage.popup", popup))
    shop.handle(PublishScenario("homepage.popup"))
    everyone = ScenarioDefinition(inputs=(), callers=CALLERS, strategies=(), default=Output("show"))
    shop.handle(SaveScenarioDraft("traffic.everyone", everyone))
    shop.handle(PublishScenario("traffic.everyone"))
    shop.handle(DefinePosition("popup", PositionKind.POPUP, 1, "600x800", daily_cap=1))
    shop.handle(DefinePosition("home_banner", PositionKind.BANNER, 2, "750x300"))
    return shop


def skus(shop: MemoryApp) -> None:
    """``tee`` (the platform's), ``oolong`` (``m-tea``'s), ``mug`` (``m-other``'s)."""
    shop.handle(catalog.CreateSku(SkuId("tee"), "Tee", PLATFORM, "tee", Money.of("99.00", "CNY")))
    for sku, owner in (("oolong", SHOP), ("mug", OTHER)):
        shop.handle(catalog.CreateSku(SkuId(sku), sku, owner, "tea", Money.of("30.00", "CNY")))


def campaign(shop: MemoryApp, owner: MerchantId, name: str, *, active: bool = True) -> str:
    """A 10% campaign of ``owner``, active (or left in draft)."""
    store = None if owner == PLATFORM else owner
    tiers = (PercentTier(Decimal(10), min_quantity=1),)
    ten = ThresholdPercent(id=name, tiers=tiers, merchant=store)
    made = shop.handle(promotions.CreateCampaign(owner, ten))
    if active:
        shop.handle(promotions.SubmitCampaign(made, owner))
        shop.handle(promotions.ApproveCampaign(made, PLATFORM))
        shop.handle(promotions.ScheduleCampaign(made, owner))
        shop.handle(promotions.TickCampaigns())
    return made


def place(
    shop: MemoryApp,
    placement_id: str,
    position: str = "popup",
    *,
    scenario: str | None = "homepage.popup",
    content: PlacedContent | None = None,
    variants: frozenset[str] = frozenset(),
    by: MerchantId = PLATFORM,
    starts_at: datetime = START,
    ends_at: datetime = START + WEEK,
    daily_cap: int | None = None,
    priority: int = 0,
    schedule: bool = True,
    everyone: bool = False,
) -> None:
    """Place (and schedule) a banner; ``everyone``: targeted through ``traffic.everyone``."""
    if everyone:
        scenario, variants = "traffic.everyone", frozenset({"show"})
    shop.handle(
        CreatePlacement(
            placement_id, position, by, content or PlacedContent(ContentKind.BANNER, "b-50off"),
            starts_at, ends_at, scenario, variants, daily_cap, priority,
        )
    )  # fmt: skip
    if schedule:
        shop.handle(SchedulePlacement(placement_id, by))
