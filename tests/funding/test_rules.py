"""The rules that used to sit in funding's services, now in the model: each records its
event, frees the right investor's quota, and a refusal leaves everything as it was."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal

import pytest

from merx.credit import PlanId
from merx.funding import (
    PLATFORM_FUNDER,
    Asset,
    AssetFunded,
    AssetFundingFailed,
    AssetRepurchased,
    AssetSettled,
    AssetSold,
    AssetState,
    AttemptOutcome,
    FundingAttempt,
    FundingChannel,
    FundingTimedOut,
    Investor,
    QuotaExhausted,
)
from merx.funding.model import route, sell_package
from merx.installments import InstallmentPlan, ProductSettings
from merx.kernel.errors import BusinessRuleViolation, IllegalTransition, ValidationError
from merx.kernel.ids import CustomerId, OrderId
from merx.kernel.money import Money
from merx.schedules import InstallmentTerms, ScheduleMethod, build_schedule

ON = date(2026, 1, 31)


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def investor(funder_id: str = "bank", quota: str = "10000.00") -> Investor:
    channel = (
        FundingChannel.SELF_HELD if funder_id == PLATFORM_FUNDER else FundingChannel.DIRECT_LENDING
    )
    registered = Investor.register(
        funder_id, funder_id, channel, annual_cost_rate=Decimal("0.05"), quota=cny(quota)
    )
    registered.pull_events()
    return registered


def funded(
    asset_id: str = "plan-1", by: Investor | None = None, principal: str = "3000.00"
) -> Asset:
    owner = by or investor()
    attempts = (FundingAttempt(owner.id, AttemptOutcome.ACCEPTED, f"{asset_id}/{owner.id}"),)
    asset = Asset.after_routing(
        asset_id,
        OrderId(f"ord-{asset_id}"),
        cny(principal),
        3,
        Decimal("0.12"),
        attempts=attempts,
        investor=owner,
        on=ON,
    )
    asset.pull_events()
    return asset


def plan(refund: str | None = None) -> InstallmentPlan:
    terms = InstallmentTerms(
        cny("3000.00"), 3, ScheduleMethod.FLAT_FEE, ON, period_fee_rate=Decimal("0.006")
    )
    opened = InstallmentPlan.open(
        PlanId("plan-1"),
        CustomerId("alice"),
        OrderId("ord-plan-1"),
        build_schedule(terms),
        product=ProductSettings(),
    )
    opened.activate("bank")
    if refund is not None:
        opened.refund(cny(refund), date(2026, 2, 5))
    return opened


def test_routing_refuses_a_principal_that_is_not_positive() -> None:
    with pytest.raises(ValidationError):
        route([investor()], cny("0"), 3)


def test_an_asset_funded_after_routing_takes_the_quota_and_records_the_timeouts() -> None:
    bank = investor()
    attempts = (
        FundingAttempt("trust", AttemptOutcome.TIMED_OUT, "plan-1/trust"),
        FundingAttempt("bank", AttemptOutcome.ACCEPTED, "plan-1/bank"),
    )
    asset = Asset.after_routing(
        "plan-1", OrderId("o"), cny("3000.00"), 3, Decimal("0.12"),
        attempts=attempts, investor=bank, on=ON,
    )  # fmt: skip
    assert (asset.status, asset.owner, asset.channel) == (
        AssetState.FUNDED,
        "bank",
        FundingChannel.DIRECT_LENDING,
    )
    assert bank.used == cny("3000.00")
    assert [type(e) for e in asset.pending_events] == [FundingTimedOut, AssetFunded]


def test_an_asset_nobody_funded_is_recorded_unfunded() -> None:
    refused = (FundingAttempt("bank", AttemptOutcome.REFUSED, "plan-1/bank", "no"),)
    asset = Asset.after_routing(
        "plan-1", OrderId("o"), cny("3000.00"), 3, Decimal("0.12"),
        attempts=refused, investor=None, on=ON,
    )  # fmt: skip
    assert (asset.status, asset.owner, asset.channel) == (AssetState.UNFUNDED, None, None)
    assert asset.pending_events == [AssetFundingFailed("plan-1", OrderId("o"), refused)]


def test_an_investor_without_the_quota_funds_nothing() -> None:
    small = investor(quota="100.00")
    before = copy.deepcopy(small)
    with pytest.raises(QuotaExhausted):
        funded(by=small)
    assert small == before


def test_a_paid_off_plan_settles_the_asset_and_frees_the_quota_once() -> None:
    bank = investor()
    asset = funded(by=bank)
    assert asset.plan_paid_off(bank)
    assert asset.pull_events() == [AssetSettled("plan-1", "bank")]
    assert bank.used.is_zero()
    bank_before, asset_before = copy.deepcopy(bank), copy.deepcopy(asset)
    assert not asset.plan_paid_off(bank)  # a replay: already settled
    assert (asset, bank) == (asset_before, bank_before)
    assert asset.pending_events == []


def test_a_refund_that_closed_the_plan_makes_the_platform_repurchase_then_settle() -> None:
    bank = investor()
    asset = funded(by=bank)
    assert asset.plan_refunded(plan(refund="3000.00"), cny("3000.00"), date(2026, 2, 5), bank)
    assert asset.pull_events() == [
        AssetRepurchased("plan-1", "bank", cny("3000.00"), "after-sales refund"),
        AssetSettled("plan-1", PLATFORM_FUNDER),
    ]
    assert [o.owner for o in asset.owners] == ["bank", PLATFORM_FUNDER]
    assert bank.used.is_zero()


def test_a_refund_of_an_asset_the_platform_owns_only_settles_it() -> None:
    platform = investor(PLATFORM_FUNDER)
    asset = funded(by=platform)
    assert asset.plan_refunded(plan(refund="3000.00"), cny("3000.00"), date(2026, 2, 5), platform)
    assert asset.pull_events() == [AssetSettled("plan-1", PLATFORM_FUNDER)]
    assert platform.used.is_zero()


@pytest.mark.parametrize("refund", [None, "1000.00"])
def test_a_refund_that_left_the_plan_open_changes_nothing(refund: str | None) -> None:
    bank = investor()
    asset = funded(by=bank)
    bank_before, asset_before = copy.deepcopy(bank), copy.deepcopy(asset)
    assert not asset.plan_refunded(plan(refund), cny("1000.00"), date(2026, 2, 5), bank)
    assert (asset, bank) == (asset_before, bank_before)
    assert asset.pending_events == []


def test_a_repurchase_frees_the_sellers_quota_and_the_platform_cannot_buy_from_itself() -> None:
    bank = investor()
    asset = funded(by=bank)
    assert asset.repurchase(cny("2500.00"), "fraud", ON, bank) == "bank"
    assert bank.used.is_zero()
    assert asset.pull_events() == [AssetRepurchased("plan-1", "bank", cny("2500.00"), "fraud")]
    platform = investor(PLATFORM_FUNDER)
    own = funded("plan-2", by=platform)
    platform_before, own_before = copy.deepcopy(platform), copy.deepcopy(own)
    with pytest.raises(BusinessRuleViolation):
        own.repurchase(cny("100.00"), "again", ON, platform)
    assert (own, platform) == (own_before, platform_before)


def test_a_package_sale_splits_the_price_and_frees_the_external_quota() -> None:
    bank, platform = investor(), investor(PLATFORM_FUNDER)
    assets = [funded("a", by=bank), funded("b", by=platform, principal="1000.00")]
    owners = {"bank": bank, PLATFORM_FUNDER: platform}
    sale, released = sell_package(
        assets, [cny("3000.00"), cny("1000.00")], owners, buyer="recovery", price=cny("800.00"),
        on=ON,
    )  # fmt: skip
    assert (sale.outstanding, sale.loss) == (cny("4000.00"), cny("3200.00"))
    assert released == [bank]
    assert bank.used.is_zero()
    assert platform.used == cny("1000.00")  # the platform's own funds are not given back
    assert [e.loss for a in assets for e in a.pending_events if isinstance(e, AssetSold)] == [
        cny("2400.00"),
        cny("800.00"),
    ]


def test_a_package_with_one_asset_not_for_sale_sells_none() -> None:
    bank = investor()
    sellable, settled = funded("a", by=bank), funded("b", by=bank)
    settled.settle()
    settled.pull_events()
    before = copy.deepcopy([sellable, settled, bank])
    with pytest.raises(IllegalTransition):
        sell_package(
            [sellable, settled], [cny("3000.00"), cny("3000.00")], {"bank": bank},
            buyer="recovery", price=cny("800.00"), on=ON,
        )  # fmt: skip
    assert [sellable, settled, bank] == before
    assert sellable.pending_events == []
    with pytest.raises(ValidationError):
        sell_package(
            [sellable, sellable], [cny("1.00"), cny("1.00")], {}, buyer="x", price=cny("1.00"),
            on=ON,
        )  # fmt: skip
