"""The quote engine: price a cart under the promotions in force, choosing the best for the user.

Pricing one selection is a pipeline (``_run``): levels item -> store -> platform -> payment;
within a level by each kind's ``stage`` (unit prices, bundles, the others, coupons); ties by
priority (higher first) then id. The engine knows no kind: it prices each promotion's rule
by its effect (a unit price, groups of units, a discount on a base). Amounts run in integer
minor units; every discount is rounded once (half up), capped at its base and split over
its lines by the largest-remainder method.

Choosing the selection (``_search``) is exact. A selection is valid when nothing in it
conflicts and every automatic promotion left out conflicts with one that is in (coupons
are optional). Conflicts only link promotions of one *conflict component*, so a valid
selection is one local option per component. Components acting only at item and store
level are grouped into *clusters* of promotions that share cart lines; different clusters
never see each other's lines until the platform and payment levels. The search enumerates
the choices of platform/payment components, prices every option of every cluster once
(memoized, identical outcomes merged), and runs a branch and bound over the clusters whose
lines the chosen platform/payment promotions touch; the bound is each such promotion's
largest possible discount on the largest base the remaining clusters could leave it.
Clusters no later promotion looks at simply take their own best option.

:func:`exhaustive_quote` is the plain oracle: it tries every subset and applies the choice
rule literally. Property tests check that both always agree.
"""

from __future__ import annotations

import functools
import itertools
import operator
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Final, TypeAlias, cast

from merx.kernel.money import Money, minor_maker, split_minor
from merx.pricing.errors import (
    InvalidCart,
    InvalidFreightTemplate,
    InvalidPromotion,
    PromotionCurrencyMismatch,
)
from merx.pricing.freight import FreightTemplate
from merx.pricing.model import (
    Allocation,
    AppliedPromotion,
    BaseRule,
    CartLine,
    Customer,
    Effect,
    FreightWaiverRule,
    Funding,
    FundingShare,
    GiftItem,
    Hint,
    Level,
    Promotion,
    Quote,
    QuoteLine,
    Range,
    Rejection,
    RejectionCode,
    Rule,
    SellerFreight,
    TaxMode,
    UnitGroupRule,
    UnitGroups,
    UnitPriceRule,
    check_usage,
    tax_minor,
)

_LEVEL_RANK: Final = {"item": 0, "store": 1, "platform": 2, "payment": 3}
_LATE_LEVELS: Final = frozenset({"platform", "payment"})

#: (payable, coupons applied, promotions applied, applied ids, selected count, selected ids)
Key: TypeAlias = tuple[int, int, int, tuple[str, ...], int, tuple[str, ...]]


# -- one promotion, prepared for pricing -------------------------------------------------


def _bits(mask: int) -> list[int]:
    """The positions of the set bits of ``mask``, lowest first."""
    positions: list[int] = []
    while mask:
        low = mask & -mask
        positions.append(low.bit_length() - 1)
        mask ^= low
    return positions


class _CartIndex:
    """Line masks by SKU, merchant and category, to find a scope's lines quickly."""

    def __init__(self, cart: Sequence[CartLine], ranges: Mapping[str, Range]) -> None:
        self.cart = cart
        self.ranges = ranges
        self.by_range: dict[str, int] = {}
        self.every = (1 << len(cart)) - 1
        self.by_sku: dict[str, int] = {}
        self.by_merchant: dict[str, int] = {}
        self.by_category: dict[str, int] = {}
        for i, line in enumerate(cart):
            self.by_sku[line.sku] = self.by_sku.get(line.sku, 0) | 1 << i
            self.by_merchant[line.merchant] = self.by_merchant.get(line.merchant, 0) | 1 << i
            self.by_category[line.category] = self.by_category.get(line.category, 0) | 1 << i

    def eligible(self, promotion: Promotion, store: str | None) -> int:
        """The lines matching every key of the scope (and of the store, if any)."""
        mask = self.every
        scope = promotion.scope
        if scope.skus is not None:
            mask &= _any_of(scope.skus, self.by_sku)
        if scope.merchants is not None:
            mask &= _any_of(scope.merchants, self.by_merchant)
        if scope.categories is not None:
            mask &= _any_of(scope.categories, self.by_category)
        if scope.range is not None:
            mask &= self.in_range(promotion)
        if store is not None:
            mask &= self.by_merchant.get(store, 0)
        return mask

    def in_range(self, promotion: Promotion) -> int:
        """The lines in the range the promotion's scope names."""
        name = promotion.scope.range
        assert name is not None
        known = self.by_range.get(name)
        if known is None:
            found = promotion.scope.range_in(self.ranges)
            known = 0
            for i, line in enumerate(self.cart):
                if found.contains(line):
                    known |= 1 << i
            self.by_range[name] = known
        return known


def _any_of(values: Sequence[str], index: dict[str, int]) -> int:
    """The lines holding any of ``values``."""
    chosen = 0
    for value in values:
        chosen |= index.get(value, 0)
    return chosen


_UNIT_PRICE: Final = Effect.UNIT_PRICE
_UNIT_GROUPS: Final = Effect.UNIT_GROUPS
_FREIGHT: Final = Effect.FREIGHT


class _Prepared:
    """What a quote needs of a definition whatever the cart: its rule and choice terms.
    Made once per definition and kept in the engine's own cache (:func:`_prepare`)."""

    __slots__ = ("coupon", "funders", "id", "kind", "level", "rule", "slot", "sort_key", "store")

    def __init__(self, promotion: Promotion) -> None:
        self.id = promotion.id
        self.kind = promotion.kind
        self.level: Level = promotion.level
        self.store = promotion.store
        self.coupon = promotion.coupon
        self.slot = promotion.slot()
        self.funders: tuple[FundingShare, ...] = promotion.funders()
        self.rule: Rule = promotion.rule()
        if self.rule.effect is Effect.FREIGHT and self.level == "payment":
            raise InvalidPromotion(
                f"{promotion.id}: a {promotion.kind} cannot run at payment level"
            )
        if self.rule.effect in (_UNIT_PRICE, _UNIT_GROUPS) and self.level != "item":
            raise InvalidPromotion(
                f"{promotion.id}: a {promotion.kind} acts on units, so it runs at item level, "
                f"not {self.level}"
            )
        self.sort_key = (_LEVEL_RANK[self.level], promotion.stage, -promotion.priority, self.id)


@functools.lru_cache(maxsize=4096)
def _prepare(promotion: Promotion) -> _Prepared:
    """The definition's prepared terms (the engine's cache, keyed by the definition)."""
    return _Prepared(promotion)


def _nothing(base: int, quantity: int) -> int:
    return 0


class _Offer:
    """A candidate promotion with its eligible lines and its rule's entry points."""

    __slots__ = (
        "coupon",
        "discount",
        "effect",
        "gift",
        "groups",
        "hint",
        "id",
        "kind",
        "level",
        "lines",
        "mask",
        "prepared",
        "promotion",
        "quantity",
        "rank",
        "reached",
        "unit_after",
        "upper",
        "waiver",
    )

    def __init__(
        self,
        rank: int,
        promotion: Promotion,
        prepared: _Prepared,
        cart: Sequence[CartLine],
        index: _CartIndex,
    ) -> None:
        self.rank = rank
        self.promotion = promotion
        self.prepared = prepared
        self.id = prepared.id
        self.kind = prepared.kind
        self.level = prepared.level
        self.coupon = prepared.coupon
        rule = prepared.rule
        self.effect = effect = rule.effect
        self.gift: GiftItem | None = None
        #: an upper bound of the discount over every base up to the one given
        self.upper: Callable[[int, int], int] = _nothing
        self.unit_after: dict[int, int] = {}
        eligible = _bits(index.eligible(promotion, prepared.store))
        if effect is _UNIT_PRICE:
            unit_after = cast(UnitPriceRule, rule).unit_price_after
            for i in eligible:
                self.unit_after[i] = unit_after(cart[i].unit_price.minor)
        elif effect is _UNIT_GROUPS:
            self.groups: UnitGroups = cast(UnitGroupRule, rule).bind(cart, eligible)
            eligible = list(self.groups.lines)
        elif effect is _FREIGHT:
            self.waiver = cast(FreightWaiverRule, rule)
        else:
            base = cast(BaseRule, rule)
            self.discount: Callable[[int, int], int] = base.discount
            self.reached: Callable[[int, int], bool] = base.reached
            self.upper = base.upper
            self.hint: Callable[[int], int | None] = base.hint
            self.gift = base.gift
        self.lines: tuple[int, ...] = tuple(eligible)
        mask = quantity = 0
        for i in eligible:
            mask |= 1 << i
            quantity += cart[i].quantity
        self.mask = mask
        self.quantity = quantity


