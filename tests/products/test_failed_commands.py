"""Check, then change, then record: a refused SPU or category command leaves no trace
(see tests/catalog/test_failed_commands.py for the SKU's and for :func:`attempt`)."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from merx.kernel.ids import SkuId
from merx.kernel.money import Money
from merx.products import CategoryId, CategoryTree, Spu, SpuContent
from merx.products.serde import structure, unstructure
from tests.catalog.test_failed_commands import Op, attempt
from tests.products.strategies import category_trees, spus


def through_products_serde(aggregate: Any) -> Any:
    return structure(unstructure(aggregate), type(aggregate))


def spu_op(spu: Spu, draw: st.DrawFn) -> Op:
    kind = draw(st.integers(0, 3))
    axes = {name: [*values, "other"] for name, values in spu.axes.items()}
    if kind == 0:
        specs = {name: draw(st.sampled_from(values)) for name, values in axes.items()}
        if draw(st.booleans()):
            specs["extra"] = "x"
        sku_id = SkuId(draw(st.sampled_from(["sku-0", "fresh-1", "fresh-2"])))
        price = Money.from_minor(draw(st.integers(0, 10**5)), "CNY")

        def new_sku() -> None:
            spu.new_sku(sku_id=sku_id, specs=specs, price=price)

        return new_sku
    if kind == 1:
        axis = draw(st.sampled_from([*spu.axes, "nope"]))
        value = draw(st.sampled_from(["", "red", *spu.axes.get(axis, ())]))
        return lambda: spu.add_spec_value(axis, value)
    if kind == 2:
        labels = draw(st.frozensets(st.sampled_from(["", "new"]), max_size=2))
        return lambda: spu.set_labels(labels)
    content = SpuContent(description=draw(st.text(max_size=5)))
    return lambda: spu.update_content(content)


@given(spus(), st.data())
def test_a_refused_spu_command_changes_nothing(spu: Spu, data: st.DataObject) -> None:
    for _ in range(data.draw(st.integers(1, 8))):
        attempt(
            spu,
            data.draw(st.composite(lambda draw: spu_op(spu, draw))()),
            through_products_serde,
        )


def tree_op(tree: CategoryTree, draw: st.DrawFn) -> Op:
    keys = [*sorted(tree.categories), "new-a", "new-b"]
    key = CategoryId(draw(st.sampled_from(keys)))
    parent_key = draw(st.none() | st.sampled_from(keys))
    parent = CategoryId(parent_key) if parent_key is not None else None
    name = draw(st.sampled_from(["", "Phones"]))
    kind = draw(st.integers(0, 2))
    if kind == 0:
        return lambda: tree.add(key, name, parent)
    if kind == 1:
        return lambda: tree.move(key, parent)
    return lambda: tree.rename(key, name)


@given(category_trees(), st.data())
def test_a_refused_category_command_changes_nothing(
    tree: CategoryTree, data: st.DataObject
) -> None:
    for _ in range(data.draw(st.integers(1, 8))):
        attempt(
            tree,
            data.draw(st.composite(lambda draw: tree_op(tree, draw))()),
            through_products_serde,
        )
