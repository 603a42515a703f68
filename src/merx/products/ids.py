"""The products context's ids (plain strings at run time, distinct types for mypy)."""

from __future__ import annotations

from typing import Final, NewType

from merx.kernel.ids import ProductId

CategoryId = NewType("CategoryId", str)
BrandId = NewType("BrandId", str)

#: An SPU's id: the kernel's ``ProductId`` under the products context's name for it.
SpuId = ProductId

#: The id of the one category tree of a merx.
CATEGORY_TREE_ID: Final = "categories"
