"""A small world for decisions tests: a tag catalog, users' tag values and an app."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal

from merx.adapters.memory import MemoryTagCatalog, MemoryTagValues
from merx.app import MemoryApp, build_memory_app
from merx.decisions import (
    Access,
    InputField,
    Output,
    Permission,
    ScenarioDefinition,
    Strategy,
    UnknownTag,
    ValueType,
    parse_rule,
)


def catalog() -> MemoryTagCatalog:
    tags = MemoryTagCatalog()
    tags.define("new_user", ValueType.BOOL)
    tags.define("region", ValueType.ENUM, ["north", "east", "south", "west"])
    tags.define("orders_90d", ValueType.NUMBER)
    tags.define("spend_365d", ValueType.NUMBER)
    tags.define("last_order_on", ValueType.DATE)
    tags.define("categories", ValueType.SET)
    tags.define("nickname", ValueType.STRING)
    tags.define("credit_grade", ValueType.ENUM, ["A", "B", "C"])
    tags.define("retired", ValueType.BOOL, online=False)
    return tags


USERS: dict[str, dict[str, object]] = {
    "u-new-north": {"new_user": True, "region": "north", "orders_90d": Decimal(0)},
    "u-new-west": {"new_user": True, "region": "west", "orders_90d": Decimal(0)},
    "u-loyal": {
        "new_user": False,
        "region": "east",
        "orders_90d": Decimal(7),
        "spend_365d": Decimal("3200.00"),
        "last_order_on": date(2026, 1, 1),
        "categories": frozenset({"tea", "phones"}),
        "credit_grade": "A",
    },
    "u-bare": {},
}


def values() -> MemoryTagValues:
    found = MemoryTagValues()
    for subject, tags in USERS.items():
        found.set(subject, tags)
    return found


def app() -> MemoryApp:
    return build_memory_app(tag_catalog=catalog(), tag_values=values())


NEW_USER = Output("new_user_half_price", materials=("banner-50off", "entry-newcomer"))
LOYAL = Output("loyal_thanks", materials=("banner-thanks",))
NOTHING = Output("none")


def popup(**changes: object) -> ScenarioDefinition:
    """The seed's homepage pop-up: new users in the north or east see the limited-time
    50% discount for new users; frequent buyers a thank-you; anyone else nothing."""
    fields: dict[str, object] = {
        "inputs": (
            InputField("channel", ValueType.ENUM, enum_values=frozenset({"app", "mini_program"})),
        ),
        "callers": (Permission("homepage", {Access.API, Access.EMBEDDED}),),
        "strategies": (
            Strategy(
                "new_users",
                parse_rule('new_user = true and region in ["north", "east"]'),
                NEW_USER,
            ),
            Strategy("loyal", parse_rule("orders_90d >= 5"), LOYAL),
        ),
        "default": NOTHING,
    }
    fields.update(changes)
    return ScenarioDefinition(**fields)  # type: ignore[arg-type]


class TagValuesThatFail(MemoryTagValues):
    """The in-memory tag values, from a tag service that can be ``down``."""

    down = False

    def values_of(self, subject_id: str, at: datetime) -> Mapping[str, object]:
        if self.down:
            raise UnknownTag("the tag service did not answer")
        return super().values_of(subject_id, at)