# -- the pricing pipeline ----------------------------------------------------------------


class _Lines:
    """Mutable pricing state: line amounts, units not yet in a bundle set, unit prices."""

    __slots__ = ("amounts", "free", "units")

    def __init__(self, amounts: list[int], free: list[int], units: list[int]) -> None:
        self.amounts = amounts
        self.free = free
        self.units = units

    def copy(self) -> _Lines:
        return _Lines(self.amounts[:], self.free[:], self.units[:])


class _Effect:
    """What one offer did in a run (recorded only when building the quote)."""

    __slots__ = ("base", "discount", "gift", "reason", "shares")

    def __init__(self) -> None:
        self.discount = 0
        self.shares: dict[int, int] = {}
        self.base: int | None = None
        self.gift = False
        self.reason: RejectionCode | None = None


Log: TypeAlias = dict[int, _Effect]


def _apply_unit_prices(
    offers: Sequence[_Offer], state: _Lines, applied: list[int], log: Log | None
) -> None:
    """At most one unit price per line: the lowest (ties to the earlier in order)."""
    winners: dict[int, tuple[int, _Offer]] = {}
    for offer in offers:
        for i, unit in offer.unit_after.items():
            if unit < state.units[i] and (i not in winners or unit < winners[i][0]):
                winners[i] = (unit, offer)
    list_units = {i: state.units[i] for i in winners}
    taken: dict[int, int] = {}
    for i in sorted(winners):
        unit, offer = winners[i]
        off = state.free[i] * (state.units[i] - unit)
        state.amounts[i] -= off
        state.units[i] = unit
        taken[offer.rank] = taken.get(offer.rank, 0) + off
        if log is not None:
            log[offer.rank].shares[i] = off
    for offer in offers:
        if offer.rank in taken:
            applied.append(offer.rank)
            if log is not None:
                log[offer.rank].discount = taken[offer.rank]
        elif log is not None:
            outbid = any(u < list_units.get(i, u) for i, u in offer.unit_after.items())
            log[offer.rank].reason = (
                "no_eligible_lines" if not offer.lines else "outbid" if outbid else "no_discount"
            )


def _apply_groups(offer: _Offer, state: _Lines, applied: list[int], log: Log | None) -> None:
    """Groups of units no earlier group took (a unit sits in one group of one offer)."""
    taken = offer.groups.take(state.free, state.units)
    if isinstance(taken, str):
        if log is not None:
            log[offer.rank].reason = taken
        return
    effect = log[offer.rank] if log is not None else None
    for i, share in taken.shares:
        state.amounts[i] -= share
        if effect is not None and share:
            effect.shares[i] = share
    for i, used in taken.used:
        state.free[i] -= used
    applied.append(offer.rank)
    if effect is not None:
        effect.discount = taken.discount


def _run(offers: Sequence[_Offer], state: _Lines, log: Log | None = None) -> list[int]:
    """Apply ``offers`` (in pipeline order) to ``state``; return the ranks that applied."""
    applied: list[int] = []
    unit_prices = [offer for offer in offers if offer.effect is _UNIT_PRICE]
    if unit_prices:
        _apply_unit_prices(unit_prices, state, applied, log)
    amounts = state.amounts
    for offer in offers:
        effect_of = offer.effect
        if effect_of is _UNIT_PRICE:
            continue
        if effect_of is _UNIT_GROUPS:
            _apply_groups(offer, state, applied, log)
            continue
        if effect_of is _FREIGHT:
            continue  # priced once the goods are (see _Problem.freight)
        lines = offer.lines
        base = sum(map(amounts.__getitem__, lines))
        effect = log[offer.rank] if log is not None else None
        if effect is not None:
            effect.base = base
        off = offer.discount(base, offer.quantity)
        if off <= 0:
            reached = bool(lines) and offer.reached(base, offer.quantity)
            if reached and offer.gift is not None:
                applied.append(offer.rank)
                if effect is not None:
                    effect.gift = True
            elif effect is not None:
                effect.reason = (
                    "no_eligible_lines"
                    if not lines
                    else "no_discount"
                    if reached
                    else "threshold_not_reached"
                )
            continue
        shares = split_minor(off, [amounts[i] for i in lines])
        for i, share in zip(lines, shares, strict=True):
            amounts[i] -= share
        applied.append(offer.rank)
        if effect is not None:
            effect.discount = off
            effect.shares = {i: s for i, s in zip(lines, shares, strict=True) if s}
            effect.gift = offer.gift is not None and offer.reached(base, offer.quantity)
    return applied


# -- the problem: candidates, conflicts, keys --------------------------------------------


def _check_inputs(  # noqa: PLR0917 - the inputs of quote()
    lines: Sequence[CartLine],
    promotions: Sequence[Promotion],
    wallet: Sequence[Promotion],
    customer: Customer,
    at: datetime,
    payment_method: str | None,
) -> str:
    """Validate everything a quote needs; return the cart's currency."""
    if not lines or not all(isinstance(line, CartLine) for line in lines):
        raise InvalidCart("a quote needs at least one CartLine")
    currency = lines[0].unit_price.currency
    skus = [line.sku for line in lines]
    if len(set(skus)) != len(skus):
        raise InvalidCart(f"cart lines must hold distinct SKUs, got {skus}")
    for line in lines:
        if line.unit_price.currency != currency:
            raise InvalidCart(f"line {line.sku!r} is in {line.unit_price.currency}, not {currency}")
    if not isinstance(customer, Customer):
        raise InvalidCart(f"customer must be a Customer, got {customer!r}")
    if not isinstance(at, datetime) or at.utcoffset() is None:
        raise InvalidCart(f"the quote instant must be a timezone-aware datetime, got {at!r}")
    if payment_method is not None and not isinstance(payment_method, str):
        raise InvalidCart(f"payment_method must be a string or None, got {payment_method!r}")
    ids: set[str] = set()
    for promotion in [*promotions, *wallet]:
        if not isinstance(promotion, Promotion):
            raise InvalidPromotion(f"not a promotion: {promotion!r}")
        if promotion.id in ids:
            raise InvalidPromotion(f"promotion id {promotion.id!r} is given twice")
        ids.add(promotion.id)
        if promotion.currency not in (None, currency):
            raise PromotionCurrencyMismatch(
                f"{promotion.id} is in {promotion.currency}, the cart in {currency}"
            )
    for coupon in wallet:
        if not coupon.coupon:
            raise InvalidPromotion(f"the wallet holds coupons only, got {coupon.kind} {coupon.id}")
    return currency


class _Extras:
    """The inputs of issue 15 beside the spec's six: delivery, freight templates, ranges,
    usage counts, the caps the host says are reached and the tax mode (checked here)."""

    __slots__ = ("capped", "destination", "freight", "ranges", "tax_mode", "usage")

    def __init__(
        self,
        destination: str | None,
        freight: Sequence[FreightTemplate],
        ranges: Mapping[str, Range] | None,
        usage: Mapping[str, int] | None,
        tax_mode: TaxMode,
        *,
        capped: Mapping[str, str] | None = None,
    ) -> None:
        if destination is not None and not isinstance(destination, str):
            raise InvalidCart(f"destination must be a string or None, got {destination!r}")
        if not all(isinstance(template, FreightTemplate) for template in freight):
            raise InvalidFreightTemplate(f"freight holds FreightTemplates only, got {freight!r}")
        keys = [template.key for template in freight]
        if len(set(keys)) != len(keys):
            raise InvalidFreightTemplate(f"one freight template per seller and origin, got {keys}")
        ranges = {} if ranges is None else ranges
        if not isinstance(ranges, Mapping) or not all(
            isinstance(name, str) and isinstance(found, Range) for name, found in ranges.items()
        ):
            raise InvalidPromotion(f"ranges map names to Ranges, got {ranges!r}")
        usage = {} if usage is None else usage
        check_usage("usage", usage)
        capped = {} if capped is None else capped
        if not isinstance(capped, Mapping) or not all(
            isinstance(key, str) and isinstance(why, str) and why for key, why in capped.items()
        ):
            raise InvalidCart(f"capped maps promotion ids to a non-empty reason, got {capped!r}")
        if tax_mode not in ("inclusive", "exclusive"):
            raise InvalidCart(f"tax_mode must be inclusive or exclusive, got {tax_mode!r}")
        self.destination = destination
        self.freight = tuple(freight)
        self.ranges = ranges
        self.usage = usage
        self.capped = capped
        self.tax_mode: TaxMode = tax_mode


