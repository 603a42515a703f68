"""Recommendation: recall from paid orders and behaviour, each stage explained, SKUs off
sale or out of stock removed, diversity caps, consumables boosted, and an A/B of two
pipelines with clicks and orders attributed per variation."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from merx import catalog, experiments, recommendation
from merx.app import App, build_memory_app
from merx.behaviour import BehaviourKind, TrackBehaviour
from merx.kernel.ids import CustomerId, SkuId
from merx.recommendation import Pipeline, RecallSource
from tests.discovery.world import SKUS, buy, shop

BASE = Pipeline("base")


def traded() -> App:
    app = build_memory_app()
    shop(app)
    buy(app, "ann", "tea-1", "cup-1")
    buy(app, "cyd", "tea-1", "cup-1", "pot-1")
    buy(app, "dee", "tea-2", "kettle")
    return app


def test_recall_explains_its_sources_and_a_new_customer_gets_the_regions_best() -> None:
    app = traded()
    app.track(TrackBehaviour("v1", BehaviourKind.VIEW, "s", CustomerId("bob"), sku_id="tea-1"))
    found = app.recommend("bob", BASE, region="sh")
    by_sku = {item.sku_id: item for item in found.items}
    assert set(by_sku["tea-1"].sources) >= {RecallSource.RECENTLY_VIEWED}
    assert RecallSource.CO_PURCHASE in by_sku["cup-1"].sources
    assert found.items[0].sku_id in {"tea-1", "cup-1"}
    assert all(i.rough > 0 and i.fine >= i.rough for i in found.items)
    newcomer = app.recommend("eve", BASE, region="sh")
    assert newcomer.items
    assert all(i.sources == (RecallSource.POPULAR_IN_REGION,) for i in newcomer.items)


def test_skus_off_sale_or_out_of_stock_are_removed_with_the_reason() -> None:
    app = traded()
    app.handle(catalog.DelistSku(SkuId("cup-1"), "recalled"))
    app.handle(
        catalog.SetSalesRestrictions(
            SkuId("pot-1"), catalog.SalesRestrictions(regions=frozenset({"bj"}))
        )
    )
    found = app.recommend("ann", BASE, region="sh")
    reasons = {r.sku_id: r.reason for r in found.removed}
    assert reasons["cup-1"] == "not on sale"
    assert reasons["pot-1"] == "not sold to the region"
    assert "cup-1" not in found.sku_ids
    assert "pot-1" not in found.sku_ids
    elsewhere = app.recommend("ann", BASE, region="gz")  # no warehouse delivers there
    assert elsewhere.items == ()
    assert {r.reason for r in elsewhere.removed} >= {"out of stock"}
    assert {r.stage for r in found.removed} <= {"rough ranking", "re-ranking"}


@settings(max_examples=15, deadline=None)
@given(cap=st.integers(1, 3))
def test_no_category_exceeds_its_cap_before_every_item_within_the_caps(cap: int) -> None:
    app = traded()
    pipeline = Pipeline("capped", max_per_category=cap, max_per_merchant=8)
    found = app.recommend("ann", pipeline, region="sh", count=8)
    seen: dict[str, int] = {}
    moved = False
    for item in found.items:
        category = SKUS[item.sku_id][2]
        moved = moved or any(n.startswith("moved down") for n in item.notes)
        if not moved:
            seen[category] = seen.get(category, 0) + 1
            assert seen[category] <= cap
        else:
            assert any(n.startswith("moved down") for n in item.notes)


def test_consumables_bought_before_are_boosted_and_ratings_count() -> None:
    app = traded()
    plain = app.recommend("ann", BASE, region="sh")
    boosted = app.recommend("ann", Pipeline("tea", consumables=frozenset({"tea"})), region="sh")
    tea = next(i for i in boosted.items if i.sku_id == "tea-1")
    assert tea.final == tea.fine * 1.5
    assert tea.notes[0].startswith("boosted")
    assert boosted.sku_ids[0] == "tea-1"
    app.handle(recommendation.SetSkuRating("cup-1", Decimal("5"), 200))
    rated = app.recommend("ann", BASE, region="sh")
    before = next(i.fine for i in plain.items if i.sku_id == "cup-1")
    assert next(i.fine for i in rated.items if i.sku_id == "cup-1") > before


def test_two_pipelines_in_an_experiment_get_clicks_and_orders_attributed() -> None:
    app = traded()
    app.handle(
        experiments.DefineExperiment(
            "rec-ab",
            (
                experiments.Variation("a", Decimal("0.5")),
                experiments.Variation("b", Decimal("0.5")),
            ),
        )
    )
    app.handle(experiments.StartExperiment("rec-ab"))
    variations = {"a": BASE, "b": Pipeline("diverse", max_per_category=1)}
    shown = {}
    for who in ("ann", "cyd", "dee"):
        found = app.recommend(who, BASE, experiment="rec-ab", variations=variations, region="sh")
        assert found.variation in {"a", "b"}
        assert found.pipeline == variations[found.variation].name
        shown[who] = found
        first = found.sku_ids[0]
        click = TrackBehaviour(
            f"c-{who}", BehaviourKind.CLICK, "s", CustomerId(who), sku_id=first, source=found.source
        )
        app.track(click)
        app.track(click)  # sent again: counted once
    buy(app, "ann", shown["ann"].sku_ids[0])
    with app.unit_of_work() as uow:
        tallies = {v: recommendation.variation_tally(uow, "rec-ab", v) for v in variations}
    assert sum(t.clicks for t in tallies.values()) == 3
    assert tallies[shown["ann"].variation or ""].orders == 1
    assert sum(t.orders for t in tallies.values()) == 1
