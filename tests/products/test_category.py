"""The category tree: paths, moves, and no cycles ever."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx.errors import AlreadyExists, ValidationError
from merx.products import Brand, BrandId, Category, CategoryCycle, CategoryId, CategoryTree
from merx.products import UnknownCategory as Unknown
from tests.products.strategies import category_trees

DIGITAL, PHONES, SMART, CASES = (
    CategoryId("digital"),
    CategoryId("phones"),
    CategoryId("smart"),
    CategoryId("cases"),
)


@pytest.fixture
def tree() -> CategoryTree:
    tree = CategoryTree()
    tree.add(DIGITAL, "Digital")
    tree.add(PHONES, "Phones", DIGITAL)
    tree.add(SMART, "Smartphones", PHONES)
    tree.add(CASES, "Cases", DIGITAL)
    return tree


def ids(categories: tuple[Category, ...]) -> list[str]:
    return [c.id for c in categories]


def test_path_ancestors_children(tree: CategoryTree) -> None:
    assert ids(tree.path(SMART)) == ["digital", "phones", "smart"]
    assert ids(tree.ancestors(SMART)) == ["digital", "phones"]
    assert ids(tree.ancestors(DIGITAL)) == []
    assert ids(tree.children(DIGITAL)) == ["cases", "phones"]
    assert ids(tree.children()) == ["digital"]
    assert tree.is_within(SMART, DIGITAL)
    assert tree.is_within(SMART, SMART)
    assert not tree.is_within(CASES, PHONES)


def test_adding_checks_parent_and_id(tree: CategoryTree) -> None:
    with pytest.raises(Unknown, match="'nowhere'"):
        tree.add(CategoryId("x"), "X", CategoryId("nowhere"))
    with pytest.raises(AlreadyExists):
        tree.add(PHONES, "Again")
    with pytest.raises(ValidationError):
        tree.add(CategoryId("y"), "  ")
    with pytest.raises(CategoryCycle):
        tree.add(CategoryId("z"), "Z", CategoryId("z"))


def test_moving_takes_the_subtree_along(tree: CategoryTree) -> None:
    tree.move(PHONES, CASES)
    assert ids(tree.path(SMART)) == ["digital", "cases", "phones", "smart"]
    tree.move(PHONES, None)
    assert ids(tree.path(SMART)) == ["phones", "smart"]
    assert [e.name for e in tree.pull_events()][-2:] == ["CategoryMoved", "CategoryMoved"]


@pytest.mark.parametrize("target", [PHONES, SMART])
def test_a_move_that_makes_a_cycle_is_refused(tree: CategoryTree, target: CategoryId) -> None:
    before = dict(tree.categories)
    with pytest.raises(CategoryCycle, match="'phones'"):
        tree.move(PHONES, target)
    assert tree.categories == before


def test_a_stored_cycle_is_refused_when_built() -> None:
    a, b = CategoryId("a"), CategoryId("b")
    with pytest.raises(CategoryCycle):
        CategoryTree(categories={a: Category(a, "A", b), b: Category(b, "B", a)})
    with pytest.raises(Unknown):
        CategoryTree(categories={a: Category(a, "A", b)})


def test_rename(tree: CategoryTree) -> None:
    tree.rename(PHONES, "Mobile phones")
    assert tree.get(PHONES).name == "Mobile phones"
    with pytest.raises(Unknown):
        tree.rename(CategoryId("nope"), "x")


def test_brand() -> None:
    brand = Brand.create(brand_id=BrandId("acme"), name="Acme")
    brand.rename("ACME")
    assert [e.name for e in brand.pull_events()] == ["BrandCreated", "BrandRenamed"]
    with pytest.raises(ValidationError):
        Brand.create(brand_id=BrandId("b"), name="")


@given(category_trees(), st.data())
def test_any_move_keeps_a_tree_or_is_refused_for_a_cycle(
    tree: CategoryTree, data: st.DataObject
) -> None:
    if not tree.categories:
        return
    keys = sorted(tree.categories)
    moved = CategoryId(data.draw(st.sampled_from(keys)))
    target = data.draw(st.none() | st.sampled_from(keys))
    parent = CategoryId(target) if target is not None else None
    cycle = parent is not None and tree.is_within(parent, moved)
    if cycle:
        with pytest.raises(CategoryCycle):
            tree.move(moved, parent)
        return
    tree.move(moved, parent)
    CategoryTree(categories=dict(tree.categories))  # still a valid tree
    for key in keys:
        assert len(tree.path(key)) <= len(keys)
    assert tree.get(moved).parent == parent
