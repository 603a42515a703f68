"""An A/B of two recommendation pipelines: which one gets more clicks and orders?

A tea shop of 12 SKUs in 4 categories; 24 shoppers buy two things each (paid orders feed
the co-purchase and popularity documents). The experiment ``rec-ab`` splits shoppers
50/50 between pipeline ``a`` (co-purchase weighs most) and ``b`` (popular in the region
weighs most, one item per category). Each shopper is recommended 4 SKUs through their
variation (the exposure is recorded by ``merx.experiments``), clicks the first (tracked
with the recommendation's ``source``), and every other clicker buys it. The results:
exposures and conversions per variation from the experiment, clicks and orders
attributed from the recommendation tallies; then one recommendation explained stage by
stage. Run: ``python examples/recommend_ab.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from no_options import takes_no_options

from merx import catalog, checkout, customers, experiments, inventory, orders, payments
from merx.app import App, build_memory_app
from merx.behaviour import BehaviourKind, TrackBehaviour
from merx.customers import Address
from merx.kernel.ids import PLATFORM, CustomerId, SkuId, WarehouseId
from merx.kernel.money import Money
from merx.recommendation import Pipeline, RecallSource, variation_tally

DC = WarehouseId("sh-dc")
CATEGORIES = ("green", "black", "cup", "pot")
SKUS = [f"{category}-{n}" for category in CATEGORIES for n in (1, 2, 3)]
PIPELINES = {
    "a": Pipeline("co-purchase"),
    "b": Pipeline(
        "popular",
        weights={RecallSource.POPULAR_IN_REGION: 1.0, RecallSource.CO_PURCHASE: 0.3},
        max_per_category=1,
    ),
}


def shop(app: App) -> None:
    app.handle(inventory.OpenWarehouse(DC, "Shanghai DC", "1 Rd", {"sh": 10}))
    for n, sku in enumerate(SKUS):
        price = Money.of(f"{20 + 10 * n}.00", "CNY")
        app.handle(catalog.CreateSku(SkuId(sku), sku, PLATFORM, sku.split("-")[0], price))
        app.handle(inventory.ReceiveStock(DC, SkuId(sku), 500, f"po-{sku}"))


def buy(app: App, who: CustomerId, *skus: str) -> None:
    for sku in skus:
        app.handle(checkout.AddToCart(who, SkuId(sku), 1))
    placed = app.handle(orders.PlaceOrder(who))
    app.handle(payments.PayOrder(placed.parent_id, channel="alipay"))


def run(app: App, say: Callable[[str], object]) -> None:
    shop(app)
    shoppers = [CustomerId(f"u{n:02d}") for n in range(24)]
    for n, who in enumerate(shoppers):
        app.handle(customers.RegisterCustomer(who, str(who), "1"))
        app.handle(customers.AddAddress(who, "h", Address(str(who), "1", "sh", "r"), default=True))
        tea = SKUS[n % 6]  # green or black tea, with the cup or pot that goes with it
        buy(app, who, tea, SKUS[6 + n % 6])
    halves = (
        experiments.Variation("a", Decimal("0.5")),
        experiments.Variation("b", Decimal("0.5")),
    )
    app.handle(experiments.DefineExperiment("rec-ab", halves))
    app.handle(experiments.StartExperiment("rec-ab"))
    clicked = 0
    for n, who in enumerate(shoppers):
        found = app.recommend(
            who, PIPELINES["a"], experiment="rec-ab", variations=PIPELINES, region="sh", count=4
        )
        first = found.sku_ids[0]
        app.track(
            TrackBehaviour(
                f"click-{n}", BehaviourKind.CLICK, f"s-{who}", who, sku_id=first,
                source=found.source,
            )
        )  # fmt: skip
        clicked += 1
        if n % 2 == 0:
            buy(app, who, first)
    say(f"{len(shoppers)} shoppers, {clicked} clicks on their first recommendation")
    with app.unit_of_work() as uow:
        results = experiments.experiment_results(uow, "rec-ab")
        for result in results:
            tally = variation_tally(uow, "rec-ab", result.variation_key)
            name = PIPELINES[result.variation_key].name
            say(
                f"variation {result.variation_key} ({name}): exposed {result.exposures}, "
                f"clicks {tally.clicks}, orders attributed {tally.orders}, "
                f"converted {result.conversions}"
            )
    explained = app.recommend(shoppers[0], PIPELINES["b"], region="sh", count=4)
    say(f"{shoppers[0]} through pipeline {explained.pipeline!r}:")
    for item in explained.items:
        sources = ", ".join(source.value for source in item.sources)
        notes = "; ".join(item.notes) or "-"
        scores = f"rough {item.rough:.2f}, fine {item.fine:.2f}"
        say(f"  {item.sku_id}: from {sources}; {scores}; {notes}")


def main() -> None:
    takes_no_options(__doc__)
    run(build_memory_app(), print)


if __name__ == "__main__":
    main()
