"""GrowthBook's assignment arithmetic, number for number: FNV-1a 32-bit hashing (hash
versions 1 and 2), bucket ranges from weights and coverage, namespaces and the choice of a
variation.

Floats are right here, and only here: these numbers are positions on the unit interval
(where a subject falls, and where each variation's bucket starts and ends), never money.
Every operation below is the one GrowthBook's SDKs perform, in the same order, on the same
IEEE doubles, so a subject lands in the same variation as GrowthBook gives for the same
key, seed and id; ``tests/experiments/vectors/`` holds numbers generated with the
``growthbook`` package that the tests compare against exactly.

FNV-1a is fed the text's UTF-16 code units, as the JavaScript SDK's ``charCodeAt`` loop
and the Python SDK (4.x) do: an id with characters outside the Basic Multilingual Plane
hashes its surrogate pairs.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

_FNV_OFFSET_BASIS = 0x811C9DC5
_FNV_PRIME = 0x01000193
_UINT32_MASK = 0xFFFFFFFF

#: GrowthBook falls back to equal weights when the weights sum outside this band; merx
#: refuses such weights instead (:class:`merx.experiments.InvalidWeights`).
WEIGHT_SUM_TOLERANCE = 0.01

#: The hash versions GrowthBook publishes (2 is the default of new experiments).
HASH_VERSIONS = (1, 2)


def fnv1a32(text: str) -> int:
    """The 32-bit FNV-1a hash of ``text``'s UTF-16 code units."""
    value = _FNV_OFFSET_BASIS
    if text.isascii():
        units: Iterable[int] = text.encode()
    else:
        data = text.encode("utf-16-le", "surrogatepass")
        units = (data[i] | (data[i + 1] << 8) for i in range(0, len(data), 2))
    for unit in units:
        value = ((value ^ unit) * _FNV_PRIME) & _UINT32_MASK
    return value


def hash_position(seed: str, value: str, version: int) -> float | None:
    """Where ``value`` (a subject id) falls in [0, 1) for ``seed``: GrowthBook's ``hash``.

    Version 2 hashes twice and keeps four decimal places; version 1 hashes ``value + seed``
    once and keeps three. Any other version gives ``None`` (GrowthBook skips the
    experiment)."""
    if version == 2:
        return (fnv1a32(str(fnv1a32(seed + value))) % 10000) / 10000
    if version == 1:
        return (fnv1a32(value + seed) % 1000) / 1000
    return None


def equal_weights(count: int) -> list[float]:
    """``count`` equal weights (GrowthBook's ``getEqualWeights``)."""
    if count < 1:
        return []
    return [1 / count for _ in range(count)]


def weights_valid(weights: Sequence[float], count: int) -> bool:
    """Whether GrowthBook buckets with ``weights`` as they are: one finite, non-negative
    weight per variation, their float sum within the tolerance of 1."""
    if len(weights) != count:
        return False
    if not all(math.isfinite(weight) and weight >= 0 for weight in weights):
        return False
    return 1 - WEIGHT_SUM_TOLERANCE <= sum(weights) <= 1 + WEIGHT_SUM_TOLERANCE


def bucket_ranges(
    count: int, coverage: float = 1, weights: Sequence[float] | None = None
) -> list[tuple[float, float]]:
    """Each variation's bucket ``[start, end)``: GrowthBook's ``getBucketRanges``.

    Variation i's bucket starts where the weights before it add up to and covers
    ``coverage`` of its weight, so raising coverage only lengthens buckets (a subject
    inside one stays inside it). Coverage is clamped to [0, 1]; missing, miscounted, negative or
    mis-summed weights fall back to equal ones, as GrowthBook does."""
    coverage = min(max(coverage, 0), 1)
    chosen: Sequence[float]
    if weights is None or not weights_valid(weights, count):
        chosen = equal_weights(count)
    else:
        chosen = weights
    cumulative: float = 0
    ranges: list[tuple[float, float]] = []
    for weight in chosen:
        start = cumulative
        cumulative += weight
        ranges.append((start, start + coverage * weight))
    return ranges


def in_range(position: float, bucket: tuple[float, float]) -> bool:
    """``position`` in ``[start, end)``."""
    return bucket[0] <= position < bucket[1]


def choose_variation(position: float, ranges: Sequence[tuple[float, float]]) -> int:
    """The index of the bucket holding ``position``, or -1 (GrowthBook's
    ``chooseVariation``)."""
    for index, bucket in enumerate(ranges):
        if in_range(position, bucket):
            return index
    return -1


def in_namespace(subject_id: str, namespace: str, start: float, end: float) -> bool:
    """Whether ``subject_id`` falls in ``[start, end)`` of ``namespace`` (GrowthBook's
    ``inNamespace``: hash version 1 seeded with ``"__" + namespace``)."""
    position = hash_position("__" + namespace, subject_id, 1)
    assert position is not None
    return start <= position < end
