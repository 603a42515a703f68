"""merx.experiments: A/B experiments assigned with GrowthBook's hashing and bucket ranges,
sticky per subject, mutually exclusive within a namespace, with exposure events and a
results summary per variation. The command handlers are in
``merx.experiments.services`` (for the composition root); the arithmetic, number for
number GrowthBook's, in :mod:`merx.experiments.hashing`."""

from merx.experiments.errors import InvalidExperiment, InvalidWeights, NamespaceOverlap
from merx.experiments.model import (
    Experiment,
    ExperimentStatus,
    NamespaceRange,
    SubjectConverted,
    SubjectExposed,
    Variation,
    VariationResult,
)
from merx.experiments.services import (
    AssignVariation,
    CommandAssigner,
    DefineExperiment,
    RecordExposure,
    ReweighExperiment,
    StartExperiment,
    StopExperiment,
    StoredAssigner,
    experiment_results,
)

__all__ = [
    "AssignVariation",
    "CommandAssigner",
    "DefineExperiment",
    "Experiment",
    "ExperimentStatus",
    "InvalidExperiment",
    "InvalidWeights",
    "NamespaceOverlap",
    "NamespaceRange",
    "RecordExposure",
    "ReweighExperiment",
    "StartExperiment",
    "StopExperiment",
    "StoredAssigner",
    "SubjectConverted",
    "SubjectExposed",
    "Variation",
    "VariationResult",
    "experiment_results",
]
