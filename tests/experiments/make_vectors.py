"""Writes ``vectors/growthbook.json``: GrowthBook's own numbers for merx to match.

Run it with the ``growthbook`` package from the package index, in a throwaway virtual
environment (never merx's: growthbook is no dependency of merx)::

    python3 -m venv /tmp/gbvenv && /tmp/gbvenv/bin/pip install growthbook
    /tmp/gbvenv/bin/python tests/experiments/make_vectors.py

The output names the package version; ``test_growthbook_vectors.py`` compares merx's
results with every case exactly. Inputs come from a fixed random seed, so a rerun with
the same package version writes the same file.
"""

from __future__ import annotations

import json
import random
from importlib.metadata import version
from pathlib import Path
from typing import Any

from growthbook import Experiment, GrowthBook  # type: ignore[import-not-found,unused-ignore]
from growthbook.core import (  # type: ignore[import-not-found,unused-ignore]
    chooseVariation,
    fnv1a32,
    gbhash,
    getBucketRanges,
    inNamespace,
)

OUT = Path(__file__).parent / "vectors" / "growthbook.json"

WEIGHTS: list[list[float] | None] = [
    None,
    [0.5, 0.5],
    [0.1, 0.9],
    [0.2, 0.3, 0.5],
    [0.25, 0.25, 0.25, 0.25],
    [1 / 3, 1 / 3, 1 / 3],
    [0.7, 0.2, 0.1],
    [0.0, 1.0],
    [0.4, 0.4],  # sums to 0.8: GrowthBook falls back to equal weights
    [0.495, 0.495],  # 0.99: accepted as it is
    [0.6, 0.6],
    [1.2, -0.2],
]
COVERAGES = [0.0, 0.05, 0.1, 0.25, 1 / 3, 0.5, 0.75, 0.99, 1.0, 1.5, -0.2]


def _ids(rng: random.Random, count: int) -> list[str]:
    fixed = ["", "1", "123", "alice", "user-42", "顾客8", "😀emoji", "ümlaut", "a" * 64]
    drawn = [f"u{rng.randrange(10**9)}" for _ in range(count)]
    drawn += [
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789-_") for _ in range(12))
        for _ in range(count // 4)
    ]
    return fixed + drawn


def main() -> None:
    rng = random.Random(16)
    ids = _ids(rng, 200)
    seeds = ["", "exp1", "homepage.popup", "checkout.installment_offer", "新", "seed-🙂"]
    data: dict[str, Any] = {"package": "growthbook", "version": version("growthbook")}
    data["fnv1a32"] = [[text, fnv1a32(text)] for text in ids + seeds]
    data["hash"] = [
        [seed, value, hash_version, gbhash(seed, value, hash_version)]
        for seed in seeds
        for value in ids[:60]
        for hash_version in (1, 2, 3)
    ]
    data["bucket_ranges"] = []
    for weights in WEIGHTS:
        counts = [len(weights)] if weights is not None else [1, 2, 3, 4]
        for count in counts:
            for coverage in COVERAGES:
                ranges = getBucketRanges(count, coverage, weights)
                data["bucket_ranges"].append([count, coverage, weights, ranges])
    data["choose_variation"] = []
    for _ in range(300):
        count, coverage, weights, ranges = rng.choice(data["bucket_ranges"])
        position = (
            rng.randrange(10000) / 10000
            if rng.random() < 0.8
            else rng.choice([0.0, 0.5, 0.9999, 1 / 3, 0.25])
        )
        data["choose_variation"].append([position, ranges, chooseVariation(position, ranges)])
    data["in_namespace"] = [
        [subject, name, start, end, inNamespace(subject, (name, start, end))]
        for subject in ids[:80]
        for name, start, end in [("ns1", 0, 0.5), ("ns1", 0.5, 1), ("checkout", 0.2, 0.45)]
    ]
    data["assignments"] = []
    for _ in range(40):
        count = rng.choice([2, 2, 3, 4])
        raw = [rng.randrange(1, 10) for _ in range(count)]
        weights = [round(w / sum(raw), 4) for w in raw]
        weights[-1] = round(1 - sum(weights[:-1]), 4)
        experiment: dict[str, Any] = {
            "key": f"exp-{rng.randrange(10**6)}",
            "seed": rng.choice(["", "s1", f"seed-{rng.randrange(100)}"]),
            "hashVersion": rng.choice([1, 2, 2]),
            "weights": weights,
            "coverage": rng.choice([1.0, 1.0, 0.5, 0.2, 0.8]),
            "namespace": rng.choice([None, None, ["pdp", 0.0, 0.5], ["pdp", 0.5, 1.0]]),
        }
        variations = list(range(count))
        outcomes = []
        for subject in ids[:120]:
            growthbook = GrowthBook(attributes={"id": subject})
            result = growthbook.run(
                Experiment(
                    key=experiment["key"],
                    variations=variations,
                    weights=experiment["weights"],
                    coverage=experiment["coverage"],
                    seed=experiment["seed"],
                    hashVersion=experiment["hashVersion"],
                    namespace=tuple(experiment["namespace"]) if experiment["namespace"] else None,
                )
            )
            outcomes.append([subject, result.variationId if result.inExperiment else None])
        data["assignments"].append({"experiment": experiment, "subjects": outcomes})
    OUT.write_text(json.dumps(data, ensure_ascii=False, indent=None, separators=(",", ":")) + "\n")
    print(f"wrote {OUT} from growthbook {data['version']}")


if __name__ == "__main__":
    main()
