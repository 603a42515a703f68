"""Funding: investors (sources of funds), assets (financed plans) and asset routing.

* :class:`Investor` - a source of funds with a channel (direct lending, trust,
  factoring, or the platform's own self-held funds), a price (its annual cost) and a
  quota. It finances assets while its quota lasts.
* :class:`Asset` - one financed installment plan (the asset id is the plan id): who owns
  it now and every owner before (:class:`Ownership`), the funding attempts that led
  there, and its end: settled by the customer, repurchased by the platform, or disposed
  of (sent to collection, or sold in a package at a price, the loss booked).
* :func:`route` - asset routing: the investors that may take an asset, cheapest first,
  then the one with the most quota left; the platform's self-held funds always last.
* :func:`sell_package` - disposal of several assets together at one price.

An asset that leaves an investor (settled, repurchased, sold) frees the investor's quota:
the asset's methods take the owner's :class:`Investor` and give it back.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Final

import attrs

from merx.funding.errors import QuotaExhausted
from merx.installments import InstallmentPlan, PlanState
from merx.kernel.aggregate import Aggregate, flat_field
from merx.kernel.errors import (
    BusinessRuleViolation,
    CurrencyMismatch,
    InvalidAmount,
    ValidationError,
)
from merx.kernel.events import DomainEvent
from merx.kernel.ids import OrderId
from merx.kernel.money import Money
from merx.kernel.state import StateMachine

#: The id of the platform as an asset owner (self-held funds, repurchases).
PLATFORM_FUNDER: Final = "platform"


class FundingChannel(enum.Enum):
    DIRECT_LENDING = "direct_lending"
    TRUST = "trust"
    FACTORING = "factoring"
    SELF_HELD = "self_held"  # the platform's own funds: the last resort


# -- investors -------------------------------------------------------------------------


@attrs.frozen
class InvestorRegistered(DomainEvent):
    funder_id: str
    channel: FundingChannel
    quota: Money
    annual_cost_rate: Decimal


@attrs.frozen
class InvestorQuotaChanged(DomainEvent):
    funder_id: str
    quota: Money


@attrs.define(kw_only=True)
class Investor(Aggregate):
    """A source of funds (id = its ``funder_id`` at the :class:`Funder` port)."""

    id: str
    name: str
    channel: FundingChannel
    annual_cost_rate: Decimal
    quota: Money
    used: Money
    terms_accepted: tuple[int, ...] = ()  # empty: any term
    active: bool = True

    @classmethod
    def register(
        cls,
        funder_id: str,
        name: str,
        channel: FundingChannel,
        *,
        annual_cost_rate: Decimal,
        quota: Money,
        terms_accepted: tuple[int, ...] = (),
    ) -> Investor:
        if not isinstance(funder_id, str) or not funder_id:
            raise ValidationError(f"funder id must be a non-empty string, not {funder_id!r}")
        if not isinstance(quota, Money) or quota.is_negative():
            raise InvalidAmount(f"quota must be a Money >= 0, not {quota!r}")
        rate = annual_cost_rate
        if not isinstance(rate, Decimal) or not rate.is_finite() or rate < 0:
            raise ValidationError(f"annual_cost_rate must be a Decimal >= 0, not {rate!r}")
        investor = cls(
            id=funder_id,
            name=name,
            channel=channel,
            annual_cost_rate=rate,
            quota=quota,
            used=Money.zero(quota.currency),
            terms_accepted=terms_accepted,
        )
        investor.record(InvestorRegistered(funder_id, channel, quota, rate))
        return investor

    @property
    def available(self) -> Money:
        return (self.quota - self.used).max(Money.zero(self.quota.currency))

    def accepts(self, principal: Money, term_months: int) -> bool:
        """Whether the asset fits this investor's quota and asset requirements."""
        return (
            self.active
            and principal.currency == self.quota.currency
            and principal <= self.available
            and (not self.terms_accepted or term_months in self.terms_accepted)
        )

    def take(self, principal: Money) -> None:
        if principal.currency != self.quota.currency:
            raise CurrencyMismatch(f"{principal} is not in investor {self.id!r}'s currency")
        if principal > self.available:
            raise QuotaExhausted(
                f"investor {self.id!r}: {principal} asked, {self.available} of quota left"
            )
        self.used += principal

    def give_back(self, principal: Money) -> None:
        """An asset left the investor (settled, repurchased, sold): free its quota."""
        self.used = (self.used - principal).max(Money.zero(self.quota.currency))

    def change_quota(self, quota: Money) -> None:
        if quota.currency != self.quota.currency or quota.is_negative():
            raise InvalidAmount(f"investor {self.id!r}: bad quota {quota}")
        self.quota = quota
        self.record(InvestorQuotaChanged(self.id, quota))


