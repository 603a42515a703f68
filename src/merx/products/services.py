"""Products use cases: one command, one thin handler ``(cmd, uow) -> result``.

Each handler loads aggregates, calls the model, saves and commits; the rules live in the
model. :class:`CreateSkuFromSpu` is here because the SPU mints its SKUs (the new SKU is
the catalog's :class:`~merx.catalog.Sku`, stored in the same unit of work).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import attrs

from merx.catalog import Fulfillment, GoodsType, SalesRestrictions, Sku
from merx.kernel.bus import Command
from merx.kernel.ids import PLATFORM, MerchantId, SkuId
from merx.kernel.money import Money
from merx.kernel.uow import UnitOfWork, add_or_save
from merx.products.category import Brand, CategoryTree
from merx.products.ids import CATEGORY_TREE_ID, BrandId, CategoryId, SpuId
from merx.products.spu import Spu, SpuContent

# -- categories and brands -------------------------------------------------------------


@attrs.frozen
class AddCategory(Command[CategoryId]):
    category_id: CategoryId
    name: str
    parent: CategoryId | None = None


@attrs.frozen
class RenameCategory(Command[None]):
    category_id: CategoryId
    name: str


@attrs.frozen
class MoveCategory(Command[None]):
    """Put a category (and everything below it) under ``parent`` (``None``: top level)."""

    category_id: CategoryId
    parent: CategoryId | None


@attrs.frozen
class CreateBrand(Command[BrandId]):
    brand_id: BrandId
    name: str


def load_category_tree(uow: UnitOfWork) -> CategoryTree:
    """The category tree; an empty, unsaved one before the first category is added."""
    return uow.repo(CategoryTree).find(CATEGORY_TREE_ID) or CategoryTree()


def _change_tree(uow: UnitOfWork, change: Callable[[CategoryTree], None]) -> None:
    tree = load_category_tree(uow)
    change(tree)
    add_or_save(uow.repo(CategoryTree), tree)
    uow.commit()


def add_category(cmd: AddCategory, uow: UnitOfWork) -> CategoryId:
    _change_tree(uow, lambda tree: tree.add(cmd.category_id, cmd.name, cmd.parent))
    return cmd.category_id


def rename_category(cmd: RenameCategory, uow: UnitOfWork) -> None:
    _change_tree(uow, lambda tree: tree.rename(cmd.category_id, cmd.name))


def move_category(cmd: MoveCategory, uow: UnitOfWork) -> None:
    _change_tree(uow, lambda tree: tree.move(cmd.category_id, cmd.parent))


def create_brand(cmd: CreateBrand, uow: UnitOfWork) -> BrandId:
    brand = Brand.create(brand_id=cmd.brand_id, name=cmd.name)
    uow.repo(Brand).add(brand)
    uow.commit()
    return brand.id


# -- SPUs ------------------------------------------------------------------------------


@attrs.frozen
class CreateSpu(Command[SpuId]):
    """A new SPU; its category must be in the tree and its brand must exist."""

    spu_id: SpuId
    title: str
    category: CategoryId
    brand: BrandId | None = None
    merchant: MerchantId = PLATFORM
    content: SpuContent = attrs.field(factory=SpuContent)
    labels: frozenset[str] = frozenset()
    axes: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)


@attrs.frozen
class AddSpecValue(Command[None]):
    spu_id: SpuId
    axis: str
    value: str


@attrs.frozen
class UpdateSpuContent(Command[None]):
    spu_id: SpuId
    content: SpuContent


@attrs.frozen
class SetSpuLabels(Command[None]):
    spu_id: SpuId
    labels: frozenset[str]


@attrs.frozen
class CreateSkuFromSpu(Command[SkuId]):
    """The SKU of one combination of the SPU's specs, in draft (list it with
    :class:`~merx.catalog.ListSku` once its purchase cost is known). The title defaults to
    the SPU's plus the specs."""

    sku_id: SkuId
    spu_id: SpuId
    specs: Mapping[str, str]
    price: Money
    title: str | None = None
    goods_type: GoodsType = GoodsType.PHYSICAL
    fulfillment: Fulfillment | None = None
    face_value: Money | None = None
    operator: str | None = None
    labels: frozenset[str] = frozenset()
    installment_eligible: bool = False
    restrictions: SalesRestrictions = attrs.field(factory=SalesRestrictions)
    #: one unit's shipping data, as :class:`~merx.catalog.SetSkuShipping` sets it
    #: (:class:`~merx.catalog.InvalidShipping` for a bad one): created ready to ship
    weight_g: int | None = None
    volume_cm3: int | None = None
    origin: str | None = None


def create_spu(cmd: CreateSpu, uow: UnitOfWork) -> SpuId:
    load_category_tree(uow).get(cmd.category)
    if cmd.brand is not None:
        uow.repo(Brand).get(cmd.brand)
    spu = Spu.create(
        spu_id=cmd.spu_id,
        title=cmd.title,
        category=cmd.category,
        merchant=cmd.merchant,
        brand=cmd.brand,
        content=cmd.content,
        labels=cmd.labels,
        axes=cmd.axes,
    )
    uow.repo(Spu).add(spu)
    uow.commit()
    return spu.id


def _change_spu(uow: UnitOfWork, spu_id: SpuId, change: Callable[[Spu], None]) -> None:
    spu = uow.repo(Spu).get(spu_id)
    change(spu)
    uow.repo(Spu).save(spu)
    uow.commit()


def add_spec_value(cmd: AddSpecValue, uow: UnitOfWork) -> None:
    _change_spu(uow, cmd.spu_id, lambda spu: spu.add_spec_value(cmd.axis, cmd.value))


def update_spu_content(cmd: UpdateSpuContent, uow: UnitOfWork) -> None:
    _change_spu(uow, cmd.spu_id, lambda spu: spu.update_content(cmd.content))


def set_spu_labels(cmd: SetSpuLabels, uow: UnitOfWork) -> None:
    _change_spu(uow, cmd.spu_id, lambda spu: spu.set_labels(cmd.labels))


def create_sku_from_spu(cmd: CreateSkuFromSpu, uow: UnitOfWork) -> SkuId:
    spu = uow.repo(Spu).get(cmd.spu_id)
    sku = spu.new_sku(
        sku_id=cmd.sku_id,
        specs=cmd.specs,
        price=cmd.price,
        title=cmd.title,
        goods_type=cmd.goods_type,
        fulfillment=cmd.fulfillment,
        face_value=cmd.face_value,
        operator=cmd.operator,
        labels=cmd.labels,
        installment_eligible=cmd.installment_eligible,
        restrictions=cmd.restrictions,
        weight_g=cmd.weight_g,
        volume_cm3=cmd.volume_cm3,
        origin=cmd.origin,
    )
    uow.repo(Sku).add(sku)
    uow.repo(Spu).save(spu)
    uow.commit()
    return sku.id
