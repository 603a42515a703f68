"""Hypothesis strategies for the catalog's values and SKUs (always valid ones)."""

from __future__ import annotations

import string
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from merx.catalog import (
    Fulfillment,
    GoodsType,
    Placement,
    ProfitPolicy,
    SalesRestrictions,
    Sku,
    SkuStatus,
)
from merx.kernel.ids import PLATFORM, MerchantId, ProductId, SkuId, SupplierId
from merx.kernel.money import Money
from tests.strategies import positive_money

words = st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=1, max_size=10)
names = st.text(alphabet=string.ascii_letters + " ", min_size=1, max_size=16).filter(str.strip)
ids = st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1, max_size=8)
labels = st.frozensets(words, max_size=4)
instants = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
)
margins = st.decimals(min_value=0, max_value=2, places=4, allow_nan=False, allow_infinity=False)
policies = margins.map(ProfitPolicy)


def cny_money(min_minor: int = 0, max_minor: int = 10**8) -> st.SearchStrategy[Money]:
    return st.integers(min_minor, max_minor).map(lambda units: Money.from_minor(units, "CNY"))


restrictions = st.builds(
    SalesRestrictions,
    regions=st.frozensets(words, max_size=3),
    limit_per_customer=st.none() | st.integers(1, 10),
    new_users_only=st.booleans(),
    verification_required=st.booleans(),
)


@st.composite
def placements(draw: st.DrawFn, slot: str | None = None) -> Placement:
    start = draw(instants)
    length = timedelta(minutes=draw(st.integers(1, 60 * 24 * 60)))
    return Placement(
        slot=slot if slot is not None else draw(words),
        rank=draw(st.integers(1, 50)),
        starts_at=start,
        ends_at=start + length,
    )


@st.composite
def skus(draw: st.DrawFn, currency: str = "CNY") -> Sku:
    """Any valid SKU, in any status (built straight through the constructor)."""
    merchant = draw(st.sampled_from([PLATFORM, MerchantId("m-shop")]))
    price = draw(positive_money(currency, 10**7))
    goods_type = GoodsType.PHYSICAL
    face_value: Money | None = None
    operator: str | None = None
    cost: Money | None = None
    if merchant == PLATFORM:
        goods_type = draw(st.sampled_from(GoodsType))
        cost = draw(st.none() | positive_money(currency, 10**7))
    if goods_type is GoodsType.VIRTUAL_TOPUP:
        fulfillment = Fulfillment.real_time_supplier(SupplierId(draw(ids)))
        face_value = draw(positive_money(currency, 10**6))
        operator = draw(names)
    elif merchant == PLATFORM:
        fulfillment = draw(
            st.just(Fulfillment.warehouse())
            | ids.map(lambda s: Fulfillment.consignment(SupplierId(s)))
        )
    else:
        fulfillment = Fulfillment.merchant()
    with_spu = draw(st.booleans())
    slots = draw(st.lists(words, unique=True, max_size=3))
    return Sku(
        id=SkuId(draw(ids)),
        title=draw(names),
        merchant=merchant,
        category=draw(ids),
        price=price,
        goods_type=goods_type,
        status=draw(st.sampled_from(SkuStatus)),
        spu_id=ProductId(draw(ids)) if with_spu else None,
        specs=draw(st.dictionaries(words, words, max_size=3)) if with_spu else {},
        labels=draw(labels),
        cost=cost,
        fulfillment=fulfillment,
        face_value=face_value,
        operator=operator,
        installment_eligible=draw(st.booleans()),
        restrictions=draw(restrictions),
        placements=tuple(draw(placements(slot)) for slot in slots),
        tax_rate=draw(st.none() | st.decimals(0, "0.99", places=2)),
        weight_g=draw(st.none() | st.integers(1, 10**6)),
        volume_cm3=draw(st.none() | st.integers(1, 10**7)),
        origin=draw(st.none() | st.sampled_from(["hangzhou", "chengdu"])),
    )


ZERO_MARGIN = ProfitPolicy(Decimal(0))
