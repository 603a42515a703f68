"""The SPU (standard product unit): the product a shopper recognises, e.g. "Phone X".

An :class:`Spu` holds what its SKUs share: title, brand, category, content (description
and image URLs), labels, and its specification axes, e.g. ``{"colour": ("black",
"white"), "storage": ("128G", "256G")}``. Each SKU of the SPU names exactly one value of
every axis, and each combination has at most one SKU, so the SPU keeps the register of
its SKUs' combinations (``variants``) and mints new SKUs through :meth:`Spu.new_sku`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from urllib.parse import urlsplit

import attrs

from merx.catalog import Fulfillment, GoodsType, InvalidSpecs, SalesRestrictions, Sku, labels_of
from merx.kernel.aggregate import Aggregate
from merx.kernel.errors import AlreadyExists, ValidationError
from merx.kernel.events import DomainEvent
from merx.kernel.ids import PLATFORM, MerchantId, SkuId
from merx.kernel.money import Money
from merx.products.errors import SpecCombinationTaken
from merx.products.ids import BrandId, CategoryId, SpuId

SpecAxes = Mapping[str, tuple[str, ...]]


def _image_urls(value: Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        raise ValidationError(f"images must be a list of URLs, not the string {value!r}")
    urls = tuple(value)
    for url in urls:
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValidationError(f"an image must be an http(s) URL, got {url!r}")
    return urls


@attrs.frozen
class SpuContent:
    """What the product page shows: a description and image URLs, in display order."""

    description: str = ""
    images: tuple[str, ...] = attrs.field(default=(), converter=_image_urls)


def _axes(value: Mapping[str, Iterable[str]]) -> dict[str, tuple[str, ...]]:
    axes: dict[str, tuple[str, ...]] = {}
    for name, values in dict(value).items():
        if not isinstance(name, str) or not name.strip():
            raise InvalidSpecs(f"a specification axis needs a name, got {name!r}")
        if isinstance(values, str):
            raise InvalidSpecs(f"axis {name!r} takes a list of values, not the string {values!r}")
        listed = tuple(values)
        if not listed:
            raise InvalidSpecs(f"axis {name!r} has no values")
        for item in listed:
            if not isinstance(item, str) or not item.strip():
                raise InvalidSpecs(f"axis {name!r} has a blank value {item!r}")
        if len(set(listed)) != len(listed):
            raise InvalidSpecs(f"axis {name!r} repeats a value: {list(listed)}")
        axes[name] = listed
    return axes


def _variants(value: Mapping[SkuId, Mapping[str, str]]) -> dict[SkuId, dict[str, str]]:
    return {sku_id: dict(specs) for sku_id, specs in value.items()}


def _specs_key(specs: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(specs.items()))


# -- events ----------------------------------------------------------------------------


@attrs.frozen
class SpuCreated(DomainEvent):
    spu_id: SpuId
    title: str
    category: CategoryId
    brand: BrandId | None


@attrs.frozen
class SpecValueAdded(DomainEvent):
    spu_id: SpuId
    axis: str
    value: str


@attrs.frozen
class SpuContentUpdated(DomainEvent):
    spu_id: SpuId
    content: SpuContent


@attrs.frozen
class SpuLabelsChanged(DomainEvent):
    spu_id: SpuId
    old: frozenset[str]
    new: frozenset[str]


@attrs.frozen
class SpuVariantAdded(DomainEvent):
    """A SKU was made for one combination of specification values (sorted by axis)."""

    spu_id: SpuId
    sku_id: SkuId
    specs: tuple[tuple[str, str], ...]


# -- the aggregate ---------------------------------------------------------------------


@attrs.define(kw_only=True)
class Spu(Aggregate):
    """A standard product unit, owned by one seller (``merchant``; the platform's by
    default), with the SKUs made from it in ``variants`` (SKU id -> specs)."""

    id: SpuId
    title: str
    category: CategoryId
    merchant: MerchantId = PLATFORM
    brand: BrandId | None = None
    content: SpuContent = attrs.field(factory=SpuContent)
    labels: frozenset[str] = attrs.field(default=frozenset(), converter=labels_of)
    axes: SpecAxes = attrs.field(factory=dict, converter=_axes)
    variants: Mapping[SkuId, Mapping[str, str]] = attrs.field(factory=dict, converter=_variants)

    def __attrs_post_init__(self) -> None:
        if not self.title.strip():
            raise ValidationError(f"SPU {self.id!r} needs a title")
        seen: dict[tuple[tuple[str, str], ...], SkuId] = {}
        for sku_id, specs in self.variants.items():
            self.check_specs(specs)
            key = _specs_key(specs)
            if key in seen:
                raise SpecCombinationTaken(
                    f"SPU {self.id!r}: SKUs {seen[key]!r} and {sku_id!r} share specs {dict(key)}"
                )
            seen[key] = sku_id

    @classmethod
    def create(
        cls,
        *,
        spu_id: SpuId,
        title: str,
        category: CategoryId,
        merchant: MerchantId = PLATFORM,
        brand: BrandId | None = None,
        content: SpuContent | None = None,
        labels: Iterable[str] = (),
        axes: Mapping[str, Iterable[str]] | None = None,
    ) -> Spu:
        spu = cls(
            id=spu_id,
            title=title,
            category=category,
            merchant=merchant,
            brand=brand,
            content=content or SpuContent(),
            labels=labels_of(labels),
            axes=_axes(axes or {}),
        )
        spu.record(SpuCreated(spu_id, title, category, brand))
        return spu

    # -- specifications ----------------------------------------------------------------

    def check_specs(self, specs: Mapping[str, str]) -> None:
        """Raise :class:`InvalidSpecs` unless ``specs`` names one value of every axis."""
        missing = sorted(set(self.axes) - set(specs))
        extra = sorted(set(specs) - set(self.axes))
        if missing or extra:
            raise InvalidSpecs(
                f"SPU {self.id!r} has axes {sorted(self.axes)}: specs {dict(specs)} "
                f"miss {missing} and add {extra}"
            )
        for axis, value in specs.items():
            if value not in self.axes[axis]:
                raise InvalidSpecs(
                    f"SPU {self.id!r}: {value!r} is not a {axis!r}; "
                    f"choose one of {list(self.axes[axis])}"
                )

    def combinations(self) -> Iterator[dict[str, str]]:
        """Every combination of one value per axis (one, empty, when there are no axes)."""
        names = tuple(self.axes)
        for values in itertools.product(*(self.axes[name] for name in names)):
            yield dict(zip(names, values, strict=True))

    def sku_for(self, specs: Mapping[str, str]) -> SkuId | None:
        """The SKU made for this combination, if any."""
        key = _specs_key(specs)
        for sku_id, taken in self.variants.items():
            if _specs_key(taken) == key:
                return sku_id
        return None

    def variant_title(self, specs: Mapping[str, str]) -> str:
        """The SPU title followed by the spec values in axis order: "Phone X black 128G"."""
        return " ".join([self.title, *(specs[name] for name in self.axes)])

    # -- commands ----------------------------------------------------------------------

    def new_sku(
        self,
        *,
        sku_id: SkuId,
        specs: Mapping[str, str],
        price: Money,
        title: str | None = None,
        goods_type: GoodsType = GoodsType.PHYSICAL,
        fulfillment: Fulfillment | None = None,
        face_value: Money | None = None,
        operator: str | None = None,
        labels: Iterable[str] = (),
        installment_eligible: bool = False,
        restrictions: SalesRestrictions | None = None,
        weight_g: int | None = None,
        volume_cm3: int | None = None,
        origin: str | None = None,
    ) -> Sku:
        """Make the SKU for one combination of specs, in draft, sold by the SPU's owner in
        the SPU's category; refuse specs that are not one value per axis or are taken."""
        self.check_specs(specs)
        if sku_id in self.variants:
            raise AlreadyExists(f"SPU {self.id!r} already has a SKU {sku_id!r}")
        taken = self.sku_for(specs)
        if taken is not None:
            raise SpecCombinationTaken(
                f"SPU {self.id!r}: SKU {taken!r} already has specs {dict(specs)}"
            )
        sku = Sku.create(
            sku_id=sku_id,
            title=title if title is not None else self.variant_title(specs),
            merchant=self.merchant,
            category=self.category,
            price=price,
            goods_type=goods_type,
            spu_id=self.id,
            specs=specs,
            labels=labels,
            fulfillment=fulfillment,
            face_value=face_value,
            operator=operator,
            installment_eligible=installment_eligible,
            restrictions=restrictions,
            weight_g=weight_g,
            volume_cm3=volume_cm3,
            origin=origin,
        )
        variants = dict(self.variants)
        variants[sku_id] = dict(specs)
        self.variants = variants
        self.record(SpuVariantAdded(self.id, sku_id, _specs_key(specs)))
        return sku

    def add_spec_value(self, axis: str, value: str) -> None:
        """Offer one more value on an existing axis (a new colour). Axes themselves are
        fixed once the SPU exists: a new axis would leave every existing SKU incomplete."""
        if axis not in self.axes:
            raise InvalidSpecs(f"SPU {self.id!r} has no axis {axis!r}; axes: {sorted(self.axes)}")
        if not isinstance(value, str) or not value.strip():
            raise InvalidSpecs(f"axis {axis!r} of SPU {self.id!r} needs a non-blank value")
        if value in self.axes[axis]:
            raise InvalidSpecs(f"axis {axis!r} of SPU {self.id!r} already has {value!r}")
        self.axes = {**self.axes, axis: (*self.axes[axis], value)}
        self.record(SpecValueAdded(self.id, axis, value))

    def update_content(self, content: SpuContent) -> None:
        self.content = content
        self.record(SpuContentUpdated(self.id, content))

    def set_labels(self, labels: Iterable[str]) -> None:
        new = labels_of(labels)
        if new == self.labels:
            return
        old, self.labels = self.labels, new
        self.record(SpuLabelsChanged(self.id, old, new))
