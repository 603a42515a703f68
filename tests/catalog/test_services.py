"""Products and catalog use cases through a bus and the in-memory store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from merx import catalog, products
from merx.catalog.services import change_price
from merx.errors import AlreadyExists, MerxError, NotFound
from merx.kernel.ids import PLATFORM, SkuId, SupplierId
from merx.kernel.money import Money
from merx.products import BrandId, CategoryId, SpuId
from tests.catalog.conftest import CatalogApp

PHONES, DIGITAL = CategoryId("phones"), CategoryId("digital")
ACME = BrandId("acme")
PHONE_X = SpuId("phone-x")
BLACK_128 = SkuId("x-black-128")
T0 = datetime(2026, 3, 1, tzinfo=UTC)


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


@pytest.fixture
def shop(app: CatalogApp) -> CatalogApp:
    app.handle(products.AddCategory(DIGITAL, "Digital"))
    app.handle(products.AddCategory(PHONES, "Phones", DIGITAL))
    app.handle(products.CreateBrand(ACME, "Acme"))
    app.handle(
        products.CreateSpu(
            PHONE_X,
            "Phone X",
            PHONES,
            brand=ACME,
            axes={"colour": ("black", "white"), "storage": ("128G", "256G")},
        )
    )
    app.handle(
        products.CreateSkuFromSpu(
            BLACK_128, PHONE_X, {"colour": "black", "storage": "128G"}, cny("2999.00")
        )
    )
    return app


def test_the_goods_middle_platform_flow(shop: CatalogApp) -> None:
    assert [c.id for c in shop.tree().path(PHONES)] == ["digital", "phones"]
    sku = shop.get(catalog.Sku, BLACK_128)
    assert (sku.title, sku.category, sku.status) == (
        "Phone X black 128G",
        "phones",
        catalog.SkuStatus.DRAFT,
    )
    assert shop.get(products.Spu, PHONE_X).variants == {
        BLACK_128: {"colour": "black", "storage": "128G"}
    }
    shop.handle(catalog.SetPurchaseCost(BLACK_128, cny("2900.00"), reference="po-contract-7"))
    with pytest.raises(catalog.BelowCost, match=r"3045\.00"):  # 2900 x 1.05
        shop.handle(catalog.ListSku(BLACK_128))
    shop.handle(catalog.ListSku(BLACK_128, override_reason="launch week"))
    assert shop.last(catalog.SkuListed).override_reason == "launch week"
    with pytest.raises(catalog.BelowCost):
        shop.handle(catalog.ChangePrice(BLACK_128, cny("2899.00")))
    shop.handle(catalog.ChangePrice(BLACK_128, cny("3100.00")))
    shop.handle(
        catalog.SetSalesRestrictions(BLACK_128, catalog.SalesRestrictions(limit_per_customer=2))
    )
    shop.handle(catalog.SetSkuLabels(BLACK_128, frozenset({"new"})))
    shop.handle(catalog.SetInstallmentEligible(BLACK_128, True))
    placement = catalog.Placement("home/banner", 1, T0, T0 + timedelta(days=7))
    shop.handle(catalog.PlaceSku(BLACK_128, placement))
    sku = shop.get(catalog.Sku, BLACK_128)
    assert sku.price == cny("3100.00")
    assert sku.installment_eligible
    assert catalog.arrange_slot([sku], "home/banner", T0) == [sku]
    shop.handle(catalog.RemovePlacement(BLACK_128, "home/banner", T0))
    shop.handle(catalog.DelistSku(BLACK_128, "end of life"))
    assert shop.names() == [
        "CategoryAdded",
        "CategoryAdded",
        "BrandCreated",
        "SpuCreated",
        "SkuCreated",
        "SpuVariantAdded",
        "PurchaseCostSet",
        "SkuListed",
        "PriceChanged",
        "SalesRestrictionsChanged",
        "SkuLabelsChanged",
        "InstallmentEligibilityChanged",
        "SkuPlaced",
        "PlacementRemoved",
        "SkuDelisted",
    ]


def test_spu_changes(shop: CatalogApp) -> None:
    shop.handle(products.AddSpecValue(PHONE_X, "colour", "blue"))
    content = products.SpuContent("Fast.", ("https://img.example.com/x.png",))
    shop.handle(products.UpdateSpuContent(PHONE_X, content))
    shop.handle(products.SetSpuLabels(PHONE_X, frozenset({"5g"})))
    spu = shop.get(products.Spu, PHONE_X)
    assert spu.axes["colour"] == ("black", "white", "blue")
    assert (spu.content, spu.labels) == (content, frozenset({"5g"}))


def test_category_changes(shop: CatalogApp) -> None:
    shop.handle(products.AddCategory(CategoryId("home"), "Home"))
    shop.handle(products.MoveCategory(PHONES, CategoryId("home")))
    shop.handle(products.RenameCategory(PHONES, "Mobiles"))
    with pytest.raises(products.CategoryCycle):
        shop.handle(products.MoveCategory(CategoryId("home"), PHONES))
    tree = shop.tree()
    assert [c.name for c in tree.path(PHONES)] == ["Home", "Mobiles"]


def test_an_spu_needs_a_known_category_and_brand(shop: CatalogApp) -> None:
    with pytest.raises(products.UnknownCategory):
        shop.handle(products.CreateSpu(SpuId("p"), "P", CategoryId("nowhere")))
    with pytest.raises(NotFound, match="'nobrand'"):
        shop.handle(products.CreateSpu(SpuId("p"), "P", PHONES, brand=BrandId("nobrand")))
    with pytest.raises(AlreadyExists):
        shop.handle(products.CreateSpu(PHONE_X, "Again", PHONES))


def test_a_taken_combination_changes_nothing(shop: CatalogApp) -> None:
    before = shop.get(products.Spu, PHONE_X)
    with pytest.raises(products.SpecCombinationTaken):
        shop.handle(
            products.CreateSkuFromSpu(
                SkuId("dup"), PHONE_X, {"colour": "black", "storage": "128G"}, cny("1.00")
            )
        )
    with pytest.raises(NotFound):
        shop.get(catalog.Sku, "dup")
    assert shop.get(products.Spu, PHONE_X).variants == before.variants


def test_a_sku_of_an_spu_is_created_ready_to_ship(shop: CatalogApp) -> None:
    white = SkuId("x-white-128")
    shop.handle(
        products.CreateSkuFromSpu(
            white,
            PHONE_X,
            {"colour": "white", "storage": "128G"},
            cny("2999.00"),
            weight_g=210,
            volume_cm3=480,
            origin="shenzhen",
        )
    )
    sku = shop.get(catalog.Sku, white)
    assert (sku.weight_g, sku.volume_cm3, sku.origin) == (210, 480, "shenzhen")


@pytest.mark.parametrize(
    ("shipping", "field"),
    [
        ({"weight_g": 0}, "weight_g"),
        ({"weight_g": 1.5}, "weight_g"),
        ({"volume_cm3": -1}, "volume_cm3"),
        ({"weight_g": True}, "weight_g"),
        ({"origin": " "}, "origin"),
    ],
)
def test_a_bad_size_from_an_spu_creates_nothing(
    shop: CatalogApp, shipping: dict[str, object], field: str
) -> None:
    before = shop.get(products.Spu, PHONE_X)
    with pytest.raises(catalog.InvalidShipping, match=field):
        shop.handle(
            products.CreateSkuFromSpu(
                SkuId("x-white-256"),
                PHONE_X,
                {"colour": "white", "storage": "256G"},
                cny("3299.00"),
                **shipping,  # type: ignore[arg-type]
            )
        )
    with pytest.raises(NotFound):
        shop.get(catalog.Sku, "x-white-256")
    after = shop.get(products.Spu, PHONE_X)
    assert (after.variants, after.version) == (before.variants, before.version)


def test_a_virtual_topup_sku(app: CatalogApp) -> None:
    sku_id = app.handle(
        catalog.CreateSku(
            SkuId("cm-100"),
            "China Mobile 100",
            PLATFORM,
            "topup",
            cny("98.50"),
            goods_type=catalog.GoodsType.VIRTUAL_TOPUP,
            fulfillment=catalog.Fulfillment.real_time_supplier(SupplierId("telco")),
            face_value=cny("100.00"),
            operator="China Mobile",
        )
    )
    sku = app.get(catalog.Sku, sku_id)
    assert sku.on_sale
    assert not sku.tracks_stock
    with pytest.raises(MerxError):
        app.handle(
            catalog.CreateSku(
                SkuId("bad"),
                "No face value",
                PLATFORM,
                "topup",
                cny("1.00"),
                goods_type=catalog.GoodsType.VIRTUAL_TOPUP,
            )
        )


def test_a_cost_that_breaches_the_margin_is_flagged(app: CatalogApp) -> None:
    app.handle(catalog.CreateSku(SkuId("s"), "S", PLATFORM, "c", cny("10.00")))
    app.handle(catalog.SetPurchaseCost(SkuId("s"), cny("9.90")))
    assert app.last(catalog.MarginBreached) == catalog.MarginBreached(
        SkuId("s"), cny("10.00"), cny("10.40")
    )
    assert app.get(catalog.Sku, "s").on_sale


def test_change_price_without_a_bound_policy_still_refuses_below_cost(app: CatalogApp) -> None:
    """The walking-skeleton registration (no partial) uses AT_COST."""
    from merx.adapters.memory import MemoryUnitOfWork

    app.handle(catalog.CreateSku(SkuId("s"), "S", PLATFORM, "c", cny("10.00")))
    app.handle(catalog.SetPurchaseCost(SkuId("s"), cny("9.00")))
    with MemoryUnitOfWork(app.store) as uow, pytest.raises(catalog.BelowCost):
        change_price(catalog.ChangePrice(SkuId("s"), cny("8.99")), uow)
    with MemoryUnitOfWork(app.store) as uow:
        change_price(catalog.ChangePrice(SkuId("s"), cny("9.00")), uow)
    assert catalog.AT_COST.min_margin == Decimal(0)
    assert app.get(catalog.Sku, "s").price == cny("9.00")
