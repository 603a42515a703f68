"""Ports of the recommendation context: the fine ranking a host's model sits behind."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import attrs

from merx.recommendation.model import Features, RankingContext, default_score


class Ranker(Protocol):
    """Port: the fine ranking. One score per candidate, in order (higher is better): a
    host plugs its model (a learning-to-rank service, a vector store's similarity)."""

    def score(
        self, candidates: Sequence[Features], context: RankingContext
    ) -> Sequence[float]: ...  # float-ok


@attrs.frozen
class DefaultRanker:
    """The fine ranking merx ships (:func:`~merx.recommendation.model.default_score`)."""

    def score(
        self, candidates: Sequence[Features], context: RankingContext
    ) -> Sequence[float]:  # float-ok
        return [default_score(features, context) for features in candidates]