_PLAIN: Final = _Extras(None, (), None, None, "inclusive")


class _Shipment:
    """One seller's lines from one origin under a template, with the fee it sets."""

    __slots__ = ("fee", "free_over", "lines", "mask", "seller", "template")

    def __init__(
        self,
        template: FreightTemplate,
        lines: list[int],
        cart: Sequence[CartLine],
        destination: str | None,
    ) -> None:
        self.template = template
        self.seller = template.seller
        self.lines = tuple(lines)
        self.mask = sum(1 << i for i in lines)
        shipped = [cart[i] for i in lines]
        rule = template.rule_for(destination)
        pieces = sum(line.quantity for line in shipped)
        fee = rule.fee_minor(template.units(shipped))
        by_pieces = template.free_over_pieces is not None and pieces >= template.free_over_pieces
        #: the fee the template sets, and the goods amount that waives it (None: never;
        #: 0 when the pieces already do)
        self.fee = fee
        self.free_over: int | None = (
            0 if by_pieces else None if template.free_over is None else template.free_over.minor
        )

    def varies(self, list_goods: int) -> bool:
        """Whether the fee charged may depend on the discounts chosen."""
        return self.fee > 0 and self.free_over is not None and 0 < self.free_over <= list_goods


def _shipments(cart: Sequence[CartLine], extras: _Extras, currency: str) -> tuple[_Shipment, ...]:
    """Each line ships under its seller's template for its origin, else the seller's
    template without an origin, else free."""
    by_key = {template.key: template for template in extras.freight}
    for template in extras.freight:
        if template.currency != currency:
            raise PromotionCurrencyMismatch(
                f"the freight template of {template.seller} is in {template.currency}, "
                f"the cart in {currency}"
            )
    grouped: dict[tuple[str, str | None], list[int]] = {}
    for i, line in enumerate(cart):
        for key in ((line.merchant, line.origin), (line.merchant, None)):
            if key in by_key:
                grouped.setdefault(key, []).append(i)
                break
    return tuple(
        _Shipment(by_key[key], lines, cart, extras.destination) for key, lines in grouped.items()
    )


class _Problem:
    """The candidates of one quote, their conflicts, and how to price a selection."""

    def __init__(  # noqa: PLR0917 - the inputs of quote()
        self,
        lines: Sequence[CartLine],
        promotions: Sequence[Promotion],
        wallet: Sequence[Promotion],
        customer: Customer,
        at: datetime,
        payment_method: str | None,
        extras: _Extras = _PLAIN,
    ) -> None:
        self.currency = _check_inputs(lines, promotions, wallet, customer, at, payment_method)
        self.cart = tuple(lines)
        self.tax_mode = extras.tax_mode
        self.shipments = _shipments(self.cart, extras, self.currency)
        self.rejections: list[Rejection] = []
        index = _CartIndex(self.cart, extras.ranges)
        candidates = self._candidates(
            [*promotions, *wallet], index, customer, at, payment_method, extras
        )
        self.offers = [
            _Offer(rank, promotion, prepared, self.cart, index)
            for rank, (prepared, promotion) in enumerate(candidates)
        ]
        self.by_id = {offer.id: offer for offer in self.offers}
        self._link()
        self.automatic = sum(1 << o.rank for o in self.offers if not o.coupon)
        units = [line.unit_price.minor for line in self.cart]
        quantities = [line.quantity for line in self.cart]
        self.initial = _Lines(
            [unit * quantity for unit, quantity in zip(units, quantities, strict=True)],
            quantities,
            units,
        )
        self.waivers = [offer for offer in self.offers if offer.effect is _FREIGHT]
        self.waivers.sort(key=lambda offer: (offer.coupon, offer.rank))
        self.waiver_ranks = sum(1 << offer.rank for offer in self.waivers)
        self.rates = [line.tax_rate for line in self.cart]
        self.taxed = self.tax_mode == "exclusive" and any(self.rates)
        #: the lines whose amounts may change the freight or the tax
        self.varying = 0
        #: per shipment: whether the fee charged may depend on the selection
        self.fee_varies = [s.varies(self._list(s)) for s in self.shipments]
        for shipment, varies in zip(self.shipments, self.fee_varies, strict=True):
            if varies:
                self.varying |= shipment.mask
        if self.taxed:
            self.varying = (1 << len(self.cart)) - 1
        #: each shipment's list goods, by line mask (what a fee that cannot change is
        #: decided on as well as any)
        self.listed = {s.mask: self._list(s) for s in self.shipments}
        #: the freight no selection changes, when no selection changes any (else None)
        self.fixed_freight: int | None = None
        if not self.waivers and not any(s.varies(self._list(s)) for s in self.shipments):
            self.fixed_freight = sum(
                0 if s.free_over is not None and s.free_over <= self._list(s) else s.fee
                for s in self.shipments
            )

    def _candidates(  # noqa: PLR0917 - what decides a candidate
        self,
        promotions: Sequence[Promotion],
        index: _CartIndex,
        customer: Customer,
        at: datetime,
        payment_method: str | None,
        extras: _Extras,
    ) -> list[tuple[_Prepared, Promotion]]:
        """The promotions that may be selected, in pipeline order; the others rejected
        (out of force, not for this customer or payment method, at a usage cap: one the
        host names in ``capped``, else one the counts reach)."""
        candidates: list[tuple[_Prepared, Promotion]] = []
        for promotion in promotions:
            prepared = _prepare(promotion)
            if promotion.scope.range is not None:
                index.in_range(promotion)  # an unknown range fails here, in force or not
            if not promotion.in_force(at):
                self._reject(promotion.id, "not_in_force", f"not in force at {at.isoformat()}")
                continue
            refused = promotion.rejection_for(customer, payment_method)
            if refused is not None:
                self._reject(promotion.id, *refused)
                continue
            capped = extras.capped.get(promotion.id) or promotion.capped(customer, extras.usage)
            if capped is not None:
                self._reject(promotion.id, "usage_cap", capped)
            else:
                candidates.append((prepared, promotion))
        candidates.sort(key=lambda candidate: candidate[0].sort_key)
        return candidates

    def _link(self) -> None:
        """The conflict graph: shared groups, shared slots, exclusions."""
        self.adjacency = [0] * len(self.offers)
        slots: dict[tuple[str, ...], int] = {}
        groups: dict[str, int] = {}
        for offer in self.offers:
            promotion = offer.promotion
            if promotion.group is not None:
                groups[promotion.group] = groups.get(promotion.group, 0) | 1 << offer.rank
            slot = offer.prepared.slot
            if slot is not None:
                slots[slot] = slots.get(slot, 0) | 1 << offer.rank
        for offer in self.offers:
            promotion = offer.promotion
            linked = 0
            if promotion.group is not None:
                linked |= groups[promotion.group]
            slot = offer.prepared.slot
            if slot is not None:
                linked |= slots[slot]
            for other_id in promotion.excludes:
                other = self.by_id.get(other_id)
                if other is not None:
                    linked |= 1 << other.rank
                    self.adjacency[other.rank] |= 1 << offer.rank
            self.adjacency[offer.rank] |= linked & ~(1 << offer.rank)

    def _list(self, shipment: _Shipment) -> int:
        return sum(self.initial.amounts[i] for i in shipment.lines)

    @property
    def plain(self) -> bool:
        """Whether the payable is the goods plus a constant: the fast search applies."""
        return self.fixed_freight is not None and not self.taxed

    def run(self, selection: int, log: Log | None = None) -> tuple[_Lines, list[int], list[int]]:
        """Price a selection's goods: the state, the ranks that applied, and the amounts
        after the platform level (what freight thresholds look at)."""
        chosen = self.offers_of(selection)
        state = self.initial.copy()
        if not self.shipments or not chosen or chosen[-1].level != "payment":
            applied = _run(chosen, state, log)
            return state, applied, state.amounts
        cut = next(k for k, offer in enumerate(chosen) if offer.level == "payment")
        applied = _run(chosen[:cut], state, log)
        goods = state.amounts[:]
        applied += _run(chosen[cut:], state, log)
        return state, applied, goods

    def freight(
        self, selection: int, goods: Sequence[int], log: Log | None = None
    ) -> tuple[list[tuple[int, int, int | None]], list[int]]:
        """Per shipment: the fee charged, the fee waived, and the rank of the waiver (None:
        the seller's own free_over); and the ranks of the waivers that took freight.

        A seller's ``free_over`` goes first; then the selected free-shipping promotions in
        pipeline order, each waiving the whole fee of the sellers of its lines that are
        still charged; then the freight coupons, in order, each taking up to its ``off``
        from sellers no waiver touched, in cart order. Each measures the goods of its lines
        after the platform level."""
        measured = {s.mask: sum([goods[i] for i in s.lines]) for s in self.shipments}
        for offer in self.waivers:
            if selection >> offer.rank & 1:
                measured[offer.mask] = sum([goods[i] for i in offer.lines])
        return self.freight_of(selection, measured, log)

    def freight_of(
        self, selection: int, measured: Mapping[int, int], log: Log | None = None
    ) -> tuple[list[tuple[int, int, int | None]], list[int]]:
        """:meth:`freight` from the goods after the platform level of each shipment's lines
        and each selected waiver's, by line mask."""
        fees: list[tuple[int, int, int | None]] = []
        for shipment in self.shipments:
            free_over = shipment.free_over
            if free_over is not None and measured[shipment.mask] >= free_over:
                fees.append((0, shipment.fee, None))
            else:
                fees.append((shipment.fee, 0, None))
        applied: list[int] = []
        for offer in self.waivers:
            if not selection >> offer.rank & 1:
                continue
            effect = log[offer.rank] if log is not None else None
            waiver = offer.waiver
            if not offer.lines or measured[offer.mask] < waiver.min_amount:
                if effect is not None:
                    effect.reason = "threshold_not_reached" if offer.lines else "no_eligible_lines"
                continue
            left = waiver.off
            taken = 0
            for k, shipment in enumerate(self.shipments):
                fee, waived, by = fees[k]
                if not shipment.mask & offer.mask or fee == 0 or by is not None:
                    continue
                if left is None:
                    fees[k] = (0, waived + fee, offer.rank)
                    taken += fee
                elif waived == 0:
                    take = min(left, fee)
                    if take:
                        fees[k] = (fee - take, take, offer.rank)
                        taken += take
                        left -= take
            if taken:
                applied.append(offer.rank)
                if effect is not None:
                    effect.discount = taken
            elif effect is not None:
                effect.reason = "no_freight"
        return fees, applied

    def tax(self, amounts: Sequence[int]) -> list[int]:
        """Each line's tax, from its amount after every discount."""
        mode = self.tax_mode
        return [
            tax_minor(amount, rate, mode) if rate else 0
            for amount, rate in zip(amounts, self.rates, strict=True)
        ]

    def forced(self) -> bool:
        """Whether there is nothing to choose: no coupon and no conflict, so the only valid
        selection is every candidate."""
        return not any(self.adjacency) and self.automatic == (1 << len(self.offers)) - 1

    def _reject(self, promotion_id: str, code: RejectionCode, text: str) -> None:
        self.rejections.append(Rejection(promotion_id, code, text))

    def offers_of(self, selection: int) -> list[_Offer]:
        """The offers of a selection mask, in pipeline order (rank order)."""
        offers = self.offers
        return [offers[rank] for rank in _bits(selection)]

    def valid(self, selection: int, ranks: Sequence[int] | None = None) -> bool:
        """Nothing in it conflicts; every automatic promotion left out (of ``ranks``, by
        default all) conflicts with one that is in."""
        for rank in range(len(self.offers)) if ranks is None else ranks:
            inside = selection >> rank & 1
            touches = self.adjacency[rank] & selection
            if inside and touches:
                return False
            if not inside and not touches and self.automatic >> rank & 1:
                return False
        return True

    def key(self, selection: int, applied: Sequence[int], payable: int) -> Key:
        """The choice rule: lowest payable, fewest coupons, fewest promotions, smallest ids
        (then, where the spec is silent, fewest and smallest selected ids)."""
        offers = self.offers
        applied_ids = tuple(sorted(offers[r].id for r in applied))
        coupons = sum(1 for r in applied if offers[r].coupon)
        selected_ids = tuple(sorted(o.id for o in offers if selection >> o.rank & 1))
        return (payable, coupons, len(applied), applied_ids, len(selected_ids), selected_ids)

    def price(self, selection: int) -> Key:
        """Price a selection, freight and (exclusive) tax included; return its key."""
        state, applied, goods = self.run(selection)
        payable = sum(state.amounts)
        if self.shipments:
            fees, waived = self.freight(selection, goods)
            payable += sum([fee for fee, _, _ in fees])
            applied += waived
        if self.taxed:
            payable += sum(self.tax(state.amounts))
        return self.key(selection, applied, payable)


