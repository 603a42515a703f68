"""The SKU: what is sold, by whom, at what price, how it is fulfilled, and to whom.

A :class:`Sku` is a stock-keeping unit: one price, one seller, one goods type, one
fulfillment mode. It may belong to an SPU (:mod:`merx.products`) with one value per
specification axis. Its life cycle is the :data:`SKU_FLOW` table (draft, listed,
delisted); listing and price changes pass profit control (:mod:`merx.catalog.profit`),
purchases pass its sales restrictions (:meth:`Sku.check_purchase`), and its placements say
where it is shown (:func:`arrange_slot`).

The value modules (goods, placement, profit, restrictions) import nothing of this one:
the catalog's modules form no import cycle.

Every method checks, then changes, then records an event; a refused command leaves the
SKU as it was.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal

import attrs

from merx.catalog.errors import (
    CostNotApplicable,
    InvalidShipping,
    InvalidSpecs,
    NewUsersOnly,
    NotListed,
    PlacementOverlap,
    PurchaseLimitExceeded,
    RestrictedRegion,
    UnknownPlacement,
    VerificationRequired,
)
from merx.catalog.goods import Fulfillment, FulfillmentMode, GoodsType
from merx.catalog.placement import Placement
from merx.catalog.profit import ProfitPolicy
from merx.catalog.restrictions import SalesRestrictions
from merx.catalog.tax import require_tax_rate
from merx.kernel.aggregate import Aggregate
from merx.kernel.errors import CurrencyMismatch, ValidationError
from merx.kernel.events import DomainEvent
from merx.kernel.ids import PLATFORM, MerchantId, ProductId, SkuId
from merx.kernel.money import Money
from merx.kernel.quantity import require_quantity
from merx.kernel.state import StateMachine


class SkuStatus(enum.Enum):
    DRAFT = "draft"
    LISTED = "listed"
    DELISTED = "delisted"


SKU_FLOW: StateMachine[SkuStatus] = StateMachine(
    "sku",
    [
        ((SkuStatus.DRAFT, SkuStatus.DELISTED), "list", SkuStatus.LISTED),
        (SkuStatus.LISTED, "delist", SkuStatus.DELISTED),
    ],
)

# -- events ----------------------------------------------------------------------------


@attrs.frozen
class SkuCreated(DomainEvent):
    sku_id: SkuId
    merchant: MerchantId
    price: Money
    spu_id: ProductId | None = None


@attrs.frozen
class SkuListed(DomainEvent):
    """``override_reason`` is set only when the price was below the profit minimum."""

    sku_id: SkuId
    override_reason: str | None = None


@attrs.frozen
class SkuDelisted(DomainEvent):
    sku_id: SkuId
    reason: str


@attrs.frozen
class PriceChanged(DomainEvent):
    """``override_reason`` is set only when the new price was below the profit minimum."""

    sku_id: SkuId
    old: Money
    new: Money
    override_reason: str | None = None


@attrs.frozen
class PurchaseCostSet(DomainEvent):
    sku_id: SkuId
    old: Money | None
    new: Money
    reference: str = ""


@attrs.frozen
class MarginBreached(DomainEvent):
    """A new purchase cost left a listed SKU's price below the profit minimum."""

    sku_id: SkuId
    price: Money
    minimum: Money


@attrs.frozen
class TaxRateSet(DomainEvent):
    """The SKU's own tax rate changed (``None``: it takes its category's again)."""

    sku_id: SkuId
    old: Decimal | None
    new: Decimal | None


@attrs.frozen
class SkuShippingSet(DomainEvent):
    """The SKU's weight and volume per unit, or the warehouse it ships from, changed
    (``None``: not known; no origin: the seller's freight template without origin)."""

    sku_id: SkuId
    weight_g: int | None
    volume_cm3: int | None
    origin: str | None = None


@attrs.frozen
class SalesRestrictionsChanged(DomainEvent):
    sku_id: SkuId
    old: SalesRestrictions
    new: SalesRestrictions


@attrs.frozen
class SkuPlaced(DomainEvent):
    sku_id: SkuId
    placement: Placement


@attrs.frozen
class PlacementRemoved(DomainEvent):
    sku_id: SkuId
    placement: Placement


