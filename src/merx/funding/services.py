"""Funding use cases: investors, asset routing, financing an installment order, repurchase
and disposal.

Handlers are ``handler(cmd, uow, *, clock=..., funders=...)``; ``funders`` maps a funder id
to its :class:`~merx.funding.ports.Funder` adapter (self-held funds need none). Funding
reads the installments context's public API (the plan behind an asset) and drives it when
it finances an order: funding depends on installments and credit, never the reverse.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import attrs

from merx import credit, installments
from merx.credit import PlanId
from merx.funding.errors import AssetAlreadyFinanced, FunderTimeout
from merx.funding.model import (
    Asset,
    AttemptOutcome,
    FundingAttempt,
    FundingChannel,
    Investor,
    PackageSale,
    route,
    sell_package,
)
from merx.funding.ports import Funder
from merx.installments import (
    InstallmentPlan,
    InstallmentPlanPaidOff,
    InstallmentPlanRefunded,
    PlanState,
)
from merx.kernel.bus import Command
from merx.kernel.clock import Clock, today
from merx.kernel.errors import NotFound
from merx.kernel.ids import CustomerId, IdSource, OrderId
from merx.kernel.money import Money
from merx.kernel.uow import UnitOfWork
from merx.schedules import FeePayer

# -- commands ----------------------------------------------------------------------------


@attrs.frozen
class RegisterInvestor(Command[None]):
    funder_id: str
    name: str
    channel: FundingChannel
    annual_cost_rate: Decimal
    quota: Money
    terms_accepted: tuple[int, ...] = ()


@attrs.frozen
class ChangeInvestorQuota(Command[None]):
    funder_id: str
    quota: Money


@attrs.frozen
class FundingResult:
    asset_id: str
    funded: bool
    funder_id: str | None
    channel: FundingChannel | None
    attempts: tuple[FundingAttempt, ...]


@attrs.frozen
class FundAsset(Command[FundingResult]):
    """Find a funder for one asset by the routing rules; idempotent by ``asset_id``."""

    asset_id: str
    order_id: OrderId
    principal: Money
    term_months: int
    annual_rate: Decimal


@attrs.frozen
class InstallmentFinancing:
    """The outcome of financing an installment order at payment.

    ``funded`` False means the order must close: the plan was cancelled and
    ``restored`` is the limit given back."""

    plan_id: PlanId
    funded: bool
    funder_id: str | None
    channel: FundingChannel | None
    restored: Money

    @property
    def order_must_close(self) -> bool:
        return not self.funded


@attrs.frozen
class FinanceInstallmentOrder(Command[InstallmentFinancing]):
    """At payment: review the purchase, deduct the limit and open the plan (installments),
    route the asset to a funder, then start the plan, or cancel it and restore the limit if
    nothing funds it."""

    customer_id: CustomerId
    order_id: OrderId
    principal: Money
    term_months: int
    fee_payer: FeePayer = FeePayer.CUSTOMER
    scope: str | None = None


@attrs.frozen
class RepurchaseAsset(Command[Money]):
    """The platform buys an asset back (fraud, after-sales) at its outstanding principal."""

    asset_id: str
    reason: str


@attrs.frozen
class SendAssetToCollection(Command[None]):
    asset_id: str


@attrs.frozen
class SellAssetPackage(Command[PackageSale]):
    """Dispose of bad assets: sell them together to ``buyer`` for ``price``, split over
    the assets by outstanding principal (:meth:`Money.allocate`); the loss is booked."""

    asset_ids: tuple[str, ...]
    buyer: str
    price: Money


# -- handlers ----------------------------------------------------------------------------


def register_investor(cmd: RegisterInvestor, uow: UnitOfWork) -> None:
    investor = Investor.register(
        cmd.funder_id,
        cmd.name,
        cmd.channel,
        annual_cost_rate=cmd.annual_cost_rate,
        quota=cmd.quota,
        terms_accepted=cmd.terms_accepted,
    )
    uow.repo(Investor).add(investor)
    uow.commit()


def change_investor_quota(cmd: ChangeInvestorQuota, uow: UnitOfWork) -> None:
    investor = uow.repo(Investor).get(cmd.funder_id)
    investor.change_quota(cmd.quota)
    uow.repo(Investor).save(investor)
    uow.commit()


def _result(asset: Asset) -> FundingResult:
    return FundingResult(
        asset.id, asset.owner is not None, asset.owner, asset.channel, asset.attempts
    )


def _ask(investor: Investor, funders: Mapping[str, Funder], cmd: FundAsset) -> FundingAttempt:
    """Ask one investor to finance the asset (self-held funds accept internally)."""
    key = f"{cmd.asset_id}/{investor.id}"
    if investor.channel is FundingChannel.SELF_HELD:
        return FundingAttempt(investor.id, AttemptOutcome.ACCEPTED, key)
    port = funders.get(investor.id)
    if port is None:
        return FundingAttempt(investor.id, AttemptOutcome.REFUSED, key, "no adapter wired")
    try:
        decision = port.finance(
            asset_id=cmd.asset_id,
            principal=cmd.principal,
            term_months=cmd.term_months,
            annual_rate=cmd.annual_rate,
            idempotency_key=key,
        )
    except FunderTimeout as timeout:
        return FundingAttempt(investor.id, AttemptOutcome.TIMED_OUT, key, str(timeout))
    except AssetAlreadyFinanced as already:
        return FundingAttempt(investor.id, AttemptOutcome.ACCEPTED, key, str(already))
    if decision.accepted:
        return FundingAttempt(investor.id, AttemptOutcome.ACCEPTED, key, decision.reference)
    return FundingAttempt(investor.id, AttemptOutcome.REFUSED, key, decision.reason)


def fund_asset(
    cmd: FundAsset, uow: UnitOfWork, *, clock: Clock, funders: Mapping[str, Funder]
) -> FundingResult:
    assets = uow.repo(Asset)
    existing = assets.find(cmd.asset_id)
    if existing is not None:
        return _result(existing)  # a replay
    investors = uow.repo(Investor)  # reference data, a few funders: routing weighs each
    candidates = route(
        (investors.get(key) for key in investors.ids()), cmd.principal, cmd.term_months
    )
    attempts: list[FundingAttempt] = []
    chosen: Investor | None = None
    for investor in candidates:
        attempts.append(_ask(investor, funders, cmd))
        if attempts[-1].outcome is AttemptOutcome.ACCEPTED:
            chosen = investor
            break
    asset = Asset.after_routing(
        cmd.asset_id,
        cmd.order_id,
        cmd.principal,
        cmd.term_months,
        cmd.annual_rate,
        attempts=tuple(attempts),
        investor=chosen,
        on=today(clock),
    )
    if chosen is not None:
        investors.save(chosen)
    assets.add(asset)
    uow.commit()
    return _result(asset)


def finance_installment_order(
    cmd: FinanceInstallmentOrder,
    uow: UnitOfWork,
    *,
    clock: Clock,
    ids: IdSource,
    scorer: credit.CreditScorer,
    funders: Mapping[str, Funder],
    product: installments.ProductSettings | None = None,
    calendar: installments.BusinessCalendar | None = None,
) -> InstallmentFinancing:
    plan_id = installments.purchase_on_installment(
        installments.PurchaseOnInstallment(
            cmd.customer_id,
            cmd.order_id,
            cmd.principal,
            cmd.term_months,
            cmd.fee_payer,
            cmd.scope,
        ),
        uow,
        clock=clock,
        ids=ids,
        scorer=scorer,
        product=product,
        calendar=calendar,
    )
    plan = uow.repo(InstallmentPlan).get(plan_id)
    if plan.status is not PlanState.PENDING_FUNDING:  # a replay of a finished financing
        asset = uow.repo(Asset).find(plan_id)
        funded = plan.status is not PlanState.CANCELLED
        return InstallmentFinancing(
            plan_id,
            funded,
            plan.funder_id,
            asset.channel if asset is not None else None,
            Money.zero(plan.currency) if funded else plan.principal,
        )
    result = fund_asset(
        FundAsset(plan_id, cmd.order_id, cmd.principal, cmd.term_months, plan.schedule.apr),
        uow,
        clock=clock,
        funders=funders,
    )
    if result.funded and result.funder_id is not None:
        installments.activate_installment_plan(
            installments.ActivateInstallmentPlan(plan_id, result.funder_id), uow
        )
        restored = Money.zero(cmd.principal.currency)
    else:
        restored = installments.cancel_installment_plan(
            installments.CancelInstallmentPlan(plan_id, "no funder financed the order"), uow
        )
    return InstallmentFinancing(plan_id, result.funded, result.funder_id, result.channel, restored)


def _plan_of(uow: UnitOfWork, asset: Asset) -> InstallmentPlan:
    plan = uow.repo(InstallmentPlan).find(asset.id)
    if plan is None:
        raise NotFound(f"asset {asset.id!r} has no installment plan")
    return plan


def _owner(uow: UnitOfWork, asset: Asset) -> Investor | None:
    """The investor owning ``asset`` now, if its owner is one."""
    return None if asset.owner is None else uow.repo(Investor).find(asset.owner)


def _save(uow: UnitOfWork, asset: Asset, *investors: Investor | None) -> None:
    for investor in investors:
        if investor is not None:
            uow.repo(Investor).save(investor)
    uow.repo(Asset).save(asset)
    uow.commit()


def repurchase_asset(cmd: RepurchaseAsset, uow: UnitOfWork, *, clock: Clock) -> Money:
    asset = uow.repo(Asset).get(cmd.asset_id)
    price = _plan_of(uow, asset).outstanding_principal
    seller = _owner(uow, asset)
    asset.repurchase(price, cmd.reason, today(clock), seller)
    _save(uow, asset, seller)
    return price


def send_asset_to_collection(cmd: SendAssetToCollection, uow: UnitOfWork) -> None:
    asset = uow.repo(Asset).get(cmd.asset_id)
    asset.send_to_collection(_plan_of(uow, asset).outstanding_principal)
    _save(uow, asset)


def sell_asset_package(cmd: SellAssetPackage, uow: UnitOfWork, *, clock: Clock) -> PackageSale:
    assets = [uow.repo(Asset).get(key) for key in cmd.asset_ids]
    outstanding = [_plan_of(uow, asset).outstanding_principal for asset in assets]
    owners = {o.id: o for o in (_owner(uow, asset) for asset in assets) if o is not None}
    sale, released = sell_package(
        assets, outstanding, owners, buyer=cmd.buyer, price=cmd.price, on=today(clock)
    )
    for investor in released:
        uow.repo(Investor).save(investor)
    for asset in assets:
        uow.repo(Asset).save(asset)
    uow.commit()
    return sale


# -- subscribers to installments events --------------------------------------------------


def on_plan_paid_off(event: InstallmentPlanPaidOff, uow: UnitOfWork) -> None:
    """The customer repaid the plan: its asset is settled and frees its funder's quota."""
    asset = uow.repo(Asset).find(event.plan_id)
    if asset is None:
        return
    owner = _owner(uow, asset)
    if asset.plan_paid_off(owner):
        _save(uow, asset, owner)


def on_plan_refunded(event: InstallmentPlanRefunded, uow: UnitOfWork) -> None:
    """An after-sales refund closed the plan: the platform repurchases the asset at the
    principal the refund paid down, and the asset is settled (the refund repaid it)."""
    asset = uow.repo(Asset).find(event.plan_id)
    plan = uow.repo(InstallmentPlan).find(event.plan_id)
    if asset is None or plan is None:
        return
    owner = _owner(uow, asset)
    if asset.plan_refunded(plan, event.principal, event.on, owner):
        _save(uow, asset, owner)