# -- the exact search --------------------------------------------------------------------


def _components(problem: _Problem) -> list[list[int]]:
    """Ranks grouped into connected components of the conflict graph."""
    seen = 0
    components: list[list[int]] = []
    for offer in problem.offers:
        if seen >> offer.rank & 1:
            continue
        members = 0
        frontier = 1 << offer.rank
        while frontier:
            members |= frontier
            grown = 0
            rest = frontier
            while rest:
                low = rest & -rest
                grown |= problem.adjacency[low.bit_length() - 1]
                rest ^= low
            frontier = grown & ~members
        seen |= members
        components.append(_bits(members))
    return components


def _local_options(problem: _Problem, members: Sequence[int]) -> list[int]:
    """Every valid choice within one conflict component, as selection masks."""
    adjacency = problem.adjacency
    automatic = problem.automatic
    if len(members) == 1:  # a promotion in conflict with nothing: in, or (a coupon) not
        bit = 1 << members[0]
        return [bit] if automatic & bit else [bit, 0]
    later = [0] * len(members)  # the ranks after each member
    for k in range(len(members) - 1, 0, -1):
        later[k - 1] = later[k] | 1 << members[k]
    options: list[int] = []

    def visit(k: int, chosen: int, blocked: int) -> None:
        if k == len(members):
            options.append(chosen)
            return
        rank = members[k]
        bit = 1 << rank
        if not blocked & bit:
            visit(k + 1, chosen | bit, blocked | adjacency[rank])
        # leave it out only if it is a coupon or something in (or still to come) excludes it
        if not automatic & bit or adjacency[rank] & (chosen | later[k] & ~blocked):
            visit(k + 1, chosen, blocked)

    visit(0, 0, 0)
    return [option for option in options if problem.valid(option, members)]


class _Outcome:
    """One option of a cluster, priced: its line amounts and its part of the key."""

    __slots__ = ("applied", "coupons", "selected", "selection", "total", "vector")

    def __init__(
        self, selection: int, vector: tuple[int, ...], applied: tuple[str, ...], coupons: int,
        selected: tuple[str, ...],
    ) -> None:  # fmt: skip
        self.selection = selection
        self.vector = vector
        self.total = sum(vector)
        self.applied = applied
        self.coupons = coupons
        self.selected = selected

    def order(self) -> tuple[int, int, int, tuple[str, ...], int, tuple[str, ...]]:
        return (
            self.total, self.coupons, len(self.applied), self.applied,
            len(self.selected), self.selected,
        )  # fmt: skip


class _Cluster:
    """Item/store components (and fixed item/store members of platform/payment
    components) whose promotions share cart lines."""

    __slots__ = ("components", "cross", "fixed", "lines", "mask")

    def __init__(self) -> None:
        self.components: list[list[int]] = []  # local options of each optional component
        self.fixed = 0  # ranks always selected
        self.cross = 0  # ranks of item/store offers that belong to late components
        self.lines: tuple[int, ...] = ()
        self.mask = 0


class _LineGroups:
    """Union-find over cart lines."""

    def __init__(self, n_lines: int) -> None:
        self.parent = list(range(n_lines))

    def root(self, line: int) -> int:
        parent = self.parent
        while parent[line] != line:
            parent[line] = parent[parent[line]]
            line = parent[line]
        return line

    def root_of(self, mask: int) -> int:
        """The group of the lowest line of ``mask``."""
        return self.root((mask & -mask).bit_length() - 1)

    def tie(self, mask: int) -> None:
        """Put every line of ``mask`` in one group."""
        lines = _bits(mask)
        if lines:
            first = self.root(lines[0])
            for line in lines[1:]:
                other = self.root(line)
                if other != first:
                    self.parent[other] = first


