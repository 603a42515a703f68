"""The app's search index follows the catalog, and ``app.search`` never shows a SKU the
store says is not on sale: through the public API on the memory app and a SQLite file."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from merx import catalog, inventory, products
from merx.adapters.memory.search import MemorySearchIndex
from merx.app import App, build_memory_app, build_sqlite_app
from merx.kernel.ids import PLATFORM, SkuId, WarehouseId
from merx.kernel.money import Money
from merx.products import BrandId, CategoryId, SpuId
from merx.search import PriceRange, ReindexSearch, SearchDocument, SearchQuery


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def shop(app: App) -> App:
    app.handle(
        catalog.CreateSku(SkuId("mate"), "华为 Mate 60 手机", PLATFORM, "phone", cny("5999.00"))
    )
    app.handle(
        catalog.CreateSku(SkuId("tee"), "Cotton T-shirt 纯棉T恤", PLATFORM, "tshirt", cny("79.00"))
    )
    app.handle(inventory.OpenWarehouse(WarehouseId("sh-dc"), "SH", "-", {"sh": 1, "hz": 2}))
    app.handle(inventory.ReceiveStock(WarehouseId("sh-dc"), SkuId("mate"), 5, "po-1"))
    return app


def found(app: App, text: str = "", **filters: object) -> list[str]:
    return app.search(SearchQuery(text, page_size=100, **filters)).sku_ids  # type: ignore[arg-type]


def test_a_listed_sku_is_found_with_its_stock_regions_and_a_delisted_one_is_not() -> None:
    app = shop(build_memory_app())
    assert found(app, "华为手机") == ["mate"]
    assert found(app, "t-shirt") == ["tee"]
    assert found(app, region="hz", in_stock=True) == ["mate"]  # the tee has no stock
    app.handle(catalog.DelistSku(SkuId("mate"), "recalled"))
    assert found(app, "华为手机") == []
    assert app.search_index.get("mate") is None
    app.handle(catalog.ListSku(SkuId("mate")))
    assert found(app, "华为手机") == ["mate"]


def test_prices_restrictions_and_stock_arriving_reach_the_index() -> None:
    app = shop(build_memory_app())
    app.handle(catalog.ChangePrice(SkuId("tee"), cny("59.00")))
    assert found(app, price=PriceRange(high=cny("60.00"))) == ["tee"]
    app.handle(
        catalog.SetSalesRestrictions(
            SkuId("mate"), catalog.SalesRestrictions(regions=frozenset({"bj"}))
        )
    )
    assert found(app, "手机", region="sh") == []
    assert found(app, "手机", region="bj") == ["mate"]
    app.handle(inventory.ReceiveStock(WarehouseId("sh-dc"), SkuId("tee"), 3, "po-2"))
    assert found(app, "t-shirt", region="sh", in_stock=True) == ["tee"]


def test_a_brand_comes_from_the_skus_product() -> None:
    app = build_memory_app()
    app.handle(products.AddCategory(CategoryId("phones"), "Phones"))
    app.handle(products.CreateBrand(BrandId("acme"), "Acme"))
    phone_x = products.CreateSpu(
        SpuId("x"),
        "Phone X",
        CategoryId("phones"),
        brand=BrandId("acme"),
        axes={"colour": ("black",)},
    )
    app.handle(phone_x)
    app.handle(
        products.CreateSkuFromSpu(SkuId("x-b"), SpuId("x"), {"colour": "black"}, cny("999.00"))
    )
    app.handle(catalog.ListSku(SkuId("x-b")))
    assert found(app, "acme") == ["x-b"]
    assert app.search(SearchQuery(brand="Acme")).facets["brand"] == {"Acme": 1}


def test_a_stale_index_never_shows_a_sku_the_store_has_delisted() -> None:
    app = shop(build_memory_app())
    mate = app.search_index.get("mate")
    assert mate is not None
    app.handle(catalog.DelistSku(SkuId("mate"), "recalled"))
    app.search_index.put(mate)  # as if the delisting had not reached the index yet
    assert found(app, "手机") == []
    assert app.search_index.get("mate") is None  # taken out on the way
    assert app.search(SearchQuery("手机")).total == 0


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c", "d"]), st.booleans()), max_size=12),
       st.sets(st.sampled_from(["a", "b", "c", "d"])))  # fmt: skip
def test_search_shows_exactly_the_skus_on_sale_however_stale_the_index(
    steps: list[tuple[str, bool]], stale: set[str]
) -> None:
    app = build_memory_app()
    for sku in "abcd":
        app.handle(catalog.CreateSku(SkuId(sku), f"Widget {sku}", PLATFORM, "widget", cny("10.00")))
    on_sale = set("abcd")
    for sku, listed in steps:
        if listed and sku not in on_sale:
            app.handle(catalog.ListSku(SkuId(sku)))
            on_sale.add(sku)
        elif not listed and sku in on_sale:
            app.handle(catalog.DelistSku(SkuId(sku), "test"))
            on_sale.discard(sku)
    for sku in stale:  # the index missed the last events of these
        app.search_index.put(
            SearchDocument(sku, f"Widget {sku}", "widget", PLATFORM, cny("10.00"), app.clock.now())
        )
    page = app.search(SearchQuery("widget", page_size=2))
    assert set(page.sku_ids) <= on_sale
    assert len(page.sku_ids) == min(2, len(on_sale))
    assert set(found(app, "widget")) == on_sale


def test_reindexing_rebuilds_the_index_from_the_store() -> None:
    index = MemorySearchIndex()
    app = shop(build_memory_app(search_index=index))
    for sku in ("mate", "tee"):
        index.remove(sku)
    assert found(app) == []
    assert app.handle(ReindexSearch()) == 2
    assert sorted(found(app)) == ["mate", "tee"]


def test_a_sqlite_shop_keeps_its_index_across_a_restart_and_rebuilds_a_lost_one(
    tmp_path: Path,
) -> None:
    path = tmp_path / "shop.db"
    app = build_sqlite_app(path)
    shop(app)
    assert found(app, "华为手机") == ["mate"]
    app.close()
    again = build_sqlite_app(path)
    assert found(again, "华为手机") == ["mate"]
    again.close()
    Path(f"{path}.search").unlink()
    rebuilt = build_sqlite_app(path)
    assert sorted(found(rebuilt)) == ["mate", "tee"]
    rebuilt.close()
