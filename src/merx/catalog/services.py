"""Catalog use cases: one command, one thin handler ``(cmd, uow) -> result``.

Each handler loads aggregates, calls the model, saves and commits; the rules live in the
model. Handlers that apply profit control take the platform's :class:`ProfitPolicy` as a
keyword-only ``policy`` (bind it with ``functools.partial`` in the composition root).
``create_sku`` and ``change_price`` keep their walking-skeleton signatures: ``create_sku``
needs no policy (a new SKU has no purchase cost yet, so no margin can be checked) and
``change_price`` defaults to :data:`AT_COST` (never below cost) until one is bound.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import attrs

from merx.catalog.category import Brand, CategoryTree
from merx.catalog.goods import Fulfillment, GoodsType
from merx.catalog.ids import CATEGORY_TREE_ID, BrandId, CategoryId, SpuId
from merx.catalog.model import Sku
from merx.catalog.placement import Placement
from merx.catalog.profit import AT_COST, ProfitPolicy
from merx.catalog.restrictions import SalesRestrictions
from merx.catalog.spu import Spu, SpuContent
from merx.kernel.bus import Command
from merx.kernel.ids import PLATFORM, MerchantId, SkuId
from merx.kernel.money import Money
from merx.kernel.uow import UnitOfWork, add_or_save

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


def _save_tree(uow: UnitOfWork, tree: CategoryTree) -> None:
    add_or_save(uow.repo(CategoryTree), tree)


def add_category(cmd: AddCategory, uow: UnitOfWork) -> CategoryId:
    tree = load_category_tree(uow)
    tree.add(cmd.category_id, cmd.name, cmd.parent)
    _save_tree(uow, tree)
    uow.commit()
    return cmd.category_id


def rename_category(cmd: RenameCategory, uow: UnitOfWork) -> None:
    tree = load_category_tree(uow)
    tree.rename(cmd.category_id, cmd.name)
    _save_tree(uow, tree)
    uow.commit()


def move_category(cmd: MoveCategory, uow: UnitOfWork) -> None:
    tree = load_category_tree(uow)
    tree.move(cmd.category_id, cmd.parent)
    _save_tree(uow, tree)
    uow.commit()


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


def add_spec_value(cmd: AddSpecValue, uow: UnitOfWork) -> None:
    spu = uow.repo(Spu).get(cmd.spu_id)
    spu.add_spec_value(cmd.axis, cmd.value)
    uow.repo(Spu).save(spu)
    uow.commit()


def update_spu_content(cmd: UpdateSpuContent, uow: UnitOfWork) -> None:
    spu = uow.repo(Spu).get(cmd.spu_id)
    spu.update_content(cmd.content)
    uow.repo(Spu).save(spu)
    uow.commit()


def set_spu_labels(cmd: SetSpuLabels, uow: UnitOfWork) -> None:
    spu = uow.repo(Spu).get(cmd.spu_id)
    spu.set_labels(cmd.labels)
    uow.repo(Spu).save(spu)
    uow.commit()


# -- SKUs ------------------------------------------------------------------------------


@attrs.frozen
class CreateSku(Command[SkuId]):
    """A standalone SKU (no SPU), listed at once unless ``list_now`` is false.

    The category is taken as given (not looked up in the tree): see docs/catalog.md.
    """

    sku_id: SkuId
    title: str
    merchant: MerchantId
    category: str
    price: Money
    goods_type: GoodsType = GoodsType.PHYSICAL
    list_now: bool = True
    fulfillment: Fulfillment | None = None
    face_value: Money | None = None
    operator: str | None = None
    labels: frozenset[str] = frozenset()
    installment_eligible: bool = False
    restrictions: SalesRestrictions = attrs.field(factory=SalesRestrictions)


@attrs.frozen
class CreateSkuFromSpu(Command[SkuId]):
    """The SKU of one combination of the SPU's specs, in draft (list it with ListSku
    once its purchase cost is known). The title defaults to the SPU's plus the specs."""

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


@attrs.frozen
class ListSku(Command[None]):
    """Put a SKU on sale; ``override_reason`` allows a price under the profit minimum."""

    sku_id: SkuId
    override_reason: str | None = None


@attrs.frozen
class DelistSku(Command[None]):
    sku_id: SkuId
    reason: str


@attrs.frozen
class ChangePrice(Command[None]):
    sku_id: SkuId
    price: Money
    override_reason: str | None = None


