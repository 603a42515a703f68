"""Saved rules and scenarios in a database: a restarted process reads them back and decides
the same; a refused publish writes nothing (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from merx.app import Settings, build_app
from merx.decisions import (
    NamedRule,
    PublishScenario,
    RollBackScenario,
    SaveRule,
    SaveScenarioDraft,
    Scenario,
    Strategy,
    UnknownTag,
    parse_rule,
)
from tests.decisions import world
from tests.stores.test_stored_app import Storage


def test_rules_and_scenarios_survive_a_restart(storage: Storage) -> None:
    setup = Settings(tag_catalog=world.catalog(), tag_values=world.values())
    app = build_app(storage.open(), settings=setup)
    app.handle(SaveRule("north", parse_rule('region in ["north", "east"]')))
    strategy = Strategy("s", parse_rule("new_user = true and @north"), world.NEW_USER)
    app.handle(SaveScenarioDraft("homepage.popup", world.popup(strategies=(strategy,))))
    app.handle(PublishScenario("homepage.popup"))
    app.handle(SaveScenarioDraft("homepage.popup", world.popup(strategies=())))
    app.handle(PublishScenario("homepage.popup"))
    app.handle(RollBackScenario("homepage.popup", 1))
    bad = Strategy("bad", parse_rule("vip_level > 3"), world.NEW_USER)
    app.handle(SaveScenarioDraft("homepage.popup", world.popup(strategies=(bad,))))
    with pytest.raises(UnknownTag):
        app.handle(PublishScenario("homepage.popup"))
    app.close()

    again = build_app(storage.open(), settings=setup)
    decision = again.decide("homepage.popup", "u-new-north", {"channel": "app"}, caller="homepage")
    assert (decision.variant, decision.rules, decision.version) == (
        "new_user_half_price",
        ("north",),
        1,
    )
    scenario = again.get(Scenario, "homepage.popup")
    assert (scenario.live, len(scenario.versions)) == (1, 2)
    assert scenario.draft == world.popup(strategies=(bad,))
    assert again.get(NamedRule, "north").rule == parse_rule('region in ["north", "east"]')
    again.close()
