"""Processes showing one customer a capped placement at once, on a SQLite file and on
PostgreSQL: the daily cap holds, every impression is counted once."""

from __future__ import annotations

import multiprocessing
from datetime import timedelta

from merx.adapters.memory import FixedClock
from merx.app import Settings, StoredApp, build_postgres_app, build_sqlite_app
from merx.decisions import Output, PublishScenario, SaveScenarioDraft, ScenarioDefinition
from merx.kernel.ids import PLATFORM
from merx.traffic import (
    ContentKind,
    CreatePlacement,
    DefinePosition,
    ImpressionLog,
    PlacedContent,
    PositionKind,
    SchedulePlacement,
)
from tests.decisions import world as decisions_world
from tests.stores.test_races import START, is_postgres, target
from tests.traffic.world import CALLERS

__all__ = ["target"]  # the fixture, shared with the other races

CAP = 4
PROCESSES = 3
VIEWS = 4


def shop(path: str) -> StoredApp:
    setup = Settings(tag_catalog=decisions_world.catalog(), tag_values=decisions_world.values())
    if is_postgres(path):
        return build_postgres_app(path, clock=FixedClock(START), settings=setup, max_connections=2)
    return build_sqlite_app(path, clock=FixedClock(START), settings=setup, synchronous="NORMAL")


def view_often(path: str, worker: int) -> int:
    app = shop(path)
    shown = 0
    for _ in range(VIEWS):
        shown += len(app.traffic_view("u-loyal", "home", START + timedelta(hours=1)).shown)
    app.close()
    return shown


def test_processes_viewing_at_once_never_exceed_the_daily_cap(target: str) -> None:
    app = shop(target)
    everyone = ScenarioDefinition(inputs=(), callers=CALLERS, strategies=(), default=Output("s"))
    app.handle(SaveScenarioDraft("traffic.everyone", everyone))
    app.handle(PublishScenario("traffic.everyone"))
    app.handle(DefinePosition("home", PositionKind.BANNER, 1, "750x300"))
    banner = PlacedContent(ContentKind.BANNER, "b")
    app.handle(
        CreatePlacement("p", "home", PLATFORM, banner, START, START + timedelta(days=1),
                        "traffic.everyone", frozenset({"s"}), daily_cap=CAP)
    )  # fmt: skip
    app.handle(SchedulePlacement("p", PLATFORM))
    app.close()
    with multiprocessing.get_context("spawn").Pool(PROCESSES) as pool:
        shown = pool.starmap(view_often, [(target, n) for n in range(PROCESSES)])
    assert sum(shown) == CAP  # 12 views, 4 shown
    again = shop(target)
    assert again.get(ImpressionLog, "u-loyal@2026-01-01").counts == {"p": CAP}
    again.close()
