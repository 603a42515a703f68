"""The seed's homepage pop-up as traffic: "only new users can see the event materials and
entrances for a limited time 50% discount for new users", run through a placement.

The platform publishes the scenario ``homepage.popup`` (callable by ``traffic``), a
newcomer page (a countdown and the campaign's coupon entrance), the ``popup`` position
(one at a time, once a day per user) and a placement of the page on it, targeted through
the scenario's ``new_user_half_price`` variant. Three users open the app twice on day one
and once on day two; each view says what was shown and why the rest was not. Run:
``python examples/homepage.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from decision_popup import USERS, tags
from no_options import takes_no_options

from merx import promotions, traffic
from merx.app import MemoryApp, build_memory_app
from merx.decisions import (
    Access,
    InputField,
    Output,
    Permission,
    PublishScenario,
    SaveScenarioDraft,
    ScenarioDefinition,
    Strategy,
    ValueType,
    parse_rule,
)
from merx.kernel.ids import PLATFORM
from merx.pricing import PercentTier, ThresholdPercent

Say = Callable[[str], None]
DAY_ONE = datetime(2026, 1, 1, 9, tzinfo=UTC)


def scenario() -> ScenarioDefinition:
    return ScenarioDefinition(
        inputs=(InputField("channel", ValueType.ENUM, enum_values={"app", "mini_program"}),),
        callers=(Permission("homepage", {Access.API}), Permission("traffic", {Access.API})),
        strategies=(
            Strategy(
                "new_users",
                parse_rule('new_user = true and region in ["north", "east"]'),
                Output("new_user_half_price", materials=("popup-50off",)),
            ),
            Strategy("loyal", parse_rule("orders_90d >= 5"), Output("thanks")),
        ),
        default=Output("none"),
    )


def run(app: MemoryApp, say: Say) -> None:
    app.handle(SaveScenarioDraft("homepage.popup", scenario()))
    app.handle(PublishScenario("homepage.popup"))
    half = ThresholdPercent(id="newcomer-half", tiers=(PercentTier(Decimal(50), min_quantity=1),))
    campaign = app.handle(promotions.CreateCampaign(PLATFORM, half))
    for command in (promotions.SubmitCampaign, promotions.ApproveCampaign):
        app.handle(command(campaign, PLATFORM))
    app.handle(promotions.ScheduleCampaign(campaign, PLATFORM))
    app.handle(promotions.TickCampaigns())
    ends = (DAY_ONE + timedelta(days=2)).replace(hour=0).isoformat()
    page = {
        "components": [
            {"type": "banner", "image": "/img/newcomer-50off.png"},
            {"type": "countdown", "until": ends, "label": "offer ends in"},
            {"type": "coupon_entrance", "campaign": campaign, "label": "50% off your first order"},
        ]
    }
    app.handle(traffic.SavePageDraft("newcomer", PLATFORM, "Newcomers", page))
    say(f"page newcomer version {app.handle(traffic.PublishPage('newcomer', PLATFORM))} published")
    with app.unit_of_work() as uow:
        preview = traffic.preview_page(uow, "newcomer", DAY_ONE, version=1)
    say(f"  at {DAY_ONE:%H:%M}: {[c.type for c in preview.components]}, "
        f"countdown {preview.components[1].seconds_left} s")  # fmt: skip
    app.handle(traffic.DefinePosition("popup", traffic.PositionKind.POPUP, 1, "600x800",
                                      daily_cap=1))  # fmt: skip
    app.handle(
        traffic.CreatePlacement(
            "newcomer-popup", "popup", PLATFORM,
            traffic.PlacedContent(traffic.ContentKind.PAGE, "newcomer"),
            DAY_ONE.replace(hour=0), DAY_ONE + timedelta(days=7), "homepage.popup",
            variants=frozenset({"new_user_half_price"}),
        )
    )  # fmt: skip
    app.handle(traffic.SchedulePlacement("newcomer-popup", PLATFORM))
    say("placement newcomer-popup: page newcomer on popup, targeted by homepage.popup")
    for at in (DAY_ONE, DAY_ONE + timedelta(hours=3), DAY_ONE + timedelta(days=1)):
        say(f"{at:%b %d %H:%M}")
        for user in USERS:
            view = app.traffic_view(user, "popup", at, context={"channel": "app"})
            shown = [f"{s.placement_id} ({s.variant})" for s in view.shown]
            why = [f"{e.placement_id}: {e.reason} ({e.detail})" for e in view.left_out]
            say(f"  {user}: shown {shown} left out {why}")


def main() -> None:
    takes_no_options(__doc__)
    catalog, values = tags()
    run(build_memory_app(tag_catalog=catalog, tag_values=values), print)


if __name__ == "__main__":
    main()