class _Search:
    """Branch and bound over the valid selections (see the module docstring)."""

    def __init__(self, problem: _Problem) -> None:
        self.problem = problem
        offers = problem.offers
        # freight waivers are chosen with the platform: their effect is not on the lines
        self.late = sum(
            1 << o.rank for o in offers if o.level in _LATE_LEVELS or o.effect is _FREIGHT
        )
        late_components: list[list[int]] = []
        early_components: list[tuple[list[int], list[int]]] = []
        cross: list[int] = []
        for members in _components(problem):
            options = _local_options(problem, members)
            if any(self.late >> r & 1 for r in members):
                late_components.append(options)
                cross.extend(r for r in members if not self.late >> r & 1)
            else:
                early_components.append((options, members))
        self.late_components = late_components
        self.clusters = self._clusters(early_components, cross)
        self.cache: dict[tuple[int, int], list[_Outcome]] = {}
        self.parts: dict[tuple[int, int, int], tuple[int, ...]] = {}
        self.baselines: dict[tuple[int, ...], _Baseline] = {}
        #: the freight floor by baseline and lines waived (see _freight_floor)
        self.floors: dict[tuple[tuple[int, ...], int], int] = {}
        #: the waiving terms of a late offer for a seller (see _Plan._waiving_terms)
        self.off_terms: dict[tuple[int, int], tuple[int, int, int]] = {}
        self.best: Key | None = None
        self.best_selection = 0

    def _clusters(
        self, early: list[tuple[list[int], list[int]]], cross: list[int]
    ) -> list[_Cluster]:
        """Group cart lines that a choice (or a base spanning several lines) ties together.

        A direct that is always selected and never competes with an optional direct acts
        on each of its lines on its own, so it does not tie its lines together.
        """
        offers = self.problem.offers
        groups = _LineGroups(len(self.problem.cart))
        separable = self._separable_directs(early, cross)
        # (lines, local options or None, always-selected ranks, cross ranks)
        placed: list[tuple[int, list[int] | None, int, int]] = []
        for options, members in early:
            if len(options) > 1:
                mask = 0
                for r in members:
                    mask |= offers[r].mask
                placed.append((mask, options, 0, 0))
            else:
                placed.extend(
                    (offers[r].mask, None, 1 << r, 0)
                    for r in _bits(options[0])
                    if r not in separable
                )
        placed.extend((offers[r].mask, None, 0, 1 << r) for r in cross)
        for mask, _, _, _ in placed:
            groups.tie(mask)
        clusters: dict[int, _Cluster] = {}
        lineless: list[_Cluster] = []
        for mask, choices, fixed, crossing in placed:
            if mask:
                cluster = clusters.setdefault(groups.root_of(mask), _Cluster())
            else:
                cluster = _Cluster()
                lineless.append(cluster)
            cluster.mask |= mask
            cluster.fixed |= fixed
            cluster.cross |= crossing
            if choices is not None:
                cluster.components.append(choices)
        for r in separable:
            for line in _bits(offers[r].mask):
                cluster = clusters.setdefault(groups.root_of(1 << line), _Cluster())
                cluster.mask |= 1 << line
                cluster.fixed |= 1 << r
        for cluster in clusters.values():
            cluster.lines = tuple(_bits(cluster.mask))
        return [*clusters.values(), *lineless]

    def _separable_directs(
        self, early: list[tuple[list[int], list[int]]], cross: list[int]
    ) -> set[int]:
        """Directs always selected whose lines no optional direct competes for."""
        offers = self.problem.offers
        optional = [r for options, members in early if len(options) > 1 for r in members]
        optional_directs = 0
        for r in [*optional, *cross]:
            if offers[r].effect is _UNIT_PRICE:
                optional_directs |= offers[r].mask
        return {
            r
            for options, _ in early
            if len(options) == 1
            for r in _bits(options[0])
            if offers[r].effect is _UNIT_PRICE
            and offers[r].mask
            and not offers[r].mask & optional_directs
        }

    def outcomes(self, index: int, fixed: int) -> list[_Outcome]:
        """Every distinct outcome of a cluster given its fixed cross members, best first."""
        cached = self.cache.get((index, fixed))
        if cached is not None:
            return cached
        problem = self.problem
        offers = problem.offers
        cluster = self.clusters[index]
        merged: dict[tuple[int, ...], _Outcome] = {}
        for combination in itertools.product(*cluster.components):
            selection = fixed | cluster.fixed
            for option in combination:
                selection |= option
            state = problem.initial.copy()
            chosen = problem.offers_of(selection)
            applied = _run(chosen, state)
            amounts = state.amounts
            outcome = _Outcome(
                selection,
                tuple([amounts[i] for i in cluster.lines]),
                tuple(sorted([offers[r].id for r in applied])),
                sum([1 for r in applied if offers[r].coupon]),
                tuple(sorted([o.id for o in chosen])),
            )
            known = merged.get(outcome.vector)
            if known is None or outcome.order() < known.order():
                merged[outcome.vector] = outcome
        result = sorted(merged.values(), key=_Outcome.order)
        self.cache[(index, fixed)] = result
        return result

    def run(self) -> int:
        """The best valid selection, as a mask of ranks."""
        problem = self.problem
        offers = problem.offers
        choices: list[tuple[int, int, _Baseline, tuple[int, ...]]] = []
        for combination in itertools.product(*self.late_components):
            choice = 0
            for option in combination:
                choice |= option
            fixed = tuple(choice & cluster.cross for cluster in self.clusters)
            baseline = self._baseline(fixed)
            root_bound = baseline.total
            for r in _bits(choice & self.late):
                root_bound -= baseline.most_off(self, offers[r])
            if not problem.plain:  # (a plain search's keys leave the fixed freight out)
                root_bound += self._freight_floor(baseline, choice)
            choices.append((root_bound, choice, baseline, fixed))
        choices.sort(key=lambda entry: entry[:2])
        for root_bound, choice, baseline, fixed in choices:
            if self.best is not None and root_bound > self.best[0]:
                break
            late = [offers[r] for r in _bits(choice & self.late)]
            _Plan(self, baseline, fixed, choice & self.late, late).explore()
        return self.best_selection

    def _freight_floor(self, baseline: _Baseline, choice: int) -> int:
        """The freight every completion of ``choice`` pays: the fees of the sellers no
        chosen waiver touches and whose widest goods stay below their free_over."""
        problem = self.problem
        waived = 0
        for r in _bits(choice & problem.waiver_ranks):
            waived |= problem.offers[r].mask
        key = (baseline.fixed_key, waived)
        floor = self.floors.get(key)
        if floor is not None:
            return floor
        floor = 0
        for shipment, varies in zip(problem.shipments, problem.fee_varies, strict=True):
            if shipment.mask & waived or shipment.free_over == 0:
                continue
            if not varies:
                floor += shipment.fee
            else:
                assert shipment.free_over is not None
                if baseline.widest_base(self, shipment) < shipment.free_over:
                    floor += shipment.fee
        self.floors[key] = floor
        return floor

    def _baseline(self, fixed: tuple[int, ...]) -> _Baseline:
        baseline = self.baselines.get(fixed)
        if baseline is None:
            per_cluster = [self.outcomes(index, f) for index, f in enumerate(fixed)]
            baseline = self.baselines[fixed] = _Baseline(self.problem, self.clusters, per_cluster)
            baseline.fixed_key = fixed
        return baseline

    def contributions(self, index: int, fixed: int, offer: _Offer | _Shipment) -> tuple[int, ...]:
        """Per outcome of a cluster: the sum of its amounts on ``offer``'s lines (shared by
        the offers on the same lines)."""
        key = (index, fixed, offer.mask)
        known = self.parts.get(key)
        if known is None:
            lines = self.clusters[index].lines
            positions = [k for k, i in enumerate(lines) if offer.mask >> i & 1]
            outcomes = self.outcomes(index, fixed)
            if len(positions) == 1:
                at = positions[0]
                known = tuple(outcome.vector[at] for outcome in outcomes)
            elif positions:
                pick = operator.itemgetter(*positions)
                known = tuple(sum(pick(outcome.vector)) for outcome in outcomes)
            else:
                known = (0,) * len(outcomes)
            self.parts[key] = known
        return known

    def offer(self, key: Key, selection: int) -> None:
        if self.best is None or key < self.best:
            self.best = key
            self.best_selection = selection


