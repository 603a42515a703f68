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
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from merx import tags
from merx.adapters.memory import MemoryTagCatalog, MemoryTagValues
from merx.app import App, MemoryApp, build_memory_app, build_sqlite_app
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
    publish(app)
    return app


#: the bench's value types as ``merx.tags`` value types (a decisions string is a text)
_KINDS: dict[ValueType, tags.ValueKind] = {
    ValueType.BOOL: tags.ValueKind.BOOL,
    ValueType.NUMBER: tags.ValueKind.NUMBER,
    ValueType.DATE: tags.ValueKind.DATE,
    ValueType.SET: tags.ValueKind.SET,
    ValueType.STRING: tags.ValueKind.TEXT,
}


def stored(app: App, count: int) -> App:
    """``app`` (its default stored tag ports) with the 15 tags defined and published as
    pushed user tags of ``merx.tags`` and every subject's values pushed, then the scenario
    published: the same decisions as :func:`prepared`'s, through the store."""
    for name, (value_type, options) in TAGS.items():
        kind = (
            tags.ValueType.enum(*options)
            if value_type is ValueType.ENUM
            else tags.ValueType(_KINDS[value_type])
        )
        app.handle(
            tags.DefineTag(tags.TagSpec(name, tags.TagKind.USER, kind, tags.DataSource.BATCH))
        )
        app.handle(tags.PublishTag(name))
    memory = subjects(count)
    at = app.clock.now()
    held = {f"u{n}": memory.values_of(f"u{n}", at) for n in range(count)}
    for name in TAGS:
        app.handle(tags.LoadBatchValues(name, {s: values[name] for s, values in held.items()}))
    publish(app)
    return app


def publish(app: App) -> None:
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


def through(app: App, ids: list[str], rounds: int = 3) -> tuple[float, Counter[str]]:
    """Best-of-``rounds`` decisions/s through ``app.decide``, and how the variants fell."""
    context = {"channel": "app"}
    variants: Counter[str] = Counter(
        app.decide("homepage.popup", s, context, caller="homepage").variant for s in ids
    )
    best = 0.0
    for _ in range(rounds):
        started = time.process_time()
        for subject in ids:
            app.decide("homepage.popup", subject, context, caller="homepage")
        best = max(best, len(ids) / (time.process_time() - started))
    return best, variants


def timed(count: int, stored_count: int, rounds: int = 3) -> tuple[dict[str, float], Counter[str]]:
    """Best-of-``rounds`` decisions/s: ``app.decide`` on the memory app with the in-memory
    tag ports, the compiled version alone, and ``app.decide`` through the default stored
    tag ports on the memory app and on a SQLite app (``stored_count`` subjects); raises if
    any of them decides otherwise than the in-memory ports."""
    app = prepared(count)
    ids = [f"u{n}" for n in range(count)]
    context = {"channel": "app"}
    rates: dict[str, float] = {}
    rates["memory ports"], variants = through(app, ids, rounds)
    version = CompiledVersion("homepage.popup", app.get(Scenario, "homepage.popup").published(1))
    values = app.decider.values
    held = [values.values_of(s, app.clock.now()) for s in ids]
    alone = 0.0
    for _ in range(rounds):
        started = time.process_time()
        for subject, tags_held in zip(ids, held, strict=True):
            version.decide(subject, tags_held, context)
        alone = max(alone, count / (time.process_time() - started))
    rates["compiled version"] = alone
    memory = stored(build_memory_app(check_views=False), count)
    rates["stored ports, memory"], seen = through(memory, ids, rounds)
    assert seen == variants, (seen, variants)
    with tempfile.TemporaryDirectory() as folder:
        sqlite = build_sqlite_app(Path(folder) / "bench.db", synchronous="NORMAL")
        try:
            stored(sqlite, stored_count)
            few = ids[:stored_count]
            rates["stored ports, SQLite"], seen = through(sqlite, few, rounds)
            first = Counter(
                app.decide("homepage.popup", s, context, caller="homepage").variant for s in few
            )
            assert seen == first, (seen, first)
        finally:
            sqlite.close()
    return rates, variants


def main(count: int = 20_000, stored_count: int = 5_000) -> None:
    rates, _ = timed(count, stored_count)
    figures = ", ".join(f"{name} {rate:,.0f}/s" for name, rate in rates.items())
    print(
        f"decisions, 3 strategies / 20 rules / 15 tags, {count} subjects "
        f"({stored_count} on SQLite), app.decide through: {figures} (goal >= 50,000/s)"
    )


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:3]))
