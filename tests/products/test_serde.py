"""The products context's converter: JSON-ready data that comes back equal."""

from __future__ import annotations

import json
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx import products
from merx.errors import MerxError, ValidationError
from merx.kernel.ids import SkuId
from merx.kernel.money import Money
from merx.products.serde import structure, unstructure
from tests.catalog.strategies import ids, names
from tests.products.strategies import category_trees, spus


def through_json(value: object) -> Any:
    data = unstructure(value)
    return structure(json.loads(json.dumps(data)), type(value))


@given(
    st.one_of(
        spus(),
        category_trees(),
        st.builds(products.Brand, id=ids.map(products.BrandId), name=names),
    )
)
def test_public_types_round_trip_through_json(value: object) -> None:
    back = through_json(value)
    assert back == value
    assert attrs.asdict(back) == attrs.asdict(value)  # type: ignore[arg-type]


def test_events_and_commands_round_trip() -> None:
    spu = products.Spu.create(
        spu_id=products.SpuId("p"),
        title="P",
        category=products.CategoryId("c"),
        axes={"colour": ["black"]},
    )
    sku = spu.new_sku(sku_id=SkuId("s"), specs={"colour": "black"}, price=Money.of(5, "CNY"))
    spu.set_labels({"a"})
    messages: list[object] = [
        *spu.pull_events(),
        products.CreateSkuFromSpu(SkuId("s"), products.SpuId("p"), {"colour": "black"}, sku.price),
    ]
    for message in messages:
        assert through_json(message) == message


def test_malformed_data_is_refused_with_merx_errors() -> None:
    with pytest.raises(MerxError):
        structure(
            {
                "id": "categories",
                "categories": {
                    "a": {"id": "a", "name": "A", "parent": "b"},
                    "b": {"id": "b", "name": "B", "parent": "a"},
                },
            },
            products.CategoryTree,
        )
    with pytest.raises(ValidationError, match="Brand"):
        structure({"id": "b"}, products.Brand)
