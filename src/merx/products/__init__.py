"""merx.products: the product information SKUs are made from.

The category tree, brands, and SPUs (standard product units: "Phone X", with its content,
labels and specification axes), which mint one catalog SKU per combination of spec values
(:class:`CreateSkuFromSpu`). What is sold, at what price and to whom is
:mod:`merx.catalog`. See docs/catalog.md. Everything not exported here is private; the
command handlers are in ``merx.products.services`` (for the composition root), the
converter in ``merx.products.serde``.
"""

from merx.products.category import (
    Brand,
    BrandCreated,
    BrandRenamed,
    Category,
    CategoryAdded,
    CategoryMoved,
    CategoryRenamed,
    CategoryTree,
)
from merx.products.errors import CategoryCycle, SpecCombinationTaken, UnknownCategory
from merx.products.ids import BrandId, CategoryId, SpuId
from merx.products.services import (
    AddCategory,
    AddSpecValue,
    CreateBrand,
    CreateSkuFromSpu,
    CreateSpu,
    MoveCategory,
    RenameCategory,
    SetSpuLabels,
    UpdateSpuContent,
    load_category_tree,
)
from merx.products.spu import (
    SpecValueAdded,
    Spu,
    SpuContent,
    SpuContentUpdated,
    SpuCreated,
    SpuLabelsChanged,
    SpuVariantAdded,
)

__all__ = [
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
