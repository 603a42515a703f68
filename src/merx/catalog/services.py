"""Catalog use cases."""

from __future__ import annotations

import attrs

from merx.catalog.model import GoodsType, Sku
from merx.kernel.bus import Command
from merx.kernel.ids import MerchantId, SkuId
from merx.kernel.money import Money
from merx.kernel.uow import UnitOfWork


@attrs.frozen
class CreateSku(Command[SkuId]):
    sku_id: SkuId
    title: str
    merchant: MerchantId
    category: str
    price: Money
    goods_type: GoodsType = GoodsType.PHYSICAL
    list_now: bool = True


@attrs.frozen
class DelistSku(Command[None]):
    sku_id: SkuId
    reason: str


@attrs.frozen
class ChangePrice(Command[None]):
    sku_id: SkuId
    price: Money


def create_sku(cmd: CreateSku, uow: UnitOfWork) -> SkuId:
    sku = Sku.create(
        sku_id=cmd.sku_id,
        title=cmd.title,
        merchant=cmd.merchant,
        category=cmd.category,
        price=cmd.price,
        goods_type=cmd.goods_type,
    )
    if cmd.list_now:
        sku.list()
    uow.repo(Sku).add(sku)
    uow.commit()
    return sku.id


def delist_sku(cmd: DelistSku, uow: UnitOfWork) -> None:
    sku = uow.repo(Sku).get(cmd.sku_id)
    sku.delist(cmd.reason)
    uow.repo(Sku).save(sku)
    uow.commit()


def change_price(cmd: ChangePrice, uow: UnitOfWork) -> None:
    sku = uow.repo(Sku).get(cmd.sku_id)
    sku.change_price(cmd.price)
    uow.repo(Sku).save(sku)
    uow.commit()
