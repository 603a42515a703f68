"""Catalog model: sellable SKUs, their price and whether they are listed.

The walking skeleton's slice of the goods middle platform (issue 4 deepens it into
SPU/SKU, categories, brands, sales restrictions and profit control).
"""

from __future__ import annotations

import enum

import attrs

from merx.kernel.aggregate import Aggregate
from merx.kernel.errors import BusinessRuleViolation, ValidationError
from merx.kernel.events import DomainEvent
from merx.kernel.ids import MerchantId, SkuId
from merx.kernel.money import Money
from merx.kernel.state import StateMachine


class GoodsType(enum.Enum):
    """What fulfilment a SKU needs."""

    PHYSICAL = "physical"
    VIRTUAL_TOPUP = "virtual_topup"


class SkuStatus(enum.Enum):
    DRAFT = "draft"
    LISTED = "listed"
    DELISTED = "delisted"


class NotListed(BusinessRuleViolation):
    """The SKU is not on sale."""


@attrs.frozen
class SkuCreated(DomainEvent):
    sku_id: SkuId
    merchant: MerchantId
    price: Money


@attrs.frozen
class SkuListed(DomainEvent):
    sku_id: SkuId


@attrs.frozen
class SkuDelisted(DomainEvent):
    sku_id: SkuId
    reason: str


@attrs.frozen
class PriceChanged(DomainEvent):
    sku_id: SkuId
    old: Money
    new: Money


SKU_FLOW: StateMachine[SkuStatus] = StateMachine(
    "sku",
    [
        ((SkuStatus.DRAFT, SkuStatus.DELISTED), "list", SkuStatus.LISTED),
        (SkuStatus.LISTED, "delist", SkuStatus.DELISTED),
    ],
)


@attrs.define(kw_only=True)
class Sku(Aggregate):
    """A sellable stock-keeping unit: one price, one seller, one goods type."""

    id: SkuId
    title: str
    merchant: MerchantId
    category: str
    price: Money
    goods_type: GoodsType = GoodsType.PHYSICAL
    status: SkuStatus = SkuStatus.DRAFT

    @classmethod
    def create(
        cls,
        *,
        sku_id: SkuId,
        title: str,
        merchant: MerchantId,
        category: str,
        price: Money,
        goods_type: GoodsType = GoodsType.PHYSICAL,
    ) -> Sku:
        if not title.strip():
            raise ValidationError(f"SKU {sku_id!r} needs a title")
        if not price.is_positive():
            raise ValidationError(f"SKU {sku_id!r} price must be positive, got {price}")
        sku = cls(
            id=sku_id,
            title=title,
            merchant=merchant,
            category=category,
            price=price,
            goods_type=goods_type,
        )
        sku.record(SkuCreated(sku_id, merchant, price))
        return sku

    def list(self) -> None:
        SKU_FLOW.move(self, "list", SkuListed(self.id))

    def delist(self, reason: str) -> None:
        if not reason.strip():
            raise ValidationError(f"delisting SKU {self.id!r} needs a reason")
        SKU_FLOW.move(self, "delist", SkuDelisted(self.id, reason))

    def change_price(self, price: Money) -> None:
        if price.currency != self.price.currency or not price.is_positive():
            raise ValidationError(
                f"SKU {self.id!r}: new price {price} is not a positive {self.price.currency} amount"
            )
        old, self.price = self.price, price
        self.record(PriceChanged(self.id, old, price))

    def require_on_sale(self) -> None:
        if self.status is not SkuStatus.LISTED:
            raise NotListed(f"SKU {self.id!r} is {self.status.value}, not on sale")
