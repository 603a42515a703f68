"""The products context's errors, each under one family of :mod:`merx.errors`.

A SKU's specifications that do not fit its SPU's axes are the catalog's
:class:`merx.catalog.InvalidSpecs` (a SKU checks its own specs too), raised here as well.
"""

from __future__ import annotations

from merx.kernel.errors import BusinessRuleViolation, NotFound


class UnknownCategory(NotFound):
    """No category with this id is in the category tree."""


class CategoryCycle(BusinessRuleViolation):
    """Moving a category under itself or under one of its descendants."""


class SpecCombinationTaken(BusinessRuleViolation):
    """Another SKU of the SPU already has this combination of specification values."""
