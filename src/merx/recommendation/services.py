"""Keeping the recommendation documents up to date, and recommending.

Subscribers (wired by the composition root):

- :func:`follow_paid_orders` (``ParentOrderPaid``): the SKUs of the paid order are bought
  together (each pair, and each with the customer's 5 last bought SKUs before it), sold
  in the order's delivery region and in their categories, and on the customer's
  purchases; orders are attributed to a variation when the customer clicked one of the
  order's SKUs from its recommendations within :data:`ATTRIBUTION_WINDOW` before the
  payment. Counted once per parent order (the customer's purchases remember it).
- :func:`count_clicks` (``BehaviourTracked``): a click whose source is a recommendation
  of an experiment's variation (``rec:<experiment>:<variation>``) counts for it, once per
  event id.

:func:`recommend` runs the pipeline for one customer: a bounded number of reads (the
customer's trail and purchases, at most 10 SKUs' signals, 3 category lists, the region's,
then the candidates the rough ranking keeps: their SKU, signals and stock).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import attrs

from merx.behaviour import (
    BehaviourKind,
    BehaviourTracked,
    CustomerTrail,
    recent_clicks,
    recently_viewed,
)
from merx.catalog import Sku
from merx.inventory import StockItem, Warehouse, stock_key
from merx.kernel.bus import Command, reads_ahead
from merx.kernel.ids import SkuId, WarehouseId
from merx.kernel.uow import UnitOfWork, add_or_save, prefetch
from merx.orders import Order, ParentOrder, ParentOrderPaid
from merx.recommendation.errors import InvalidPipeline
from merx.recommendation.model import (
    Candidate,
    CustomerPurchases,
    Features,
    Pipeline,
    Popular,
    RankingContext,
    Recalled,
    RecallSource,
    Recommendation,
    Removed,
    SkuSignals,
    VariationTally,
    category_key,
    region_key,
    rerank,
    rough_rank,
    tally_id,
    top,
)
from merx.recommendation.ports import Ranker

#: how long after a click on a recommended SKU an order of it is attributed
ATTRIBUTION_WINDOW = timedelta(days=7)
#: how many of the customer's last bought and viewed SKUs seed co-purchase and category recall
SEEDS = 5
#: the most items one recommendation may hold
MAX_COUNT = 100


@attrs.frozen
class SetSkuRating(Command[None]):
    """The host's reviews summary of a SKU: the average stars (1 to 5) over ``count``
    reviews (the latest replaces the one before)."""

    sku_id: str
    average: Decimal
    count: int


def set_sku_rating(cmd: SetSkuRating, uow: UnitOfWork) -> None:
    repo = uow.repo(SkuSignals)
    signals = repo.find(cmd.sku_id) or SkuSignals(id=cmd.sku_id)
    signals.rate(cmd.average, cmd.count)
    add_or_save(repo, signals)
    uow.commit()


def _purchases_ahead(event: ParentOrderPaid) -> list[tuple[type[object], str]]:
    """The parent order, the customer's purchases and trail (its recent clicks)."""
    customer = event.customer_id
    ahead: list[tuple[type[object], str]] = [(ParentOrder, event.parent_id)]
    if customer is not None:
        ahead += [(CustomerPurchases, str(customer)), (CustomerTrail, str(customer))]
    return ahead


