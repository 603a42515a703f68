"""The tags context's errors, each under one family of :mod:`merx.errors`."""

from __future__ import annotations

from merx.kernel.errors import AlreadyExists, BusinessRuleViolation, NotFound, ValidationError


class UnknownTag(NotFound):
    """No tag is defined under this name."""

    def __init__(self, name: str) -> None:
        super().__init__(f"no tag is defined as {name!r}")
        self.tag = name


class TagAlreadyDefined(AlreadyExists):
    """A tag of this name is defined already (names are stable keys, never reused)."""


class TagValueMismatch(ValidationError):
    """A value is not of its tag's value type; names the tag and the type expected."""

    def __init__(self, name: str, expected: str, value: object) -> None:
        super().__init__(f"tag {name!r} takes {expected}, got {value!r}")
        self.tag = name
        self.expected = expected


class TagNotPushed(BusinessRuleViolation):
    """Values were pushed (or batch-loaded) to a tag whose data source is not that one:
    merx computes realtime tags itself, and pass-through tags come with each decision."""

    def __init__(self, name: str, source: str, via: str) -> None:
        super().__init__(f"tag {name!r} is sourced {source!r}: its values cannot be {via}")
        self.tag = name
        self.source = source


class TagNotOnline(BusinessRuleViolation):
    """Values were given to a tag that is not online (a draft, or offline)."""
