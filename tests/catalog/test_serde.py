"""The catalog's converter: JSON-ready dicts that come back equal."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx import catalog
from merx.catalog.serde import structure, unstructure
from merx.errors import InvalidAmount, ValidationError
from merx.kernel.ids import PLATFORM, ProductId, SkuId
from merx.kernel.money import Money
from tests.catalog.strategies import placements, policies, restrictions, skus


def through_json(value: object) -> Any:
    data = unstructure(value)
    return structure(json.loads(json.dumps(data)), type(value))


@given(
    st.one_of(
        skus(),
        skus(currency="JPY"),
        restrictions,
        placements(),
        policies,
    )
)
def test_public_types_round_trip_through_json(value: object) -> None:
    back = through_json(value)
    assert back == value
    assert attrs.asdict(back) == attrs.asdict(value)  # type: ignore[arg-type]


def test_the_wire_format() -> None:
    sku = catalog.Sku.create(
        sku_id=SkuId("s1"),
        title="Phone",
        merchant=PLATFORM,
        category="phones",
        price=Money.of("2999.00", "CNY"),
        labels={"new", "5g"},
    )
    sku.place(
        catalog.Placement(
            "home", 1, datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)
        )
    )
    data = unstructure(sku)
    assert data["price"] == {"amount": "2999.00", "currency": "CNY"}
    assert data["status"] == "draft"
    assert data["labels"] == ["5g", "new"]
    assert data["fulfillment"] == {"mode": "warehouse", "supplier": None}
    assert data["placements"][0]["starts_at"] == "2026-01-01T00:00:00+00:00"
    assert "version" not in data
    assert "pending_events" not in data
    assert unstructure(catalog.ProfitPolicy(Decimal("0.05"))) == {"min_margin": "0.05"}


def test_events_and_commands_round_trip() -> None:
    sku = catalog.Sku.create(
        sku_id=SkuId("s"),
        title="P black",
        merchant=PLATFORM,
        category="c",
        price=Money.of(5, "CNY"),
        spu_id=ProductId("p"),
        specs={"colour": "black"},
    )
    sku.set_cost(Money.of(6, "CNY"), policy=catalog.AT_COST)
    sku.list(policy=catalog.AT_COST, override_reason="sample")
    sku.set_labels({"a"})
    sku.set_restrictions(catalog.SalesRestrictions(regions=frozenset({"Beijing"})))
    messages: list[object] = [
        *sku.pull_events(),
        catalog.ListSku(SkuId("s"), "why"),
        catalog.SetPurchaseCost(SkuId("s"), Money.of(1, "CNY"), "c-1"),
    ]
    for message in messages:
        assert through_json(message) == message


def bad(data: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**data, **changes}


def test_malformed_data_is_refused_with_merx_errors() -> None:
    sku = catalog.Sku.create(
        sku_id=SkuId("s1"),
        title="Phone",
        merchant=PLATFORM,
        category="phones",
        price=Money.of("10.00", "CNY"),
    )
    good = unstructure(sku)
    with pytest.raises(InvalidAmount):
        structure(bad(good, price={"amount": 10.5, "currency": "CNY"}), catalog.Sku)
    with pytest.raises(InvalidAmount):
        structure(bad(good, price={"amount": "10.001", "currency": "CNY"}), catalog.Sku)
    with pytest.raises(ValidationError, match="must be positive"):
        structure(bad(good, price={"amount": "0", "currency": "CNY"}), catalog.Sku)
    with pytest.raises(ValidationError, match="merchant-fulfilled"):
        structure(bad(good, merchant="m-shop"), catalog.Sku)
    placement = {"slot": "h", "rank": 1, "starts_at": "2026-01-01T00:00:00", "ends_at": "x"}
    with pytest.raises(ValidationError, match="timezone"):
        structure(placement, catalog.Placement)
    with pytest.raises(InvalidAmount):
        structure({"min_margin": 0.05}, catalog.ProfitPolicy)


def test_a_stored_sku_without_weight_or_volume_still_loads() -> None:
    sku = catalog.Sku.create(
        sku_id=SkuId("s1"), title="P", merchant=PLATFORM, category="c", price=Money.of(1, "CNY")
    )
    stored = unstructure(sku)
    old = {k: v for k, v in stored.items() if k not in ("weight_g", "volume_cm3", "origin")}
    back = structure(old, catalog.Sku)
    assert (back.weight_g, back.volume_cm3, back.origin) == (None, None, None)
    assert back == sku


def test_a_stored_sku_with_a_bad_weight_is_refused() -> None:
    sku = catalog.Sku.create(
        sku_id=SkuId("s1"), title="P", merchant=PLATFORM, category="c", price=Money.of(1, "CNY")
    )
    assert unstructure(sku)["weight_g"] is None
    for weight in (0, -5):
        with pytest.raises(catalog.InvalidShipping, match="weight_g"):
            structure({**unstructure(sku), "weight_g": weight}, catalog.Sku)
    with pytest.raises(catalog.InvalidShipping, match="volume_cm3"):
        structure({**unstructure(sku), "volume_cm3": 0}, catalog.Sku)
    with pytest.raises(catalog.InvalidShipping, match="origin"):
        structure({**unstructure(sku), "origin": ""}, catalog.Sku)


def test_a_dict_of_the_wrong_shape_is_a_validation_error() -> None:
    sku = catalog.Sku.create(
        sku_id=SkuId("s1"), title="P", merchant=PLATFORM, category="c", price=Money.of(1, "CNY")
    )
    with pytest.raises(ValidationError, match="version"):
        structure({**unstructure(sku), "version": 3}, catalog.Sku)
    with pytest.raises(ValidationError, match="Sku"):
        structure({"id": "s1"}, catalog.Sku)
    with pytest.raises(ValidationError):
        structure({"regions": 5}, catalog.SalesRestrictions)
