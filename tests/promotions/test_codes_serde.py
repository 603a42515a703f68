"""Code sets, codes, customers' uses, orders' holds and checkout codes round-trip through
the promotions converter, in every state a short history leaves them."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from merx import promotions
from merx.errors import MerxError, ValidationError
from merx.kernel.ids import PLATFORM, CustomerId
from merx.promotions import CodeLimits, CodeSet, VoucherCode
from merx.promotions.codes import (
    CheckoutCodes,
    CodeSetUse,
    VoucherUsage,
    code_promotion_id,
)
from merx.promotions.serde import structure, unstructure
from tests.promotions.world import START, coupon, make_world

CUSTOMERS = ("alice", "bob")
STEPS = st.tuples(
    st.sampled_from(["redeem", "enter", "place", "pay", "cancel", "claim"]),
    st.sampled_from(CUSTOMERS),
    st.integers(0, 3),
)


def round_trip(value: Any) -> Any:
    data = unstructure(value)
    again = structure(json.loads(json.dumps(data)), type(value))
    assert unstructure(again) == data
    assert again == value
    assert again.version == value.version
    return again


@settings(max_examples=30)
@given(
    once=st.booleans(),
    uses=st.none() | st.integers(1, 3),
    steps=st.lists(STEPS, max_size=8),
)
def test_every_code_kind_round_trips(once: bool, uses: int | None, steps: list[Any]) -> None:
    world = make_world()
    world.active(coupon("C1"), limits=promotions.BudgetLimits(coupon_stock=4))
    limits = CodeLimits(uses_per_code=uses, once_per_customer=once)
    world.handle(
        promotions.CreateCodeSet("S1", "C1", PLATFORM, limits, ends_at=START + timedelta(days=9))
    )
    codes = world.handle(promotions.GenerateVoucherCodes("S1", 3, PLATFORM))
    codes += world.handle(promotions.AddVoucherCodes("S1", ("Spring2027",), PLATFORM))
    for n, (step, customer, index) in enumerate(steps):
        code, who = codes[index], CustomerId(customer)
        try:
            if step == "claim":
                world.handle(promotions.ClaimCoupon(who, "C1"))
            elif step == "redeem":
                world.handle(promotions.RedeemVoucherCode(who, code))
            elif step == "enter":
                world.handle(promotions.EnterVoucherCode(who, code))
            elif step == "place":
                world.reserve(f"o{n}", {code_promotion_id("C1", code): "5.00"}, customer)
            else:
                world.settle(f"o{index}", ("C1",), paid=step == "pay")
        except MerxError:
            continue
    with world.uow() as uow:
        kinds: list[Any] = [
            (CodeSet, ["S1"]),
            (VoucherCode, codes),
            (CodeSetUse, [f"S1/{c}" for c in CUSTOMERS]),
            (VoucherUsage, [f"o{n}" for n in range(len(steps))]),
            (CheckoutCodes, list(CUSTOMERS)),
            (promotions.Campaign, ["C1"]),  # its ledger counts the coupons codes took
            (promotions.PromotionUsage, [f"o{n}" for n in range(len(steps))]),  # with the code
        ]
        stored = [
            found for kind, keys in kinds for key in keys if (found := uow.repo(kind).find(key))
        ]
    assert len(stored) >= 6  # the set, its four codes and the campaign at least
    for value in stored:
        round_trip(value)


@pytest.mark.parametrize(
    ("kind", "mangle"),
    [
        (CodeSet, lambda d: d["limits"].update(uses_per_code=0)),
        (CodeSet, lambda d: d.update(created_at="yesterday")),
        (VoucherCode, lambda d: d.update(used="many")),
        (VoucherCode, lambda d: d.pop("code_set_id")),
    ],
)
def test_malformed_code_data_is_refused(kind: type[Any], mangle: Any) -> None:
    world = make_world()
    world.active(coupon("C1"))
    world.handle(promotions.CreateCodeSet("S1", "C1", PLATFORM))
    codes = world.handle(promotions.GenerateVoucherCodes("S1", 1, PLATFORM))
    value = world.get(kind, "S1" if kind is CodeSet else codes[0])
    data = unstructure(value)
    mangle(data)
    with pytest.raises(ValidationError):
        structure(data, kind)


def test_documents_stored_before_hand_picked_codes_and_code_stock_still_load() -> None:
    world = make_world()
    world.active(coupon("C1"), limits=promotions.BudgetLimits(coupon_stock=4))
    world.handle(promotions.CreateCodeSet("S1", "C1", PLATFORM))
    codes = world.handle(promotions.AddVoucherCodes("S1", ("SPRING2027",), PLATFORM))
    world.reserve("o1", {code_promotion_id("C1", codes[0]): "5.00"})
    code_set = unstructure(world.get(CodeSet, "S1"))
    del code_set["picked"]
    assert structure(code_set, CodeSet).picked == 0
    campaign = unstructure(world.get(promotions.Campaign, "C1"))
    assert campaign["ledger"]["code_coupons"] == 1
    del campaign["ledger"]["code_coupons"]
    assert structure(campaign, promotions.Campaign).ledger.code_coupons == 0
    usage = unstructure(world.get(promotions.PromotionUsage, "o1"))
    assert usage["reservations"]["C1"]["code"] == "SPRING2027"
    del usage["reservations"]["C1"]["code"]
    assert structure(usage, promotions.PromotionUsage).reservation("C1").code is None