@reads_ahead(_purchases_ahead)
def follow_paid_orders(event: ParentOrderPaid, uow: UnitOfWork) -> None:
    """Subscriber: see the module."""
    parent = uow.repo(ParentOrder).view(event.parent_id)
    purchases_repo = uow.repo(CustomerPurchases)
    purchases = purchases_repo.find(str(parent.customer_id))
    if purchases is not None and purchases.counted(parent.id):
        return  # delivered again
    prefetch(uow.repo(Order), parent.order_ids)
    units: dict[str, int] = {}
    categories: dict[str, str] = {}
    region: str | None = None
    for order_id in parent.order_ids:
        order = uow.repo(Order).view(order_id)
        if order.ship_to is not None:
            region = order.ship_to.region
        for line in order.lines:
            units[line.sku] = units.get(line.sku, 0) + line.quantity
            categories[line.sku] = line.category
    skus = sorted(units)
    before = [] if purchases is None else purchases.last_bought(SEEDS)
    signals_repo, popular_repo = uow.repo(SkuSignals), uow.repo(Popular)
    prefetch(signals_repo, sorted({*skus, *before}))
    keys = [category_key(c) for c in sorted(set(categories.values()))]
    if region is not None:
        keys.append(region_key(region))
    prefetch(popular_repo, keys)
    for sku in skus:
        signals = signals_repo.find(sku) or SkuSignals(id=sku)
        signals.bought_together([*skus, *before], units[sku])
        add_or_save(signals_repo, signals)
    for old in before:
        if old not in units:
            signals = signals_repo.find(old) or SkuSignals(id=old)
            signals.bought_together(skus, 0)
            add_or_save(signals_repo, signals)
    for key in keys:
        popular = popular_repo.find(key) or Popular(id=key)
        for sku in skus:
            if key == region_key(region or "") or key == category_key(categories[sku]):
                popular.sold(sku, units[sku])
        add_or_save(popular_repo, popular)
    if purchases is None:
        purchases = CustomerPurchases(id=str(parent.customer_id))
    purchases.bought_now(parent.id, skus, event.at)
    add_or_save(purchases_repo, purchases)
    _attribute_order(uow, parent, set(skus), event)
    uow.commit()


def _variation_of(source: str | None) -> str | None:
    """``<experiment>/<variation>`` of a click's source ``rec:<experiment>:<variation>``."""
    if source is None or not source.startswith("rec:"):
        return None
    experiment, _, variation = source[4:].partition(":")
    return tally_id(experiment, variation) if experiment and variation else None


def _attribute_order(
    uow: UnitOfWork, parent: ParentOrder, skus: set[str], event: ParentOrderPaid
) -> None:
    clicks = recent_clicks(uow, str(parent.customer_id), event.at - ATTRIBUTION_WINDOW)
    tallies = sorted(
        {
            key
            for click in clicks
            if click.sku_id in skus and click.at <= event.at
            for key in [_variation_of(click.source)]
            if key is not None
        }
    )
    repo = uow.repo(VariationTally)
    for key in tallies:
        tally = repo.find(key) or VariationTally(id=key)
        if tally.count("order", f"order:{parent.id}"):
            add_or_save(repo, tally)


def count_clicks(event: BehaviourTracked, uow: UnitOfWork) -> None:
    """Subscriber: see the module."""
    behaviour = event.behaviour
    key = _variation_of(behaviour.source)
    if behaviour.kind is not BehaviourKind.CLICK or key is None:
        return
    repo = uow.repo(VariationTally)
    tally = repo.find(key) or VariationTally(id=key)
    if tally.count("click", f"click:{behaviour.event_id}"):
        add_or_save(repo, tally)
        uow.commit()


def variation_tally(uow: UnitOfWork, experiment_key: str, variation_key: str) -> VariationTally:
    """The clicks and orders attributed to a variation (zero when none yet)."""
    key = tally_id(experiment_key, variation_key)
    return uow.repo(VariationTally).peek(key) or VariationTally(id=key)


# -- recommending -------------------------------------------------------------------------


def _recall(
    uow: UnitOfWork, customer_id: str, region: str | None, pipeline: Pipeline
) -> tuple[Recalled, frozenset[str]]:
    """Recall (see the module); the SKUs the customer bought last."""
    viewed = recently_viewed(uow, customer_id)
    purchases = uow.repo(CustomerPurchases).peek(customer_id)
    bought = [] if purchases is None else purchases.last_bought(SEEDS)
    seeds = list(dict.fromkeys([*bought, *viewed[:SEEDS]]))
    signals_repo, skus = uow.repo(SkuSignals), uow.repo(Sku)
    prefetch(signals_repo, seeds)
    prefetch(skus, seeds)
    co_purchase: dict[str, int] = {}
    categories: list[str] = []
    for seed in seeds:
        signals = signals_repo.peek(seed)
        if signals is not None:
            for other, n in signals.bought_with.items():
                co_purchase[other] = co_purchase.get(other, 0) + n
        sku = skus.peek(seed)
        if sku is not None and sku.category not in categories:
            categories.append(sku.category)
    popular_repo = uow.repo(Popular)
    keys = [category_key(c) for c in categories[:3]]
    if region is not None:
        keys.append(region_key(region))
    prefetch(popular_repo, keys)
    same_category: list[str] = []
    for key in keys[: len(categories[:3])]:
        popular = popular_repo.peek(key)
        if popular is not None:
            same_category.extend(top(popular.counts, pipeline.per_source))
    in_region: list[str] = []
    if region is not None:
        popular = popular_repo.peek(region_key(region))
        in_region = [] if popular is None else top(popular.counts, pipeline.per_source)
    recalled = Recalled(
        {
            RecallSource.CO_PURCHASE: top(co_purchase, pipeline.per_source),
            RecallSource.SAME_CATEGORY: list(dict.fromkeys(same_category)),
            RecallSource.POPULAR_IN_REGION: in_region,
            RecallSource.RECENTLY_VIEWED: viewed[: pipeline.per_source],
        }
    )
    all_bought = frozenset() if purchases is None else frozenset(purchases.bought)
    return recalled, all_bought


