"""SKUs: goods types, fulfillment modes, life cycle, labels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from merx.catalog import (
    Fulfillment,
    FulfillmentMode,
    GoodsType,
    NotListed,
    Sku,
    SkuStatus,
)
from merx.catalog.model import SKU_FLOW
from merx.errors import CurrencyMismatch, IllegalTransition, ValidationError
from merx.kernel.ids import PLATFORM, MerchantId, SkuId, SupplierId
from merx.kernel.money import Money
from tests.catalog.strategies import ZERO_MARGIN

SHOP = MerchantId("m-shop")
TELCO = SupplierId("telco-api")


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def make(**overrides: Any) -> Sku:
    fields: dict[str, Any] = {
        "sku_id": SkuId("s1"),
        "title": "Phone X",
        "merchant": PLATFORM,
        "category": "phones",
        "price": cny("2999.00"),
    }
    fields.update(overrides)
    return Sku.create(**fields)


def topup(**overrides: Any) -> Sku:
    fields: dict[str, Any] = {
        "title": "China Mobile 100",
        "price": cny("98.50"),
        "goods_type": GoodsType.VIRTUAL_TOPUP,
        "face_value": cny("100.00"),
        "operator": "China Mobile",
        "fulfillment": Fulfillment.real_time_supplier(TELCO),
    }
    fields.update(overrides)
    return make(**fields)


def test_a_plain_sku_keeps_the_walking_skeleton_shape() -> None:
    sku = make()
    assert sku.status is SkuStatus.DRAFT
    assert sku.fulfillment == Fulfillment.warehouse()
    assert (sku.spu_id, dict(sku.specs), sku.labels, sku.cost) == (None, {}, frozenset(), None)
    assert not sku.installment_eligible
    assert sku.restrictions.unrestricted
    assert sku.tracks_stock
    assert [e.name for e in sku.pull_events()] == ["SkuCreated"]


def test_default_fulfillment_follows_the_seller() -> None:
    assert make(merchant=SHOP).fulfillment.mode is FulfillmentMode.MERCHANT
    assert (
        make(fulfillment=Fulfillment.consignment(SupplierId("acme"))).fulfillment.supplier == "acme"
    )


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"merchant": SHOP, "fulfillment": Fulfillment.warehouse()}, "must be merchant-fulfilled"),
        ({"fulfillment": Fulfillment.merchant()}, "no merchant ships it"),
        ({"fulfillment": Fulfillment.real_time_supplier(TELCO)}, "cannot be bought at fulfil"),
        ({"face_value": Money.of("1.00", "CNY")}, "takes no face value"),
        ({"operator": "China Mobile"}, "takes no face value or operator"),
        ({"title": " "}, "needs a title"),
        ({"price": cny("0")}, "must be positive"),
    ],
)
def test_physical_goods_rules(overrides: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        make(**overrides)


def test_fulfillment_supplier_rules() -> None:
    with pytest.raises(ValidationError, match="needs a supplier"):
        Fulfillment(FulfillmentMode.CONSIGNMENT)
    with pytest.raises(ValidationError, match="takes no supplier"):
        Fulfillment(FulfillmentMode.WAREHOUSE, SupplierId("x"))


def test_a_topup_needs_an_account_not_an_address_and_no_stock() -> None:
    sku = topup()
    assert sku.goods_type.requires_account
    assert not sku.goods_type.requires_address
    assert not sku.tracks_stock
    assert GoodsType.PHYSICAL.requires_address
    assert not GoodsType.PHYSICAL.requires_account


@pytest.mark.parametrize(
    ("overrides", "error", "fragment"),
    [
        ({"face_value": None}, ValidationError, "positive face value"),
        ({"face_value": cny("0")}, ValidationError, "positive face value"),
        ({"face_value": Money.of(100, "USD")}, CurrencyMismatch, "not in CNY"),
        ({"operator": None}, ValidationError, "needs an operator"),
        ({"operator": "  "}, ValidationError, "needs an operator"),
        ({"fulfillment": Fulfillment.warehouse()}, ValidationError, "real_time_supplier"),
        ({"merchant": SHOP, "fulfillment": None}, ValidationError, "real_time_supplier"),
    ],
)
def test_a_topup_needs_face_value_operator_and_a_real_time_supplier(
    overrides: dict[str, Any], error: type[Exception], fragment: str
) -> None:
    with pytest.raises(error, match=fragment):
        topup(**overrides)


def test_life_cycle_follows_the_table() -> None:
    sku = make()
    with pytest.raises(NotListed, match="draft"):
        sku.require_on_sale()
    with pytest.raises(IllegalTransition, match="delist"):
        sku.delist("gone")
    sku.list(policy=ZERO_MARGIN)
    sku.require_on_sale()
    with pytest.raises(IllegalTransition, match="'list' in state 'listed'"):
        sku.list(policy=ZERO_MARGIN)
    with pytest.raises(ValidationError, match="reason"):
        sku.delist(" ")
    sku.delist("recalled")
    sku.list(policy=ZERO_MARGIN)
    assert [e.name for e in sku.pull_events()] == [
        "SkuCreated",
        "SkuListed",
        "SkuDelisted",
        "SkuListed",
    ]
    assert "stateDiagram-v2" in SKU_FLOW.to_mermaid()


def test_labels_and_installments_record_only_changes() -> None:
    sku = make(labels={"new"})
    sku.pull_events()
    sku.set_labels({"new"})
    sku.set_labels({"new", "hot"})
    sku.set_installment_eligible(True)
    sku.set_installment_eligible(True)
    assert sku.labels == {"new", "hot"}
    assert [e.name for e in sku.pull_events()] == [
        "SkuLabelsChanged",
        "InstallmentEligibilityChanged",
    ]
    with pytest.raises(ValidationError):
        sku.set_labels({""})
    with pytest.raises(ValidationError):
        sku.set_labels("hot")


def test_price_change_keeps_currency_and_positivity() -> None:
    sku = make()
    with pytest.raises(CurrencyMismatch):
        sku.change_price(Money.of(10, "USD"), policy=ZERO_MARGIN)
    with pytest.raises(ValidationError):
        sku.change_price(cny("0"), policy=ZERO_MARGIN)
    sku.change_price(cny("2499.00"), policy=ZERO_MARGIN)
    assert sku.price == cny("2499.00")


def test_the_catalog_page_holds_the_sku_diagram_as_generated() -> None:
    page = Path(__file__).resolve().parents[2] / "docs" / "catalog.md"
    assert f"```mermaid\n{SKU_FLOW.to_mermaid()}\n```" in page.read_text(encoding="utf-8")
