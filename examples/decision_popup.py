"""The seed's homepage pop-up, decided by a scenario: "only new users can see the event
materials and entrances for a limited time 50% discount for new users".

An operator defines the tags' rules, tries one on real users, publishes the scenario
``homepage.popup`` and later publishes a change and rolls it back; the homepage asks
``decide`` for three users. Tags come from the in-memory tag ports (``merx.tags`` feeds
them in a host). Run: ``python examples/decision_popup.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from no_options import takes_no_options

from merx.adapters.memory import MemoryTagCatalog, MemoryTagValues
from merx.app import MemoryApp, build_memory_app
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


def ask(app: MemoryApp, say: Say) -> None:
    for user in ("lei", "mei", "tao"):
        d = app.decide("homepage.popup", user, {"channel": "app"}, caller="homepage")
        say(
            f"  {user}: {d.variant} {list(d.materials)} "
            f"(v{d.version}, {d.reason}, strategy {d.strategy}, rules {list(d.rules)})"
        )


def main() -> None:
    takes_no_options(__doc__)
    catalog, values = tags()
    run(build_memory_app(tag_catalog=catalog, tag_values=values), print)


if __name__ == "__main__":
    main()
