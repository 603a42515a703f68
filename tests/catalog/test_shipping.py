"""A SKU's shipping attributes: weight in grams and volume in cubic centimetres per unit,
set at creation or by :class:`~merx.catalog.SetSkuShipping`; bad values change nothing."""

from __future__ import annotations

from typing import Any

import pytest

from merx import catalog
from merx.errors import NotFound
from merx.kernel.ids import MerchantId, SkuId
from merx.kernel.money import Money
from tests.catalog.conftest import CatalogApp

BOX = SkuId("box")


def create(app: CatalogApp, **shipping: Any) -> None:
    app.handle(
        catalog.CreateSku(
            BOX, "Box", MerchantId("m-shop"), "boxes", Money.of("20.00", "CNY"), **shipping
        )
    )


def test_weight_and_volume_are_set_at_creation(app: CatalogApp) -> None:
    create(app, weight_g=1500, volume_cm3=6000)
    sku = app.get(catalog.Sku, BOX)
    assert (sku.weight_g, sku.volume_cm3) == (1500, 6000)


def test_a_sku_has_no_weight_or_volume_unless_given(app: CatalogApp) -> None:
    create(app)
    sku = app.get(catalog.Sku, BOX)
    assert (sku.weight_g, sku.volume_cm3) == (None, None)


def test_set_sku_shipping_changes_both_and_records_an_event(app: CatalogApp) -> None:
    create(app, weight_g=1500)
    app.handle(catalog.SetSkuShipping(BOX, 1200, 4000))
    sku = app.get(catalog.Sku, BOX)
    assert (sku.weight_g, sku.volume_cm3) == (1200, 4000)
    assert app.last(catalog.SkuShippingSet) == catalog.SkuShippingSet(BOX, 1200, 4000)
    app.handle(catalog.SetSkuShipping(BOX, None, 4000))  # the weight is no longer known
    assert app.get(catalog.Sku, BOX).weight_g is None


def test_setting_the_same_values_records_nothing(app: CatalogApp) -> None:
    create(app, weight_g=1500)
    app.handle(catalog.SetSkuShipping(BOX, 1500, None))
    assert "SkuShippingSet" not in app.names()


@pytest.mark.parametrize(
    ("weight", "volume", "field"),
    [
        (0, 100, "weight_g"),
        (-1, 100, "weight_g"),
        (1.5, 100, "weight_g"),
        (True, 100, "weight_g"),
        ("250", None, "weight_g"),
        (100, 0, "volume_cm3"),
        (None, -30, "volume_cm3"),
    ],
)
def test_bad_values_are_refused_and_change_nothing(
    app: CatalogApp, weight: Any, volume: Any, field: str
) -> None:
    create(app, weight_g=1500, volume_cm3=6000)
    before = app.get(catalog.Sku, BOX)
    with pytest.raises(catalog.InvalidShipping, match=field):
        app.handle(catalog.SetSkuShipping(BOX, weight, volume))
    after = app.get(catalog.Sku, BOX)
    assert (after.weight_g, after.volume_cm3, after.version) == (1500, 6000, before.version)
    assert "SkuShippingSet" not in app.names()


def test_a_bad_value_at_creation_creates_nothing(app: CatalogApp) -> None:
    with pytest.raises(catalog.InvalidShipping, match="volume_cm3"):
        create(app, weight_g=100, volume_cm3=0)
    with pytest.raises(NotFound):
        app.get(catalog.Sku, BOX)


def test_the_origin_is_set_at_creation_and_with_the_sizes(app: CatalogApp) -> None:
    create(app, weight_g=1500, origin="hangzhou")
    assert app.get(catalog.Sku, BOX).origin == "hangzhou"
    app.handle(catalog.SetSkuShipping(BOX, 1500, None, origin="chengdu"))
    assert app.last(catalog.SkuShippingSet) == catalog.SkuShippingSet(BOX, 1500, None, "chengdu")
    assert app.get(catalog.Sku, BOX).origin == "chengdu"
    app.handle(catalog.SetSkuShipping(BOX, 1500, None))  # the three are set together
    assert app.get(catalog.Sku, BOX).origin is None


@pytest.mark.parametrize("origin", ["", "  ", 7])
def test_a_bad_origin_is_refused_and_changes_nothing(app: CatalogApp, origin: Any) -> None:
    create(app, weight_g=1500, origin="hangzhou")
    before = app.get(catalog.Sku, BOX)
    with pytest.raises(catalog.InvalidShipping, match="origin"):
        app.handle(catalog.SetSkuShipping(BOX, 1500, None, origin=origin))
    with pytest.raises(catalog.InvalidShipping, match="origin"):
        create(app, origin=origin)
    after = app.get(catalog.Sku, BOX)
    assert (after.origin, after.version) == ("hangzhou", before.version)
