"""Recommendation (the seed's 推荐): recall, rough ranking, fine ranking, re-ranking.

The pipeline is pure (:func:`run_pipeline`): the services bring what it reads, each a
bounded document kept up to date by subscribers, never a scan of orders:

- :class:`SkuSignals` per SKU: the SKUs bought with it (top :data:`NEIGHBOURS` by count),
  its units sold, its rating (the host's reviews summary, :class:`SetSkuRating`);
- :class:`Popular` per region (``region:<r>``) and per category (``category:<c>``): the top
  :data:`POPULAR` SKUs by units sold;
- :class:`CustomerPurchases` per customer: the SKUs bought last (at most
  :data:`BOUGHT_KEPT`) and the parent orders counted (at most :data:`ORDERS_KEPT`: an
  order delivered again is not counted twice);
- :class:`VariationTally` per experiment variation: clicks and orders attributed to it.

The top-K lists are approximate heavy hitters: when a list is full, the smallest count
gives its place to the new SKU (which starts from 1).
"""

from __future__ import annotations

import enum
import heapq
import math
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal

import attrs

from merx.kernel.aggregate import Aggregate, flat_field
from merx.kernel.money import Money
from merx.recommendation.errors import InvalidPipeline

NEIGHBOURS = 50
POPULAR = 100
BOUGHT_KEPT = 100
ORDERS_KEPT = 50
TALLY_EVENTS_KEPT = 500


def bump(counts: dict[str, int], key: str, by: int, cap: int) -> None:
    """Add ``by`` to ``key``'s count; a new key in a full list takes the smallest one's
    place (ties: the last in id order leaves)."""
    if key not in counts and len(counts) >= cap:
        smallest = min(counts.items(), key=lambda kv: (kv[1], [-ord(c) for c in kv[0]]))
        del counts[smallest[0]]
    counts[key] = counts.get(key, 0) + by


def top(counts: Mapping[str, int], n: int) -> list[str]:
    """The ``n`` keys with the highest counts (ties by key)."""
    return [k for k, _ in heapq.nsmallest(n, counts.items(), key=lambda kv: (-kv[1], kv[0]))]


@attrs.define(kw_only=True)
class SkuSignals(Aggregate):
    id: str
    bought_with: dict[str, int] = flat_field(dict)
    sold: int = 0
    rating: Decimal | None = None  # the average of 1..5 stars
    ratings: int = 0

    def bought_together(self, others: Sequence[str], units: int) -> None:
        self.sold += units
        for other in others:
            if other != self.id:
                bump(self.bought_with, other, 1, NEIGHBOURS)

    def rate(self, average: Decimal, count: int) -> None:
        if not isinstance(average, Decimal) or not Decimal(1) <= average <= Decimal(5):
            raise InvalidPipeline(f"a rating is a Decimal from 1 to 5, got {average!r}")
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise InvalidPipeline(f"a rating counts 1 or more reviews, got {count!r}")
        self.rating, self.ratings = average, count


@attrs.define(kw_only=True)
class Popular(Aggregate):
    id: str
    counts: dict[str, int] = flat_field(dict)

    def sold(self, sku_id: str, units: int) -> None:
        bump(self.counts, sku_id, units, POPULAR)


def region_key(region: str) -> str:
    return f"region:{region}"


def category_key(category: str) -> str:
    return f"category:{category}"


@attrs.define(kw_only=True)
class CustomerPurchases(Aggregate):
    id: str
    bought: dict[str, datetime] = flat_field(dict)
    orders: list[str] = flat_field(list)

    def counted(self, order_id: str) -> bool:
        return order_id in self.orders

    def bought_now(self, order_id: str, skus: Sequence[str], at: datetime) -> None:
        assert not self.counted(order_id)
        for sku in skus:
            self.bought.pop(sku, None)
            self.bought[sku] = at
        while len(self.bought) > BOUGHT_KEPT:
            del self.bought[next(iter(self.bought))]
        self.orders.append(order_id)
        del self.orders[:-ORDERS_KEPT]

    def last_bought(self, n: int) -> list[str]:
        return list(reversed(self.bought))[:n]


@attrs.define(kw_only=True)
class VariationTally(Aggregate):
    """Clicks and orders attributed to one variation (``<experiment>/<variation>``)."""

    id: str
    clicks: int = 0
    orders: int = 0
    counted: list[str] = flat_field(list)

    def count(self, what: str, key: str) -> bool:
        """Count a click or an order once per ``key``; False when counted before."""
        if key in self.counted:
            return False
        if what == "click":
            self.clicks += 1
        else:
            self.orders += 1
        self.counted.append(key)
        del self.counted[:-TALLY_EVENTS_KEPT]
        return True


