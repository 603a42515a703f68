"""The seed's homepage pop-up, decided by a scenario: "only new users can see the event
materials and entrances for a limited time 50% discount for new users".

An operator defines the tags' rules, tries one on real users, publishes the scenario
``homepage.popup`` and later publishes a change and rolls it back; the homepage asks
``decide`` for three users. Then the pop-up's promise at checkout: a half-price campaign
whose audience is a scenario on the same rules, so the three users' quotes differ. Tags
come from the in-memory tag ports (``merx.tags`` feeds them in a host). Run:
``python examples/decision_popup.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from no_options import takes_no_options

from merx import catalog, checkout, customers, inventory, promotions
from merx.adapters.memory import MemoryTagCatalog, MemoryTagValues
from merx.app import MemoryApp, build_memory_app
from merx.customers import Address
from merx.decisions import (
    Access,
    InputField,
    Output,
    Permission,
    PublishScenario,
    RollBackScenario,
    SaveRule,
    SaveScenarioDraft,
    ScenarioDefinition,
    Strategy,
    ValueType,
    parse_rule,
)
from merx.kernel.ids import PLATFORM, CustomerId, SkuId, WarehouseId
from merx.kernel.money import Money
from merx.pricing import PercentTier, ThresholdPercent

USERS = ("lei", "mei", "tao")
AUDIENCE = "promotion.newcomer_half_price"

Say = Callable[[str], None]


def tags() -> tuple[MemoryTagCatalog, MemoryTagValues]:
    catalog = MemoryTagCatalog()
    catalog.define("new_user", ValueType.BOOL)
    catalog.define("region", ValueType.ENUM, ["north", "east", "south", "west"])
    catalog.define("orders_90d", ValueType.NUMBER)
    values = MemoryTagValues()
    values.set("lei", {"new_user": True, "region": "north", "orders_90d": Decimal(0)})
    values.set("mei", {"new_user": False, "region": "east", "orders_90d": Decimal(9)})
    values.set("tao", {"new_user": True, "region": "west", "orders_90d": Decimal(0)})
    return catalog, values


def popup(strategies: tuple[Strategy, ...]) -> ScenarioDefinition:
    return ScenarioDefinition(
        inputs=(InputField("channel", ValueType.ENUM, enum_values={"app", "mini_program"}),),
        callers=(Permission("homepage", {Access.API}),),
        strategies=strategies,
        default=Output("none"),
    )


def run(app: MemoryApp, say: Say) -> None:
    app.handle(SaveRule("newcomer", parse_rule("new_user = true")))
    app.handle(SaveRule("launch_regions", parse_rule('region in ["north", "east"]')))
    trial = app.decider.try_rule_on_users(parse_rule("@newcomer and @launch_regions"))
    say(f"dry run on real users: {trial.matched} of {trial.tried} match {trial.matching}")
    half_price = Strategy(
        "new_users",
        parse_rule("@newcomer and @launch_regions"),
        Output("new_user_half_price", materials=("popup-50off", "entry-newcomer-zone")),
    )
    loyal = Strategy(
        "loyal", parse_rule("orders_90d >= 5"), Output("thanks", materials=("popup-thanks",))
    )
    app.handle(SaveScenarioDraft("homepage.popup", popup((half_price, loyal))))
    say(f"homepage.popup version {app.handle(PublishScenario('homepage.popup'))} published")
    ask(app, say)
    app.handle(SaveScenarioDraft("homepage.popup", popup((loyal,))))
    say(f"version {app.handle(PublishScenario('homepage.popup'))} drops the new-user offer")
    ask(app, say)
    app.handle(RollBackScenario("homepage.popup", 1))
    say("rolled back to version 1")
    ask(app, say)
    half_price_at_checkout(app, say)


def ask(app: MemoryApp, say: Say) -> None:
    for user in USERS:
        d = app.decide("homepage.popup", user, {"channel": "app"}, caller="homepage")
        say(
            f"  {user}: {d.variant} {list(d.materials)} "
            f"(v{d.version}, {d.reason}, strategy {d.strategy}, rules {list(d.rules)})"
        )


def half_price_at_checkout(app: MemoryApp, say: Say) -> None:
    """The campaign behind the pop-up: 50% off for the audience the same rules decide."""
    newcomers = Strategy(
        "newcomers", parse_rule("@newcomer and @launch_regions"), Output("in", value=True)
    )
    audience = ScenarioDefinition(
        inputs=(),
        callers=(Permission("checkout", {Access.API}),),
        strategies=(newcomers,),
        default=Output("out", value=False),
        output_type=ValueType.BOOL,
    )
    app.handle(SaveScenarioDraft(AUDIENCE, audience))
    app.handle(PublishScenario(AUDIENCE))
    shirt, dc = SkuId("tee"), WarehouseId("dc")
    app.handle(catalog.CreateSku(shirt, "Tee", PLATFORM, "tee", Money.of("99.00", "CNY")))
    app.handle(inventory.OpenWarehouse(dc, "DC", "-", {"north": 1}))
    app.handle(inventory.ReceiveStock(dc, shirt, 10, "po-1"))
    half = ThresholdPercent(id="newcomer-half", tiers=(PercentTier(Decimal(50), min_quantity=1),))
    campaign = app.handle(promotions.CreateCampaign(PLATFORM, half, audience=AUDIENCE))
    for command in (promotions.SubmitCampaign, promotions.ApproveCampaign):
        app.handle(command(campaign, PLATFORM))
    app.handle(promotions.ScheduleCampaign(campaign, PLATFORM))
    app.handle(promotions.TickCampaigns())
    say(f"campaign {campaign}: 50% off, audience {AUDIENCE}")
    for user in USERS:
        who = app.handle(customers.RegisterCustomer(CustomerId(user), user, "1"))
        app.handle(customers.AddAddress(who, "h", Address(user, "1", "n", "r"), default=True))
        app.handle(checkout.AddToCart(who, shirt, 1))
        quote = app.quote(who)
        why = [f"{r.promotion_id}: {r.code}" for r in quote.pricing.rejections]
        say(f"  {user} pays {quote.payable} for the tee {why}")


def main() -> None:
    takes_no_options(__doc__)
    catalog, values = tags()
    run(build_memory_app(tag_catalog=catalog, tag_values=values), print)


if __name__ == "__main__":
    main()