def route(investors: Iterable[Investor], principal: Money, term_months: int) -> list[Investor]:
    """Asset routing: who may take the asset, in the order to ask them.

    External investors that accept it, by annual cost (cheapest first), then most quota
    left, then id; then the platform's self-held funds, if they accept it.
    """
    if not isinstance(principal, Money) or not principal.is_positive():
        raise ValidationError(f"principal must be a positive Money, not {principal!r}")
    fitting = [i for i in investors if i.accepts(principal, term_months)]
    fitting.sort(
        key=lambda i: (
            i.channel is FundingChannel.SELF_HELD,
            i.annual_cost_rate,
            -i.available.minor,
            i.id,
        )
    )
    return fitting


# -- assets ----------------------------------------------------------------------------


class AssetState(enum.Enum):
    UNFUNDED = "unfunded"  # nothing funded it: the order closed
    FUNDED = "funded"
    SETTLED = "settled"  # the customer repaid it
    REPURCHASED = "repurchased"  # the platform bought it back (after-sales, fraud)
    IN_COLLECTION = "in_collection"
    SOLD = "sold"  # disposed of in a package


ASSET_FLOW: Final = StateMachine[AssetState](
    "asset",
    [
        (AssetState.FUNDED, "settle", AssetState.SETTLED),
        (AssetState.REPURCHASED, "settle", AssetState.SETTLED),
        (AssetState.IN_COLLECTION, "settle", AssetState.SETTLED),
        (AssetState.FUNDED, "repurchase", AssetState.REPURCHASED),
        (AssetState.IN_COLLECTION, "repurchase", AssetState.REPURCHASED),
        ((AssetState.FUNDED, AssetState.REPURCHASED), "collect", AssetState.IN_COLLECTION),
        (
            (AssetState.FUNDED, AssetState.REPURCHASED, AssetState.IN_COLLECTION),
            "sell",
            AssetState.SOLD,
        ),
    ],
)


class AttemptOutcome(enum.Enum):
    ACCEPTED = "accepted"
    REFUSED = "refused"
    TIMED_OUT = "timed_out"  # outcome unknown: reconcile with the funder by its key


@attrs.frozen
class FundingAttempt:
    funder_id: str
    outcome: AttemptOutcome
    idempotency_key: str
    detail: str | None = None


@attrs.frozen
class Ownership:
    """``owner`` held the asset from ``since``; ``price`` is what it paid for it."""

    owner: str
    since: date
    reason: str
    price: Money


@attrs.frozen
class AssetFunded(DomainEvent):
    asset_id: str
    order_id: OrderId
    funder_id: str
    channel: FundingChannel
    principal: Money


@attrs.frozen
class AssetFundingFailed(DomainEvent):
    asset_id: str
    order_id: OrderId
    attempts: tuple[FundingAttempt, ...]


@attrs.frozen
class FundingTimedOut(DomainEvent):
    """A funder did not answer: it may have financed the asset; reconcile by ``key``."""

    asset_id: str
    funder_id: str
    idempotency_key: str


