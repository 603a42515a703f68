"""Scenarios, their strategies and versions; saved rules.

A :class:`Scenario` (``homepage.popup``) is edited as a draft
(:class:`ScenarioDefinition`) and published: each publication is a new, immutable
:class:`PublishedVersion` holding the definition and a copy of every saved rule it refers
to, so editing the draft or a saved rule later never changes what a published version
decides. One version is live; rolling back makes an earlier one live again.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from decimal import Decimal

import attrs

from merx.decisions.errors import (
    NotPublished,
    OfflineTag,
    RuleInvalid,
    ScenarioInvalid,
    UnknownInput,
    UnknownTag,
)
from merx.decisions.ports import TagCatalog, TagSpec, ValueType
from merx.decisions.rules import (
    Expr,
    Source,
    check,
    check_name,
    check_nesting,
    closure,
    find_cycle,
)
from merx.kernel.aggregate import Aggregate
from merx.kernel.events import DomainEvent

_KEY = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*\Z")


class HitPolicy(enum.StrEnum):
    """How matching strategies make the decision: the first in priority order, every one
    (in priority order), or the one with the highest score (ties to the earlier)."""

    FIRST_MATCH = "first_match"
    ALL_MATCHES = "all_matches"
    HIGHEST_SCORE = "highest_score"


class Access(enum.StrEnum):
    """How a caller reaches a scenario: over the API, or embedded in its own process."""

    API = "api"
    EMBEDDED = "embedded"


OutputValue = bool | Decimal | str | None


def _strings(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(items)


def _names(items: Iterable[str]) -> frozenset[str]:
    return frozenset(items)


def _accesses(items: Iterable[Access]) -> frozenset[Access]:
    return frozenset(Access(item) for item in items)


def _output_value(value: object) -> OutputValue:
    if isinstance(value, bool | str | Decimal) or value is None:
        return value
    if isinstance(value, int):
        return Decimal(value)
    raise ScenarioInvalid(f"an output value is a bool, a Decimal or a string, not {value!r}")


@attrs.frozen
class Output:
    """What a decision hands out: a variant name, a value (of the scenario's output type)
    and a list of materials (banner ids, coupon templates, installment terms...)."""

    variant: str
    value: OutputValue = attrs.field(default=None, converter=_output_value)
    materials: tuple[str, ...] = attrs.field(default=(), converter=_strings)


@attrs.frozen
class InputField:
    """A field of a decision's context the scenario reads (``context.<name>`` in rules)."""

    name: str
    value_type: ValueType
    required: bool = True
    enum_values: frozenset[str] = attrs.field(default=frozenset(), converter=_names)

    def spec(self) -> TagSpec:
        return TagSpec(self.name, self.value_type, self.enum_values)


@attrs.frozen
class Permission:
    """A caller allowed to call the scenario, and how."""

    caller: str
    access: frozenset[Access] = attrs.field(default=frozenset({Access.API}), converter=_accesses)


@attrs.frozen
class Strategy:
    """A rule and what it decides. ``score`` ranks matches under ``highest_score``.
    ``experiment`` names an A/B experiment: a matching subject the experiment assigns a
    variation gets that variation's output (``variations``), anyone else ``output``."""

    name: str
    rule: Expr
    output: Output
    score: int = 0
    experiment: str | None = None
    variations: Mapping[str, Output] = attrs.field(factory=dict)
    enabled: bool = True


def _inputs(items: Iterable[InputField]) -> tuple[InputField, ...]:
    return tuple(items)


def _permissions(items: Iterable[Permission]) -> tuple[Permission, ...]:
    return tuple(items)


def _strategies(items: Iterable[Strategy]) -> tuple[Strategy, ...]:
    return tuple(items)


@attrs.frozen
class ScenarioDefinition:
    """What a scenario reads, may hand out and who may ask; its strategies in priority
    order and the output when none matches (``default``)."""

    inputs: tuple[InputField, ...] = attrs.field(converter=_inputs)
    callers: tuple[Permission, ...] = attrs.field(converter=_permissions)
    strategies: tuple[Strategy, ...] = attrs.field(converter=_strategies)
    default: Output
    output_type: ValueType | None = None
    hit_policy: HitPolicy = HitPolicy.FIRST_MATCH
    description: str = ""

    def input(self, name: str) -> InputField | None:
        for field in self.inputs:
            if field.name == name:
                return field
        return None

    def outputs(self) -> list[tuple[str, Output]]:
        """Every output it may hand out, each with where it is written."""
        found = [("default", self.default)]
        for strategy in self.strategies:
            found.append((f"strategy {strategy.name!r}", strategy.output))
            found.extend(
                (f"strategy {strategy.name!r} variation {key!r}", output)
                for key, output in strategy.variations.items()
            )
        return found


@attrs.frozen
class PublishedVersion:
    """A published definition with a copy of the saved rules it refers to (never changed)."""

    number: int
    definition: ScenarioDefinition
    rules: Mapping[str, Expr]
    published_at: datetime


# -- validation ---------------------------------------------------------------------------


@attrs.frozen
class _Vocabulary:
    """Names a rule may use: the catalog's online tags, a scenario's inputs (``None``: a
    saved rule, whose context fields are checked where a scenario uses it) and rules."""

    catalog: TagCatalog
    inputs: ScenarioDefinition | None
    rules: Callable[[str], Expr | None]

    def spec(self, source: Source, name: str, path: str) -> TagSpec | None:
        if source is Source.CONTEXT:
            if self.inputs is None:
                return None
            field = self.inputs.input(name)
            if field is None:
                raise UnknownInput(f"the scenario has no input {name!r}", path)
            return field.spec()
        spec = self.catalog.describe(name)
        if spec is None:
            raise UnknownTag(f"no tag {name!r}", path)
        if not spec.online:
            raise OfflineTag(f"tag {name!r} is not online", path)
        return spec

    def rule(self, name: str) -> Expr | None:
        return self.rules(name)


def check_rule(
    name: str | None, expr: Expr, catalog: TagCatalog, rules: Callable[[str], Expr | None]
) -> None:
    """The faults of a rule to be saved as ``name`` (``None``: a rule only tried): names,
    types, references and cycles."""
    if name is not None:
        check_name(name, "rule", "$")
        find_cycle(name, expr, rules)
    check(expr, _Vocabulary(catalog, None, rules))
    check_nesting(expr, rules)


def _check_outputs(definition: ScenarioDefinition) -> None:
    wanted = definition.output_type
    for where, output in definition.outputs():
        value = output.value
        if value is None:
            continue
        fits = (
            (wanted is ValueType.BOOL and type(value) is bool)
            or (wanted is ValueType.NUMBER and isinstance(value, Decimal))
            or (wanted in (ValueType.STRING, ValueType.ENUM) and isinstance(value, str))
        )
        if not fits:
            raise ScenarioInvalid(f"{where}: value {value!r} is not a {wanted or 'nothing'}")


def check_definition(
    key: str,
    definition: ScenarioDefinition,
    catalog: TagCatalog,
    rules: Callable[[str], Expr | None],
) -> dict[str, Expr]:
    """Every fault of ``definition``, else the saved rules it refers to (directly or not):
    the copy a published version keeps."""
    if not _KEY.match(key):
        raise ScenarioInvalid(f"scenario key {key!r} is not dotted lower-case words")
    if not definition.callers:
        raise ScenarioInvalid(f"scenario {key!r} permits no caller")
    for what, names in (
        ("input", [field.name for field in definition.inputs]),
        ("strategy", [strategy.name for strategy in definition.strategies]),
        ("caller", [permission.caller for permission in definition.callers]),
    ):
        if len(set(names)) != len(names):
            raise ScenarioInvalid(f"scenario {key!r} names an {what} twice: {names}")
    for field in definition.inputs:
        check_name(field.name, "input", "$")
    if definition.output_type in (ValueType.DATE, ValueType.SET):
        raise ScenarioInvalid(
            f"an output value is a bool, number or string, not a {definition.output_type}"
        )
    _check_outputs(definition)
    vocabulary = _Vocabulary(catalog, definition, rules)
    used: dict[str, Expr] = {}
    for strategy in definition.strategies:
        if strategy.experiment is not None and not strategy.variations:
            raise ScenarioInvalid(
                f"strategy {strategy.name!r} names an experiment but no variations"
            )
        try:
            check(strategy.rule, vocabulary)
            check_nesting(strategy.rule, rules)
            found = closure(strategy.rule, rules)
            for rule in found.values():  # saved rules' context fields, with these inputs
                check(rule, vocabulary)
        except RuleInvalid as error:
            raise type(error)(f"strategy {strategy.name!r}: {error.detail}", error.path) from None
        used.update(found)
    return used


# -- events -------------------------------------------------------------------------------


@attrs.frozen
class RuleSaved(DomainEvent):
    name: str


@attrs.frozen
class ScenarioDraftSaved(DomainEvent):
    key: str


@attrs.frozen
class ScenarioPublished(DomainEvent):
    key: str
    version: int


@attrs.frozen
class ScenarioRolledBack(DomainEvent):
    key: str
    version: int
    from_version: int


@attrs.frozen
class ScenarioSwitched(DomainEvent):
    """The scenario was turned off (every decision is its default, reason ``DISABLED``)
    or on again."""

    key: str
    enabled: bool


@attrs.frozen
class DecisionMade(DomainEvent):
    """A decision, recorded when the host records decisions (sampled)."""

    scenario: str
    version: int
    subject_id: str
    variant: str
    reason: str
    strategy: str | None
    at: datetime


# -- aggregates ---------------------------------------------------------------------------


@attrs.define(kw_only=True)
class NamedRule(Aggregate):
    """A saved rule other rules and strategies refer to as ``@name``."""

    id: str
    rule: Expr
    description: str = ""

    def change(self, rule: Expr, description: str) -> None:
        self.rule = rule
        self.description = description
        self.record(RuleSaved(self.id))


@attrs.define(kw_only=True)
class Scenario(Aggregate):
    """A decision point: its draft, its published versions and the live one."""

    id: str
    draft: ScenarioDefinition | None = None
    versions: list[PublishedVersion] = attrs.field(factory=list)
    live: int | None = None
    enabled: bool = True

    @classmethod
    def create(cls, key: str) -> Scenario:
        if not _KEY.match(key):
            raise ScenarioInvalid(f"scenario key {key!r} is not dotted lower-case words")
        return cls(id=key)

    def save_draft(self, definition: ScenarioDefinition) -> None:
        self.draft = definition
        self.record(ScenarioDraftSaved(self.id))

    def publish(self, rules: Mapping[str, Expr], at: datetime) -> int:
        """The draft (checked by the caller, with ``rules`` its saved rules) as the next
        version, live now."""
        if self.draft is None:
            raise NotPublished(f"scenario {self.id!r} has no draft to publish")
        number = len(self.versions) + 1
        self.versions.append(PublishedVersion(number, self.draft, dict(rules), at))
        self.live = number
        self.record(ScenarioPublished(self.id, number))
        return number

    def published(self, number: int) -> PublishedVersion:
        if not 1 <= number <= len(self.versions):
            raise NotPublished(f"scenario {self.id!r} has no version {number}")
        return self.versions[number - 1]

    def roll_back(self, number: int) -> None:
        """Make the published version ``number`` live again (an earlier one, mostly)."""
        self.published(number)
        previous = self.live
        if previous is None or number == previous:
            raise ScenarioInvalid(f"version {number} of scenario {self.id!r} is already live")
        self.live = number
        self.record(ScenarioRolledBack(self.id, number, previous))

    def switch(self, enabled: bool) -> None:
        if enabled != self.enabled:
            self.enabled = enabled
            self.record(ScenarioSwitched(self.id, enabled))