class _Baseline:
    """Every cluster at its own best outcome: the starting point of the plans that share the
    same fixed cross members."""

    def __init__(
        self, problem: _Problem, clusters: list[_Cluster], per_cluster: list[list[_Outcome]]
    ) -> None:
        amounts = problem.initial.amounts[:]
        for cluster, outcomes in zip(clusters, per_cluster, strict=True):
            for i, amount in zip(cluster.lines, outcomes[0].vector, strict=True):
                amounts[i] = amount
        self.amounts = amounts
        self.total = sum(amounts)
        self.per_cluster = per_cluster
        self.fixed = tuple(
            outcomes[0].selection & cluster.cross
            for cluster, outcomes in zip(clusters, per_cluster, strict=True)
        )
        self.widest: dict[int, int] = {}
        self.bounds: dict[int, int] = {}
        self.fixed_key: tuple[int, ...] = ()

    def most_off(self, search: _Search, offer: _Offer) -> int:
        """An upper bound of what a platform/payment ``offer`` can take from this baseline."""
        known = self.bounds.get(offer.rank)
        if known is None:
            known = self.bounds[offer.rank] = offer.upper(
                self.widest_base(search, offer), offer.quantity
            )
        return known

    def widest_base(self, search: _Search, offer: _Offer | _Shipment) -> int:
        """The largest base ``offer`` can meet before the platform level: every cluster
        it looks at left at its outcome with the most amount on the offer's lines."""
        widest = self.widest.get(offer.mask)  # the same for every offer on these lines
        if widest is None:
            widest = sum(self.amounts[i] for i in offer.lines)
            for index, outcomes in enumerate(self.per_cluster):
                if len(outcomes) > 1 and search.clusters[index].mask & offer.mask:
                    column = search.contributions(index, self.fixed[index], offer)
                    widest += max(column) - column[0]
            self.widest[offer.mask] = widest
        return widest


class _Plan:
    """One choice of the platform/payment components: a branch and bound over the clusters
    whose lines its platform/payment promotions look at."""

    def __init__(
        self,
        search: _Search,
        baseline: _Baseline,
        fixed: tuple[int, ...],
        late_choice: int,
        late: list[_Offer],
    ) -> None:
        self.search = search
        self.baseline = baseline
        self.late_choice = late_choice
        self.late = late
        self.late_run = _LateRun(late)
        late_mask = 0
        for offer in late:
            late_mask |= offer.mask
        problem = search.problem
        #: freight or exclusive tax in the payable: every leaf is priced whole
        self.full = not problem.plain
        self.whole_run: _LateRun | None = None
        #: what the bound measures: the late offers' bases, then the goods of the sellers
        #: whose fee is charged unless they reach free_over (no chosen waiver touches them)
        measures: list[_Offer | _Shipment] = list(late)
        #: the freight every completion pays whatever it chooses
        self.freight_floor = 0
        if self.full:
            late_mask |= problem.varying
            self.before_payment = [o for o in late if o.level != "payment"]
            self.payment = [o for o in late if o.level == "payment"]
            self.whole_run = None if problem.taxed else self._whole_run(problem, late)
            waived = 0
            for offer in late:
                if offer.effect is _FREIGHT:
                    waived |= offer.mask
            for shipment, varies in zip(problem.shipments, problem.fee_varies, strict=True):
                if shipment.mask & waived:
                    continue
                if varies:
                    measures.append(shipment)
                elif shipment.free_over != 0:
                    self.freight_floor += shipment.fee
        self.measures = measures
        clusters = search.clusters
        per_cluster = baseline.per_cluster
        relevant = [
            index
            for index, outcomes in enumerate(per_cluster)
            if len(outcomes) > 1 and clusters[index].mask & late_mask
        ]
        # widest spread first: the bound tightens fastest
        relevant.sort(key=lambda c: per_cluster[c][0].total - per_cluster[c][-1].total)
        self.relevant = relevant
        self.parts: list[list[tuple[int, tuple[int, ...]]]] = []
        amounts = baseline.amounts
        fixed_base = [sum([amounts[i] for i in offer.lines]) for offer in measures]
        constant = baseline.total
        for index in relevant:
            outcomes = per_cluster[index]
            columns = [search.contributions(index, fixed[index], offer) for offer in measures]
            parts = [
                (outcome.total, tuple([column[k] for column in columns]))
                for k, outcome in enumerate(outcomes)
            ]
            self.parts.append(parts)
            constant -= outcomes[0].total
            for p, column in enumerate(columns):
                fixed_base[p] -= column[0]
        self.constant = constant
        self.fixed_base = fixed_base
        self._rests(measures)
        self._waiving_terms(measures)
        self.root_bound = self.bound(0, 0, [0] * len(measures))
        self._fixed_sets: tuple[set[str], set[str], int, int] | None = None

    @staticmethod
    def _whole_run(problem: _Problem, late: list[_Offer]) -> _LateRun:
        """Without exclusive tax, a leaf needs the goods after the platform level of the
        sellers whose fee may change and of the chosen waivers, not every line's amount."""
        goods_offers = [o for o in late if o.effect is not _FREIGHT]
        measured = [
            (s.mask, s.lines)
            for s, varies in zip(problem.shipments, problem.fee_varies, strict=True)
            if varies
        ]
        measured += [(o.mask, o.lines) for o in late if o.effect is _FREIGHT]
        cut = sum(1 for o in goods_offers if o.level != "payment")
        return _LateRun(goods_offers, measured, cut)

    def _rests(self, measures: list[_Offer | _Shipment]) -> None:
        """Per depth, over the clusters still to choose: their cheapest totals and their
        widest parts of each measure's base."""
        n = len(self.parts)
        self.rest_total = [0] * (n + 1)
        self.rest_base = [[0] * len(measures) for _ in range(n + 1)]
        for k in range(n - 1, -1, -1):
            totals, bases = zip(*self.parts[k], strict=True)
            self.rest_total[k] = self.rest_total[k + 1] + min(totals)
            self.rest_base[k] = [
                rest + max(column)
                for rest, column in zip(
                    self.rest_base[k + 1], zip(*bases, strict=True), strict=True
                )
            ]

    def _waiving_terms(self, measures: list[_Offer | _Shipment]) -> None:
        """What the bound needs to price a measured seller's waiver (see :meth:`bound`):
        per depth, the cheapest amounts the clusters still to choose can leave off the
        seller's lines; per platform-level offer and seller, the terms bounding the offer's
        share off the seller's lines."""
        first = len(self.late)
        shipped = [cast(_Shipment, measure) for measure in measures[first:]]
        n = len(self.parts)
        self.rest_other = [[0] * len(shipped) for _ in range(n + 1)]
        for k in range(n - 1, -1, -1):
            parts = self.parts[k]
            self.rest_other[k] = [
                rest + min([total - bases[first + q] for total, bases in parts])
                for q, rest in enumerate(self.rest_other[k + 1])
            ]
        listed = self.search.problem.initial.amounts
        cache = self.search.off_terms
        #: per late offer, per measured seller: (widest amount of the offer's lines off the
        #: seller's, least amount of the seller's lines within the offer's when the seller
        #: reaches free_over, how many of the offer's lines are off the seller's); None for
        #: a payment offer, measured after the freight thresholds
        self.off_terms: list[list[tuple[int, int, int]] | None] = []
        for offer in self.late:
            if offer.level == "payment":
                self.off_terms.append(None)
                continue
            terms = []
            for shipment in shipped:
                known = cache.get((offer.rank, shipment.mask))
                if known is None:
                    assert shipment.free_over is not None
                    outside = [i for i in offer.lines if not shipment.mask >> i & 1]
                    left_out = sum([listed[i] for i in shipment.lines if not offer.mask >> i & 1])
                    known = cache[(offer.rank, shipment.mask)] = (
                        sum([listed[i] for i in outside]),
                        max(0, shipment.free_over - left_out),
                        len(outside),
                    )
                terms.append(known)
            self.off_terms.append(terms)

    def bound(self, k: int, total: int, base: list[int]) -> int:
        """A lower bound of the payable of every completion of the first ``k`` choices.

        The goods at their cheapest, less each late offer's largest discount on its widest
        base (``upper``), plus the fees no completion escapes. A seller whose fee may still
        be waived adds the lesser of its fee and what waiving it costs at least: reaching
        ``free_over`` keeps its lines' goods after the platform level at ``free_over`` or
        more, so the payable is then at least ``free_over``, plus the cheapest amounts off
        its lines, less what the platform offers can take off those other lines and the
        payment offers' largest discounts. A platform offer splits its discount in
        proportion to its lines' amounts (each share rounded down, then at most one unit
        more), so it takes off the other lines at most ``off * A / (A + T) + n``: ``A`` the
        widest (list) amount of its lines off the seller's, ``T`` the least the seller's
        lines within it then hold, ``n`` the count of its lines off the seller's.
        """
        lowest = self.constant + total + self.rest_total[k] + self.freight_floor
        rest_base = self.rest_base[k]
        fixed_base = self.fixed_base
        first = len(self.late)
        uppers = [0] * first
        for p, offer in enumerate(self.late):
            uppers[p] = upper = offer.upper(fixed_base[p] + base[p] + rest_base[p], offer.quantity)
            lowest -= upper
        charged = waiving = 0
        rest_other = self.rest_other[k]
        for p in range(first, len(self.measures)):
            shipment = cast(_Shipment, self.measures[p])
            free_over = shipment.free_over
            assert free_over is not None
            if fixed_base[p] + base[p] + rest_base[p] < free_over:
                charged += shipment.fee  # even its widest goods leave the fee charged
                continue
            q = p - first
            waived = self.constant - fixed_base[p] + total - base[p] + rest_other[q]
            waived += free_over + self.freight_floor
            for j, terms in enumerate(self.off_terms):
                upper = uppers[j]
                if not upper:
                    continue
                if terms is None:
                    waived -= upper
                    continue
                widest, least, count = terms[q]
                off = upper * widest // (widest + least) if widest + least else 0
                waived -= min(upper, off + count)
            if waived - lowest > waiving:
                waiving = min(waived - lowest, shipment.fee)
        return lowest + charged + waiving

    def explore(self) -> None:
        search = self.search
        chosen: list[_Outcome] = []
        late_base = [0] * len(self.measures)
        per_cluster = self.baseline.per_cluster

        def visit(k: int, total: int) -> None:
            if search.best is not None and self.bound(k, total, late_base) > search.best[0]:
                return
            if k == len(self.parts):
                self._leaf(chosen)
                return
            outcomes = per_cluster[self.relevant[k]]
            for outcome, (part_total, part_base) in zip(outcomes, self.parts[k], strict=True):
                chosen.append(outcome)
                for p, b in enumerate(part_base):
                    late_base[p] += b
                visit(k + 1, total + part_total)
                for p, b in enumerate(part_base):
                    late_base[p] -= b
                chosen.pop()

        visit(0, 0)

    def _price_whole(self, amounts: list[int], selection: int) -> tuple[list[int], int]:
        """The late offers on ``amounts`` with every split, then freight and tax: the
        ranks that applied and the payable."""
        problem = self.search.problem
        if self.whole_run is not None:
            measured = dict(problem.listed)
            applied, payable = self.whole_run.price(amounts, measured)
            fees, waived = problem.freight_of(selection, measured)
            return applied + waived, payable + sum([fee for fee, _, _ in fees])
        state = _Lines(amounts, [], [])
        applied = _run(self.before_payment, state)
        goods = amounts[:] if self.payment and problem.shipments else amounts
        applied += _run(self.payment, state)
        payable = sum(amounts)
        if problem.shipments:
            fees, waived = problem.freight(selection, goods)
            payable += sum([fee for fee, _, _ in fees])
            applied += waived
        if problem.taxed:
            payable += sum(problem.tax(amounts))
        return applied, payable

    def _fixed(self) -> tuple[set[str], set[str], int, int]:
        """Applied ids, selected ids, coupons and selection of the clusters not branched on
        (a separable direct can sit in several clusters, hence sets)."""
        if self._fixed_sets is None:
            applied: set[str] = set()
            selected: set[str] = set()
            coupons = 0
            selection = 0
            branched = set(self.relevant)
            for index, outcomes in enumerate(self.baseline.per_cluster):
                if index not in branched:
                    applied.update(outcomes[0].applied)
                    selected.update(outcomes[0].selected)
                    coupons += outcomes[0].coupons
                    selection |= outcomes[0].selection
            self._fixed_sets = (applied, selected, coupons, selection)
        return self._fixed_sets

    def _leaf(self, chosen: list[_Outcome]) -> None:
        search = self.search
        clusters = search.clusters
        amounts = self.baseline.amounts[:]
        for index, outcome in zip(self.relevant, chosen, strict=True):
            for i, amount in zip(clusters[index].lines, outcome.vector, strict=True):
                amounts[i] = amount
        fixed_applied, fixed_selected, fixed_coupons, fixed_selection = self._fixed()
        if self.full:
            selection = self.late_choice | fixed_selection
            for outcome in chosen:
                selection |= outcome.selection
            applied, payable = self._price_whole(amounts, selection)
        else:
            applied, payable = self.late_run.price(amounts)
        best = search.best
        if best is not None and payable > best[0]:
            return
        offers = search.problem.offers
        coupons = fixed_coupons + sum(o.coupons for o in chosen)
        coupons += sum(1 for r in applied if offers[r].coupon)
        applied_ids = fixed_applied.union(offers[r].id for r in applied)
        for outcome in chosen:
            applied_ids.update(outcome.applied)
        head = (payable, coupons, len(applied_ids))
        if best is not None and head > best[:3]:
            return
        selected = fixed_selected.union(o.id for o in self.late)
        selection = self.late_choice | fixed_selection
        for outcome in chosen:
            selected.update(outcome.selected)
            selection |= outcome.selection
        key: Key = (*head, tuple(sorted(applied_ids)), len(selected), tuple(sorted(selected)))
        search.offer(key, selection)