@attrs.frozen
class AssetSettled(DomainEvent):
    asset_id: str
    owner: str


@attrs.frozen
class AssetRepurchased(DomainEvent):
    asset_id: str
    seller: str
    price: Money
    reason: str


@attrs.frozen
class AssetSentToCollection(DomainEvent):
    asset_id: str
    outstanding: Money


@attrs.frozen
class AssetSold(DomainEvent):
    asset_id: str
    buyer: str
    price: Money
    loss: Money


@attrs.define(kw_only=True)
class Asset(Aggregate):
    id: str
    order_id: OrderId
    principal: Money
    term_months: int
    annual_rate: Decimal
    status: AssetState
    channel: FundingChannel | None = None
    owners: list[Ownership] = flat_field(list)
    attempts: tuple[FundingAttempt, ...] = ()
    loss: Money | None = None

    @property
    def owner(self) -> str | None:
        return self.owners[-1].owner if self.owners else None

    @classmethod
    def after_routing(
        cls,
        asset_id: str,
        order_id: OrderId,
        principal: Money,
        term_months: int,
        annual_rate: Decimal,
        *,
        attempts: tuple[FundingAttempt, ...],
        investor: Investor | None,
        on: date,
    ) -> Asset:
        """The asset as routing left it: funded by ``investor`` (whose quota it takes), or
        ``UNFUNDED`` when no investor accepted it. Each timed-out attempt is recorded
        (:class:`FundingTimedOut`) for reconciliation with its funder."""
        if investor is not None:
            investor.take(principal)  # checks the quota before anything changes
        asset = cls(
            id=asset_id,
            order_id=order_id,
            principal=principal,
            term_months=term_months,
            annual_rate=annual_rate,
            status=AssetState.UNFUNDED if investor is None else AssetState.FUNDED,
            channel=None if investor is None else investor.channel,
            owners=[] if investor is None else [Ownership(investor.id, on, "funded", principal)],
            attempts=attempts,
        )
        for attempt in attempts:
            if attempt.outcome is AttemptOutcome.TIMED_OUT:
                asset.record(FundingTimedOut(asset_id, attempt.funder_id, attempt.idempotency_key))
        if investor is None:
            asset.record(AssetFundingFailed(asset_id, order_id, attempts))
        else:
            asset.record(AssetFunded(asset_id, order_id, investor.id, investor.channel, principal))
        return asset

    def _release(self, owner: Investor | None) -> None:
        """Free the quota of ``owner``, the investor the asset leaves (if it is one)."""
        if owner is not None:
            assert owner.id == self.owner, (self.id, owner.id, self.owner)
            owner.give_back(self.principal)

    def settle(self) -> None:
        ASSET_FLOW.target(self.status, "settle")
        ASSET_FLOW.move(self, "settle", AssetSettled(self.id, self.owner or PLATFORM_FUNDER))

    def plan_paid_off(self, owner: Investor | None) -> bool:
        """The customer repaid the plan: the asset settles and frees its owner's quota.
        An asset already settled, sold or never funded changes nothing (False)."""
        if self.status in (AssetState.SETTLED, AssetState.SOLD, AssetState.UNFUNDED):
            return False
        self.settle()
        self._release(owner)
        return True

    def plan_refunded(
        self, plan: InstallmentPlan, principal: Money, on: date, owner: Investor | None
    ) -> bool:
        """An after-sales refund paid ``principal`` of the plan down. When it closed the
        plan, the platform repurchases the asset at that principal (unless it owns it
        already), the owner's quota is freed and the asset settles (the refund repaid it).
        Otherwise, or for an asset neither funded nor in collection, nothing changes (False).
        """
        if plan.status is not PlanState.CLOSED:
            return False
        if self.status not in (AssetState.FUNDED, AssetState.IN_COLLECTION):
            return False
        if self.owner != PLATFORM_FUNDER:
            self.repurchase(principal, "after-sales refund", on, owner)
        else:
            self._release(owner)
        self.settle()
        return True

    def repurchase(
        self, price: Money, reason: str, on: date, seller: Investor | None = None
    ) -> str:
        """The platform buys the asset back at ``price``, freeing the quota of ``seller``
        (the owner's :class:`Investor`, if it is one); returns the seller's id."""
        ASSET_FLOW.target(self.status, "repurchase")
        self._check_price(price)
        seller_id = self.owner or PLATFORM_FUNDER
        if seller_id == PLATFORM_FUNDER:
            raise BusinessRuleViolation(f"asset {self.id!r} is already the platform's")
        self._release(seller)
        self.owners.append(Ownership(PLATFORM_FUNDER, on, reason, price))
        ASSET_FLOW.move(self, "repurchase", AssetRepurchased(self.id, seller_id, price, reason))
        return seller_id

    def send_to_collection(self, outstanding: Money) -> None:
        ASSET_FLOW.target(self.status, "collect")
        ASSET_FLOW.move(self, "collect", AssetSentToCollection(self.id, outstanding))

    def sell(self, buyer: str, price: Money, outstanding: Money, on: date) -> str:
        """Sold in a package: ``price`` is this asset's share; the loss is the outstanding
        principal not recovered. Returns the seller."""
        self._check_sale(buyer, price)
        seller = self.owner or PLATFORM_FUNDER
        self.loss = (outstanding - price).max(Money.zero(price.currency))
        self.owners.append(Ownership(buyer, on, "sold in a package", price))
        ASSET_FLOW.move(self, "sell", AssetSold(self.id, buyer, price, self.loss))
        return seller

    def _check_sale(self, buyer: str, price: Money) -> None:
        ASSET_FLOW.target(self.status, "sell")
        self._check_price(price)
        if not isinstance(buyer, str) or not buyer:
            raise ValidationError(f"buyer must be a non-empty string, not {buyer!r}")

    def _check_price(self, price: Money) -> None:
        if not isinstance(price, Money) or price.is_negative():
            raise InvalidAmount(f"a price must be a Money >= 0, not {price!r}")
        if price.currency != self.principal.currency:
            raise CurrencyMismatch(f"{price} is not in the asset's {self.principal.currency}")


