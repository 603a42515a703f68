"""merx.recommendation: recall, rough ranking, fine ranking behind the :class:`Ranker`
port, re-ranking, each stage explained; its documents kept by subscribers of paid orders
and behaviour; clicks and orders attributed per experiment variation. The handlers and
subscribers are in ``merx.recommendation.services`` (for the composition root)."""

from merx.recommendation.errors import InvalidPipeline
from merx.recommendation.model import (
    Features,
    Pipeline,
    RankingContext,
    RecallSource,
    Recommendation,
    RecommendedItem,
    Removed,
    VariationTally,
)
from merx.recommendation.ports import DefaultRanker, Ranker
from merx.recommendation.services import (
    ATTRIBUTION_WINDOW,
    SetSkuRating,
    recommend,
    variation_tally,
)

__all__ = [
    "ATTRIBUTION_WINDOW",
    "DefaultRanker",
    "Features",
    "InvalidPipeline",
    "Pipeline",
    "Ranker",
    "RankingContext",
    "RecallSource",
    "Recommendation",
    "RecommendedItem",
    "Removed",
    "SetSkuRating",
    "VariationTally",
    "recommend",
    "variation_tally",
]
