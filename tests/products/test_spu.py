"""SPUs: one value per specification axis, one SKU per combination."""

from __future__ import annotations

import pytest
from hypothesis import given

from merx.catalog import InvalidSpecs
from merx.errors import AlreadyExists, ValidationError
from merx.kernel.ids import MerchantId, SkuId
from merx.kernel.money import Money
from merx.products import CategoryId, SpecCombinationTaken, Spu, SpuContent, SpuId
from tests.products.strategies import spus

PRICE = Money.of("2999.00", "CNY")


@pytest.fixture
def phone() -> Spu:
    return Spu.create(
        spu_id=SpuId("phone-x"),
        title="Phone X",
        category=CategoryId("phones"),
        merchant=MerchantId("platform"),
        axes={"colour": ["black", "white"], "storage": ["128G", "256G"]},
        content=SpuContent("A phone.", ("https://img.example.com/x.jpg",)),
    )


def test_combinations(phone: Spu) -> None:
    assert list(phone.combinations()) == [
        {"colour": "black", "storage": "128G"},
        {"colour": "black", "storage": "256G"},
        {"colour": "white", "storage": "128G"},
        {"colour": "white", "storage": "256G"},
    ]


def test_a_sku_per_combination_inherits_the_spu(phone: Spu) -> None:
    sku = phone.new_sku(
        sku_id=SkuId("x-b-128"), specs={"storage": "128G", "colour": "black"}, price=PRICE
    )
    assert sku.title == "Phone X black 128G"
    assert (sku.spu_id, sku.category, sku.merchant) == (phone.id, "phones", "platform")
    assert sku.specs == {"storage": "128G", "colour": "black"}
    assert phone.sku_for({"colour": "black", "storage": "128G"}) == "x-b-128"
    assert [e.name for e in phone.pull_events()] == ["SpuCreated", "SpuVariantAdded"]


@pytest.mark.parametrize(
    ("specs", "fragment"),
    [
        ({"colour": "black"}, "miss \\['storage'\\]"),
        ({"colour": "black", "storage": "128G", "size": "L"}, "add \\['size'\\]"),
        ({"colour": "red", "storage": "128G"}, "'red' is not a 'colour'"),
    ],
)
def test_specs_must_name_one_value_of_each_axis(
    phone: Spu, specs: dict[str, str], fragment: str
) -> None:
    with pytest.raises(InvalidSpecs, match=fragment):
        phone.new_sku(sku_id=SkuId("s"), specs=specs, price=PRICE)
    assert phone.variants == {}


def test_a_combination_has_one_sku(phone: Spu) -> None:
    specs = {"colour": "white", "storage": "256G"}
    phone.new_sku(sku_id=SkuId("a"), specs=specs, price=PRICE)
    with pytest.raises(SpecCombinationTaken, match="'a'"):
        phone.new_sku(sku_id=SkuId("b"), specs=dict(specs), price=PRICE)
    with pytest.raises(AlreadyExists):
        phone.new_sku(sku_id=SkuId("a"), specs={"colour": "black", "storage": "256G"}, price=PRICE)
    assert list(phone.variants) == ["a"]


def test_a_failed_sku_leaves_the_combination_free(phone: Spu) -> None:
    specs = {"colour": "white", "storage": "256G"}
    with pytest.raises(ValidationError):
        phone.new_sku(sku_id=SkuId("a"), specs=specs, price=Money.zero("CNY"))
    assert phone.sku_for(specs) is None


def test_an_spu_without_axes_has_one_sku() -> None:
    spu = Spu.create(spu_id=SpuId("book"), title="A book", category=CategoryId("books"))
    assert list(spu.combinations()) == [{}]
    sku = spu.new_sku(sku_id=SkuId("book-1"), specs={}, price=PRICE)
    assert sku.title == "A book"
    with pytest.raises(SpecCombinationTaken):
        spu.new_sku(sku_id=SkuId("book-2"), specs={}, price=PRICE)


def test_adding_a_spec_value(phone: Spu) -> None:
    phone.add_spec_value("colour", "blue")
    phone.new_sku(sku_id=SkuId("blue"), specs={"colour": "blue", "storage": "128G"}, price=PRICE)
    with pytest.raises(InvalidSpecs):
        phone.add_spec_value("colour", "blue")
    with pytest.raises(InvalidSpecs):
        phone.add_spec_value("size", "XL")


@pytest.mark.parametrize(
    "axes",
    [{"colour": []}, {"colour": ["a", "a"]}, {"": ["a"]}, {"colour": "black"}, {"c": [" "]}],
)
def test_bad_axes_are_refused(axes: dict[str, list[str]]) -> None:
    with pytest.raises(InvalidSpecs):
        Spu.create(spu_id=SpuId("s"), title="S", category=CategoryId("c"), axes=axes)


@pytest.mark.parametrize("image", ["ftp://x/y.jpg", "not a url", "https://"])
def test_images_are_http_urls(image: str) -> None:
    with pytest.raises(ValidationError, match="URL"):
        SpuContent(images=(image,))


@given(spus())
def test_every_free_combination_gets_exactly_one_sku(spu: Spu) -> None:
    free = [specs for specs in spu.combinations() if spu.sku_for(specs) is None]
    for i, specs in enumerate(free):
        spu.new_sku(sku_id=SkuId(f"new-{i}"), specs=specs, price=PRICE)
    for specs in spu.combinations():
        assert spu.sku_for(specs) is not None
        with pytest.raises(SpecCombinationTaken):
            spu.new_sku(sku_id=SkuId("again"), specs=specs, price=PRICE)
    assert len(spu.variants) == len(list(spu.combinations()))
