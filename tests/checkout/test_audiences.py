"""A campaign's audience decided by a scenario, through ``app.handle`` and ``app.quote``:
out of it, a quote rejects the campaign ``audience`` and a claim is refused
(:class:`merx.promotions.NotInAudience`); no scenario published: as a campaign without an
audience (its definition's ``new_user_only`` still holds); a failed decision leaves the
customer out (a broken rule never gives everyone the discount)."""

from __future__ import annotations

import copy

import pytest

from merx import catalog, checkout, customers, inventory, orders, promotions
from merx.adapters.memory import MemoryTagCatalog
from merx.app import MemoryApp, build_memory_app
from merx.customers import Address
from merx.decisions import (
    Access,
    Output,
    Permission,
    PublishScenario,
    SaveScenarioDraft,
    ScenarioDefinition,
    Strategy,
    SwitchScenario,
    ValueType,
    parse_rule,
)
from merx.kernel.ids import PLATFORM, CustomerId, SkuId, WarehouseId
from merx.kernel.money import Money
from merx.pricing import Coupon, DirectReduction, Promotion
from tests.decisions.world import TagValuesThatFail

SHIRT = SkuId("shirt")
ANN, BEN = CustomerId("ann"), CustomerId("ben")
NEWCOMERS = "promotion.newcomers"
ISSUE = "coupon.issue.new_user"


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def shop(definition: Promotion, audience: str | None) -> tuple[MemoryApp, TagValuesThatFail]:
    tags = MemoryTagCatalog()
    tags.define("new_user", ValueType.BOOL)
    values = TagValuesThatFail()
    values.set(ANN, {"new_user": True})
    values.set(BEN, {"new_user": False})
    app = build_memory_app(tag_catalog=tags, tag_values=values)
    app.handle(catalog.CreateSku(SHIRT, "Shirt", PLATFORM, "shirt", cny("100.00")))
    app.handle(inventory.OpenWarehouse(WarehouseId("wh"), "DC", "-", {"sh": 1}))
    app.handle(inventory.ReceiveStock(WarehouseId("wh"), SHIRT, 10, "po"))
    campaign = app.handle(promotions.CreateCampaign(PLATFORM, definition, audience=audience))
    for command in (promotions.SubmitCampaign, promotions.ApproveCampaign):
        app.handle(command(campaign, PLATFORM))
    app.handle(promotions.ScheduleCampaign(campaign, PLATFORM))
    app.handle(promotions.TickCampaigns())
    for who in (ANN, BEN):
        app.handle(customers.RegisterCustomer(who, who, "1"))
        app.handle(customers.AddAddress(who, "h", Address(who, "1", "sh", "r"), default=True))
        app.handle(checkout.AddToCart(who, SHIRT, 1))
    return app, values


def publish(app: MemoryApp, key: str, caller: str = "checkout") -> None:
    definition = ScenarioDefinition(
        inputs=(),
        callers=(Permission(caller, {Access.API}),),
        strategies=(
            Strategy("newcomers", parse_rule("new_user = true"), Output("in", value=True)),
        ),
        default=Output("out", value=False),
        output_type=ValueType.BOOL,
    )
    app.handle(SaveScenarioDraft(key, definition))
    app.handle(PublishScenario(key))


def rejected(app: MemoryApp, who: CustomerId) -> dict[str, str]:
    return {r.promotion_id: r.code for r in app.quote(who).pricing.rejections}


# -- automatic campaigns -------------------------------------------------------------------


def test_a_campaign_for_an_audience_prices_only_its_members() -> None:
    app, _ = shop(DirectReduction(id="D1", off=cny("10.00")), NEWCOMERS)
    publish(app, NEWCOMERS)
    assert app.quote(ANN).payable == cny("90.00")
    assert app.quote(BEN).payable == cny("100.00")
    assert rejected(app, BEN) == {"D1": "audience"}
    text = next(r.text for r in app.quote(BEN).pricing.rejections)
    assert NEWCOMERS in text
    assert "'out'" in text
    placed = app.handle(orders.PlaceOrder(BEN, expected_payable=cny("100.00")))
    assert app.get(orders.ParentOrder, placed.parent_id).payable == cny("100.00")
    assert app.get(promotions.Campaign, "D1").ledger.reserved == cny("0.00")


