"""Usage caps, the campaign's limits beyond money: a global count of orders (``max_uses``),
orders of one customer per business day (``per_user_per_day``) and units one order may
discount (``per_order_units``); counted at placement, given back on release, read before a
quote (``usage_counts``), where a capped campaign is rejected ``usage_cap`` naming its cap."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta, timezone

import pytest

from merx.errors import ValidationError
from merx.kernel.ids import CustomerId, OrderId
from merx.pricing import CartLine, Customer, Promotion, Quote, quote
from merx.promotions import (
    BudgetLimits,
    ClaimCoupon,
    InvalidBudget,
    PerUserLimitReached,
    UsageCapReached,
    campaign_offers,
    price_within_budgets,
    reserve_for_order,
    usage_counts,
    usage_for_quote,
)
from merx.promotions.budgets import CampaignUse, campaign_use_id
from merx.promotions.services import units_discounted
from tests.promotions.world import ALICE, BOB, PromotionsWorld, cny, coupon, direct, make_world

SHANGHAI = timezone(timedelta(hours=8))
CAROL = CustomerId("carol")


def world_with(limits: BudgetLimits) -> PromotionsWorld:
    world = make_world()
    world.active(direct("D1"), limits=limits)
    world.active(direct("D2"))  # no caps
    return world


def offered(world: PromotionsWorld, customer: str, at: datetime | None = None) -> set[str]:
    with world.uow() as uow:
        automatic, coupons = campaign_offers(uow, CustomerId(customer), at or world.clock.now())
    return {p.id for p in (*automatic, *coupons)}


def capped(world: PromotionsWorld, customer: str, at: datetime | None = None) -> dict[str, str]:
    """The offers a quote rejects ``usage_cap``, with the text naming the cap."""
    with world.uow() as uow:
        at = at or world.clock.now()
        automatic, coupons = campaign_offers(uow, CustomerId(customer), at)
        usage = usage_for_quote(
            uow, CustomerId(customer), at, [p.id for p in (*automatic, *coupons)]
        )
    return dict(usage.capped)


@pytest.mark.parametrize("name", ["max_uses", "per_user_per_day", "per_order_units"])
@pytest.mark.parametrize("bad", [0, -1, True, 1.5, "2"])
def test_caps_are_whole_numbers_from_one(name: str, bad: object) -> None:
    with pytest.raises(InvalidBudget, match=name):
        BudgetLimits(**{name: bad})  # type: ignore[arg-type]


# -- max_uses --------------------------------------------------------------------------


def test_max_uses_counts_the_live_orders_of_everyone() -> None:
    world = world_with(BudgetLimits(max_uses=2))
    world.reserve("o1", {"D1": "1.00"})
    world.reserve("o2", {"D1": "1.00", "D2": "1.00"}, customer=BOB)
    before = world.snapshot()
    with pytest.raises(UsageCapReached) as refused:
        world.reserve("o3", {"D2": "1.00", "D1": "1.00"}, customer=CAROL)
    assert (refused.value.campaign_id, refused.value.cap) == ("D1", "max_uses")
    assert world.snapshot() == before  # D2 was not reserved either
    assert "D1" in offered(world, CAROL)  # all uses are held: offered, and capped
    assert capped(world, CAROL) == {"D1": "max_uses: 2 of 2 uses held in all"}
    world.settle("o1", ("D1",), paid=False)  # a cancelled order gives its use back
    assert capped(world, CAROL) == {}
    world.reserve("o3", {"D1": "1.00"}, customer=CAROL)
    ledger = world.campaign("D1").ledger
    assert (ledger.uses_reserved, ledger.uses_consumed) == (2, 0)


def test_every_use_consumed_ends_the_campaign() -> None:
    world = world_with(BudgetLimits(max_uses=2))
    world.reserve("o1", {"D1": "1.00"})
    world.reserve("o2", {"D1": "1.00"}, customer=BOB)
    world.settle("o1", ("D1",), paid=True)
    assert world.tick() == ()  # one use may still come back
    world.settle("o2", ("D1",), paid=True)
    assert world.tick() == ("D1",)
    campaign = world.campaign("D1")
    assert (campaign.status.value, campaign.reasons) == ("ended", ("uses_spent",))


def test_a_campaign_without_max_uses_counts_no_uses() -> None:
    world = world_with(BudgetLimits(per_user_limit=5))
    world.reserve("o1", {"D1": "1.00"})
    assert world.campaign("D1").ledger.uses() == 0  # limits are fixed once it reserves


# -- per_user_per_day ------------------------------------------------------------------


def test_per_user_per_day_counts_the_business_day_of_the_clocks_zone() -> None:
    world = world_with(BudgetLimits(per_user_per_day=1))
    late = datetime(2026, 6, 2, 23, 30, tzinfo=SHANGHAI)  # 15:30 UTC
    world.reserve("o1", {"D1": "1.00"}, at=late)
    before = world.snapshot()
    with pytest.raises(UsageCapReached) as refused:
        world.reserve("o2", {"D1": "1.00"}, at=late + timedelta(minutes=20))
    assert (refused.value.campaign_id, refused.value.cap) == ("D1", "per_user_per_day")
    assert "2026-06-02" in str(refused.value)
    assert world.snapshot() == before
    world.reserve("o2", {"D1": "1.00"}, BOB, at=late)  # another customer
    # 40 minutes later it is the 3rd in Shanghai, still the 2nd in UTC: a new day
    world.reserve("o3", {"D1": "1.00"}, at=late + timedelta(minutes=40))
    with world.uow() as uow:
        use = uow.repo(CampaignUse).get(campaign_use_id("D1", ALICE))
    assert (use.live, use.days) == (2, {date(2026, 6, 2): 1, date(2026, 6, 3): 1})


def test_a_release_gives_the_day_its_use_back() -> None:
    world = world_with(BudgetLimits(per_user_per_day=1))
    noon = datetime(2026, 6, 2, 12, 0, tzinfo=SHANGHAI)
    world.reserve("o1", {"D1": "1.00"}, at=noon)
    assert capped(world, ALICE, noon) == {
        "D1": "per_user_per_day: used 1 of 1 times by this customer on 2026-06-02"
    }
    assert capped(world, BOB, noon) == {}
    assert capped(world, ALICE, noon + timedelta(days=1)) == {}
    world.settle("o1", ("D1",), paid=False)
    assert capped(world, ALICE, noon) == {}
    world.reserve("o2", {"D1": "1.00"}, at=noon)
    world.settle("o2", ("D1",), paid=True)  # a paid order keeps its use
    with pytest.raises(UsageCapReached):
        world.reserve("o3", {"D1": "1.00"}, at=noon)


def test_a_day_cap_needs_the_placement_instant() -> None:
    world = world_with(BudgetLimits(per_user_per_day=3))
    before = world.snapshot()
    with pytest.raises(ValidationError, match="must say its day"), world.uow() as uow:
        reserve_for_order(uow, OrderId("o1"), ALICE, {"D1": cny("1.00")})
    assert world.snapshot() == before


def test_past_days_are_forgotten_and_their_releases_still_count_live_orders() -> None:
    world = world_with(BudgetLimits(per_user_per_day=1, per_user_limit=10))
    first = datetime(2026, 6, 2, 12, 0, tzinfo=SHANGHAI)
    for n in range(4):
        world.reserve(f"o{n}", {"D1": "1.00"}, at=first + timedelta(days=n))
    with world.uow() as uow:
        use = uow.repo(CampaignUse).get(campaign_use_id("D1", ALICE))
    assert (use.live, sorted(use.days)) == (4, [date(2026, 6, 4), date(2026, 6, 5)])
    world.settle("o0", ("D1",), paid=False)  # its day is forgotten; the live count is not
    with world.uow() as uow:
        use = uow.repo(CampaignUse).get(campaign_use_id("D1", ALICE))
    assert (use.live, use.on(date(2026, 6, 5))) == (3, 1)


def test_the_per_user_limit_and_the_day_cap_both_hold() -> None:
    world = world_with(BudgetLimits(per_user_per_day=1, per_user_limit=2))
    noon = datetime(2026, 6, 2, 12, 0, tzinfo=SHANGHAI)
    world.reserve("o1", {"D1": "1.00"}, at=noon)
    world.reserve("o2", {"D1": "1.00"}, at=noon + timedelta(days=1))
    with pytest.raises(PerUserLimitReached):
        world.reserve("o3", {"D1": "1.00"}, at=noon + timedelta(days=2))


# -- the counts a quote reads ----------------------------------------------------------


def test_usage_counts_say_which_cap_leaves_a_campaign_out() -> None:
    world = world_with(BudgetLimits(per_user_limit=1, max_uses=3))
    world.active(direct("D3"), limits=BudgetLimits(per_user_per_day=1))
    noon = datetime(2026, 6, 2, 12, 0, tzinfo=SHANGHAI)
    world.reserve("o1", {"D1": "1.00", "D3": "1.00"}, at=noon)
    world.reserve("o2", {"D1": "1.00"}, BOB, at=noon)
    with world.uow() as uow:
        counts = usage_counts(uow, ALICE, noon, ["D1", "D2", "D3", "D1"])
        tomorrow = usage_counts(uow, ALICE, noon + timedelta(days=1), ["D1", "D2", "D3"])
        carol = usage_counts(uow, CAROL, noon, ["D1", "D3"])
    assert counts.day == date(2026, 6, 2)
    assert counts.by_customer == {"D1": 1, "D3": 1}
    assert counts.on_day == {"D1": 1, "D3": 1}
    assert counts.by_everyone == {"D1": 2}  # only campaigns with a max_uses
    assert counts.reached == {"D1": "per_user_limit", "D3": "per_user_per_day"}
    assert counts.why == {
        "D1": "per_user_limit: used 1 of 1 times by this customer",
        "D3": "per_user_per_day: used 1 of 1 times by this customer on 2026-06-02",
    }
    assert tomorrow.reached == {"D1": "per_user_limit"}
    assert carol.reached == {}
    # capped campaigns are still offered: the quote rejects them, naming the cap
    assert offered(world, ALICE, noon) == {"D1", "D2", "D3"}


def test_the_counts_map_to_the_engines_usage_inputs_by_promotion_id() -> None:
    world = world_with(BudgetLimits(per_user_limit=2, max_uses=2))
    world.reserve("o1", {"D1": "1.00"})
    world.reserve("o2", {"D1": "1.00"}, BOB)
    with world.uow() as uow:
        usage = usage_for_quote(uow, ALICE, world.clock.now(), ["D1", "D1#3", "D2", "host-promo"])
    assert usage.used == {"D1": 1, "D1#3": 1}  # a wallet coupon counts as its campaign
    assert usage.usage == {"D1": 2, "D1#3": 2}
    held = "max_uses: 2 of 2 uses held in all"
    assert usage.capped == {"D1": held, "D1#3": held}


def test_a_customer_never_gets_a_once_per_customer_campaign_twice() -> None:
    world = world_with(BudgetLimits(per_user_limit=1))
    assert priced(world, 1).applied == ("D1",)
    world.reserve("o1", {"D1": "10.00"})
    world.settle("o1", ("D1",), paid=True)
    again = priced(world, 1)
    assert again.applied == ("D2",)
    assert [(r.promotion_id, r.text) for r in again.rejections if r.code == "usage_cap"] == [
        ("D1", "per_user_limit: used 1 of 1 times by this customer")
    ]
    assert priced(world, 1, customer=BOB).applied == ("D1",)
    with pytest.raises(PerUserLimitReached):  # placement checks again
        world.reserve("o2", {"D1": "10.00"})


# -- per_order_units -------------------------------------------------------------------


def priced(
    world: PromotionsWorld, units: int, second_line: int = 0, customer: CustomerId = ALICE
) -> Quote:
    """What checkout does: the offers, the customer's usage counts, the budgets."""
    lines = [CartLine("tee", "acme", "shirt", cny("100.00"), units)]
    if second_line:
        lines.append(CartLine("cap", "acme", "hat", cny("50.00"), second_line))
    at = world.clock.now()
    with world.uow() as uow:
        automatic, coupons = campaign_offers(uow, customer, at)
        usage = usage_for_quote(uow, customer, at, [p.id for p in (*automatic, *coupons)])
        who = Customer(customer, used=usage.used)

        def price(
            automatic: Sequence[Promotion], coupons: Sequence[Promotion], caps: Mapping[str, str]
        ) -> Quote:
            return quote(lines, automatic, coupons, who, at, usage=usage.usage, capped=caps)

        return price_within_budgets(uow, automatic, coupons, price, capped=usage.capped)