def _stock_check(uow: UnitOfWork, region: str | None) -> Callable[[str], bool]:
    """Whether a SKU is in stock in a warehouse that is active and delivers to ``region``
    (anywhere when ``None``): the warehouses read once, each SKU's stock when asked."""
    warehouses = uow.repo(Warehouse)
    ids = [WarehouseId(key) for key in warehouses.ids()]
    prefetch(warehouses, ids)
    serving = []
    for warehouse_id in ids:
        warehouse = warehouses.peek(warehouse_id)
        if (
            warehouse is not None
            and warehouse.active
            and (region is None or region in warehouse.delivery_km)
        ):
            serving.append(warehouse_id)
    items = uow.repo(StockItem)

    def in_stock(sku_id: str) -> bool:
        keys = [stock_key(w, SkuId(sku_id)) for w in serving]
        prefetch(items, keys)
        return any((item := items.peek(key)) is not None and item.available > 0 for key in keys)

    return in_stock


def recommend(
    uow: UnitOfWork,
    context: RankingContext,
    *,
    pipeline: Pipeline,
    ranker: Ranker,
    count: int = 20,
    experiment: str | None = None,
    variation: str | None = None,
) -> Recommendation:
    """``count`` SKUs for ``context``'s customer through ``pipeline`` (see the module)."""
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
        raise InvalidPipeline(f"count is a whole number in [1, {MAX_COUNT}], got {count!r}")
    recalled, bought = _recall(uow, context.customer_id, context.region, pipeline)
    ranked = rough_rank(recalled, pipeline)
    removed = [
        Removed(sku, "rough ranking", "below the cut")
        for sku, _, _ in ranked[pipeline.rough_keep :]
    ]
    kept = ranked[: pipeline.rough_keep]
    ids = [sku for sku, _, _ in kept]
    prefetch(uow.repo(Sku), ids)
    prefetch(uow.repo(SkuSignals), ids)
    candidates: list[Candidate] = []
    for sku_id, sources, rough in kept:
        sku = uow.repo(Sku).peek(sku_id)
        if sku is None:
            removed.append(Removed(sku_id, "re-ranking", "unknown SKU"))
            continue
        signals = uow.repo(SkuSignals).peek(sku_id)
        features = Features(
            sku_id=sku_id, category=sku.category, merchant=sku.merchant, price=sku.price,
            sold=0 if signals is None else signals.sold,
            rating=None if signals is None else signals.rating,
            ratings=0 if signals is None else signals.ratings,
            sources=sources, rough_score=rough,
        )  # fmt: skip
        candidates.append(
            Candidate(
                features,
                on_sale=sku.on_sale,
                sold_in_region=context.region is None or sku.restrictions.sells_to(context.region),
            )
        )
    scores = list(ranker.score([c.features for c in candidates], context))
    assert len(scores) == len(candidates), "a ranker scores every candidate"
    items = rerank(
        candidates,
        scores,
        pipeline=pipeline,
        bought=bought,
        count=count,
        in_stock=_stock_check(uow, context.region),
        removed=removed,
    )
    return Recommendation(pipeline.name, tuple(items), tuple(removed), experiment, variation)
