"""merx's numbers against GrowthBook's own, exactly: ``vectors/growthbook.json`` was
written by ``make_vectors.py`` with the ``growthbook`` package named inside it."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from merx.experiments import Experiment, NamespaceRange, Variation, hashing

VECTORS = Path(__file__).parent / "vectors" / "growthbook.json"


@cache
def vectors() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(VECTORS.read_text())
    return data


def test_the_vectors_name_the_package_and_its_version() -> None:
    assert vectors()["package"] == "growthbook"
    assert vectors()["version"] == "4.0.0"
    for section in ("fnv1a32", "hash", "bucket_ranges", "choose_variation", "in_namespace"):
        assert len(vectors()[section]) >= 100, section
    assert len(vectors()["assignments"]) == 40


def test_fnv1a32_matches() -> None:
    for text, expected in vectors()["fnv1a32"]:
        assert hashing.fnv1a32(text) == expected, text


def test_hash_versions_1_and_2_match_and_others_give_none() -> None:
    versions = set()
    for seed, value, version, expected in vectors()["hash"]:
        assert hashing.hash_position(seed, value, version) == expected, (seed, value, version)
        versions.add((version, expected is None))
    assert versions == {(1, False), (2, False), (3, True)}


def test_bucket_ranges_match() -> None:
    for count, coverage, weights, expected in vectors()["bucket_ranges"]:
        got = hashing.bucket_ranges(count, coverage, weights)
        assert [list(bucket) for bucket in got] == expected, (count, coverage, weights)


def test_choose_variation_matches() -> None:
    outcomes = set()
    for position, ranges, expected in vectors()["choose_variation"]:
        got = hashing.choose_variation(position, [tuple(bucket) for bucket in ranges])
        assert got == expected, (position, ranges)
        outcomes.add(expected)
    assert -1 in outcomes
    assert 0 in outcomes
    assert 1 in outcomes


def test_namespaces_match() -> None:
    for subject, name, start, end, expected in vectors()["in_namespace"]:
        assert hashing.in_namespace(subject, name, start, end) is expected, (subject, name)


def _experiment(spec: dict[str, Any]) -> Experiment:
    namespace = spec["namespace"]
    return Experiment.define(
        key=spec["key"],
        variations=[
            Variation(str(index), Decimal(str(weight)))
            for index, weight in enumerate(spec["weights"])
        ],
        coverage=Decimal(str(spec["coverage"])),
        seed=spec["seed"],
        hash_version=spec["hashVersion"],
        namespace=NamespaceRange(
            namespace[0], Decimal(str(namespace[1])), Decimal(str(namespace[2]))
        )
        if namespace
        else None,
    )


@pytest.mark.parametrize("case", range(40))
def test_full_assignments_match(case: int) -> None:
    vector = vectors()["assignments"][case]
    experiment = _experiment(vector["experiment"])
    for subject, expected in vector["subjects"]:
        got = experiment.variation_for(subject)
        assert got == (None if expected is None else str(expected)), subject
