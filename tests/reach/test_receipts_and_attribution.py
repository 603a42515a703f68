"""Receipts (idempotent, in any order), last-touch attribution of paid orders within the
window, and the report per campaign and variation."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from merx import decisions, experiments, reach
from merx.kernel.errors import IllegalTransition
from merx.kernel.money import Money
from merx.reach import Receipt, TouchStatus

from .conftest import LAPSED, World, buy, stock_shop

TOUCH = "lapsed/d1/amy"


def sent(world: World) -> None:
    world.person("amy", 1)
    world.sms_campaign()
    world.app.handle(reach.RunReachCampaign("lapsed", "d1"))


def test_receipts_are_idempotent_and_may_arrive_out_of_order(world: World) -> None:
    sent(world)
    assert world.app.handle(reach.RecordReceipt(TOUCH, Receipt.OPENED))
    assert not world.app.handle(reach.RecordReceipt(TOUCH, Receipt.OPENED))
    assert world.app.handle(reach.RecordReceipt(TOUCH, Receipt.DELIVERED))  # late, kept
    touch = world.app.get(reach.Touch, TOUCH)
    assert touch.status is TouchStatus.OPENED
    assert set(touch.receipts) == {Receipt.OPENED, Receipt.DELIVERED}
    with pytest.raises(IllegalTransition):
        world.app.handle(reach.RecordReceipt(TOUCH, Receipt.FAILED))
    assert world.app.get(reach.Touch, TOUCH).status is TouchStatus.OPENED


def test_a_paid_order_in_the_window_is_credited_to_the_last_touch_once(world: World) -> None:
    stock_shop(world.app)
    sent(world)
    world.app.handle(reach.RecordReceipt(TOUCH, Receipt.DELIVERED))
    world.clock.advance(timedelta(days=2))
    order_id = buy(world.app, "amy")
    touch = world.app.get(reach.Touch, TOUCH)
    assert touch.orders == {order_id: Money.of("80.00", "CNY")}
    assert touch.returned_at == world.clock.now()
    world.clock.advance(timedelta(days=6))  # past the 7-day window
    buy(world.app, "amy")
    report = world.app.reach_report("lapsed")
    total = report.total
    assert (total.reached, total.delivered, total.returned, total.ordered) == (1, 1, 1, 1)
    assert (total.orders, total.gmv) == (1, Money.of("80.00", "CNY"))
    assert report.skipped == {}


def test_a_return_the_host_reports_credits_the_touch(world: World) -> None:
    sent(world)
    world.clock.advance(timedelta(hours=5))
    assert world.app.handle(reach.RecordReturn(world.person("bob", 2, sms=False))) is None
    assert world.app.handle(reach.RecordReturn("amy")) == TOUCH  # type: ignore[arg-type]
    assert world.app.get(reach.Touch, TOUCH).returned_at == world.clock.now()


def test_variations_split_by_an_experiment_get_their_templates_and_their_rows(
    world: World,
) -> None:
    app = world.app
    app.handle(
        experiments.DefineExperiment(
            "sms-copy", (experiments.Variation("plain", Decimal("0.5")),
                         experiments.Variation("urgent", Decimal("0.5")))
        )
    )  # fmt: skip
    app.handle(experiments.StartExperiment("sms-copy"))
    split = decisions.Strategy(
        "lapsed",
        decisions.parse_rule("days_since_last_order >= 90"),
        decisions.Output("in"),
        experiment="sms-copy",
        variations={"plain": decisions.Output("in"), "urgent": decisions.Output("in")},
    )
    app.handle(
        decisions.SaveScenarioDraft(
            LAPSED,
            decisions.ScenarioDefinition(
                inputs=(),
                callers=(decisions.Permission("reach", {decisions.Access.EMBEDDED}),),
                strategies=(split,),
                default=decisions.Output("out"),
            ),
        )
    )
    app.handle(decisions.PublishScenario(LAPSED))
    for n in range(20):
        world.person(f"u{n:02d}", n)
    app.handle(
        reach.SaveTemplate(
            "t-urgent", reach.ReachChannel.SMS, "Last hours! {link}",
            {"until": reach.VarType.DATE, "link": reach.VarType.COUPON_LINK},
        )
    )  # fmt: skip
    world.sms_campaign(variation_templates={"urgent": "t-urgent"})
    run = app.handle(reach.RunReachCampaign("lapsed", "d1"))
    assert run.sent == 20
    report = app.reach_report("lapsed")
    rows = {row.variation: row.reached for row in report.variations}
    assert set(rows) == {"plain", "urgent"}
    assert sum(rows.values()) == 20
    urgent = {d.customer_id for d in app.messenger.delivered if d.body.startswith("Last hours")}
    assert len(urgent) == rows["urgent"]
