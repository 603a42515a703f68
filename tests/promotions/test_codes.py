"""Voucher codes: the code's shape and check character, code sets and their limits,
redemption into the wallet, codes entered at checkout, held at placement and given back
on cancellation."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx import promotions
from merx.adapters.memory import MemoryUnitOfWork, MemoryVoucherCodeQueries, SeededRandomSource
from merx.adapters.system import SystemRandomSource
from merx.errors import IllegalTransition, MerxError
from merx.kernel.ids import PLATFORM, CustomerId, OrderId
from merx.pricing import RejectionCode
from merx.promotions import (
    BadCheckCharacter,
    CodeLimits,
    CodeSet,
    InvalidCodeSet,
    InvalidVoucherCode,
    NotACouponCampaign,
    NotYourCampaign,
    TooManyVoucherCodes,
    UnknownVoucherCode,
    VoucherCode,
    VoucherCodeAlreadyUsed,
    VoucherCodeExpired,
    VoucherCodeNotYetValid,
    VoucherCodeUsedUp,
    display_code,
    normalize_code,
    redemption,
)
from merx.promotions.codes import (
    ALPHABET,
    CODE_LENGTH,
    SINGLE_USE,
    CheckoutCodes,
    CodeSetUse,
    VoucherUsage,
    check_character,
    code_promotion_id,
    code_set_use_id,
    is_generated_shape,
    make_code,
    picked_code,
    voucher_code_of,
)
from merx.promotions.lifecycle import campaign_id_of, coupon_id_of
from merx.promotions.vouchers import generate_voucher_codes
from tests.promotions.world import (
    ACME,
    ALICE,
    BOB,
    START,
    PromotionsWorld,
    cny,
    coupon,
    direct,
    make_world,
)

CAROL = CustomerId("carol")
codes_st = st.builds(make_code, st.randoms(use_true_random=False).map(lambda r: r.randrange))


# -- the code --------------------------------------------------------------------------


@given(codes_st)
def test_a_fresh_code_is_twelve_unambiguous_characters_that_check(code: str) -> None:
    assert len(code) == CODE_LENGTH
    assert not set(code) & set("0O1IL")
    assert code[-1] == check_character(code[:-1])
    assert normalize_code(code) == code


@given(codes_st, st.data())
def test_typed_in_any_case_with_spaces_and_hyphens_it_is_the_same_code(
    code: str, data: st.DataObject
) -> None:
    shown = display_code(code)
    assert shown.count("-") == 2
    typed = data.draw(st.sampled_from([shown.lower(), f"  {shown} ", shown.replace("-", " ")]))
    assert normalize_code(typed) == code


@given(codes_st, st.integers(0, CODE_LENGTH - 1), st.sampled_from(ALPHABET))
def test_one_wrong_character_is_caught(code: str, position: int, wrong: str) -> None:
    typo = code[:position] + wrong + code[position + 1 :]
    if typo == code:
        return
    with pytest.raises(BadCheckCharacter):
        normalize_code(typo)


@given(codes_st, st.integers(0, CODE_LENGTH - 3))
def test_two_neighbours_swapped_are_caught(code: str, position: int) -> None:
    a, b = code[position], code[position + 1]
    if a == b:
        return
    swapped = code[:position] + b + a + code[position + 2 :]
    with pytest.raises(BadCheckCharacter):
        normalize_code(swapped)


@pytest.mark.parametrize("text", ["", "ABC", "SPRING_2027", "春节2027", "A" * 21, 42, None])
def test_what_cannot_be_a_code_is_refused(text: object) -> None:
    with pytest.raises(InvalidVoucherCode):
        normalize_code(text)


def test_the_engine_id_of_a_code_names_its_campaign_and_no_wallet_coupon() -> None:
    promotion_id = code_promotion_id("C1", "7KQM2XHCPWN4")
    assert campaign_id_of(promotion_id) == "C1"
    assert coupon_id_of(promotion_id) is None
    assert voucher_code_of(promotion_id) == "7KQM2XHCPWN4"
    assert voucher_code_of("C1#3") is None
    assert coupon_id_of("C1#3") == "C1#3"


def test_a_seeded_source_draws_the_same_codes_and_the_system_one_stays_in_range() -> None:
    first, second = SeededRandomSource(3), SeededRandomSource(3)
    assert [make_code(first.below) for _ in range(5)] == [make_code(second.below) for _ in range(5)]
    system = SystemRandomSource()
    assert {system.below(31) for _ in range(2000)} == set(range(31))


@pytest.mark.parametrize("uses", [0, -1, True, 1.5, "2"])
def test_code_limits_refuse_a_bad_count(uses: object) -> None:
    with pytest.raises(InvalidCodeSet):
        CodeLimits(uses_per_code=uses)  # type: ignore[arg-type]


# -- code sets ---------------------------------------------------------------------------


def world_with_codes(
    count: int = 3,
    limits: CodeLimits = SINGLE_USE,
    *,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
) -> tuple[PromotionsWorld, list[str]]:
    world = make_world()
    world.active(coupon("C1", "5.00"))
    world.handle(promotions.CreateCodeSet("S1", "C1", PLATFORM, limits, starts_at, ends_at))
    codes = world.handle(promotions.GenerateVoucherCodes("S1", count, PLATFORM))
    return world, list(codes)


def test_generated_codes_are_unique_valid_and_found_by_their_set() -> None:
    world, codes = world_with_codes(2000)
    assert len(set(codes)) == 2000
    assert all(normalize_code(code) == code for code in codes)
    assert world.get(CodeSet, "S1").generated == 2000
    assert world.get(VoucherCode, codes[0]).code_set_id == "S1"
    assert sorted(MemoryVoucherCodeQueries(world.store).codes_of("S1")) == sorted(codes)
    assert list(MemoryVoucherCodeQueries(world.store).codes_of("nope")) == []


def test_the_same_seed_generates_the_same_codes() -> None:
    assert world_with_codes(50)[1] == world_with_codes(50)[1]


def test_a_code_set_needs_a_coupon_campaign_and_its_owner() -> None:
    world = make_world()
    world.active(direct("D1"))
    world.active(coupon("C1"))
    with pytest.raises(NotACouponCampaign):
        world.handle(promotions.CreateCodeSet("S1", "D1", PLATFORM))
    with pytest.raises(NotYourCampaign):
        world.handle(promotions.CreateCodeSet("S1", "C1", ACME))
    with pytest.raises(InvalidCodeSet):
        world.handle(promotions.CreateCodeSet("S1", "C1", PLATFORM, ends_at=START, starts_at=START))
    world.handle(promotions.CreateCodeSet("S1", "C1", PLATFORM))
    for count in (0, -3, 100_001):
        with pytest.raises(InvalidCodeSet):
            world.handle(promotions.GenerateVoucherCodes("S1", count, PLATFORM))
    with pytest.raises(NotYourCampaign):
        world.handle(promotions.GenerateVoucherCodes("S1", 5, ACME))
    assert world.get(CodeSet, "S1").generated == 0


# -- into the wallet ---------------------------------------------------------------------


def test_a_redeemed_code_puts_the_campaign_coupon_into_the_wallet() -> None:
    world, codes = world_with_codes()
    coupon_id = world.handle(promotions.RedeemVoucherCode(ALICE, display_code(codes[0]).lower()))
    assert coupon_id == "C1#1"
    assert world.wallet(ALICE).coupons[coupon_id].coupon.off == cny("5.00")
    assert world.get(VoucherCode, codes[0]).used == 1


def test_a_single_use_code_is_used_once() -> None:
    world, codes = world_with_codes()
    world.handle(promotions.RedeemVoucherCode(ALICE, codes[0]))
    before = world.snapshot()
    with pytest.raises(VoucherCodeUsedUp):
        world.handle(promotions.RedeemVoucherCode(BOB, codes[0]))
    assert world.snapshot() == before


def test_a_multi_use_code_is_used_up_to_its_count() -> None:
    world, codes = world_with_codes(1, CodeLimits(uses_per_code=2))
    world.handle(promotions.RedeemVoucherCode(ALICE, codes[0]))
    world.handle(promotions.RedeemVoucherCode(ALICE, codes[0]))  # no once-per-customer
    with pytest.raises(VoucherCodeUsedUp):
        world.handle(promotions.RedeemVoucherCode(BOB, codes[0]))
    assert world.get(VoucherCode, codes[0]).used == 2


def test_once_per_customer_holds_across_the_codes_of_a_set() -> None:
    world, codes = world_with_codes(2, CodeLimits(uses_per_code=None, once_per_customer=True))
    world.handle(promotions.RedeemVoucherCode(ALICE, codes[0]))
    before = world.snapshot()
    for code in codes:
        with pytest.raises(VoucherCodeAlreadyUsed):
            world.handle(promotions.RedeemVoucherCode(ALICE, code))
    assert world.snapshot() == before
    world.handle(promotions.RedeemVoucherCode(BOB, codes[0]))
    assert world.get(CodeSetUse, code_set_use_id("S1", ALICE)).used == 1


def test_a_code_is_valid_inside_its_window_only() -> None:
    world, codes = world_with_codes(
        starts_at=START + timedelta(days=1), ends_at=START + timedelta(days=2)
    )
    with pytest.raises(VoucherCodeNotYetValid):
        world.handle(promotions.RedeemVoucherCode(ALICE, codes[0]))
    world.clock.set(START + timedelta(days=2))
    with pytest.raises(VoucherCodeExpired):
        world.handle(promotions.RedeemVoucherCode(ALICE, codes[0]))
    assert world.get(VoucherCode, codes[0]).used == 0


def test_unknown_and_mistyped_codes_are_told_apart() -> None:
    world, codes = world_with_codes()
    unknown = make_code(SeededRandomSource(99).below)
    with pytest.raises(UnknownVoucherCode):
        world.handle(promotions.RedeemVoucherCode(ALICE, unknown))
    typo = codes[0][:-1] + next(c for c in ALPHABET if c != codes[0][-1])
    with pytest.raises(BadCheckCharacter):
        world.handle(promotions.RedeemVoucherCode(ALICE, typo))


def test_the_campaign_limits_still_apply_to_a_redemption() -> None:
    world = make_world()
    world.active(coupon("C1"), limits=promotions.BudgetLimits(coupon_stock=1))
    world.handle(promotions.CreateCodeSet("S1", "C1", PLATFORM))
    codes = world.handle(promotions.GenerateVoucherCodes("S1", 2, PLATFORM))
    world.handle(promotions.RedeemVoucherCode(ALICE, codes[0]))
    before = world.snapshot()
    with pytest.raises(promotions.CouponStockExhausted):
        world.handle(promotions.RedeemVoucherCode(BOB, codes[1]))
    assert world.snapshot() == before
    assert world.get(VoucherCode, codes[1]).used == 0


# -- at checkout -------------------------------------------------------------------------


def offers(world: PromotionsWorld, customer: str = ALICE) -> list[str]:
    with world.uow() as uow:
        _, wallet = promotions.campaign_offers(uow, CustomerId(customer), world.clock.now())
    return [c.id for c in wallet]


def test_an_entered_code_is_offered_to_the_quote_as_the_campaign_coupon() -> None:
    world, codes = world_with_codes()
    assert world.handle(promotions.EnterVoucherCode(ALICE, display_code(codes[1]))) == codes[1]
    world.handle(promotions.EnterVoucherCode(ALICE, codes[1]))  # again: nothing new
    assert offers(world) == [code_promotion_id("C1", codes[1])]
    assert offers(world, BOB) == []
    world.handle(promotions.RemoveVoucherCode(ALICE, codes[1]))
    assert offers(world) == []
    with pytest.raises(UnknownVoucherCode):
        world.handle(promotions.RemoveVoucherCode(ALICE, codes[1]))


def test_entering_a_code_checks_it_and_the_campaign_at_once() -> None:
    world, codes = world_with_codes(7)
    world.handle(promotions.RedeemVoucherCode(BOB, codes[0]))
    with pytest.raises(VoucherCodeUsedUp):
        world.handle(promotions.EnterVoucherCode(ALICE, codes[0]))
    for code in codes[1:6]:
        world.handle(promotions.EnterVoucherCode(ALICE, code))
    with pytest.raises(TooManyVoucherCodes):
        world.handle(promotions.EnterVoucherCode(ALICE, codes[6]))
    world.handle(promotions.CancelCampaign("C1", PLATFORM, "stop"))
    with pytest.raises(VoucherCodeExpired):
        world.handle(promotions.EnterVoucherCode(BOB, codes[6]))
    assert offers(world) == []  # the campaign is over: its codes give nothing


def test_a_code_is_held_at_placement_spent_when_paid_given_back_on_cancel() -> None:
    world, codes = world_with_codes(1)
    world.handle(promotions.EnterVoucherCode(ALICE, codes[0]))
    promotion_id = code_promotion_id("C1", codes[0])
    world.reserve("o1", {promotion_id: "5.00"})
    assert world.get(VoucherCode, codes[0]).used == 1
    assert world.get(VoucherUsage, "o1").holds[codes[0]].state.value == "reserved"
    assert world.get(CheckoutCodes, ALICE).codes == []  # it left the checkout
    assert world.campaign("C1").ledger.reserved == cny("5.00")
    with pytest.raises(VoucherCodeUsedUp):
        world.reserve("o2", {promotion_id: "5.00"}, customer=BOB)
    world.settle("o1", ("C1",), paid=False)
    assert world.get(VoucherCode, codes[0]).used == 0
    assert world.get(VoucherUsage, "o1").holds[codes[0]].state.value == "released"
    world.settle("o1", ("C1",), paid=False)  # a replay
    assert world.get(VoucherCode, codes[0]).used == 0
    world.reserve("o2", {promotion_id: "5.00"}, customer=BOB)
    world.settle("o2", (promotion_id,), paid=True)
    assert world.get(VoucherUsage, "o2").holds[codes[0]].state.value == "consumed"
    assert world.get(VoucherCode, codes[0]).used == 1
    with pytest.raises(IllegalTransition):
        world.settle("o2", ("C1",), paid=False)


def test_once_per_customer_holds_between_the_wallet_and_an_order() -> None:
    world, codes = world_with_codes(2, CodeLimits(once_per_customer=True))
    world.handle(promotions.RedeemVoucherCode(ALICE, codes[0]))
    before = world.snapshot()
    with pytest.raises(VoucherCodeAlreadyUsed):
        world.reserve("o1", {code_promotion_id("C1", codes[1]): "5.00"})
    assert world.snapshot() == before
    world.reserve("o1", {code_promotion_id("C1", codes[1]): "5.00"}, customer=CAROL)
    world.settle("o1", ("C1",), paid=False)
    assert world.get(CodeSetUse, code_set_use_id("S1", CAROL)).used == 0


def test_a_failed_placement_holds_no_code() -> None:
    world, codes = world_with_codes(1)
    with MemoryUnitOfWork(world.store) as uow, pytest.raises(MerxError):
        promotions.reserve_for_order(
            uow, OrderId("o1"), ALICE, {code_promotion_id("C1", codes[0]): cny("-1.00")}
        )
    assert world.get(VoucherCode, codes[0]).used == 0


def test_a_code_another_set_holds_is_drawn_again() -> None:
    world = make_world()
    world.active(coupon("C1"))
    for code_set in ("S1", "S2"):
        world.handle(promotions.CreateCodeSet(code_set, "C1", PLATFORM))
    drawn: dict[str, tuple[str, ...]] = {}
    for code_set in ("S1", "S2"):  # the same seed: S2 first draws exactly S1's codes
        with MemoryUnitOfWork(world.store) as uow:
            command = promotions.GenerateVoucherCodes(code_set, 3, PLATFORM)
            drawn[code_set] = generate_voucher_codes(
                command, uow, clock=world.clock, random=SeededRandomSource(5)
            )
    assert not set(drawn["S1"]) & set(drawn["S2"])
    assert len(set(drawn["S2"])) == 3
    for code_set, codes in drawn.items():
        assert all(world.get(VoucherCode, code).code_set_id == code_set for code in codes)


# -- codes and the campaign's coupon stock ------------------------------------------------


def test_a_code_used_at_checkout_takes_a_coupon_of_the_stock_like_a_claim() -> None:
    world = make_world()
    world.active(coupon("C1"), limits=promotions.BudgetLimits(coupon_stock=2))
    world.handle(promotions.CreateCodeSet("S1", "C1", PLATFORM))
    codes = world.handle(promotions.GenerateVoucherCodes("S1", 3, PLATFORM))  # more than stock
    world.handle(promotions.ClaimCoupon(ALICE, "C1"))
    world.reserve("o1", {code_promotion_id("C1", codes[0]): "5.00"}, customer=BOB)
    ledger = world.campaign("C1").ledger
    assert (ledger.claimed, ledger.code_coupons) == (1, 1)
    before = world.snapshot()
    with pytest.raises(promotions.CouponStockExhausted):
        world.handle(promotions.ClaimCoupon(CAROL, "C1"))
    with pytest.raises(promotions.CouponStockExhausted):
        world.reserve("o2", {code_promotion_id("C1", codes[1]): "5.00"}, customer=CAROL)
    with pytest.raises(promotions.CouponStockExhausted):
        world.handle(promotions.RedeemVoucherCode(CAROL, codes[2]))
    assert world.snapshot() == before  # the codes' counts untouched
    world.settle("o1", ("C1",), paid=False)  # cancelled: the coupon goes back to the stock
    assert world.campaign("C1").ledger.code_coupons == 0
    world.reserve("o2", {code_promotion_id("C1", codes[1]): "5.00"}, customer=CAROL)
    world.settle("o2", ("C1",), paid=True)  # paid (and refunded later): it stays taken
    assert world.campaign("C1").ledger.code_coupons == 1
    with pytest.raises(promotions.CouponStockExhausted):
        world.handle(promotions.ClaimCoupon(BOB, "C1"))


def test_without_a_stock_codes_at_checkout_are_only_counted() -> None:
    world, codes = world_with_codes(2)
    world.reserve("o1", {code_promotion_id("C1", codes[0]): "5.00"})
    world.reserve("o2", {code_promotion_id("C1", codes[1]): "5.00"}, customer=BOB)
    assert world.campaign("C1").ledger.code_coupons == 2
    assert world.campaign("C1").ledger.stock_left(world.campaign("C1").limits) is None


# -- dead codes give reasons -----------------------------------------------------------------


def reasons(
    world: PromotionsWorld, customer: str = ALICE, at: datetime | None = None
) -> dict[str, str]:
    with world.uow() as uow:
        found = redemption.code_rejections(uow, customer, at or world.clock.now())
    return {r.promotion_id: r.code for r in found}


def test_a_code_dead_at_entry_is_refused_with_its_reason() -> None:
    world = make_world()
    world.active(coupon("C1"), limits=promotions.BudgetLimits(coupon_stock=1))
    world.handle(promotions.CreateCodeSet("S1", "C1", PLATFORM))
    codes = world.handle(promotions.GenerateVoucherCodes("S1", 2, PLATFORM))
    world.handle(promotions.ClaimCoupon(BOB, "C1"))
    before = world.snapshot()
    with pytest.raises(promotions.CouponStockExhausted):
        world.handle(promotions.EnterVoucherCode(ALICE, codes[0]))
    assert world.snapshot() == before


def test_a_code_that_died_after_entry_says_why_in_the_rejections() -> None:
    world = make_world()
    world.active(coupon("C1"), limits=promotions.BudgetLimits(coupon_stock=3))
    ends_at = START + timedelta(days=1)
    world.handle(
        promotions.CreateCodeSet("single", "C1", PLATFORM, starts_at=START, ends_at=ends_at)
    )
    once = CodeLimits(uses_per_code=None, once_per_customer=True)
    world.handle(promotions.CreateCodeSet("once", "C1", PLATFORM, once))
    single = world.handle(promotions.GenerateVoucherCodes("single", 1, PLATFORM))[0]
    first, second = world.handle(promotions.GenerateVoucherCodes("once", 2, PLATFORM))
    for code in (single, second):
        world.handle(promotions.EnterVoucherCode(ALICE, code))
    assert reasons(world) == {}
    world.handle(promotions.RedeemVoucherCode(BOB, single))  # used up
    world.handle(promotions.RedeemVoucherCode(ALICE, first))  # alice used the "once" set
    assert reasons(world) == {
        code_promotion_id("C1", single): "code_used_up",
        code_promotion_id("C1", second): "code_already_used",
    }
    assert offers(world) == ["C1#2"]  # the wallet's coupon; both codes left out, still entered
    assert world.get(CheckoutCodes, ALICE).codes == [single, second]
    world.handle(promotions.EnterVoucherCode(CAROL, second))
    world.handle(promotions.ClaimCoupon(BOB, "C1"))  # the last coupon of the stock
    assert reasons(world, CAROL) == {code_promotion_id("C1", second): "code_out_of_stock"}
    world.handle(promotions.CancelCampaign("C1", PLATFORM, "stop"))
    assert reasons(world, CAROL) == {code_promotion_id("C1", second): "code_expired"}


@pytest.mark.parametrize(
    ("move", "reason"),
    [
        (timedelta(days=-1), "code_not_yet_valid"),
        (timedelta(days=2), "code_expired"),
    ],
)
def test_a_code_outside_its_window_says_so(move: timedelta, reason: str) -> None:
    world, codes = world_with_codes(1, starts_at=START, ends_at=START + timedelta(days=1))
    world.handle(promotions.EnterVoucherCode(ALICE, codes[0]))
    assert reasons(world, at=START + move) == {code_promotion_id("C1", codes[0]): reason}


def test_a_code_of_a_campaign_with_no_budget_left_says_so() -> None:
    world = make_world()
    world.active(coupon("C1"), limits=promotions.BudgetLimits(total_discount=cny("5.00")))
    world.handle(promotions.CreateCodeSet("S1", "C1", PLATFORM))
    codes = world.handle(promotions.GenerateVoucherCodes("S1", 2, PLATFORM))
    world.handle(promotions.EnterVoucherCode(ALICE, codes[0]))
    world.reserve("o1", {code_promotion_id("C1", codes[1]): "5.00"}, customer=BOB)
    assert reasons(world) == {code_promotion_id("C1", codes[0]): "code_out_of_budget"}
    with pytest.raises(promotions.BudgetExhausted):
        world.handle(promotions.EnterVoucherCode(CAROL, codes[0]))


def test_every_refusal_of_a_code_has_a_rejection_code() -> None:
    assert set(redemption.REASONS.values()) <= set(get_args(RejectionCode))
    assert len(set(redemption.REASONS.values())) == len(redemption.REASONS)


# -- hand-picked codes -----------------------------------------------------------------------


def spring_world(limits: CodeLimits) -> PromotionsWorld:
    world = make_world()
    world.active(coupon("C1"))
    world.handle(promotions.CreateCodeSet("spring", "C1", PLATFORM, limits))
    return world


def test_a_hand_picked_code_is_used_by_many_customers_once_each_up_to_its_limit() -> None:
    world = spring_world(CodeLimits(uses_per_code=2, once_per_customer=True))
    added = world.handle(promotions.AddVoucherCodes("spring", ("Spring-2027", "vip 88"), PLATFORM))
    assert added == ("SPRING2027", "VIP88")
    assert world.get(CodeSet, "spring").picked == 2
    assert display_code("SPRING2027") == "SPRING2027"
    assert world.handle(promotions.RedeemVoucherCode(ALICE, "spring2027")) == "C1#1"
    with pytest.raises(VoucherCodeAlreadyUsed):
        world.handle(promotions.RedeemVoucherCode(ALICE, "SPRING2027"))
    world.handle(promotions.EnterVoucherCode(BOB, " spring 2027 "))
    world.reserve("o1", {code_promotion_id("C1", "SPRING2027"): "5.00"}, customer=BOB)
    with pytest.raises(VoucherCodeUsedUp):
        world.handle(promotions.RedeemVoucherCode(CAROL, "Spring2027"))
    assert world.get(VoucherCode, "SPRING2027").used == 2
    assert sorted(MemoryVoucherCodeQueries(world.store).codes_of("spring")) == [
        "SPRING2027",
        "VIP88",
    ]


@pytest.mark.parametrize(
    "codes",
    [
        ("SPRING2027", "spring2027"),  # the same code twice, in another case
        ("SUMMER", "SPRING2027"),  # held by another set already
    ],
)
def test_a_hand_picked_code_held_already_is_refused_naming_it(codes: tuple[str, ...]) -> None:
    world = spring_world(SINGLE_USE)
    world.handle(promotions.CreateCodeSet("other", "C1", PLATFORM))
    world.handle(promotions.AddVoucherCodes("other", ("Spring2027",), PLATFORM))
    before = world.snapshot()
    with pytest.raises(promotions.VoucherCodeTaken) as refused:
        world.handle(promotions.AddVoucherCodes("spring", codes, PLATFORM))
    assert refused.value.code == "SPRING2027"
    assert "SPRING2027" in str(refused.value)
    assert world.snapshot() == before  # not even SUMMER


def test_a_generated_code_cannot_be_hand_picked_again() -> None:
    world, codes = world_with_codes(1)
    with pytest.raises(InvalidVoucherCode):  # a generated code's shape
        world.handle(promotions.AddVoucherCodes("S1", (display_code(codes[0]),), PLATFORM))


@pytest.mark.parametrize(
    "text", ["ABC", "A" * 21, "SPRING_2027", "春节2027", "7KQM2XHCPWN4", "SUMMERSPREE2"]
)
def test_a_hand_picked_code_needs_its_charset_and_length(text: str) -> None:
    world = spring_world(SINGLE_USE)
    before = world.snapshot()
    with pytest.raises(InvalidVoucherCode) as refused:
        world.handle(promotions.AddVoucherCodes("spring", ("GOOD1", text), PLATFORM))
    assert repr(text) in str(refused.value)
    assert world.snapshot() == before


def test_only_the_campaign_owner_or_the_platform_adds_codes_and_a_batch_is_bounded() -> None:
    world = spring_world(SINGLE_USE)
    with pytest.raises(NotYourCampaign):
        world.handle(promotions.AddVoucherCodes("spring", ("SPRING2027",), ACME))
    for bad in ((), "SPRING2027"):
        with pytest.raises(InvalidCodeSet):
            world.handle(promotions.AddVoucherCodes("spring", bad, PLATFORM))  # type: ignore[arg-type]
    assert world.get(CodeSet, "spring").picked == 0


@given(st.text(alphabet="abcdefghijkmnopqrstuvwxyz0123456789- ", min_size=4, max_size=20))
def test_a_hand_picked_code_is_the_same_in_any_case(text: str) -> None:
    try:
        code = picked_code(text)
    except InvalidVoucherCode:
        return
    assert normalize_code(text.upper()) == normalize_code(text) == code
    assert not is_generated_shape(code)