@attrs.frozen
class SkuLabelsChanged(DomainEvent):
    sku_id: SkuId
    old: frozenset[str]
    new: frozenset[str]


@attrs.frozen
class InstallmentEligibilityChanged(DomainEvent):
    sku_id: SkuId
    eligible: bool


# -- the aggregate ---------------------------------------------------------------------


def labels_of(value: Iterable[str]) -> frozenset[str]:
    """Labels as a frozenset of non-empty strings (``"new"``, ``"hot"``, ``"imported"``)."""
    if isinstance(value, str):
        raise ValidationError(f"labels must be a collection of strings, not the string {value!r}")
    labels = frozenset(value)
    for label in labels:
        if not isinstance(label, str) or not label.strip():
            raise ValidationError(f"a label must be a non-empty string, got {label!r}")
    return labels


def _check_shipping(
    sku_id: SkuId, weight_g: object, volume_cm3: object, origin: object = None
) -> None:
    """Weight and volume per unit are positive whole numbers, or ``None``; the origin a
    non-blank string, or ``None``."""
    for name, value in (("weight_g", weight_g), ("volume_cm3", volume_cm3)):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InvalidShipping(
                f"SKU {sku_id!r}: {name} must be a whole number >= 1 or None, got {value!r}"
            )
    if origin is not None and (not isinstance(origin, str) or not origin.strip()):
        raise InvalidShipping(
            f"SKU {sku_id!r}: origin must be a non-blank string or None, got {origin!r}"
        )


def _specs(value: Mapping[str, str]) -> dict[str, str]:
    return dict(value)


def _placements(value: Iterable[Placement]) -> tuple[Placement, ...]:
    return tuple(value)