class _LateRun:
    """The platform/payment offers of a plan, priced for the payable only (as :func:`_run`
    would, without its per-line result).

    An offer's discount is split over its lines only if a later offer needs that split: one
    that covers part of its lines, or one that is split itself. Otherwise every later offer
    covers all of its lines or none, so a later base just loses the whole discount.
    """

    __slots__ = ("covered", "cut", "measured", "measures", "offers", "split")

    def __init__(
        self,
        offers: Sequence[_Offer],
        measures: Sequence[tuple[int, tuple[int, ...]]] = (),
        cut: int | None = None,
    ) -> None:
        """``measures``: line masks (with their lines) whose amounts are read after the
        first ``cut`` offers (the freight thresholds, after the platform level): an offer
        before the cut is split too if a measure covers part of its lines."""
        self.offers = offers
        self.measures = measures
        self.cut = len(offers) if cut is None else cut
        split = [False] * len(offers)
        for k in range(len(offers) - 1, -1, -1):
            mask = offers[k].mask
            split[k] = any(
                offers[j].mask & mask and (mask & ~offers[j].mask or split[j])
                for j in range(k + 1, len(offers))
            ) or (k < self.cut and any(m & mask and mask & ~m for m, _ in measures))
        self.split = split
        # per offer: the earlier unsplit offers on its lines (all of their lines are its own)
        self.covered = [
            [k for k in range(j) if not split[k] and offers[k].mask & offer.mask]
            for j, offer in enumerate(offers)
        ]
        #: per measure: the unsplit offers before the cut on its lines (all theirs are its)
        self.measured = [
            [k for k in range(self.cut) if not split[k] and offers[k].mask & m] for m, _ in measures
        ]

    def price(
        self, amounts: list[int], measured: dict[int, int] | None = None
    ) -> tuple[list[int], int]:
        """Apply the offers to ``amounts`` (changed in place where a split is needed);
        return the ranks that applied and the payable; put each measure's amount at the
        cut in ``measured``, by mask."""
        applied: list[int] = []
        taken = [0] * len(self.offers)
        for j, offer in enumerate(self.offers):
            if j == self.cut and measured is not None:
                self._measure(amounts, taken, measured)
            lines = offer.lines
            base = sum([amounts[i] for i in lines])
            for k in self.covered[j]:
                base -= taken[k]
            off = offer.discount(base, offer.quantity)
            if off <= 0:
                if offer.gift is not None and lines and offer.reached(base, offer.quantity):
                    applied.append(offer.rank)
                continue
            applied.append(offer.rank)
            if self.split[j]:
                shares = split_minor(off, [amounts[i] for i in lines])
                for i, share in zip(lines, shares, strict=True):
                    amounts[i] -= share
            else:
                taken[j] = off
        if self.cut == len(self.offers) and measured is not None:
            self._measure(amounts, taken, measured)
        return applied, sum(amounts) - sum(taken)

    def _measure(self, amounts: list[int], taken: list[int], measured: dict[int, int]) -> None:
        for (mask, lines), covered in zip(self.measures, self.measured, strict=True):
            goods = sum([amounts[i] for i in lines])
            for k in covered:
                goods -= taken[k]
            measured[mask] = goods


# -- from a selection to a quote ---------------------------------------------------------


_new = object.__new__
_set_promotion_id = Allocation.__dict__["promotion_id"].__set__
_set_amount = Allocation.__dict__["amount"].__set__


def _allocation(promotion_id: str, amount: Money) -> Allocation:
    """``Allocation(promotion_id, amount)`` without attrs' frozen ``__init__`` (it has no
    checks to run): the quote makes one per promotion per line."""
    allocation: Allocation = _new(Allocation)
    _set_promotion_id(allocation, promotion_id)
    _set_amount(allocation, amount)
    return allocation


