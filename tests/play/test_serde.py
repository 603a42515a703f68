"""Every play aggregate survives its converter (to JSON text and back, equal to itself)
after a journey that leaves one of each kind; malformed data is a ValidationError."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx import play, points
from merx.errors import ValidationError
from merx.kernel.ids import OrderId
from merx.orders import OrderPaid
from merx.play import serde
from tests.play.world import ALICE, BOB, START, cny, coupon_campaign, deliver, make_app, prize


def test_every_play_aggregate_round_trips_through_json() -> None:
    app = make_app()
    coupon_campaign(app, "GIFT")
    task = play.TaskSpec(
        "t", "Two orders a week", play.TaskTrigger.ORDER_PAID, 2, play.TaskWindow.WEEK,
        play.Reward.coupon("GIFT"),
    )  # fmt: skip
    app.handle(play.DefineTask(task))
    app.handle(play.PublishTask("t"))
    app.handle(play.RecordInvitation(ALICE, BOB))
    deliver(app, *(OrderPaid(OrderId(o), "p", cny("1.00"), START, ALICE) for o in ("o1", "o2")))
    deliver(app, OrderPaid(OrderId("o3"), "p", cny("1.00"), START, BOB))
    terms = play.SignInTerms((play.StreakReward(2, play.Reward.credit_boost(cny("9.00"), 3)),))
    app.handle(play.SetSignInRules(terms))
    app.handle(points.EarnPoints(ALICE, 100, "gift", "g"))
    app.handle(play.SignIn(ALICE))
    app.clock.advance(timedelta(days=1))
    app.handle(play.MakeUpSignIn(ALICE, date(2026, 5, 31)))
    lottery = play.LotterySpec(
        "l", "L", (prize("p", "0.5", 1, "1.00", play.Reward.points_of(3)),), cny("5.00"), "s",
        play.Reward.points_of(1), draws_per_day=3, draws_in_all=9,
    )  # fmt: skip
    app.handle(play.DefineLottery(lottery))
    app.handle(play.OpenLottery("l"))
    for _ in range(3):
        app.handle(play.DrawLottery("l", ALICE))
    seen = set()
    for kind in serde.AGGREGATES:
        rows = app.store.tables.get(kind, {})
        assert rows, f"the journey left no {kind.__name__}"
        for _, aggregate in rows.values():
            data = json.loads(json.dumps(serde.unstructure(aggregate)))
            assert serde.structure(data, kind) == aggregate
            seen.add(kind)
    assert seen == set(serde.AGGREGATES)


def test_malformed_play_documents_are_refused() -> None:
    data = serde.unstructure(play.Reward.points_of(3))
    data["points"] = 0
    with pytest.raises(ValidationError):
        serde.structure(data, play.Reward)
    with pytest.raises(ValidationError):
        serde.structure({"kind": "cash"}, play.Reward)


@given(
    st.lists(st.integers(1, 300_000), min_size=0, max_size=3),
    st.integers(0, 50),
    st.one_of(st.none(), st.integers(1, 9)),
)
def test_lottery_specs_round_trip(widths: list[int], stock: int, per_day: int | None) -> None:
    prizes = tuple(
        prize(f"p{k}", str(Decimal(w) / 1_000_000), stock, "1.00", play.Reward.points_of(k + 1))
        for k, w in enumerate(widths)
    )
    spec = play.LotterySpec("l", "L", prizes, cny("9.00"), "seed", draws_per_day=per_day)
    assert (
        serde.structure(json.loads(json.dumps(serde.unstructure(spec))), play.LotterySpec) == spec
    )