@attrs.define(kw_only=True)
class Sku(Aggregate):
    """A sellable stock-keeping unit: one price, one seller, one goods type.

    Invariants (checked when built, by :meth:`create` and by deserialization): a title
    and a positive price; a top-up has a positive ``face_value`` in the price's currency,
    an ``operator`` and real-time-supplier fulfillment, a physical good has none of them;
    a marketplace merchant's SKU is merchant-fulfilled and the platform's never is; a
    ``cost`` only on the platform's goods, in the price's currency, not negative;
    ``specs`` only on a SKU of an SPU; no two placements in one slot overlap.
    """

    id: SkuId
    title: str
    merchant: MerchantId
    category: str
    price: Money
    goods_type: GoodsType = GoodsType.PHYSICAL
    status: SkuStatus = SkuStatus.DRAFT
    spu_id: ProductId | None = None
    specs: Mapping[str, str] = attrs.field(factory=dict, converter=_specs)
    labels: frozenset[str] = attrs.field(default=frozenset(), converter=labels_of)
    cost: Money | None = None
    fulfillment: Fulfillment = attrs.field()
    face_value: Money | None = None
    operator: str | None = None
    installment_eligible: bool = False
    restrictions: SalesRestrictions = attrs.field(factory=SalesRestrictions)
    placements: tuple[Placement, ...] = attrs.field(default=(), converter=_placements)
    #: its own tax rate; ``None``: its category's (:class:`~merx.catalog.TaxPolicy`)
    tax_rate: Decimal | None = None
    #: whole grams per unit, for freight by weight (``None``: not known)
    weight_g: int | None = None
    #: whole cubic centimetres per unit, for freight by volume (``None``: not known)
    volume_cm3: int | None = None
    #: the warehouse it ships from, as its seller's freight templates name it
    #: (:attr:`merx.pricing.FreightTemplate.origin`; ``None``: the template without origin)
    origin: str | None = None

    @fulfillment.default
    def _default_fulfillment(self) -> Fulfillment:
        return Fulfillment.default_for(self.merchant)

    def __attrs_post_init__(self) -> None:
        self._check_invariants()

    def _check_invariants(self) -> None:
        if self.id.startswith("~"):
            raise ValidationError(f"SKU id {self.id!r}: ids starting with '~' are merx's own")
        if not self.title.strip():
            raise ValidationError(f"SKU {self.id!r} needs a title")
        if not self.price.is_positive():
            raise ValidationError(f"SKU {self.id!r} price must be positive, got {self.price}")
        self._check_goods_type()
        self._check_fulfillment()
        if self.tax_rate is not None:
            require_tax_rate(self.tax_rate, f"SKU {self.id!r}")
        if self.cost is not None:
            self._check_cost(self.cost)
        _check_shipping(self.id, self.weight_g, self.volume_cm3, self.origin)
        if self.spu_id is None and self.specs:
            raise InvalidSpecs(f"SKU {self.id!r} has specs {dict(self.specs)} but no SPU")
        for name, value in self.specs.items():
            if not name.strip() or not value.strip():
                raise InvalidSpecs(f"SKU {self.id!r} has a blank spec {name!r}: {value!r}")
        for i, placement in enumerate(self.placements):
            for other in self.placements[i + 1 :]:
                if placement.overlaps(other):
                    raise PlacementOverlap(
                        f"SKU {self.id!r} has overlapping placements in {placement.slot!r}"
                    )

    def _check_goods_type(self) -> None:
        if self.goods_type is GoodsType.VIRTUAL_TOPUP:
            face = self.face_value
            if face is None or not face.is_positive():
                raise ValidationError(f"top-up SKU {self.id!r} needs a positive face value")
            if face.currency != self.price.currency:
                raise CurrencyMismatch(
                    f"top-up SKU {self.id!r}: face value {face} is not in {self.price.currency}"
                )
            if not (self.operator and self.operator.strip()):
                raise ValidationError(f"top-up SKU {self.id!r} needs an operator")
            if self.fulfillment.mode is not FulfillmentMode.REAL_TIME_SUPPLIER:
                raise ValidationError(
                    f"top-up SKU {self.id!r} is bought from a supplier at fulfillment: "
                    f"it needs real_time_supplier fulfillment, not {self.fulfillment.mode.value}"
                )
        else:
            if self.face_value is not None or self.operator is not None:
                raise ValidationError(
                    f"{self.goods_type.value} SKU {self.id!r} takes no face value or operator"
                )
            if self.fulfillment.mode is FulfillmentMode.REAL_TIME_SUPPLIER:
                raise ValidationError(
                    f"{self.goods_type.value} SKU {self.id!r} cannot be bought at fulfillment"
                )

    def _check_fulfillment(self) -> None:
        by_merchant = self.fulfillment.mode is FulfillmentMode.MERCHANT
        if by_merchant and self.merchant == PLATFORM:
            raise ValidationError(f"SKU {self.id!r} is the platform's: no merchant ships it")
        if not by_merchant and self.merchant != PLATFORM:
            raise ValidationError(
                f"SKU {self.id!r} of merchant {self.merchant!r} must be merchant-fulfilled, "
                f"not {self.fulfillment.mode.value}"
            )

    def _check_cost(self, cost: Money) -> None:
        if self.fulfillment.mode is FulfillmentMode.MERCHANT:
            raise CostNotApplicable(
                f"SKU {self.id!r} is merchant {self.merchant!r}'s own goods: "
                "the platform has no purchase cost for it"
            )
        if cost.currency != self.price.currency:
            raise CurrencyMismatch(f"SKU {self.id!r}: cost {cost} is not in {self.price.currency}")
        if cost.is_negative():
            raise ValidationError(f"SKU {self.id!r}: cost must not be negative, got {cost}")

    # -- construction ------------------------------------------------------------------

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
        spu_id: ProductId | None = None,
        specs: Mapping[str, str] | None = None,
        labels: Iterable[str] = (),
        fulfillment: Fulfillment | None = None,
        face_value: Money | None = None,
        operator: str | None = None,
        installment_eligible: bool = False,
        restrictions: SalesRestrictions | None = None,
        weight_g: int | None = None,
        volume_cm3: int | None = None,
        origin: str | None = None,
    ) -> Sku:
        """A new SKU in draft. ``fulfillment`` defaults to :meth:`Fulfillment.default_for`."""
        sku = cls(
            id=sku_id,
            title=title,
            merchant=merchant,
            category=category,
            price=price,
            goods_type=goods_type,
            spu_id=spu_id,
            specs=specs or {},
            labels=labels_of(labels),
            fulfillment=fulfillment or Fulfillment.default_for(merchant),
            face_value=face_value,
            operator=operator,
            installment_eligible=installment_eligible,
            restrictions=restrictions or SalesRestrictions(),
            weight_g=weight_g,
            volume_cm3=volume_cm3,
            origin=origin,
        )
        sku.record(SkuCreated(sku_id, merchant, price, spu_id))
        return sku

    # -- views -------------------------------------------------------------------------

    @property
    def on_sale(self) -> bool:
        return self.status is SkuStatus.LISTED

    @property
    def tracks_stock(self) -> bool:
        return self.goods_type.tracks_stock

    def require_on_sale(self) -> None:
        if self.status is not SkuStatus.LISTED:
            raise NotListed(f"SKU {self.id!r} is {self.status.value}, not on sale")

    def check_purchase(
        self,
        *,
        region: str | None,
        quantity: int,
        already_bought: int,
        customer_new_user: bool,
        customer_verified: bool,
    ) -> None:
        """Raise if this customer may not buy ``quantity`` more units.

        Checked in this order, the first failure wins: the SKU is on sale
        (:class:`NotListed`), the quantity is a positive whole number, the region
        (:class:`RestrictedRegion`; ``None`` = unknown, refused when regions are
        restricted), new users only (:class:`NewUsersOnly`), verification
        (:class:`VerificationRequired`), then the per-customer limit counting the units
        ``already_bought`` (:class:`PurchaseLimitExceeded`).
        """
        self.require_on_sale()
        require_quantity(quantity)
        if isinstance(already_bought, bool) or not isinstance(already_bought, int):
            raise ValidationError(f"already_bought must be a whole number, got {already_bought!r}")
        if already_bought < 0:
            raise ValidationError(f"already_bought must not be negative, got {already_bought}")
        rules = self.restrictions
        if not rules.sells_to(region):
            raise RestrictedRegion(
                f"SKU {self.id!r} is sold only to {sorted(rules.regions)}, not to {region!r}"
            )
        if rules.new_users_only and not customer_new_user:
            raise NewUsersOnly(f"SKU {self.id!r} is for new users only")
        if rules.verification_required and not customer_verified:
            raise VerificationRequired(f"SKU {self.id!r} needs a verified identity/age")
        limit = rules.limit_per_customer
        if limit is not None and already_bought + quantity > limit:
            raise PurchaseLimitExceeded(self.id, limit, already_bought, quantity)

    def price_floor(self, policy: ProfitPolicy) -> Money | None:
        """The lowest price profit control allows (``None`` when the cost is unknown):
        what a promotion may discount down to without an override."""
        return None if self.cost is None else policy.minimum_price(self.cost)

    def placements_at(self, at: datetime) -> tuple[Placement, ...]:
        """The placements showing this SKU at ``at``: none unless it is listed."""
        if not self.on_sale:
            return ()
        return tuple(p for p in self.placements if p.is_active(at))

    # -- life cycle and price ----------------------------------------------------------

    def list(self, *, policy: ProfitPolicy, override_reason: str | None = None) -> None:
        """Put on sale; refused (:class:`BelowCost`) under the profit minimum unless
        ``override_reason`` says why."""
        SKU_FLOW.target(self.status, "list")
        used = policy.check(self.id, self.price, self.cost, override_reason)
        SKU_FLOW.move(self, "list", SkuListed(self.id, used))

    def delist(self, reason: str) -> None:
        if not reason.strip():
            raise ValidationError(f"delisting SKU {self.id!r} needs a reason")
        SKU_FLOW.move(self, "delist", SkuDelisted(self.id, reason))

    def change_price(
        self, price: Money, *, policy: ProfitPolicy, override_reason: str | None = None
    ) -> None:
        """A new price; on a listed SKU it passes profit control like a listing does."""
        if price.currency != self.price.currency or not price.is_positive():
            raise CurrencyMismatch(
                f"SKU {self.id!r}: new price {price} is not a positive {self.price.currency} amount"
            )
        used = None
        if self.on_sale:
            used = policy.check(self.id, price, self.cost, override_reason)
        old, self.price = self.price, price
        self.record(PriceChanged(self.id, old, price, used))

    def set_cost(self, cost: Money, *, policy: ProfitPolicy, reference: str = "") -> None:
        """Record the purchase cost (from a supply contract). A listed SKU whose price is
        now under the minimum stays on sale; :class:`MarginBreached` tells operations."""
        self._check_cost(cost)
        old, self.cost = self.cost, cost
        self.record(PurchaseCostSet(self.id, old, cost, reference))
        if self.on_sale and not policy.allows(self.price, cost):
            self.record(MarginBreached(self.id, self.price, policy.minimum_price(cost)))

    # -- attributes --------------------------------------------------------------------

    def set_restrictions(self, restrictions: SalesRestrictions) -> None:
        if restrictions == self.restrictions:
            return
        old, self.restrictions = self.restrictions, restrictions
        self.record(SalesRestrictionsChanged(self.id, old, restrictions))

    def set_tax_rate(self, rate: Decimal | None) -> None:
        """Give the SKU its own tax rate (``None``: its category's default again)."""
        if rate is not None:
            require_tax_rate(rate, f"SKU {self.id!r}")
        old, self.tax_rate = self.tax_rate, rate
        self.record(TaxRateSet(self.id, old, rate))

    def set_shipping(
        self, weight_g: int | None, volume_cm3: int | None, origin: str | None = None
    ) -> None:
        """The weight (grams) and volume (cubic centimetres) of one unit, positive whole
        numbers (``None``: not known), and the warehouse ``origin`` it ships from
        (``None``: none named); the checkout prices freight by weight or volume with them,
        under the seller's template for the origin."""
        _check_shipping(self.id, weight_g, volume_cm3, origin)
        if (weight_g, volume_cm3, origin) == (self.weight_g, self.volume_cm3, self.origin):
            return
        self.weight_g, self.volume_cm3, self.origin = weight_g, volume_cm3, origin
        self.record(SkuShippingSet(self.id, weight_g, volume_cm3, origin))

    def set_labels(self, labels: Iterable[str]) -> None:
        new = labels_of(labels)
        if new == self.labels:
            return
        old, self.labels = self.labels, new
        self.record(SkuLabelsChanged(self.id, old, new))

    def set_installment_eligible(self, eligible: bool) -> None:
        if not isinstance(eligible, bool):
            raise ValidationError(f"installment eligibility must be a bool, got {eligible!r}")
        if eligible == self.installment_eligible:
            return
        self.installment_eligible = eligible
        self.record(InstallmentEligibilityChanged(self.id, eligible))

    # -- placement ---------------------------------------------------------------------

    def place(self, placement: Placement) -> None:
        """Show the SKU in a slot for a window; refused if it overlaps one in that slot."""
        for existing in self.placements:
            if existing.overlaps(placement):
                raise PlacementOverlap(
                    f"SKU {self.id!r} is already placed in {placement.slot!r} from "
                    f"{existing.starts_at.isoformat()} to {existing.ends_at.isoformat()}"
                )
        self.placements = (*self.placements, placement)
        self.record(SkuPlaced(self.id, placement))

    def remove_placement(self, slot: str, starts_at: datetime) -> None:
        found = self._placement(slot, starts_at)
        self.placements = tuple(p for p in self.placements if p != found)
        self.record(PlacementRemoved(self.id, found))

    def _placement(self, slot: str, starts_at: datetime) -> Placement:
        for placement in self.placements:
            if placement.slot == slot and placement.starts_at == starts_at:
                return placement
        raise UnknownPlacement(
            f"SKU {self.id!r} has no placement in {slot!r} starting {starts_at.isoformat()}"
        )


def arrange_slot(skus: Iterable[Sku], slot: str, at: datetime) -> list[Sku]:
    """The SKUs ``slot`` shows at ``at``: listed, with a placement there active at ``at``;
    ordered by rank, then SKU id (a stable tie-break)."""
    shown: list[tuple[int, str, Sku]] = []
    for sku in skus:
        for placement in sku.placements_at(at):
            if placement.slot == slot:
                shown.append((placement.rank, sku.id, sku))
    return [sku for _, _, sku in sorted(shown, key=lambda row: (row[0], row[1]))]
