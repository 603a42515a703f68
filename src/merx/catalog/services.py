"""Catalog use cases: one command, one thin handler ``(cmd, uow) -> result``.

Each handler loads the SKU, calls the model, saves and commits (:func:`_change_sku`); the
rules live in the model. Handlers that apply profit control take the platform's
:class:`ProfitPolicy` as a keyword-only ``policy`` (bind it with ``functools.partial`` in
the composition root).
``create_sku`` and ``change_price`` keep their walking-skeleton signatures: ``create_sku``
needs no policy (a new SKU has no purchase cost yet, so no margin can be checked) and
``change_price`` defaults to :data:`AT_COST` (never below cost) until one is bound.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

import attrs

from merx.catalog.goods import Fulfillment, GoodsType
from merx.catalog.model import Sku
from merx.catalog.placement import Placement
from merx.catalog.profit import AT_COST, ProfitPolicy
from merx.catalog.restrictions import SalesRestrictions
from merx.kernel.bus import Command
from merx.kernel.ids import MerchantId, SkuId
from merx.kernel.money import Money
from merx.kernel.uow import UnitOfWork


@attrs.frozen
class CreateSku(Command[SkuId]):
    """A standalone SKU (no SPU), listed at once unless ``list_now`` is false.

    The category is taken as given (not looked up in the products' category tree): see
    docs/catalog.md.
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
    weight_g: int | None = None
    volume_cm3: int | None = None
    origin: str | None = None


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
class SetTaxRate(Command[None]):
    """The SKU's own tax rate, ``0 <= rate < 1`` (``None``: its category's default)."""

    sku_id: SkuId
    rate: Decimal | None


@attrs.frozen
class SetSkuShipping(Command[None]):
    """One unit's weight in grams and volume in cubic centimetres, whole numbers >= 1
    (``None``: not known): freight by weight or volume is priced with them; and the
    warehouse ``origin`` the SKU ships from (``None``: none named, the seller's template
    without origin prices it). The three are set together: one left out is ``None``."""

    sku_id: SkuId
    weight_g: int | None
    volume_cm3: int | None
    origin: str | None = None


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
        weight_g=cmd.weight_g,
        volume_cm3=cmd.volume_cm3,
        origin=cmd.origin,
    )
    if cmd.list_now:
        assert sku.cost is None, "a new SKU has no purchase cost"
        sku.list(policy=_NEW_SKU_POLICY)
    uow.repo(Sku).add(sku)
    uow.commit()
    return sku.id


def _change_sku(uow: UnitOfWork, sku_id: SkuId, change: Callable[[Sku], None]) -> None:
    """Load the SKU, apply ``change`` (a model method), save and commit."""
    sku = uow.repo(Sku).get(sku_id)
    change(sku)
    uow.repo(Sku).save(sku)
    uow.commit()


def list_sku(cmd: ListSku, uow: UnitOfWork, *, policy: ProfitPolicy) -> None:
    _change_sku(
        uow, cmd.sku_id, lambda sku: sku.list(policy=policy, override_reason=cmd.override_reason)
    )


def delist_sku(cmd: DelistSku, uow: UnitOfWork) -> None:
    _change_sku(uow, cmd.sku_id, lambda sku: sku.delist(cmd.reason))


def change_price(cmd: ChangePrice, uow: UnitOfWork, *, policy: ProfitPolicy = AT_COST) -> None:
    _change_sku(
        uow,
        cmd.sku_id,
        lambda sku: sku.change_price(cmd.price, policy=policy, override_reason=cmd.override_reason),
    )


def set_purchase_cost(cmd: SetPurchaseCost, uow: UnitOfWork, *, policy: ProfitPolicy) -> None:
    _change_sku(
        uow, cmd.sku_id, lambda sku: sku.set_cost(cmd.cost, policy=policy, reference=cmd.reference)
    )


def set_sales_restrictions(cmd: SetSalesRestrictions, uow: UnitOfWork) -> None:
    _change_sku(uow, cmd.sku_id, lambda sku: sku.set_restrictions(cmd.restrictions))


def set_tax_rate(cmd: SetTaxRate, uow: UnitOfWork) -> None:
    _change_sku(uow, cmd.sku_id, lambda sku: sku.set_tax_rate(cmd.rate))


def set_sku_shipping(cmd: SetSkuShipping, uow: UnitOfWork) -> None:
    _change_sku(
        uow, cmd.sku_id, lambda sku: sku.set_shipping(cmd.weight_g, cmd.volume_cm3, cmd.origin)
    )


def set_sku_labels(cmd: SetSkuLabels, uow: UnitOfWork) -> None:
    _change_sku(uow, cmd.sku_id, lambda sku: sku.set_labels(cmd.labels))


def set_installment_eligible(cmd: SetInstallmentEligible, uow: UnitOfWork) -> None:
    _change_sku(uow, cmd.sku_id, lambda sku: sku.set_installment_eligible(cmd.eligible))


def place_sku(cmd: PlaceSku, uow: UnitOfWork) -> None:
    _change_sku(uow, cmd.sku_id, lambda sku: sku.place(cmd.placement))


def remove_placement(cmd: RemovePlacement, uow: UnitOfWork) -> None:
    _change_sku(uow, cmd.sku_id, lambda sku: sku.remove_placement(cmd.slot, cmd.starts_at))
