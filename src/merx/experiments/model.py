"""A/B experiments: definitions, their life cycle, sticky assignment and results.

An :class:`Experiment` splits subjects between variations with GrowthBook's arithmetic
(:mod:`merx.experiments.hashing`): the same key, seed, hash version, weights, coverage and
namespace put a subject in the same variation as GrowthBook's SDKs do. Weights, coverage
and namespace ranges are stored as exact decimals and turned into the floats GrowthBook
computes with only at assignment (``float(Decimal("0.1")) == 0.1``, the literal
GrowthBook's own definitions hold).

Once a subject is exposed its variation is kept (:class:`SubjectAssignments`), whatever
later happens to the weights or the coverage. A :class:`Namespace` holds the ranges its
experiments claim, so experiments in one namespace never share a subject.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from enum import Enum

import attrs

from merx.experiments import hashing
from merx.experiments.errors import InvalidExperiment, InvalidWeights, NamespaceOverlap
from merx.kernel.aggregate import Aggregate, flat_field
from merx.kernel.events import DomainEvent
from merx.kernel.state import StateMachine

#: Conversion rates are kept to four places, rounded half to even.
RATE_PLACES = Decimal("0.0001")


class ExperimentStatus(Enum):
    DRAFT = "draft"
    RUNNING = "running"
    STOPPED = "stopped"


EXPERIMENT_FLOW = StateMachine(
    "experiment",
    [
        (ExperimentStatus.DRAFT, "start", ExperimentStatus.RUNNING),
        (ExperimentStatus.DRAFT, "reweigh", ExperimentStatus.DRAFT),
        (ExperimentStatus.RUNNING, "reweigh", ExperimentStatus.RUNNING),
        ((ExperimentStatus.DRAFT, ExperimentStatus.RUNNING), "stop", ExperimentStatus.STOPPED),
    ],
)


@attrs.frozen
class Variation:
    """One arm of an experiment and its share of the covered subjects."""

    key: str
    weight: Decimal


@attrs.frozen
class NamespaceRange:
    """The part ``[start, end)`` of ``namespace`` an experiment claims; subjects outside it
    never enter the experiment."""

    namespace: str
    start: Decimal
    end: Decimal

    def overlaps(self, other: NamespaceRange) -> bool:
        return self.start < other.end and other.start < self.end


@attrs.frozen
class ExperimentDefined(DomainEvent):
    experiment_key: str


@attrs.frozen
class ExperimentStarted(DomainEvent):
    experiment_key: str


@attrs.frozen
class ExperimentStopped(DomainEvent):
    experiment_key: str


@attrs.frozen
class ExperimentReweighted(DomainEvent):
    experiment_key: str


@attrs.frozen
class SubjectExposed(DomainEvent):
    """A subject saw a variation for the first time. Ids and keys only: no personal
    data."""

    experiment_key: str
    variation_key: str
    subject_id: str


@attrs.frozen
class SubjectConverted(DomainEvent):
    """An exposed subject paid an order after the exposure (counted once per subject)."""

    experiment_key: str
    variation_key: str
    subject_id: str


@attrs.frozen
class VariationResult:
    """One variation's results: ``exposures`` is its sample size, ``conversions`` the
    exposed subjects who paid an order after exposure, ``conversion_rate`` their share
    (four places, half to even; 0 with no exposures)."""

    variation_key: str
    exposures: int
    conversions: int
    conversion_rate: Decimal


def _finite(value: object) -> bool:
    """A finite ``Decimal`` (floats are refused: definitions are exact, see the module)."""
    return isinstance(value, Decimal) and value.is_finite()


def _check_weights(weights: Sequence[Decimal], count: int) -> None:
    if len(weights) != count:
        raise InvalidWeights(f"{len(weights)} weights for {count} variations")
    for weight in weights:
        if not _finite(weight) or weight < 0:
            raise InvalidWeights(f"weight {weight!r} is not a non-negative Decimal")
    # float-ok: GrowthBook checks bucket weights as floats, not money
    if not hashing.weights_valid([float(weight) for weight in weights], count):
        raise InvalidWeights(
            f"weights {[str(w) for w in weights]} sum to {sum(weights)}, not 1 "
            f"(within {hashing.WEIGHT_SUM_TOLERANCE})"
        )


def _check_coverage(coverage: Decimal) -> None:
    if not _finite(coverage) or not Decimal(0) <= coverage <= Decimal(1):
        raise InvalidExperiment(f"coverage {coverage!r} is not a Decimal in [0, 1]")


def _check_namespace(namespace: NamespaceRange | None) -> None:
    if namespace is None:
        return
    if not namespace.namespace.strip():
        raise InvalidExperiment("namespace name must not be empty")
    bounds = (namespace.start, namespace.end)
    if not all(map(_finite, bounds)) or not Decimal(0) <= bounds[0] < bounds[1] <= Decimal(1):
        raise InvalidExperiment(
            f"namespace {namespace.namespace!r} range [{namespace.start}, {namespace.end}) "
            "is not a non-empty part of [0, 1]"
        )


@attrs.define(kw_only=True)
class Experiment(Aggregate):
    """An A/B experiment. ``id`` is its key; ``seed`` defaults to the key (an empty seed
    too), as in GrowthBook; ``hash_version`` defaults to 2, the version the issue names
    (GrowthBook's SDK takes 1 when an experiment names none). Its exposures and
    conversions are not counted here: each is a subject's own :class:`Assignment`
    (:class:`SubjectAssignments`), so no exposure rewrites this document
    (:meth:`results` counts them)."""

    id: str
    seed: str
    hash_version: int
    variations: tuple[Variation, ...]
    coverage: Decimal
    namespace: NamespaceRange | None = None
    status: ExperimentStatus = ExperimentStatus.DRAFT

    @classmethod
    def define(
        cls,
        *,
        key: str,
        variations: Sequence[Variation],
        coverage: Decimal = Decimal(1),
        seed: str | None = None,
        hash_version: int = 2,
        namespace: NamespaceRange | None = None,
    ) -> Experiment:
        if not key.strip():
            raise InvalidExperiment("experiment key must not be empty")
        if len(variations) < 2:
            raise InvalidExperiment(f"experiment {key!r} needs at least two variations")
        keys = [variation.key for variation in variations]
        if len(set(keys)) != len(keys) or not all(k.strip() for k in keys):
            raise InvalidExperiment(
                f"experiment {key!r}: variation keys {keys} repeat or are empty"
            )
        _check_weights([variation.weight for variation in variations], len(variations))
        _check_coverage(coverage)
        if hash_version not in hashing.HASH_VERSIONS:
            raise InvalidExperiment(f"hash version {hash_version!r} is not 1 or 2")
        _check_namespace(namespace)
        experiment = cls(
            id=key,
            seed=seed or key,
            hash_version=hash_version,
            variations=tuple(variations),
            coverage=coverage,
            namespace=namespace,
        )
        experiment.record(ExperimentDefined(key))
        return experiment

    @property
    def key(self) -> str:
        return self.id

    def start(self) -> None:
        EXPERIMENT_FLOW.move(self, "start", ExperimentStarted(self.id))

    def stop(self) -> None:
        EXPERIMENT_FLOW.move(self, "stop", ExperimentStopped(self.id))

    def reweigh(self, weights: Sequence[Decimal], coverage: Decimal) -> None:
        """New weights (one per variation, in order) and coverage; subjects already
        exposed keep their variation."""
        EXPERIMENT_FLOW.target(self.status, "reweigh")  # a stopped one: IllegalTransition
        _check_weights(weights, len(self.variations))
        _check_coverage(coverage)
        self.variations = tuple(
            attrs.evolve(variation, weight=weight)
            for variation, weight in zip(self.variations, weights, strict=True)
        )
        self.coverage = coverage
        self.record(ExperimentReweighted(self.id))

    def bucket_ranges(self) -> list[tuple[float, float]]:
        """Each variation's bucket, as GrowthBook computes it."""
        return hashing.bucket_ranges(
            len(self.variations),
            float(self.coverage),
            [float(variation.weight) for variation in self.variations],
        )

    def variation_for(self, subject_id: str) -> str | None:
        """The variation GrowthBook assigns ``subject_id`` (not sticky, whatever the
        status): ``None`` for an empty id (GrowthBook skips it) and outside the namespace
        range or the coverage."""
        if not subject_id:
            return None
        if self.namespace is not None and not hashing.in_namespace(
            subject_id,
            self.namespace.namespace,
            float(self.namespace.start),
            float(self.namespace.end),
        ):
            return None
        position = hashing.hash_position(self.seed, subject_id, self.hash_version)
        assert position is not None  # the hash version was checked at definition
        index = hashing.choose_variation(position, self.bucket_ranges())
        return None if index < 0 else self.variations[index].key

    def results(self, exposed: Iterable[Assignment]) -> tuple[VariationResult, ...]:
        """Per variation, in definition order: sample size, conversions and their rate,
        counted from the subjects' assignments in this experiment (``exposed``)."""
        exposures: dict[str, int] = {}
        conversions: dict[str, int] = {}
        for assignment in exposed:
            key = assignment.variation_key
            exposures[key] = exposures.get(key, 0) + 1
            conversions[key] = conversions.get(key, 0) + assignment.converted
        summary = []
        for variation in self.variations:
            exposed_count = exposures.get(variation.key, 0)
            converted = conversions.get(variation.key, 0)
            rate = (
                (Decimal(converted) / Decimal(exposed_count)).quantize(RATE_PLACES, ROUND_HALF_EVEN)
                if exposed_count
                else Decimal(0)
            )
            summary.append(VariationResult(variation.key, exposed_count, converted, rate))
        return tuple(summary)


@attrs.frozen
class Claim:
    """An experiment's range in a namespace."""

    experiment_key: str
    start: Decimal
    end: Decimal


@attrs.define(kw_only=True)
class Namespace(Aggregate):
    """The ranges experiments hold in one namespace; they never overlap, so no subject is
    in two of its experiments. A stopped experiment gives its range back."""

    id: str
    claims: dict[str, Claim] = flat_field(dict)

    def claim(self, experiment_key: str, wanted: NamespaceRange) -> None:
        assert wanted.namespace == self.id
        for other in self.claims.values():
            if other.experiment_key != experiment_key and wanted.overlaps(
                NamespaceRange(self.id, other.start, other.end)
            ):
                raise NamespaceOverlap(
                    f"namespace {self.id!r}: [{wanted.start}, {wanted.end}) of "
                    f"{experiment_key!r} overlaps [{other.start}, {other.end}) of "
                    f"{other.experiment_key!r}"
                )
        self.claims[experiment_key] = Claim(experiment_key, wanted.start, wanted.end)

    def release(self, experiment_key: str) -> None:
        self.claims.pop(experiment_key, None)


@attrs.frozen
class Assignment:
    """A subject's variation in one experiment, when it was first exposed, and whether it
    has converted since."""

    variation_key: str
    exposed_at: datetime
    converted: bool = False


@attrs.define(kw_only=True)
class SubjectAssignments(Aggregate):
    """Every experiment a subject was exposed to, by experiment key (the stickiness)."""

    id: str
    assignments: dict[str, Assignment] = flat_field(dict)

    def assign(self, experiment_key: str, variation_key: str, at: datetime) -> None:
        """The first exposure to ``experiment_key``: kept for good, and recorded."""
        assert experiment_key not in self.assignments
        self.assignments[experiment_key] = Assignment(variation_key, at)
        self.record(SubjectExposed(experiment_key, variation_key, self.id))

    def unconverted_before(self, at: datetime) -> list[tuple[str, str]]:
        """``(experiment key, variation key)`` of the exposures at or before ``at`` that
        have not converted yet."""
        return [
            (key, assignment.variation_key)
            for key, assignment in sorted(self.assignments.items())
            if not assignment.converted and assignment.exposed_at <= at
        ]

    def mark_converted(self, experiment_key: str) -> None:
        """The subject's first order paid after the exposure (counted once)."""
        assignment = self.assignments[experiment_key]
        assert not assignment.converted
        self.assignments[experiment_key] = attrs.evolve(assignment, converted=True)
        self.record(SubjectConverted(experiment_key, assignment.variation_key, self.id))
