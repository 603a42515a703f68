"""The traffic context's errors, each under one family of :mod:`merx.errors`.

Errors about a page's JSON carry ``path``: where in the page's JSON form the fault is
(``$.components[2].skus[1]``).
"""

from __future__ import annotations

from merx.kernel.errors import Unauthorized, ValidationError


class PageInvalid(ValidationError):
    """A page's JSON is malformed or refers to what it may not; ``path`` says where."""

    def __init__(self, message: str, path: str = "$") -> None:
        super().__init__(f"{path}: {message}")
        self.detail = message
        self.path = path


class UnknownComponent(PageInvalid):
    """A component's ``type`` is not in the component registry."""


class FieldInvalid(PageInvalid):
    """A component lacks a required field, has a field its type does not declare, or a
    field's value is of the wrong type."""


class DanglingReference(PageInvalid):
    """A component refers to a SKU or a campaign that does not exist."""


class ForeignReference(PageInvalid):
    """A merchant's page refers to another merchant's SKU or campaign."""


class PositionInvalid(ValidationError):
    """A resource position is malformed: its id, capacity, size or cap."""


class PlacementInvalid(ValidationError):
    """A placement is malformed: its schedule, cap, content or position."""


class MissingStrategy(PlacementInvalid):
    """A placement names no strategy scenario, or one that is not stored: every placement
    is targeted through a decision."""


class ForeignContent(PlacementInvalid):
    """A placement puts another owner's page or campaign on a position."""


class OverStoreCaps(ValidationError):
    """A merchant's placement or store position goes beyond the platform's caps
    (:data:`merx.traffic.STORE_CAPS`)."""


class VersionUnknown(ValidationError):
    """A page has no such published version (or none, or no draft to publish)."""


class NotYours(Unauthorized):
    """The acting party does not own the page, position or placement."""