def test_without_a_published_scenario_the_audience_takes_everyone() -> None:
    app, _ = shop(DirectReduction(id="D1", off=cny("10.00")), NEWCOMERS)
    assert app.quote(BEN).payable == cny("90.00")
    assert rejected(app, BEN) == {}


def test_a_campaign_without_an_audience_asks_no_scenario() -> None:
    app, _ = shop(DirectReduction(id="D1", off=cny("10.00")), None)
    publish(app, NEWCOMERS)
    assert app.quote(BEN).payable == cny("90.00")


def test_a_failed_audience_decision_leaves_the_customer_out() -> None:
    app, values = shop(DirectReduction(id="D1", off=cny("10.00")), NEWCOMERS)
    publish(app, NEWCOMERS)
    values.down = True
    assert app.quote(ANN).payable == cny("100.00")
    assert rejected(app, ANN) == {"D1": "audience"}
    assert "could not be decided" in app.quote(ANN).pricing.rejections[0].text


def test_a_switched_off_audience_gives_the_scenarios_default() -> None:
    app, _ = shop(DirectReduction(id="D1", off=cny("10.00")), NEWCOMERS)
    publish(app, NEWCOMERS)
    app.handle(SwitchScenario(NEWCOMERS, False))
    assert rejected(app, ANN) == {"D1": "audience"}  # the default output: out


def test_a_scenario_that_does_not_permit_checkout_is_as_no_scenario() -> None:
    app, _ = shop(DirectReduction(id="D1", off=cny("10.00")), NEWCOMERS)
    publish(app, NEWCOMERS, caller="homepage")
    assert app.quote(BEN).payable == cny("90.00")


@pytest.mark.parametrize("bad", ["", "  ", 7])
def test_an_audience_is_a_scenario_key(bad: object) -> None:
    app = build_memory_app()
    before = copy.deepcopy(app.store.tables)
    with pytest.raises(promotions.InvalidCampaign, match="audience"):
        app.handle(
            promotions.CreateCampaign(
                PLATFORM,
                DirectReduction(id="D1", off=cny("1.00")),
                audience=bad,  # type: ignore[arg-type]
            )
        )
    assert app.store.tables == before


# -- coupon campaigns ----------------------------------------------------------------------


def test_a_claim_outside_the_audience_is_refused_and_changes_nothing() -> None:
    app, _ = shop(Coupon(id="C1", off=cny("15.00")), ISSUE)
    publish(app, ISSUE)
    before = copy.deepcopy(app.store.tables)
    with pytest.raises(promotions.NotInAudience, match=ISSUE) as refused:
        app.handle(promotions.ClaimCoupon(BEN, "C1"))
    assert refused.value.campaign_id == "C1"
    assert app.store.tables == before
    app.handle(promotions.ClaimCoupon(ANN, "C1"))
    assert app.quote(ANN).payable == cny("85.00")


def test_a_coupon_claimed_before_the_audience_left_the_customer_out_is_rejected() -> None:
    app, values = shop(Coupon(id="C1", off=cny("15.00")), ISSUE)
    publish(app, ISSUE)
    coupon_id = app.handle(promotions.ClaimCoupon(ANN, "C1"))
    values.set(ANN, {"new_user": False})  # her first order completed meanwhile
    assert rejected(app, ANN) == {coupon_id: "audience"}
    assert app.quote(ANN).payable == cny("100.00")


