"""The category tree and brands: where a product sits and who makes it.

All categories live in one :class:`CategoryTree` aggregate. The rule that matters, *the
parents form a tree* (no category is its own ancestor), spans many categories at once, so
they are kept and changed together; a platform has thousands of categories, not millions,
and they change rarely. Moving a category moves its whole subtree, because a category
stores only its parent and paths are computed.
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from merx.kernel.aggregate import Aggregate
from merx.kernel.errors import AlreadyExists, ValidationError
from merx.kernel.events import DomainEvent
from merx.kernel.validation import require_text
from merx.products.errors import CategoryCycle, UnknownCategory
from merx.products.ids import CATEGORY_TREE_ID, BrandId, CategoryId


@attrs.frozen
class Category:
    """One node of the tree: ``parent`` is ``None`` for a top-level category."""

    id: CategoryId
    name: str
    parent: CategoryId | None = None

    def __attrs_post_init__(self) -> None:
        require_text(self.id, "category id")
        require_text(self.name, f"category {self.id!r} name")
        if self.parent == self.id:
            raise CategoryCycle(f"category {self.id!r} cannot be its own parent")


@attrs.frozen
class CategoryAdded(DomainEvent):
    category_id: CategoryId
    category_name: str  # not ``name``: that is every event's type name
    parent: CategoryId | None


@attrs.frozen
class CategoryRenamed(DomainEvent):
    category_id: CategoryId
    old: str
    new: str


@attrs.frozen
class CategoryMoved(DomainEvent):
    category_id: CategoryId
    old_parent: CategoryId | None
    new_parent: CategoryId | None


@attrs.define(kw_only=True)
class CategoryTree(Aggregate):
    """Every category, by id. Built empty; invariants are checked on every construction."""

    id: str = CATEGORY_TREE_ID
    categories: dict[CategoryId, Category] = attrs.field(factory=dict)

    def __attrs_post_init__(self) -> None:
        for key, category in self.categories.items():
            if key != category.id:
                raise ValidationError(f"category {category.id!r} is filed under {key!r}")
            if category.parent is not None and category.parent not in self.categories:
                raise UnknownCategory(
                    f"category {category.id!r} has unknown parent {category.parent!r}"
                )
        for key in self.categories:
            tuple(self._walk_up(key))  # raises CategoryCycle on a loop

    # -- queries -----------------------------------------------------------------------

    def __contains__(self, category_id: object) -> bool:
        return category_id in self.categories

    def __len__(self) -> int:
        return len(self.categories)

    def get(self, category_id: str) -> Category:
        try:
            return self.categories[CategoryId(category_id)]
        except KeyError:
            raise UnknownCategory(f"category {category_id!r} does not exist") from None

    def path(self, category_id: str) -> tuple[Category, ...]:
        """The categories from the top level down to ``category_id`` itself."""
        self.get(category_id)
        return tuple(reversed(tuple(self._walk_up(CategoryId(category_id)))))

    def ancestors(self, category_id: str) -> tuple[Category, ...]:
        """The categories above ``category_id``, top level first (empty at the top)."""
        return self.path(category_id)[:-1]

    def children(self, category_id: str | None = None) -> tuple[Category, ...]:
        """The direct children of ``category_id`` (the top level for ``None``), by id."""
        if category_id is not None:
            self.get(category_id)
        return tuple(
            sorted(
                (c for c in self.categories.values() if c.parent == category_id),
                key=lambda c: c.id,
            )
        )

    def is_within(self, category_id: str, ancestor_id: str) -> bool:
        """True if ``category_id`` is ``ancestor_id`` or lies anywhere below it."""
        self.get(ancestor_id)
        return any(c.id == ancestor_id for c in self.path(category_id))

    def _walk_up(self, category_id: CategoryId) -> Iterator[Category]:
        seen: set[CategoryId] = set()
        current: CategoryId | None = category_id
        while current is not None:
            if current in seen:
                raise CategoryCycle(f"category {current!r} is its own ancestor")
            seen.add(current)
            category = self.categories[current]
            yield category
            current = category.parent

    # -- commands ----------------------------------------------------------------------

    def add(self, category_id: CategoryId, name: str, parent: CategoryId | None = None) -> None:
        category = Category(category_id, name, parent)
        if category_id in self.categories:
            raise AlreadyExists(f"category {category_id!r} already exists")
        if parent is not None:
            self.get(parent)
        self.categories[category_id] = category
        self.record(CategoryAdded(category_id, name, parent))

    def rename(self, category_id: CategoryId, name: str) -> None:
        old = self.get(category_id)
        renamed = attrs.evolve(old, name=name)
        self.categories[category_id] = renamed
        self.record(CategoryRenamed(category_id, old.name, name))

    def move(self, category_id: CategoryId, parent: CategoryId | None) -> None:
        """Put ``category_id`` (and its subtree) under ``parent``; refuse a cycle."""
        old = self.get(category_id)
        if parent is not None and any(c.id == category_id for c in self.path(parent)):
            raise CategoryCycle(
                f"cannot move category {category_id!r} under {parent!r}: "
                f"{parent!r} is {category_id!r} or lies below it"
            )
        self.categories[category_id] = attrs.evolve(old, parent=parent)
        self.record(CategoryMoved(category_id, old.parent, parent))


@attrs.frozen
class BrandCreated(DomainEvent):
    brand_id: BrandId
    brand_name: str  # not ``name``: that is every event's type name


@attrs.frozen
class BrandRenamed(DomainEvent):
    brand_id: BrandId
    old: str
    new: str


@attrs.define(kw_only=True)
class Brand(Aggregate):
    """A brand products are sold under (``Apple``, ``Xiaomi``, the platform's own label)."""

    id: BrandId
    name: str

    def __attrs_post_init__(self) -> None:
        require_text(self.id, "brand id")
        require_text(self.name, f"brand {self.id!r} name")

    @classmethod
    def create(cls, *, brand_id: BrandId, name: str) -> Brand:
        brand = cls(id=brand_id, name=name)
        brand.record(BrandCreated(brand_id, name))
        return brand

    def rename(self, name: str) -> None:
        require_text(name, f"brand {self.id!r} name")
        old, self.name = self.name, name
        self.record(BrandRenamed(self.id, old, name))
