"""The experiments context's errors, each under one family of :mod:`merx.errors`."""

from __future__ import annotations

from merx.kernel.errors import BusinessRuleViolation, ValidationError


class InvalidExperiment(ValidationError):
    """An experiment's definition is malformed: empty key, fewer than two variations,
    repeated variation keys, coverage outside [0, 1], an unknown hash version, a namespace
    range outside [0, 1] or empty."""


class InvalidWeights(InvalidExperiment):
    """Variation weights are negative, miscounted, or do not sum to 1 within GrowthBook's
    tolerance (0.99 to 1.01)."""


class NamespaceOverlap(BusinessRuleViolation):
    """Two experiments of one namespace claim overlapping ranges (they would no longer be
    mutually exclusive)."""
