"""In-memory tag ports for :mod:`merx.decisions`: a catalog of tag specs and the subjects'
tag values (tests, examples and hosts until ``merx.tags`` is wired in)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from merx.decisions import TagSpec, ValueType


class MemoryTagCatalog:
    """``TagCatalog``: tag specs kept in a dict."""

    def __init__(self, specs: Sequence[TagSpec] = ()) -> None:
        self.specs: dict[str, TagSpec] = {spec.name: spec for spec in specs}

    def define(
        self,
        name: str,
        value_type: ValueType,
        enum_values: Sequence[str] = (),
        *,
        online: bool = True,
    ) -> TagSpec:
        spec = self.specs[name] = TagSpec(name, value_type, frozenset(enum_values), online)
        return spec

    def describe(self, name: str) -> TagSpec | None:
        return self.specs.get(name)


class MemoryTagValues:
    """``TagValues``: each subject's tag values, as set (no expiry)."""

    def __init__(self) -> None:
        self.values: dict[str, dict[str, object]] = {}

    def set(self, subject_id: str, values: Mapping[str, object]) -> None:
        self.values.setdefault(subject_id, {}).update(values)

    def values_of(self, subject_id: str, at: datetime) -> Mapping[str, object]:
        return self.values.get(subject_id, {})

    def sample(self, limit: int) -> Sequence[str]:
        return list(self.values)[:limit]