# -- disposal ----------------------------------------------------------------------------


@attrs.frozen
class PackageSale:
    price: Money
    outstanding: Money
    loss: Money


def sell_package(
    assets: Sequence[Asset],
    outstanding: Sequence[Money],
    owners: Mapping[str, Investor],
    *,
    buyer: str,
    price: Money,
    on: date,
) -> tuple[PackageSale, list[Investor]]:
    """Sell distinct ``assets`` together to ``buyer`` for ``price``, split over them by
    ``outstanding`` principal (:meth:`Money.allocate`), each booking its loss. Every asset
    is checked before any is sold. An external investor that sold an asset (found in
    ``owners`` by id) gets its quota back; returns the sale and those investors."""
    ids = [asset.id for asset in assets]
    if not ids or len(set(ids)) != len(ids):
        raise ValidationError(f"a package lists distinct assets, not {tuple(ids)!r}")
    currency = price.currency
    total = Money.sum(outstanding, currency)
    if not total.is_positive():
        raise BusinessRuleViolation("the package has no outstanding principal to sell")
    shares = price.allocate(outstanding)
    for asset, share in zip(assets, shares, strict=True):
        asset._check_sale(buyer, share)
    released: list[Investor] = []
    for asset, share, owed in zip(assets, shares, outstanding, strict=True):
        seller = asset.owner or PLATFORM_FUNDER
        investor = owners.get(seller) if seller != PLATFORM_FUNDER else None
        asset.sell(buyer, share, owed, on)
        if investor is not None:
            investor.give_back(asset.principal)
            released.append(investor)
    return PackageSale(price, total, (total - price).max(Money.zero(currency))), released