def test_without_a_scenario_a_coupon_is_claimed_and_priced_by_its_own_terms() -> None:
    app, _ = shop(Coupon(id="C1", off=cny("15.00"), new_user_only=True), ISSUE)
    app.handle(promotions.ClaimCoupon(BEN, "C1"))  # ben is a new user to the customers
    assert app.quote(BEN).payable == cny("85.00")  # context (new_user_only holds for him)


# -- voucher codes -------------------------------------------------------------------------


def coded_shop() -> tuple[MemoryApp, str, TagValuesThatFail]:
    app, values = shop(Coupon(id="C1", off=cny("15.00")), ISSUE)
    publish(app, ISSUE)
    app.handle(promotions.CreateCodeSet("S1", "C1", PLATFORM, promotions.CodeLimits(5, True)))
    (code,) = app.handle(promotions.AddVoucherCodes("S1", ("WELCOME1",), PLATFORM))
    return app, code, values


@pytest.mark.parametrize("command", [promotions.RedeemVoucherCode, promotions.EnterVoucherCode])
def test_a_code_outside_the_audience_is_refused_and_changes_nothing(
    command: type[promotions.RedeemVoucherCode] | type[promotions.EnterVoucherCode],
) -> None:
    app, code, _ = coded_shop()
    before = copy.deepcopy(app.store.tables)
    with pytest.raises(promotions.NotInAudience, match=ISSUE) as refused:
        app.handle(command(BEN, code))
    assert refused.value.campaign_id == "C1"
    assert app.store.tables == before
    app.handle(command(ANN, code))  # inside it, the same code works
    assert app.quote(ANN).payable == cny("85.00")


def test_a_code_entered_before_the_audience_left_the_customer_out_is_rejected() -> None:
    app, code, values = coded_shop()
    app.handle(promotions.EnterVoucherCode(ANN, code))
    assert app.quote(ANN).payable == cny("85.00")
    values.set(ANN, {"new_user": False})  # her first order completed meanwhile
    assert rejected(app, ANN) == {f"C1#@{code}": "audience"}
    assert app.quote(ANN).payable == cny("100.00")


# -- editing the audience ------------------------------------------------------------------


def test_editing_a_draft_replaces_its_audience() -> None:
    app = build_memory_app()
    definition = DirectReduction(id="D1", off=cny("1.00"))
    app.handle(promotions.CreateCampaign(PLATFORM, definition, audience=NEWCOMERS))
    app.handle(promotions.EditCampaign("D1", PLATFORM, definition, audience=ISSUE))
    assert app.get(promotions.Campaign, "D1").audience == ISSUE
    app.handle(promotions.EditCampaign("D1", PLATFORM, definition))  # as the definition: replaced
    assert app.get(promotions.Campaign, "D1").audience is None
    before = copy.deepcopy(app.store.tables)
    with pytest.raises(promotions.InvalidCampaign, match="audience"):
        app.handle(promotions.EditCampaign("D1", PLATFORM, definition, audience=" "))
    assert app.store.tables == before


def test_an_edited_audience_decides_the_quote() -> None:
    app, _ = shop(DirectReduction(id="D1", off=cny("10.00")), None)
    publish(app, NEWCOMERS)
    assert app.quote(BEN).payable == cny("90.00")
    # a second campaign drafted for everyone, then narrowed to newcomers before it runs
    second = DirectReduction(id="D2", off=cny("5.00"))
    app.handle(promotions.CreateCampaign(PLATFORM, second))
    app.handle(promotions.EditCampaign("D2", PLATFORM, second, audience=NEWCOMERS))
    for command in (promotions.SubmitCampaign, promotions.ApproveCampaign):
        app.handle(command("D2", PLATFORM))
    app.handle(promotions.ScheduleCampaign("D2", PLATFORM))
    app.handle(promotions.TickCampaigns())
    assert rejected(app, BEN) == {"D2": "audience"}
    assert rejected(app, ANN).get("D2") != "audience"  # she is in (outbid by D1 here)