@attrs.frozen
class SetPurchaseCost(Command[None]):
    """The purchase cost from a supply contract (``reference`` names the contract)."""

    sku_id: SkuId
    cost: Money
    reference: str = ""


@attrs.frozen
class SetSalesRestrictions(Command[None]):
    sku_id: SkuId
    restrictions: SalesRestrictions


@attrs.frozen
class SetSkuLabels(Command[None]):
    sku_id: SkuId
    labels: frozenset[str]


@attrs.frozen
class SetInstallmentEligible(Command[None]):
    sku_id: SkuId
    eligible: bool


@attrs.frozen
class PlaceSku(Command[None]):
    sku_id: SkuId
    placement: Placement


@attrs.frozen
class RemovePlacement(Command[None]):
    sku_id: SkuId
    slot: str
    starts_at: datetime


#: A brand-new SKU has no purchase cost, so any policy lets it list; this one is used.
_NEW_SKU_POLICY = AT_COST


def create_sku(cmd: CreateSku, uow: UnitOfWork) -> SkuId:
    sku = Sku.create(
        sku_id=cmd.sku_id,
        title=cmd.title,
        merchant=cmd.merchant,
        category=cmd.category,
        price=cmd.price,
        goods_type=cmd.goods_type,
        fulfillment=cmd.fulfillment,
        face_value=cmd.face_value,
        operator=cmd.operator,
        labels=cmd.labels,
        installment_eligible=cmd.installment_eligible,
        restrictions=cmd.restrictions,
    )
    if cmd.list_now:
        assert sku.cost is None, "a new SKU has no purchase cost"
        sku.list(policy=_NEW_SKU_POLICY)
    uow.repo(Sku).add(sku)
    uow.commit()
    return sku.id


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
    )
    uow.repo(Sku).add(sku)
    uow.repo(Spu).save(spu)
    uow.commit()
    return sku.id


def list_sku(cmd: ListSku, uow: UnitOfWork, *, policy: ProfitPolicy) -> None:
    sku = uow.repo(Sku).get(cmd.sku_id)
    sku.list(policy=policy, override_reason=cmd.override_reason)
    uow.repo(Sku).save(sku)
    uow.commit()


def delist_sku(cmd: DelistSku, uow: UnitOfWork) -> None:
    sku = uow.repo(Sku).get(cmd.sku_id)
    sku.delist(cmd.reason)
    uow.repo(Sku).save(sku)
    uow.commit()


def change_price(cmd: ChangePrice, uow: UnitOfWork, *, policy: ProfitPolicy = AT_COST) -> None:
    sku = uow.repo(Sku).get(cmd.sku_id)
    sku.change_price(cmd.price, policy=policy, override_reason=cmd.override_reason)
    uow.repo(Sku).save(sku)
    uow.commit()


def set_purchase_cost(cmd: SetPurchaseCost, uow: UnitOfWork, *, policy: ProfitPolicy) -> None:
    sku = uow.repo(Sku).get(cmd.sku_id)
    sku.set_cost(cmd.cost, policy=policy, reference=cmd.reference)
    uow.repo(Sku).save(sku)
    uow.commit()


def set_sales_restrictions(cmd: SetSalesRestrictions, uow: UnitOfWork) -> None:
    sku = uow.repo(Sku).get(cmd.sku_id)
    sku.set_restrictions(cmd.restrictions)
    uow.repo(Sku).save(sku)
    uow.commit()


def set_sku_labels(cmd: SetSkuLabels, uow: UnitOfWork) -> None:
    sku = uow.repo(Sku).get(cmd.sku_id)
    sku.set_labels(cmd.labels)
    uow.repo(Sku).save(sku)
    uow.commit()


def set_installment_eligible(cmd: SetInstallmentEligible, uow: UnitOfWork) -> None:
    sku = uow.repo(Sku).get(cmd.sku_id)
    sku.set_installment_eligible(cmd.eligible)
    uow.repo(Sku).save(sku)
    uow.commit()


def place_sku(cmd: PlaceSku, uow: UnitOfWork) -> None:
    sku = uow.repo(Sku).get(cmd.sku_id)
    sku.place(cmd.placement)
    uow.repo(Sku).save(sku)
    uow.commit()


def remove_placement(cmd: RemovePlacement, uow: UnitOfWork) -> None:
    sku = uow.repo(Sku).get(cmd.sku_id)
    sku.remove_placement(cmd.slot, cmd.starts_at)
    uow.repo(Sku).save(sku)
    uow.commit()