def test_a_campaign_discounting_more_units_than_its_per_order_cap_is_left_out() -> None:
    world = make_world()
    world.active(direct("D1"), limits=BudgetLimits(per_order_units=2))
    assert priced(world, 2).applied == ("D1",)
    assert units_discounted(priced(world, 2)) == {"D1": 2}
    over = priced(world, 3)
    assert over.applied == ()
    assert over.payable == cny("300.00")
    assert [(r.promotion_id, r.code, r.text) for r in over.rejections] == [
        ("D1", "usage_cap", "per_order_units: would discount 3 units of this order, at most 2")
    ]
    assert priced(world, 1, second_line=1).applied == ("D1",)
    assert priced(world, 2, second_line=1).applied == ()  # units of every line count


def test_per_order_units_leave_other_campaigns_in() -> None:
    world = make_world()
    world.active(direct("D1", off="30.00"), limits=BudgetLimits(per_order_units=1))
    other: Promotion = direct("D2", off="10.00")
    world.active(other)
    assert priced(world, 1).applied == ("D1",)  # the better direct wins
    assert priced(world, 2).applied == ("D2",)  # D1 would take 2 units: the next best


def test_a_wallet_coupon_of_a_campaign_whose_uses_are_held_is_rejected_naming_the_cap() -> None:
    world = make_world()
    world.active(coupon("C1"), limits=BudgetLimits(max_uses=1))
    mine = world.handle(ClaimCoupon(ALICE, "C1"))
    bobs = world.handle(ClaimCoupon(BOB, "C1"))
    assert priced(world, 1).applied == (mine,)
    world.reserve("o1", {bobs: "5.00"}, customer=BOB)  # Bob takes the only use
    held = priced(world, 1)
    assert held.applied == ()
    assert [(r.promotion_id, r.code, r.text) for r in held.rejections] == [
        (mine, "usage_cap", "max_uses: 1 of 1 uses held in all")
    ]
    world.settle("o1", (bobs,), paid=False)  # Bob cancels: the coupon applies again
    assert priced(world, 1).applied == (mine,)
