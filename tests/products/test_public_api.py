"""merx.products's public API, pinned: a name added or dropped is a visible decision."""

from __future__ import annotations

from merx import products

PUBLIC = [
    "AddCategory",
    "AddSpecValue",
    "Brand",
    "BrandCreated",
    "BrandId",
    "BrandRenamed",
    "Category",
    "CategoryAdded",
    "CategoryCycle",
    "CategoryId",
    "CategoryMoved",
    "CategoryRenamed",
    "CategoryTree",
    "CreateBrand",
    "CreateSkuFromSpu",
    "CreateSpu",
    "MoveCategory",
    "RenameCategory",
    "SetSpuLabels",
    "SpecCombinationTaken",
    "SpecValueAdded",
    "Spu",
    "SpuContent",
    "SpuContentUpdated",
    "SpuCreated",
    "SpuId",
    "SpuLabelsChanged",
    "SpuVariantAdded",
    "UnknownCategory",
    "UpdateSpuContent",
    "load_category_tree",
]


def test_the_public_api_is_exactly_these_names() -> None:
    assert sorted(products.__all__) == PUBLIC
    assert len(PUBLIC) <= 60
    for name in PUBLIC:
        assert getattr(products, name) is not None
