"""Laws of assignment: weights honoured (chi-square over 100,000 simulated subjects),
assignment deterministic, raising coverage never moves an assigned subject, exposed
subjects sticky whatever the weights become."""

from __future__ import annotations

import json
import random
from collections import Counter
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from merx.app import build_memory_app
from merx.experiments import (
    AssignVariation,
    DefineExperiment,
    Experiment,
    NamespaceRange,
    ReweighExperiment,
    StartExperiment,
    Variation,
    hashing,
    serde,
)
from tests.experiments.results import exposure_counts

#: Chi-square critical value for 2 degrees of freedom at p = 0.001: a correct splitter
#: exceeds it once in a thousand seeds; the seed below is fixed, so the test is exact.
CHI_SQUARE_2_DF_P001 = 13.816
SIMULATED_SUBJECTS = 100_000


def weights_for(count: int) -> st.SearchStrategy[tuple[Decimal, ...]]:
    """``count`` weights in hundredths summing to exactly 1."""
    return (
        st.lists(st.integers(0, 100), min_size=count - 1, max_size=count - 1)
        .filter(lambda parts: sum(parts) <= 100)
        .map(
            lambda parts: (
                (*tuple(Decimal(p) / 100 for p in parts), Decimal(100 - sum(parts)) / 100)
            )
        )
    )


@st.composite
def experiments(draw: st.DrawFn) -> Experiment:
    count = draw(st.integers(2, 4))
    weights = draw(weights_for(count))
    namespace = draw(
        st.none()
        | st.tuples(st.integers(0, 99), st.integers(1, 100))
        .filter(lambda r: r[0] < r[1])
        .map(lambda r: NamespaceRange("ns", Decimal(r[0]) / 100, Decimal(r[1]) / 100))
    )
    return Experiment.define(
        key=draw(st.text(min_size=1, max_size=12).filter(str.strip)),
        variations=[Variation(f"v{i}", w) for i, w in enumerate(weights)],
        coverage=Decimal(draw(st.integers(0, 100))) / 100,
        seed=draw(st.none() | st.text(max_size=8)),
        hash_version=draw(st.sampled_from([1, 2])),
        namespace=namespace,
    )


def test_weights_are_honoured_over_100000_simulated_subjects() -> None:
    weights = (Decimal("0.2"), Decimal("0.3"), Decimal("0.5"))
    experiment = Experiment.define(
        key="checkout.installment_offer",
        variations=[Variation(f"v{i}", w) for i, w in enumerate(weights)],
    )
    rng = random.Random(16)
    subjects = [f"u{rng.getrandbits(48):x}" for _ in range(SIMULATED_SUBJECTS)]
    counts = Counter(experiment.variation_for(subject) for subject in subjects)
    assert None not in counts  # full coverage
    chi_square = sum(
        (counts[f"v{i}"] - SIMULATED_SUBJECTS * float(w)) ** 2 / (SIMULATED_SUBJECTS * float(w))
        for i, w in enumerate(weights)
    )
    assert chi_square < CHI_SQUARE_2_DF_P001, (chi_square, counts)


def test_the_chi_square_check_can_fail() -> None:
    """The same statistic rejects a split that is 1 point off (20/30/50 against 21/29/50)."""
    skewed = Counter({"v0": 21_000, "v1": 29_000, "v2": 50_000})
    weights = (0.2, 0.3, 0.5)
    chi_square = sum(
        (skewed[f"v{i}"] - SIMULATED_SUBJECTS * w) ** 2 / (SIMULATED_SUBJECTS * w)
        for i, w in enumerate(weights)
    )
    assert chi_square > CHI_SQUARE_2_DF_P001


@given(experiments(), st.text(min_size=1, max_size=20))
def test_assignment_is_deterministic(experiment: Experiment, subject: str) -> None:
    twin = serde.structure(json.loads(json.dumps(serde.unstructure(experiment))), Experiment)
    assert twin == experiment
    assert experiment.variation_for(subject) == twin.variation_for(subject)
    assert experiment.variation_for(subject) == experiment.variation_for(subject)


@given(
    experiments(),
    st.lists(st.text(min_size=1, max_size=10), min_size=1, max_size=30),
    st.integers(0, 100),
)
def test_raising_coverage_never_moves_an_assigned_subject(
    experiment: Experiment, subjects: list[str], more_hundredths: int
) -> None:
    before = {subject: experiment.variation_for(subject) for subject in subjects}
    weights = [v.weight for v in experiment.variations]
    raised = min(Decimal(1), experiment.coverage + Decimal(more_hundredths) / 100)
    experiment.reweigh(weights, raised)
    for subject, variation in before.items():
        if variation is not None:
            assert experiment.variation_for(subject) == variation


@given(
    st.lists(st.tuples(weights_for(2), st.integers(0, 100)), min_size=1, max_size=4),
    st.lists(st.integers(0, 40), min_size=1, max_size=40),
)
def test_an_exposed_subject_is_sticky_whatever_the_weights_and_coverage(
    changes: list[tuple[tuple[Decimal, ...], int]], subjects: list[int]
) -> None:
    app = build_memory_app()
    app.handle(
        DefineExperiment("popup", (Variation("a", Decimal("0.5")), Variation("b", Decimal("0.5"))))
    )
    app.handle(StartExperiment("popup"))
    seen: dict[str, str] = {}
    for weights, coverage in changes:
        for number in subjects:
            subject = f"s{number}"
            got = app.handle(AssignVariation("popup", subject))
            if subject in seen:
                assert got == seen[subject]
            elif got is not None:
                seen[subject] = got
        app.handle(ReweighExperiment("popup", weights, Decimal(coverage) / 100))
    exposures = exposure_counts(app, "popup")
    assert sum(exposures.values()) == len(seen)


def test_bucket_ranges_with_more_coverage_contain_the_smaller_ones() -> None:
    for count in range(1, 6):
        smaller = hashing.bucket_ranges(count, 0.3)
        larger = hashing.bucket_ranges(count, 0.7)
        for (s0, s1), (l0, l1) in zip(smaller, larger, strict=True):
            assert l0 == s0
            assert s1 <= l1
