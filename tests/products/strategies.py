"""Hypothesis strategies for the products context's aggregates (always valid ones)."""

from __future__ import annotations

import itertools

from hypothesis import strategies as st

from merx.kernel.ids import PLATFORM, MerchantId, SkuId
from merx.products import BrandId, Category, CategoryId, CategoryTree, Spu, SpuContent, SpuId
from tests.catalog.strategies import ids, labels, names, words


@st.composite
def spec_axes(draw: st.DrawFn) -> dict[str, tuple[str, ...]]:
    axis_names = draw(st.lists(words, unique=True, max_size=3))
    return {
        name: tuple(draw(st.lists(words, unique=True, min_size=1, max_size=3)))
        for name in axis_names
    }


@st.composite
def spus(draw: st.DrawFn) -> Spu:
    """Any valid SPU, some of whose combinations already have SKUs."""
    axes = draw(spec_axes())
    names_ = tuple(axes)
    combos = [
        dict(zip(names_, values, strict=True))
        for values in itertools.product(*(axes[n] for n in names_))
    ]
    taken = draw(st.lists(st.sampled_from(combos), unique_by=lambda c: tuple(c.items())))
    images = draw(st.lists(words.map(lambda w: f"https://img.example.com/{w}.jpg"), max_size=3))
    return Spu(
        id=SpuId(draw(ids)),
        title=draw(names),
        category=CategoryId(draw(ids)),
        merchant=draw(st.sampled_from([PLATFORM, MerchantId("m-shop")])),
        brand=draw(st.none() | ids.map(BrandId)),
        content=SpuContent(description=draw(st.text(max_size=40)), images=tuple(images)),
        labels=draw(labels),
        axes=axes,
        variants={SkuId(f"sku-{i}"): specs for i, specs in enumerate(taken)},
    )


@st.composite
def category_trees(draw: st.DrawFn) -> CategoryTree:
    """A tree of up to 12 categories, each under an earlier one or at the top."""
    keys = draw(st.lists(ids, unique=True, max_size=12))
    categories: dict[CategoryId, Category] = {}
    for i, key in enumerate(keys):
        parent = draw(st.none() | st.sampled_from(keys[:i])) if i else None
        category_id = CategoryId(key)
        categories[category_id] = Category(
            category_id, draw(names), CategoryId(parent) if parent else None
        )
    return CategoryTree(categories=categories)