def tally_id(experiment_key: str, variation_key: str) -> str:
    return f"{experiment_key}/{variation_key}"


# -- the pipeline ------------------------------------------------------------------------


class RecallSource(enum.Enum):
    CO_PURCHASE = "co_purchase"
    SAME_CATEGORY = "same_category"
    POPULAR_IN_REGION = "popular_in_region"
    RECENTLY_VIEWED = "recently_viewed"


def _default_weights() -> dict[RecallSource, float]:  # float-ok: ranking weights
    return {
        RecallSource.CO_PURCHASE: 1.0,
        RecallSource.SAME_CATEGORY: 0.6,
        RecallSource.POPULAR_IN_REGION: 0.4,
        RecallSource.RECENTLY_VIEWED: 0.8,
    }


@attrs.frozen
class Pipeline:
    """A recommendation pipeline's settings: how much each recall source weighs in the
    rough ranking, how many each recalls and the rough ranking keeps, the diversity caps
    of the re-ranking (per category and per merchant among the items shown) and the boost
    of consumables the customer bought before (their categories)."""

    name: str
    weights: Mapping[RecallSource, float] = attrs.field(factory=_default_weights)  # float-ok
    per_source: int = 40
    rough_keep: int = 40
    max_per_category: int = 3
    max_per_merchant: int = 3
    consumables: frozenset[str] = frozenset()
    consumable_boost: float = 1.5  # float-ok: a score multiplier

    def __attrs_post_init__(self) -> None:
        if not self.name.strip():
            raise InvalidPipeline("a pipeline needs a name")
        for source, weight in self.weights.items():
            if not isinstance(source, RecallSource) or not weight >= 0:
                raise InvalidPipeline(f"weights are >= 0 per source, got {source}: {weight!r}")
        for name in ("per_source", "rough_keep", "max_per_category", "max_per_merchant"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InvalidPipeline(f"{name} is a whole number >= 1, got {value!r}")
        if not self.consumable_boost >= 1:
            raise InvalidPipeline(f"consumable_boost is >= 1, got {self.consumable_boost!r}")


@attrs.frozen
class Recalled:
    """What recall brings: per source, the SKUs in its order (best first)."""

    by_source: Mapping[RecallSource, Sequence[str]]


@attrs.frozen
class Features:
    """What the fine ranking sees of a candidate (nothing personal)."""

    sku_id: str
    category: str
    merchant: str
    price: Money
    sold: int
    rating: Decimal | None
    ratings: int
    sources: frozenset[RecallSource]
    rough_score: float  # float-ok: a ranking score


@attrs.frozen
class RankingContext:
    """Who is asking and where: the customer (opaque id), the delivery region, the user's
    tags (``merx.tags`` values the host passes) and the instant."""

    customer_id: str
    region: str | None
    at: datetime
    tags: Mapping[str, object] = attrs.field(factory=dict)


@attrs.frozen
class Candidate:
    """A SKU recall found, with what the store says of it now (its stock is asked of
    the ``in_stock`` callable :func:`rerank` is given, only as far down as it looks)."""

    features: Features
    on_sale: bool
    sold_in_region: bool


@attrs.frozen
class RecommendedItem:
    """One SKU recommended, with how it got there: the recall ``sources``, the ``rough``
    and ``fine`` scores, the ``final`` score after boosts, and what re-ranking did."""

    sku_id: str
    sources: tuple[RecallSource, ...]
    rough: float  # float-ok: a ranking score
    fine: float  # float-ok
    final: float  # float-ok
    notes: tuple[str, ...] = ()


@attrs.frozen
class Removed:
    """A SKU recall found and a later stage took out, and why."""

    sku_id: str
    stage: str
    reason: str


@attrs.frozen
class Recommendation:
    """A recommendation: the ``items`` in order, what was removed and why, the pipeline
    and, under an experiment, the variation. ``source`` is what the host tracks on a
    click of an item (``TrackBehaviour(source=...)``) for attribution."""

    pipeline: str
    items: tuple[RecommendedItem, ...]
    removed: tuple[Removed, ...]
    experiment: str | None = None
    variation: str | None = None

    @property
    def sku_ids(self) -> list[str]:
        return [item.sku_id for item in self.items]

    @property
    def source(self) -> str:
        if self.experiment is not None and self.variation is not None:
            return f"rec:{self.experiment}:{self.variation}"
        return f"rec::{self.pipeline}"


def rough_rank(
    recalled: Recalled, pipeline: Pipeline
) -> list[tuple[str, frozenset[RecallSource], float]]:  # float-ok
    """Rough ranking: each SKU scores, per source that recalled it, the source's weight
    times ``1 / (1 + its rank there)``; the best ``rough_keep`` kept (ties by SKU id)."""
    scores: dict[str, float] = {}  # float-ok
    sources: dict[str, set[RecallSource]] = {}
    for source, skus in recalled.by_source.items():
        weight = pipeline.weights.get(source, 0.0)
        for rank, sku in enumerate(skus[: pipeline.per_source]):
            scores[sku] = scores.get(sku, 0.0) + weight / (1 + rank)
            sources.setdefault(sku, set()).add(source)
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    return [(sku, frozenset(sources[sku]), score) for sku, score in ranked]


def rerank(
    candidates: Sequence[Candidate],
    fine: Sequence[float],  # float-ok
    *,
    pipeline: Pipeline,
    bought: frozenset[str],
    count: int,
    in_stock: Callable[[str], bool],
    removed: list[Removed],
) -> list[RecommendedItem]:
    """Re-ranking: SKUs not on sale or not sold to the region removed; consumables
    bought before boosted; then, best first, a SKU out of stock is removed and an item
    over its category's or merchant's cap moves below the items within their caps. Stock
    is asked best first and only until ``count`` items are within their caps (the SKUs
    below are not looked at, nor listed as removed)."""
    scored: list[tuple[float, Candidate, float, tuple[str, ...]]] = []  # float-ok
    for candidate, score in zip(candidates, fine, strict=True):
        f = candidate.features
        reason = (
            "not on sale" if not candidate.on_sale
            else "not sold to the region" if not candidate.sold_in_region
            else None
        )  # fmt: skip
        if reason is not None:
            removed.append(Removed(f.sku_id, "re-ranking", reason))
            continue
        notes: tuple[str, ...] = ()
        final = score
        if f.sku_id in bought and f.category in pipeline.consumables:
            final = score * pipeline.consumable_boost
            notes = (f"boosted x{pipeline.consumable_boost}: a consumable bought before",)
        scored.append((final, candidate, score, notes))
    scored.sort(key=lambda s: (-s[0], s[1].features.sku_id))
    kept: list[RecommendedItem] = []
    deferred: list[RecommendedItem] = []
    per_category: dict[str, int] = {}
    per_merchant: dict[str, int] = {}
    for final, candidate, score, notes in scored:
        if len(kept) >= count:
            break
        f = candidate.features
        if not in_stock(f.sku_id):
            removed.append(Removed(f.sku_id, "re-ranking", "out of stock"))
            continue
        item = RecommendedItem(
            f.sku_id, tuple(sorted(f.sources, key=lambda s: s.value)), f.rough_score,
            score, final, notes,
        )  # fmt: skip
        full = None
        if per_category.get(f.category, 0) >= pipeline.max_per_category:
            full = f"category {f.category!r}"
        elif per_merchant.get(f.merchant, 0) >= pipeline.max_per_merchant:
            full = f"merchant {f.merchant!r}"
        if full is not None:
            deferred.append(attrs.evolve(item, notes=(*notes, f"moved down: {full} full")))
            continue
        per_category[f.category] = per_category.get(f.category, 0) + 1
        per_merchant[f.merchant] = per_merchant.get(f.merchant, 0) + 1
        kept.append(item)
    return (kept + deferred)[:count]


def default_score(features: Features, context: RankingContext) -> float:  # float-ok
    """The default fine ranking: the rough score, plus the rating (0 to 1, shrunk toward
    3 stars by 5 phantom reviews), plus popularity (log of units sold, scaled), plus 0.5
    when the category is among the user's ``preferred_categories`` tag."""
    rating = 0.0  # float-ok
    if features.rating is not None:
        stars = (float(features.rating) * features.ratings + 3 * 5) / (
            features.ratings + 5
        )  # float-ok
        rating = (stars - 1) / 4
    popularity = math.log1p(features.sold) / 10
    preferred = context.tags.get("preferred_categories")
    liked = (
        0.5
        if isinstance(preferred, (list, tuple, set, frozenset)) and features.category in preferred
        else 0.0
    )  # float-ok
    return features.rough_score + rating + popularity + liked
