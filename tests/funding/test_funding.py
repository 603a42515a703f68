"""Funding: routing with fallback, failure closing the order, repurchase, disposal."""

from __future__ import annotations

from decimal import Decimal

import pytest

from merx import funding, installments
from merx.adapters.memory.funder import MemoryFunder
from merx.funding import (
    PLATFORM_FUNDER,
    Asset,
    AssetState,
    AttemptOutcome,
    FundingChannel,
    Investor,
)
from merx.funding.model import route
from merx.installments import PlanState
from merx.kernel.errors import IllegalTransition
from merx.kernel.ids import OrderId
from tests.credit.world import ALICE, CreditWorld, cny, make_world


def add_funder(
    world: CreditWorld, funder_id: str, channel: FundingChannel, cost: str
) -> MemoryFunder:
    adapter = MemoryFunder(funder_id, cny("1000000"))
    world.funders[funder_id] = adapter
    world.handle(
        funding.RegisterInvestor(funder_id, funder_id, channel, Decimal(cost), cny("1000000"))
    )
    return adapter


def test_routing_is_by_cost_then_quota_with_self_held_last() -> None:
    def inv(key: str, channel: FundingChannel, cost: str, quota: str) -> Investor:
        return Investor.register(
            key, key, channel, annual_cost_rate=Decimal(cost), quota=cny(quota)
        )

    investors = [
        inv(PLATFORM_FUNDER, FundingChannel.SELF_HELD, "0.01", "1000000"),
        inv("trust", FundingChannel.TRUST, "0.07", "500000"),
        inv("bank-big", FundingChannel.DIRECT_LENDING, "0.06", "900000"),
        inv("bank-small", FundingChannel.DIRECT_LENDING, "0.06", "100000"),
        inv("factor", FundingChannel.FACTORING, "0.05", "100"),  # too little quota
    ]
    order = [i.id for i in route(investors, cny("1000.00"), 6)]
    assert order == ["bank-big", "bank-small", "trust", PLATFORM_FUNDER]


def test_a_refusal_then_a_timeout_fall_back_to_self_held_funds(world: CreditWorld) -> None:
    bank = add_funder(world, "bank", FundingChannel.DIRECT_LENDING, "0.05")
    trust = add_funder(world, "trust", FundingChannel.TRUST, "0.06")
    bank.refuse_next(reason="outside our risk appetite")
    trust.timeout_next(applied=False)
    world.open_account()
    result = world.handle(
        funding.FinanceInstallmentOrder(ALICE, OrderId("ord-1"), cny("3000.00"), 6)
    )
    assert result.funded
    assert (result.funder_id, result.channel) == (PLATFORM_FUNDER, FundingChannel.SELF_HELD)
    asset = world.get(Asset, result.plan_id)
    assert [(a.funder_id, a.outcome) for a in asset.attempts] == [
        ("bank", AttemptOutcome.REFUSED),
        ("trust", AttemptOutcome.TIMED_OUT),
        (PLATFORM_FUNDER, AttemptOutcome.ACCEPTED),
    ]
    assert world.events.of(funding.FundingTimedOut)
    assert world.plan(result.plan_id).status is PlanState.ACTIVE


def test_the_cheapest_funder_that_accepts_finances_the_order(world: CreditWorld) -> None:
    add_funder(world, "bank", FundingChannel.DIRECT_LENDING, "0.05")
    world.open_account()
    result = world.handle(
        funding.FinanceInstallmentOrder(ALICE, OrderId("ord-1"), cny("3000.00"), 6)
    )
    assert result.funder_id == "bank"
    assert world.funders["bank"].financed == {result.plan_id: cny("3000.00")}
    assert world.get(Investor, "bank").used == cny("3000.00")


def test_when_nothing_funds_the_order_closes_and_the_limit_is_restored() -> None:
    world = make_world(self_held=None)
    bank = add_funder(world, "bank", FundingChannel.DIRECT_LENDING, "0.05")
    bank.refuse_next()
    world.open_account()
    result = world.handle(
        funding.FinanceInstallmentOrder(ALICE, OrderId("ord-1"), cny("3000.00"), 6)
    )
    assert not result.funded
    assert result.order_must_close
    assert result.restored == cny("3000.00")
    assert world.plan(result.plan_id).status is PlanState.CANCELLED
    account = world.account()
    assert account.position(world.today).available == cny("10000.00")
    assert account.open_plans == []
    assert world.get(Asset, result.plan_id).status is AssetState.UNFUNDED


def test_an_after_sales_refund_makes_the_platform_repurchase_the_asset(
    world: CreditWorld,
) -> None:
    add_funder(world, "bank", FundingChannel.DIRECT_LENDING, "0.05")
    world.open_account()
    plan_id = world.buy("3000.00", 3)
    world.handle(installments.RefundInstallmentOrder(ALICE, OrderId("ord-1"), cny("3000.00")))
    asset = world.get(Asset, plan_id)
    assert asset.status is AssetState.SETTLED
    assert [o.owner for o in asset.owners] == ["bank", PLATFORM_FUNDER]
    assert asset.owners[-1].price == cny("3000.00")
    assert world.get(Investor, "bank").used.is_zero()


def test_repaying_in_full_settles_the_asset_and_frees_the_quota(world: CreditWorld) -> None:
    add_funder(world, "bank", FundingChannel.DIRECT_LENDING, "0.05")
    world.open_account()
    plan_id = world.buy("3000.00", 3)
    quote = installments.payoff_quote(world.bus._uow_factory(), plan_id, clock=world.clock)
    world.handle(installments.PayOffInstallmentPlan(plan_id, quote.total))
    assert world.get(Asset, plan_id).status is AssetState.SETTLED
    assert world.get(Investor, "bank").used.is_zero()


def test_bad_assets_go_to_collection_or_are_sold_at_a_loss(world: CreditWorld) -> None:
    add_funder(world, "bank", FundingChannel.DIRECT_LENDING, "0.05")
    world.open_account()
    first = world.buy("3000.00", 3)
    second = world.buy("1000.00", 3, order="ord-2")
    world.handle(funding.SendAssetToCollection(first))
    assert world.get(Asset, first).status is AssetState.IN_COLLECTION
    sale = world.handle(funding.SellAssetPackage((first, second), "recovery-co", cny("800.00")))
    assert sale.loss == cny("3200.00")
    sold = world.get(Asset, first)
    assert sold.status is AssetState.SOLD
    assert sold.owner == "recovery-co"
    assert sold.loss == cny("2400.00")  # 800 split 600 / 200 by outstanding principal


def test_the_platform_can_repurchase_an_asset_on_fraud(world: CreditWorld) -> None:
    add_funder(world, "bank", FundingChannel.DIRECT_LENDING, "0.05")
    world.open_account()
    plan_id = world.buy("3000.00", 3)
    price = world.handle(funding.RepurchaseAsset(plan_id, "identity fraud"))
    assert price == cny("3000.00")
    asset = world.get(Asset, plan_id)
    assert asset.owner == PLATFORM_FUNDER
    with pytest.raises(IllegalTransition):
        world.handle(funding.RepurchaseAsset(plan_id, "again"))