def _quote_lines(  # noqa: PLR0917 - a run's results
    problem: _Problem,
    chosen: Sequence[_Offer],
    log: Log,
    amounts: Sequence[int],
    taxes: Sequence[int],
    money: Callable[[int], Money],
) -> tuple[QuoteLine, ...]:
    """The priced lines, each with its promotions' allocations and its tax."""
    allocations: list[list[Allocation]] = [[] for _ in problem.cart]
    for offer in chosen:
        for i, share in log[offer.rank].shares.items():
            allocations[i].append(_allocation(offer.id, money(share)))
    return tuple(
        QuoteLine(
            line.sku,
            line.merchant,
            line.category,
            line.unit_price,
            line.quantity,
            money(amounts[i]),
            tuple(allocations[i]),
            line.tax_rate,
            money(taxes[i]),
        )
        for i, line in enumerate(problem.cart)
    )


def _rejections(problem: _Problem, selection: int, applied: set[int], log: Log) -> list[Rejection]:
    """Why each candidate that gave nothing did not, and the promotions that were never
    candidates."""
    offers = problem.offers
    rejections = list(problem.rejections)
    for offer in offers:
        if offer.rank in applied:
            continue
        if not selection >> offer.rank & 1:
            rivals = sorted(
                [offers[r].id for r in _bits(problem.adjacency[offer.rank] & selection)]
            )
            text = (
                f"conflicts with {', '.join(rivals)}"
                if rivals
                else "using it would not lower the payable"
            )
            rejections.append(Rejection(offer.id, "not_chosen", text))
        else:
            code = log[offer.rank].reason or "no_discount"
            rejections.append(Rejection(offer.id, code, code.replace("_", " ")))
    return rejections


def _materialize(problem: _Problem, selection: int) -> Quote:
    """Price ``selection`` once more, logging each promotion's effect, and report.

    The split is :func:`~merx.kernel.money.split_minor`, the core of
    :meth:`Money.allocate`: the allocations are exactly what ``allocate`` gives."""
    currency = problem.currency
    made: dict[int, Money] = {}
    make = minor_maker(currency)

    def money(minor: int) -> Money:
        known = made.get(minor)
        if known is None:
            known = made[minor] = make(minor)
        return known

    chosen = problem.offers_of(selection)
    log: Log = {offer.rank: _Effect() for offer in chosen}
    state, ranks, goods = problem.run(selection, log)
    fees: list[tuple[int, int, int | None]] = []
    if problem.shipments or problem.waivers:
        fees, waived = problem.freight(selection, goods, log)
        ranks += waived
    applied = set(ranks)
    taxes = problem.tax(state.amounts)

    lines = _quote_lines(problem, chosen, log, state.amounts, taxes, money)
    offers = problem.offers
    freight = tuple(
        SellerFreight(
            shipment.seller,
            money(fee),
            None if by is None else offers[by].id,
            money(waived) if waived else None,
            shipment.template.origin,
        )
        for shipment, (fee, waived, by) in zip(problem.shipments, fees, strict=True)
    )

    results: list[AppliedPromotion] = []
    cost: dict[str, int] = {}
    gifts: dict[str, int] = {}
    hints: list[Hint] = []
    for offer in chosen:
        effect = log[offer.rank]
        if effect.base is not None:
            hint = offer.hint(effect.base)
            if hint is not None:
                hints.append(Hint(offer.id, money(hint)))
        if offer.rank not in applied:
            continue
        discount = money(effect.discount)
        funding: tuple[Funding, ...] = ()
        if effect.discount:
            funders = offer.prepared.funders
            shares = (
                discount.allocate([funder.share for funder in funders])
                if len(funders) > 1
                else [discount]
            )
            funding = tuple(
                Funding(funder.party, share) for funder, share in zip(funders, shares, strict=True)
            )
            for part in funding:
                cost[part.party] = cost.get(part.party, 0) + part.amount.minor
        gift = offer.gift if effect.gift else None
        if gift is not None:
            gifts[gift.sku] = gifts.get(gift.sku, 0) + gift.quantity
        results.append(AppliedPromotion(offer.id, offer.kind, offer.level, discount, funding, gift))

    rejections = _rejections(problem, selection, applied, log)
    goods_minor = sum(state.amounts)
    payable_minor = goods_minor + sum([fee for fee, _, _ in fees])
    if problem.tax_mode == "exclusive":
        payable_minor += sum(taxes)
    listed = money(sum(problem.initial.amounts))
    return Quote(
        currency=currency,
        lines=lines,
        payable=money(payable_minor),
        discount=listed - money(goods_minor),
        applied=tuple(sorted(offer.id for offer in chosen if offer.rank in applied)),
        selected=tuple(sorted(offer.id for offer in chosen)),
        promotions=tuple(results),
        cost=tuple(
            Funding(party, money(amount)) for party, amount in sorted(cost.items()) if amount
        ),
        gifts=tuple(GiftItem(sku, quantity) for sku, quantity in sorted(gifts.items())),
        hints=tuple(sorted(hints, key=lambda hint: hint.promotion_id)),
        rejections=tuple(sorted(rejections, key=lambda r: r.promotion_id)),
        freight=freight,
        tax_mode=problem.tax_mode,
    )


# -- the public entry points -------------------------------------------------------------


def quote(  # noqa: PLR0917 - the spec's six inputs, in the spec's order
    lines: Sequence[CartLine],
    promotions: Sequence[Promotion],
    wallet: Sequence[Promotion],
    customer: Customer,
    at: datetime,
    payment_method: str | None = None,
    *,
    destination: str | None = None,
    freight: Sequence[FreightTemplate] = (),
    ranges: Mapping[str, Range] | None = None,
    usage: Mapping[str, int] | None = None,
    tax_mode: TaxMode = "inclusive",
    capped: Mapping[str, str] | None = None,
) -> Quote:
    """Price ``lines`` at instant ``at`` with the best valid choice of ``promotions`` (automatic)
    and ``wallet`` coupons for ``customer`` paying by ``payment_method``.

    Delivered to ``destination``, each seller's lines carry the freight of its template in
    ``freight``; scopes may name ``ranges``; a promotion whose ``per_customer_limit``
    (``customer.used``) or ``global_limit`` (``usage``) is reached, or that the host names in
    ``capped`` (promotion id -> why: a cap the engine does not count, such as one per day),
    is not a candidate (rejected ``usage_cap``, with the host's reason first); each
    line's tax is taken from its amount after discounts (added on top when ``tax_mode`` is
    ``exclusive``). The payable, freight and tax included, is what the choice minimizes.

    Pure and deterministic: the result does not depend on the order promotions are given in.
    Raises a :class:`~merx.errors.ValidationError` subclass for malformed input.
    """
    extras = _Extras(destination, freight, ranges, usage, tax_mode, capped=capped)
    problem = _Problem(lines, promotions, wallet, customer, at, payment_method, extras)
    if problem.forced():
        return _materialize(problem, problem.automatic)
    search = _Search(problem)
    selection = search.run()
    result = _materialize(problem, selection)
    assert search.best is not None
    fixed_freight = problem.fixed_freight if problem.plain else None
    expected = search.best[0] + (fixed_freight or 0)
    assert result.payable.minor == expected, "the quote does not price the search's best"
    return result


def exhaustive_quote(  # noqa: PLR0917 - same inputs as quote()
    lines: Sequence[CartLine],
    promotions: Sequence[Promotion],
    wallet: Sequence[Promotion],
    customer: Customer,
    at: datetime,
    payment_method: str | None = None,
    *,
    destination: str | None = None,
    freight: Sequence[FreightTemplate] = (),
    ranges: Mapping[str, Range] | None = None,
    usage: Mapping[str, int] | None = None,
    tax_mode: TaxMode = "inclusive",
    capped: Mapping[str, str] | None = None,
) -> Quote:
    """The oracle: try every subset of the candidates, keep the valid ones, apply the choice
    rule literally. Exponential; for tests and benchmarks only."""
    extras = _Extras(destination, freight, ranges, usage, tax_mode, capped=capped)
    problem = _Problem(lines, promotions, wallet, customer, at, payment_method, extras)
    best: tuple[Key, int] | None = None
    for selection in range(1 << len(problem.offers)):
        if problem.valid(selection):
            key = problem.price(selection)
            if best is None or key < best[0]:
                best = (key, selection)
    assert best is not None  # the empty set of coupons plus a maximal set always exists
    return _materialize(problem, best[1])
