"""Decision speed: decisions per second on one core for a scenario of 3 strategies and 20
rules over 15 tags per subject (goal: at least 50,000/s).

Run: ``.venv/bin/python benchmarks/bench_decisions.py``. Figures are printed, never asserted.
Rates are decisions per second of this process's CPU time (``time.process_time``), so a
machine shared with other work still gives the one-core figure.
Two figures: ``app.decide`` whole (the live version looked up in the in-memory store, the
caller and the context checked, the tags read through the tag-values port, the compiled
version run), and the compiled version alone (what a host embedding merx calls once it
holds the tags). 17 saved rules and the 3 strategies' own rules make the 20 rules; the
subjects' tag values are drawn from a seeded generator, so each run decides the same.
"""

from __future__ import annotations

import random
import sys
import time
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

from merx.adapters.memory import MemoryTagCatalog, MemoryTagValues
from merx.app import MemoryApp, build_memory_app
from merx.decisions import (
    Access,
    InputField,
    Output,
    Permission,
    PublishScenario,
    SaveRule,
    SaveScenarioDraft,
    Scenario,
    ScenarioDefinition,
    Strategy,
    ValueType,
    parse_rule,
)
from merx.decisions.engine import CompiledVersion

REGIONS = ("north", "east", "south", "west", "centre")
GRADES = ("A", "B", "C", "D")
CATEGORIES = ("tea", "phones", "shoes", "books", "toys", "baby")
TAGS: dict[str, tuple[ValueType, tuple[str, ...]]] = {
    "new_user": (ValueType.BOOL, ()),
    "installment_customer": (ValueType.BOOL, ()),
    "phone_verified": (ValueType.BOOL, ()),
    "region": (ValueType.ENUM, REGIONS),
    "credit_grade": (ValueType.ENUM, GRADES),
    "gender": (ValueType.ENUM, ("f", "m", "x")),
    "age_band": (ValueType.ENUM, ("18-24", "25-34", "35-44", "45+")),
    "orders_30d": (ValueType.NUMBER, ()),
    "orders_90d": (ValueType.NUMBER, ()),
    "spend_365d": (ValueType.NUMBER, ()),
    "refund_rate": (ValueType.NUMBER, ()),
    "days_since_last_order": (ValueType.NUMBER, ()),
    "last_order_on": (ValueType.DATE, ()),
    "preferred_categories": (ValueType.SET, ()),
    "nickname": (ValueType.STRING, ()),
}
SAVED = {
    "newcomer": "new_user = true",
    "north_or_east": 'region in ["north", "east"]',
    "good_credit": 'credit_grade in ["A", "B"]',
    "active": "orders_30d >= 1",
    "frequent": "orders_90d >= 5",
    "big_spender": "spend_365d > 3000",
    "low_refunds": "refund_rate < 0.1",
    "lapsed": "days_since_last_order between 60 and 365",
    "recent": "last_order_on >= 2026-05-01",
    "tea_lover": 'preferred_categories contains "tea"',
    "parent": 'preferred_categories contains "baby"',
    "verified": "phone_verified = true",
    "young": 'age_band in ["18-24", "25-34"]',
    "installments": "installment_customer = true",
    "not_west": 'region != "west"',
    "named": "nickname exists",
    "loyal": "@frequent and @low_refunds and (@big_spender or @recent)",
}
STRATEGIES = {
    "new_user_half_price": "@newcomer and @north_or_east and @verified and not @installments",
    "installment_offer": (
        "@good_credit and @installments and @active and (@young or @parent) and @not_west"
    ),
    "win_back": '(@lapsed or @tea_lover) and @named and @loyal and context.channel = "app"',
}


def catalog() -> MemoryTagCatalog:
    found = MemoryTagCatalog()
    for name, (value_type, enum_values) in TAGS.items():
        found.define(name, value_type, enum_values)
    return found


def subjects(count: int, seed: int = 16) -> MemoryTagValues:
    rng = random.Random(seed)
    values = MemoryTagValues()
    for n in range(count):
        values.set(
            f"u{n}",
            {
                "new_user": rng.random() < 0.3,
                "installment_customer": rng.random() < 0.4,
                "phone_verified": rng.random() < 0.8,
                "region": rng.choice(REGIONS),
                "credit_grade": rng.choice(GRADES),
                "gender": rng.choice(("f", "m", "x")),
                "age_band": rng.choice(("18-24", "25-34", "35-44", "45+")),
                "orders_30d": Decimal(rng.randrange(4)),
                "orders_90d": Decimal(rng.randrange(12)),
                "spend_365d": Decimal(rng.randrange(800_000)) / 100,
                "refund_rate": Decimal(rng.randrange(30)) / 100,
                "days_since_last_order": Decimal(rng.randrange(400)),
                "last_order_on": date(2026, 6, 1) - timedelta(days=rng.randrange(200)),
                "preferred_categories": frozenset(rng.sample(CATEGORIES, 2)),
                "nickname": f"n{n}",
            },
        )
    return values


def prepared(count: int) -> MemoryApp:
    app = build_memory_app(tag_catalog=catalog(), tag_values=subjects(count), check_views=False)
    for name, text in SAVED.items():
        app.handle(SaveRule(name, parse_rule(text)))
    definition = ScenarioDefinition(
        inputs=(InputField("channel", ValueType.ENUM, enum_values={"app", "web"}),),
        callers=(Permission("homepage", {Access.API, Access.EMBEDDED}),),
        strategies=tuple(
            Strategy(name, parse_rule(text), Output(name)) for name, text in STRATEGIES.items()
        ),
        default=Output("none"),
    )
    app.handle(SaveScenarioDraft("homepage.popup", definition))
    app.handle(PublishScenario("homepage.popup"))
    return app


def timed(count: int, rounds: int = 3) -> tuple[float, float, Counter[str]]:
    """Best-of-``rounds`` decisions/s through ``app.decide`` and through the compiled
    version, and how the variants fell."""
    app = prepared(count)
    ids = [f"u{n}" for n in range(count)]
    context = {"channel": "app"}
    variants: Counter[str] = Counter(
        app.decide("homepage.popup", s, context, caller="homepage").variant for s in ids
    )
    whole = 0.0
    for _ in range(rounds):
        started = time.process_time()
        for subject in ids:
            app.decide("homepage.popup", subject, context, caller="homepage")
        whole = max(whole, count / (time.process_time() - started))
    version = CompiledVersion("homepage.popup", app.get(Scenario, "homepage.popup").published(1))
    values = app.decider.values
    tags = [values.values_of(s, app.clock.now()) for s in ids]
    alone = 0.0
    for _ in range(rounds):
        started = time.process_time()
        for subject, held in zip(ids, tags, strict=True):
            version.decide(subject, held, context)
        alone = max(alone, count / (time.process_time() - started))
    return whole, alone, variants


def main(count: int = 20_000) -> None:
    whole, alone, variants = timed(count)
    print(
        f"decisions, 3 strategies / 20 rules / 15 tags, {count} subjects: "
        f"app.decide {whole:,.0f}/s, compiled version {alone:,.0f}/s (goal >= 50,000/s); "
        f"variants {dict(sorted(variants.items()))}"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
