"""Campaigns, wallets and order usages round-trip through the life-cycle converter."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx import pricing, promotions
from merx.errors import ValidationError
from merx.kernel.ids import PLATFORM, CustomerId
from merx.kernel.money import Money
from merx.promotions import BudgetLimits, Campaign, PromotionUsage, Wallet
from merx.promotions.budgets import CampaignUse, campaign_use_id
from merx.promotions.serde import structure, unstructure
from tests.pricing.strategies import any_promotion
from tests.promotions.world import ACME, ALICE, START, cny, coupon, make_world


def round_trip(value: Any) -> Any:
    data = unstructure(value)
    again = structure(json.loads(json.dumps(data)), type(value))
    assert unstructure(again) == data
    return again


@given(
    definition=any_promotion(),
    budget=st.none() | st.integers(1, 10**6),
    per_user=st.none() | st.integers(1, 5),
    caps=st.tuples(*[st.none() | st.integers(1, 1_000)] * 3),
)
def test_any_draft_round_trips(
    definition: Any,
    budget: int | None,
    per_user: int | None,
    caps: tuple[int | None, int | None, int | None],
) -> None:
    limits = BudgetLimits(
        total_discount=None if budget is None else Money.from_minor(budget, "CNY"),
        per_user_limit=per_user,
        max_uses=caps[0],
        per_user_per_day=caps[1],
        per_order_units=caps[2],
    )
    definition = attrs.evolve(definition, per_customer_limit=None, global_limit=None)
    campaign = Campaign.create(PLATFORM, definition, START, limits=limits)
    campaign.pull_events()
    again = round_trip(campaign)
    assert again == campaign
    assert again.definition == definition


FATES = st.sampled_from(["keep", "pay", "cancel"])


@given(
    claims=st.lists(st.sampled_from(["alice", "bob"]), max_size=4),
    orders=st.lists(st.tuples(st.integers(0, 2_000), FATES), max_size=5),  # 5 x 20.00 <= 100.00
)
def test_a_campaign_in_use_and_its_wallets_round_trip(
    claims: list[str], orders: list[tuple[int, str]]
) -> None:
    world = make_world()
    world.active(
        coupon("C1", ends_at=START + timedelta(days=3)),
        limits=BudgetLimits(total_discount=cny("100.00"), coupon_stock=10),
    )
    world.handle(promotions.CreateCampaign(ACME, coupon("S1", merchant=ACME)))
    world.active(
        pricing.DirectReduction(id="D1", off=cny("1.00")),
        owner=ACME,
        limits=BudgetLimits(max_uses=10, per_user_per_day=5),
    )
    for customer in claims:
        world.handle(promotions.ClaimCoupon(CustomerId(customer), "C1"))
    for n, (minor, fate) in enumerate(orders):
        amount = f"{minor // 100}.{minor % 100:02d}"
        world.reserve(f"o{n}", {"D1": amount})
        if fate != "keep":
            world.settle(f"o{n}", ("D1",), paid=fate == "pay")
    for campaign_id in ("C1", "S1", "D1"):
        campaign = world.campaign(campaign_id)
        assert round_trip(campaign) == campaign
        assert round_trip(campaign).version == campaign.version
    for customer in set(claims):
        wallet = world.get(Wallet, customer)
        assert round_trip(wallet) == wallet
    for n in range(len(orders)):
        with world.uow() as uow:
            usage = uow.repo(PromotionUsage).find(f"o{n}")
        if usage is not None:
            assert round_trip(usage) == usage
    with world.uow() as uow:
        use = uow.repo(CampaignUse).find(campaign_use_id("D1", ALICE))
    assert (use is None) == (not orders)
    if use is not None:
        assert round_trip(use) == use


def test_documents_stored_before_usage_caps_still_load() -> None:
    world = make_world()
    world.active(pricing.DirectReduction(id="D1", off=cny("1.00")), limits=BudgetLimits())
    world.reserve("o1", {"D1": "1.00"})
    campaign = unstructure(world.campaign("D1"))
    for key in ("max_uses", "per_user_per_day", "per_order_units"):
        del campaign["limits"][key]
    for key in ("uses_reserved", "uses_consumed"):
        del campaign["ledger"][key]
    assert structure(campaign, Campaign) == world.campaign("D1")
    usage = unstructure(world.get(PromotionUsage, "o1"))
    del usage["reservations"]["D1"]["day"]
    assert structure(usage, PromotionUsage).reservation("D1").day is None
    use = unstructure(CampaignUse.start("D1", ALICE))
    del use["days"]
    assert structure(use, CampaignUse).days == {}


def test_the_shape_is_plain_json() -> None:
    campaign = Campaign.create(
        ACME, coupon("S1", merchant=ACME), START, limits=BudgetLimits(coupon_stock=5)
    )
    data = unstructure(campaign)
    assert data["definition"]["kind"] == "coupon"
    assert data["definition"]["off"] == {"amount": "5.00", "currency": "CNY"}
    assert data["status"] == "draft"
    assert data["ledger"]["reserved"] == {"amount": "0.00", "currency": "CNY"}
    assert "pending_events" not in data
    json.dumps(data)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda d: d["definition"].update(kind="nope"),
        lambda d: d["definition"].update(off={"amount": 5.0, "currency": "CNY"}),
        lambda d: d.update(status="sleeping"),
        lambda d: d.pop("owner"),
    ],
)
def test_malformed_data_is_refused(mangle: Any) -> None:
    data = unstructure(Campaign.create(PLATFORM, coupon(), START))
    mangle(data)
    with pytest.raises(ValidationError):
        structure(data, Campaign)


def test_a_wallet_shape() -> None:
    wallet = Wallet.open(ALICE)
    wallet.receive("C1", coupon("C1#1"), START)
    data = unstructure(wallet)
    assert data["coupons"]["C1#1"]["state"] == "available"
    assert data["coupons"]["C1#1"]["coupon"]["kind"] == "coupon"
