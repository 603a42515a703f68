"""Lotteries: probabilities, stock, budget, consolation, per-user limits, audited rolls."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from merx import play, promotions
from merx.app import MemoryApp
from merx.errors import ConcurrencyError, IllegalTransition, NotFound, ValidationError
from merx.kernel.ids import CustomerId
from merx.kernel.money import Money
from merx.play import services as play_services
from merx.play.lottery import LotteryEntrant
from merx.play.serde import structure, unstructure
from merx.points import points_balance
from tests.play.world import (
    ALICE,
    BOB,
    ForcedRolls,
    cny,
    coupon_campaign,
    grants,
    make_app,
    prize,
    wallet_ids,
)

PHONE = play.Reward.points_of(1000)
SMALL = play.Reward.points_of(10)


def spec(**terms: object) -> play.LotterySpec:
    fields: dict[str, object] = {
        "lottery_id": "spring",
        "title": "Spring draw",
        "prizes": (
            prize("phone", "0.001", 1, "2999.00", PHONE),
            prize("coupon", "0.5", 2, "5.00", play.Reward.coupon("GIFT")),
        ),
        "budget": cny("3009.00"),
        "seed": "s3cret",
        "consolation": SMALL,
        **terms,
    }
    return play.LotterySpec(**fields)  # type: ignore[arg-type]


def live(rolls: ForcedRolls | None = None, **terms: object) -> MemoryApp:
    app = make_app(rolls)
    coupon_campaign(app, "GIFT", stock=10)
    app.handle(play.DefineLottery(spec(**terms)))
    app.handle(play.OpenLottery("spring"))
    return app


def test_probabilities_above_one_are_a_typed_error_and_nothing_is_saved() -> None:
    app = make_app()
    with pytest.raises(play.InvalidLottery, match=r"sum to 1\.1"):
        app.handle(
            play.DefineLottery(
                spec(
                    prizes=(
                        prize("a", "0.6", 1, "1.00", SMALL),
                        prize("b", "0.5", 1, "1.00", SMALL),
                    )
                )
            )
        )
    with pytest.raises(NotFound):
        app.get(play.Lottery, "spring")
    data = unstructure(spec())
    data["prizes"][1]["probability"] = "0.9999"
    with pytest.raises(ValidationError):
        structure(data, play.LotterySpec)


def test_probabilities_summing_to_exactly_one_are_accepted() -> None:
    exact = spec(prizes=(prize("a", "0.4", 1, "1.00", SMALL), prize("b", "0.6", 1, "1.00", SMALL)))
    assert exact.prize_hit(999_999) is not None


def test_a_roll_in_a_prizes_range_gives_it_and_the_coupon_lands_in_the_wallet() -> None:
    app = live(ForcedRolls([1_000]))  # phone takes [0, 1000), coupon [1000, 501000)
    result = app.handle(play.DrawLottery("spring", ALICE))
    assert (result.outcome, result.prize_id, result.roll) == (play.Outcome.PRIZE, "coupon", 1_000)
    assert result.draw_id == "spring/alice/1"
    assert wallet_ids(app) == ["GIFT#1"]
    (grant,) = grants(app).values()
    assert (grant.grant_key, grant.status, grant.reference) == (
        "draw:spring/alice/1",
        play.GrantStatus.GRANTED,
        "GIFT#1",
    )
    lottery = app.get(play.Lottery, "spring")
    assert lottery.given == {"coupon": 1}
    assert lottery.spent == cny("5.00")


def test_the_rest_of_the_range_is_the_consolation_or_nothing() -> None:
    app = live(ForcedRolls([501_000]))
    assert app.handle(play.DrawLottery("spring", ALICE)).outcome is play.Outcome.CONSOLATION
    app = live(ForcedRolls([999_999]), consolation=None)
    result = app.handle(play.DrawLottery("spring", ALICE))
    assert (result.outcome, result.reward) == (play.Outcome.NOTHING, None)
    assert grants(app) == {}


def test_a_prize_out_of_stock_gives_the_consolation() -> None:
    app = live(ForcedRolls([2_000, 3_000, 4_000]))
    outcomes = [app.handle(play.DrawLottery("spring", who)).outcome for who in (ALICE, BOB, ALICE)]
    assert outcomes == [play.Outcome.PRIZE, play.Outcome.PRIZE, play.Outcome.CONSOLATION]
    draw = app.get(play.LotteryDraw, "spring/alice/2")
    assert (draw.hit, draw.prize_id) == ("coupon", None)  # what the roll hit is kept for audit


def test_a_prize_the_budget_cannot_pay_gives_the_consolation() -> None:
    app = live(ForcedRolls([0, 1_000]), budget=cny("2999.00"))
    assert app.handle(play.DrawLottery("spring", ALICE)).prize_id == "phone"
    result = app.handle(play.DrawLottery("spring", BOB))
    assert (result.outcome, app.get(play.Lottery, "spring").spent) == (
        play.Outcome.CONSOLATION,
        cny("2999.00"),
    )


def test_per_day_and_in_all_draw_limits_hold_and_a_refused_draw_changes_nothing() -> None:
    app = live(draws_per_day=2, draws_in_all=3)
    app.handle(play.DrawLottery("spring", ALICE))
    app.handle(play.DrawLottery("spring", ALICE))
    with pytest.raises(play.DrawLimitReached, match="per-day"):
        app.handle(play.DrawLottery("spring", ALICE))
    assert app.get(LotteryEntrant, "spring/alice").draws_in_all == 2
    app.handle(play.DrawLottery("spring", BOB))  # limits are per customer
    app.clock.advance(timedelta(days=1))
    app.handle(play.DrawLottery("spring", ALICE))
    app.clock.advance(timedelta(days=1))
    with pytest.raises(play.DrawLimitReached, match="in-all"):
        app.handle(play.DrawLottery("spring", ALICE))


def test_the_day_of_a_limit_is_the_lotterys_offset_day() -> None:
    app = live(draws_per_day=1)  # START is 10:00 at +08:00
    app.handle(play.DrawLottery("spring", ALICE))
    app.clock.advance(timedelta(hours=13, minutes=59))  # 23:59 at +08:00
    with pytest.raises(play.DrawLimitReached):
        app.handle(play.DrawLottery("spring", ALICE))
    app.clock.advance(timedelta(minutes=1))  # midnight at +08:00 (16:00 UTC)
    app.handle(play.DrawLottery("spring", ALICE))


def test_only_a_live_lottery_draws() -> None:
    app = make_app()
    app.handle(play.DefineLottery(spec()))
    with pytest.raises(IllegalTransition):
        app.handle(play.DrawLottery("spring", ALICE))
    app.handle(play.OpenLottery("spring"))
    app.handle(play.EndLottery("spring"))
    with pytest.raises(IllegalTransition):
        app.handle(play.DrawLottery("spring", ALICE))
    with pytest.raises(play.UnknownLottery):
        app.handle(play.DrawLottery("autumn", ALICE))


def test_every_draw_records_its_roll_and_an_auditor_recomputes_it() -> None:
    app = live()  # the default randomness: HMAC of the seed and the draw id
    results = [app.handle(play.DrawLottery("spring", who)) for who in (ALICE, BOB, ALICE)]
    for result in results:
        draw = app.get(play.LotteryDraw, result.draw_id)
        assert draw.roll == result.roll == play.hmac_roll("s3cret", result.draw_id)
        assert play.audit_draw(draw, spec())
        forged = attrs.evolve(draw, roll=(draw.roll + 1) % play.ROLL_SCALE)
        assert not play.audit_draw(forged, spec())
    assert not play.audit_draw(app.get(play.LotteryDraw, "spring/alice/1"), spec(seed="other"))


def test_the_randomness_is_injected_and_asked_with_the_seed_and_draw_id() -> None:
    rolls = ForcedRolls([0])
    app = live(rolls)
    app.handle(play.DrawLottery("spring", ALICE))
    assert rolls.asked == [("s3cret", "spring/alice/1")]


def test_a_draw_sent_again_with_its_key_draws_once_and_grants_once() -> None:
    app = live(ForcedRolls([1_000, 2_000]))
    first = app.handle(play.DrawLottery("spring", ALICE), idempotency_key="k1")
    again = app.handle(play.DrawLottery("spring", ALICE), idempotency_key="k1")
    assert first == again
    assert app.get(LotteryEntrant, "spring/alice").draws_in_all == 1
    assert wallet_ids(app) == ["GIFT#1"]


def test_a_stale_draw_for_the_last_unit_loses_with_a_conflict() -> None:
    app = live(ForcedRolls([0, 0]))
    with app.unit_of_work() as first, app.unit_of_work() as second:
        second.repo(play.Lottery).get("spring")  # read before the first draw commits
        play_services.draw_lottery(
            play.DrawLottery("spring", ALICE), first, clock=app.clock, randomness=_zero()
        )
        with pytest.raises(ConcurrencyError):
            play_services.draw_lottery(
                play.DrawLottery("spring", BOB), second, clock=app.clock, randomness=_zero()
            )
    assert app.get(play.Lottery, "spring").given == {"phone": 1}


def _zero() -> ForcedRolls:
    return ForcedRolls([0])


def test_a_coupon_prize_whose_campaign_ran_out_gives_the_consolation_instead() -> None:
    app = live(ForcedRolls([1_000]))
    for k in range(10):  # the campaign's 10 coupons go to others
        app.handle(promotions.ClaimCoupon(f"c{k}", "GIFT"))  # type: ignore[arg-type]
    result = app.handle(play.DrawLottery("spring", ALICE))
    assert (result.outcome, result.prize_id) == (play.Outcome.PRIZE, "coupon")
    (grant,) = grants(app).values()
    assert (grant.status, grant.reward, grant.instead_of, grant.reason) == (
        play.GrantStatus.SUBSTITUTED,
        SMALL,
        play.Reward.coupon("GIFT"),
        "CouponStockExhausted",
    )
    assert wallet_ids(app) == []
    with app.unit_of_work() as uow:
        assert points_balance(uow, ALICE) == 10  # the consolation's points
    [substituted] = app.events.of(play.RewardSubstituted)
    assert isinstance(substituted, play.RewardSubstituted)
    assert (substituted.grant_key, substituted.reason) == (grant.grant_key, "CouponStockExhausted")


def test_a_coupon_prize_whose_campaign_ran_out_without_a_consolation_is_refused() -> None:
    app = live(ForcedRolls([1_000]), consolation=None)
    for k in range(10):
        app.handle(promotions.ClaimCoupon(f"c{k}", "GIFT"))  # type: ignore[arg-type]
    app.handle(play.DrawLottery("spring", ALICE))
    (grant,) = grants(app).values()
    assert (grant.status, grant.reference) == (play.GrantStatus.REFUSED, "CouponStockExhausted")


def test_a_consolation_refused_too_is_recorded_refused_with_both_reasons() -> None:
    app = live(ForcedRolls([1_000]), consolation=play.Reward.coupon("GIFT"))
    for k in range(10):
        app.handle(promotions.ClaimCoupon(f"c{k}", "GIFT"))  # type: ignore[arg-type]
    app.handle(play.DrawLottery("spring", ALICE))
    (grant,) = grants(app).values()
    assert grant.status is play.GrantStatus.REFUSED
    assert grant.reference == "CouponStockExhausted; fallback: CouponStockExhausted"


@given(
    st.lists(st.integers(1, 400_000), min_size=1, max_size=4).filter(
        lambda ws: sum(ws) <= 1_000_000
    ),
    st.integers(0, 999_999),
)
def test_a_roll_hits_the_prize_whose_range_holds_it(widths: list[int], roll: int) -> None:
    prizes = tuple(
        prize(f"p{k}", str(Decimal(w) / 1_000_000), 1, "1.00", SMALL) for k, w in enumerate(widths)
    )
    lottery = spec(prizes=prizes)
    hit = lottery.prize_hit(roll)
    low = 0
    for k, width in enumerate(widths):
        if low <= roll < low + width:
            assert hit is not None
            assert hit.prize_id == f"p{k}"
            return
        low += width
    assert hit is None


def test_bad_prizes_are_typed_errors() -> None:
    with pytest.raises(play.InvalidLottery, match="finer"):
        prize("a", "0.0000001", 1, "1.00", SMALL)
    with pytest.raises(play.InvalidLottery, match="stock"):
        prize("a", "0.1", -1, "1.00", SMALL)
    with pytest.raises(play.InvalidLottery, match="not in"):
        prize("a", "0", 1, "1.00", SMALL)
    with pytest.raises(play.InvalidLottery, match="two prizes"):
        spec(prizes=(prize("a", "0.1", 1, "1.00", SMALL), prize("a", "0.1", 1, "1.00", SMALL)))
    with pytest.raises(play.InvalidLottery, match="budget is in"):
        spec(budget=Money.of("10.00", "USD"))
    with pytest.raises(play.InvalidLottery, match="draws_per_day"):
        spec(draws_per_day=0)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 3), st.integers(1, 5))
def test_every_coupon_winner_gets_the_coupon_or_else_the_consolation_exactly_once(
    coupons: int, winners: int
) -> None:
    app = make_app(ForcedRolls([1_000] * winners))
    coupon_campaign(app, "GIFT", stock=max(coupons, 1))
    if coupons == 0:
        app.handle(promotions.ClaimCoupon("someone", "GIFT"))  # type: ignore[arg-type]
    prizes = (prize("coupon", "0.5", winners, "5.00", play.Reward.coupon("GIFT")),)
    app.handle(play.DefineLottery(spec(prizes=prizes)))
    app.handle(play.OpenLottery("spring"))
    customers = [CustomerId(f"w{n}") for n in range(winners)]
    for customer in customers:
        assert app.handle(play.DrawLottery("spring", customer)).prize_id == "coupon"
    given = grants(app)
    assert sorted(given) == sorted(f"draw:spring/{c}/1" for c in customers)
    statuses = Counter(grant.status for grant in given.values())
    assert statuses == Counter(
        {play.GrantStatus.GRANTED: min(coupons, winners)}
        | ({play.GrantStatus.SUBSTITUTED: winners - coupons} if winners > coupons else {})
    )
    with app.unit_of_work() as uow:
        consoled = sum(points_balance(uow, c) for c in customers)
    assert consoled == 10 * max(0, winners - coupons)
    assert sum(len(wallet_ids(app, c)) for c in customers) == min(coupons, winners)
