"""Ports of the decisions context: what it needs to know of tags, and of experiments.

``merx.tags`` (tag definitions and values) and the experiments module implement these;
they are kept minimal so any catalog can answer them. The in-memory adapters are in
``merx.adapters.memory`` (``MemoryTagCatalog``, ``MemoryTagValues``).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

import attrs


class ValueType(enum.StrEnum):
    """The type of a tag's value or of a scenario's input. Values are ``bool``, ``Decimal``
    (or ``int``) for numbers, ``str`` for strings and enums, ``datetime.date`` for dates and
    a ``frozenset`` of strings for sets."""

    BOOL = "bool"
    NUMBER = "number"
    STRING = "string"
    ENUM = "enum"
    DATE = "date"
    SET = "set"


@attrs.frozen
class TagSpec:
    """What a rule needs to know of a tag: its value type, its enum values (for an enum
    tag) and whether it is online (only online tags may be used in rules)."""

    name: str
    value_type: ValueType
    enum_values: frozenset[str] = frozenset()
    online: bool = True


class TagCatalog(Protocol):
    """Port: the tag definitions."""

    def describe(self, name: str) -> TagSpec | None:
        """The tag called ``name``, or ``None`` if there is no such tag."""
        ...


class TagValues(Protocol):
    """Port: the tag values of subjects (users, mostly)."""

    def values_of(self, subject_id: str, at: datetime) -> Mapping[str, object]:
        """Every tag value ``subject_id`` holds at ``at`` (expired values left out)."""
        ...

    def sample(self, limit: int) -> Sequence[str]:
        """Up to ``limit`` subject ids holding tag values (for trying a rule on real users)."""
        ...


class Assigner(Protocol):
    """Port: the A/B experiments. A strategy naming an experiment asks which variation a
    subject is in; ``None`` when the subject is not in the experiment (outside its
    coverage, or the experiment is not running)."""

    def assign(self, experiment_key: str, subject_id: str) -> str | None: ...


class NoExperiments:
    """An :class:`Assigner` with no experiment running: nobody is in any."""

    def assign(self, experiment_key: str, subject_id: str) -> str | None:
        return None
