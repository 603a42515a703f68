"""Deciding: a published version compiled once into closures, and the reads over it.

:class:`CompiledVersion` is one published version of a scenario as closures (built once,
cached by scenario and version, which never changes). :class:`Decider` is what
``App.decide`` calls: it finds the live version, checks the caller and the context, reads
the subject's tags through the :class:`~merx.decisions.ports.TagValues` port and returns a
:class:`Decision`, which, like OpenFeature's evaluation details, names the value, the
variant, the strategy and rules that decided, the reason and the version.

Reasons: ``TARGETING_MATCH`` (a strategy matched), ``SPLIT`` (a matching strategy's
experiment assigned a variation), ``DEFAULT`` (none matched), ``DISABLED`` (the scenario is
switched off) and ``ERROR`` (the tag values or the experiment could not be had, or a tag
value was of the wrong type: the default output, with ``error`` saying why). A caller that
may not call, or a context missing an input or holding one of the wrong type, is a typed
error, never a decision.
"""

from __future__ import annotations

import enum
import zlib
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from merx.decisions.errors import (
    CallerNotPermitted,
    InputTypeMismatch,
    MissingInput,
    NotPublished,
    UnknownScenario,
)
from merx.decisions.model import (
    Access,
    DecisionMade,
    InputField,
    NamedRule,
    Output,
    OutputValue,
    PublishedVersion,
    Scenario,
    ScenarioDefinition,
    Strategy,
    check_rule,
)
from merx.decisions.ports import Assigner, NoExperiments, TagCatalog, TagValues, ValueType
from merx.decisions.rules import Expr, Facts, Predicate, closure, compile_rule, references
from merx.kernel.clock import Clock
from merx.kernel.errors import MerxError, ValidationError
from merx.kernel.events import DomainEvent, EventPublisher
from merx.kernel.uow import UnitOfWork


class Reason(enum.StrEnum):
    TARGETING_MATCH = "TARGETING_MATCH"
    SPLIT = "SPLIT"
    DEFAULT = "DEFAULT"
    DISABLED = "DISABLED"
    ERROR = "ERROR"


@attrs.frozen
class Decision:
    """What ``decide`` answers. ``strategy`` and ``rules`` (the saved rules of its rule
    that held) are the deciding strategy's; under ``all_matches``, ``matches`` holds every
    matching strategy's output in priority order."""

    scenario: str
    version: int
    subject_id: str
    reason: Reason
    variant: str
    value: OutputValue
    materials: tuple[str, ...]
    strategy: str | None = None
    rules: tuple[str, ...] = ()
    matches: tuple[tuple[str, Output], ...] = ()
    experiment: str | None = None
    variation: str | None = None
    error: str | None = None


_EMPTY: Mapping[str, object] = {}


def _type_test(field: InputField) -> Callable[[object], bool]:
    match field.value_type:
        case ValueType.BOOL:
            return lambda value: type(value) is bool
        case ValueType.NUMBER:
            return lambda value: isinstance(value, Decimal | int) and not isinstance(value, bool)
        case ValueType.STRING:
            return lambda value: type(value) is str
        case ValueType.ENUM:
            allowed = field.enum_values
            return lambda value: type(value) is str and (not allowed or value in allowed)
        case ValueType.DATE:
            return lambda value: type(value) is date
        case ValueType.SET:
            return lambda value: (
                isinstance(value, frozenset | set) and all(type(item) is str for item in value)
            )


@attrs.frozen
class _Compiled:
    strategy: Strategy
    holds: Predicate
    named: tuple[tuple[str, Predicate], ...]


class CompiledVersion:
    """One published version of scenario ``key`` as closures."""

    def __init__(self, key: str, version: PublishedVersion) -> None:
        self.key = key
        self.number = version.number
        definition: ScenarioDefinition = version.definition
        self.definition = definition
        saved = version.rules
        named = saved.__getitem__
        self.strategies = tuple(
            _Compiled(
                strategy,
                compile_rule(strategy.rule, named),
                tuple(
                    (name, compile_rule(saved[name], named))
                    for name in dict.fromkeys(
                        (*references(strategy.rule), *closure(strategy.rule, saved.get))
                    )
                ),
            )
            for strategy in definition.strategies
            if strategy.enabled
        )
        self.callers = {p.caller: p.access for p in definition.callers}
        self.inputs = tuple(
            (field.name, field.required, _type_test(field), field) for field in definition.inputs
        )
        self.input_names = frozenset(field.name for field in definition.inputs)
        self.policy = definition.hit_policy

    def check_call(self, caller: str, access: Access, context: Mapping[str, object]) -> None:
        """Raise if ``caller`` may not call this way, or ``context`` does not fit the inputs."""
        allowed = self.callers.get(caller)
        if allowed is None or access not in allowed:
            raise CallerNotPermitted(
                f"caller {caller!r} may not call scenario {self.key!r} by {access}"
            )
        for name, required, fits, field in self.inputs:
            value = context.get(name)
            if value is None:
                if required:
                    raise MissingInput(f"scenario {self.key!r} needs the input {name!r}")
            elif not fits(value):
                wanted = sorted(field.enum_values) if field.enum_values else ""
                raise InputTypeMismatch(  # the value's type only: inputs may be personal
                    f"input {name!r} of scenario {self.key!r} takes a {field.value_type} "
                    f"{wanted}, got a {type(value).__name__} that does not fit"
                )
        if len(context) > len(self.input_names) or not self.input_names.issuperset(context):
            extra = sorted(set(context) - self.input_names)
            raise InputTypeMismatch(f"scenario {self.key!r} has no inputs {extra}")

    def _answer(self, subject_id: str, reason: Reason, output: Output, **more: Any) -> Decision:
        return Decision(
            self.key,
            self.number,
            subject_id,
            reason,
            output.variant,
            output.value,
            output.materials,
            **more,
        )

    def default(self, subject_id: str, reason: Reason, error: str | None = None) -> Decision:
        return self._answer(subject_id, reason, self.definition.default, error=error)

    def decide(
        self,
        subject_id: str,
        tags: Facts,
        context: Facts = _EMPTY,
        assigner: Assigner | None = None,
    ) -> Decision:
        """The decision for ``subject_id`` holding ``tags`` (the caller checked the call)."""
        try:
            return self._decide(subject_id, tags, context, assigner)
        except (TypeError, MerxError) as error:
            return self.default(subject_id, Reason.ERROR, f"{type(error).__name__}: {error}")

    def _decide(
        self, subject_id: str, tags: Facts, context: Facts, assigner: Assigner | None
    ) -> Decision:
        policy = self.policy.value
        matched: list[_Compiled] = []
        for compiled in self.strategies:
            if compiled.holds(tags, context):
                matched.append(compiled)
                if policy == "first_match":
                    break
        if not matched:
            return self.default(subject_id, Reason.DEFAULT)
        if policy == "highest_score":
            matched = [max(matched, key=lambda compiled: compiled.strategy.score)]
        chosen = matched[0]
        strategy = chosen.strategy
        output, variation = self._output(strategy, subject_id, assigner)
        matches: tuple[tuple[str, Output], ...] = ()
        if policy == "all_matches":  # the first's output is asked of the experiment once
            others = [
                (c.strategy.name, self._output(c.strategy, subject_id, assigner)[0])
                for c in matched[1:]
            ]
            matches = ((strategy.name, output), *others)
        return self._answer(
            subject_id,
            Reason.SPLIT if variation is not None else Reason.TARGETING_MATCH,
            output,
            strategy=strategy.name,
            rules=tuple(name for name, holds in chosen.named if holds(tags, context)),
            matches=matches,
            experiment=strategy.experiment,
            variation=variation,
        )

    @staticmethod
    def _output(
        strategy: Strategy, subject_id: str, assigner: Assigner | None
    ) -> tuple[Output, str | None]:
        if strategy.experiment is None or assigner is None:
            return strategy.output, None
        variation = assigner.assign(strategy.experiment, subject_id)
        if variation is None:
            return strategy.output, None
        output = strategy.variations.get(variation)
        if output is None:
            raise ValidationError(
                f"experiment {strategy.experiment!r} assigned {variation!r}, which strategy "
                f"{strategy.name!r} has no output for"
            )
        return output, variation


@attrs.frozen
class DecisionRecording:
    """Whether decisions are recorded as :class:`DecisionMade` events: ``rate`` of the
    subjects (0 to 1; chosen by a hash of scenario and subject, so a sampled subject's
    decisions are all recorded). Off by default."""

    rate: Decimal = Decimal(0)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.rate, Decimal) or not Decimal(0) <= self.rate <= Decimal(1):
            raise ValidationError(f"a recording rate is a Decimal from 0 to 1, not {self.rate!r}")

    def samples(self, scenario: str, subject_id: str) -> bool:
        if self.rate == 0:
            return False
        bucket = zlib.crc32(f"{scenario}\x00{subject_id}".encode()) % 10_000
        return bucket < self.rate * 10_000


@attrs.frozen
class RuleTrial:
    """A rule tried on sample subjects: how many, how many matched, and which."""

    tried: int
    matched: int
    matching: tuple[str, ...]


def try_rule(
    rule: Expr,
    samples: Mapping[str, Facts],
    saved: Callable[[str], Expr | None],
    context: Facts = _EMPTY,
) -> RuleTrial:
    """Dry-run ``rule`` on ``samples`` (tag values by subject id); ``saved`` finds the saved
    rules it refers to."""
    rules = closure(rule, saved)
    holds = compile_rule(rule, rules.__getitem__)
    matching = tuple(subject for subject, tags in samples.items() if holds(tags, context))
    return RuleTrial(len(samples), len(matching), matching)


class Decider:
    """The decisions of a store's live scenario versions (see the module docstring)."""

    def __init__(
        self,
        new_unit_of_work: Callable[[], UnitOfWork],
        *,
        catalog: TagCatalog,
        values: TagValues,
        clock: Clock,
        assigner: Assigner | None = None,
        recording: DecisionRecording | None = None,
        publisher: EventPublisher | None = None,
    ) -> None:
        self.new_unit_of_work = new_unit_of_work
        self.catalog = catalog
        self.values = values
        self.clock = clock
        self.assigner: Assigner = assigner or NoExperiments()
        self.recording = recording or DecisionRecording()
        self.publisher = publisher
        self._compiled: dict[tuple[str, int], CompiledVersion] = {}

    def compiled(self, key: str, version: int | None = None) -> tuple[CompiledVersion, bool]:
        """Version ``version`` (by default the live one) of scenario ``key``, compiled, and
        whether the scenario is switched on."""
        with self.new_unit_of_work() as uow:
            scenario = uow.repo(Scenario).peek(key)
            if scenario is None:
                raise UnknownScenario(f"no scenario {key!r}")
            number = version if version is not None else scenario.live
            if number is None:
                raise NotPublished(f"scenario {key!r} has no published version")
            enabled = scenario.enabled
            found = self._compiled.get((key, number))
            if found is None:
                found = CompiledVersion(key, scenario.published(number))
                self._compiled[key, number] = found
        return found, enabled

    def decide(
        self,
        key: str,
        subject_id: str,
        context: Mapping[str, object] | None = None,
        *,
        caller: str,
        access: Access = Access.API,
    ) -> Decision:
        """The live version's decision for ``subject_id`` (see the module docstring)."""
        compiled, enabled = self.compiled(key)
        facts = context if context is not None else _EMPTY
        compiled.check_call(caller, access, facts)
        at = self.clock.now()
        if not enabled:
            decision = compiled.default(subject_id, Reason.DISABLED)
        else:
            try:
                tags = self.values.values_of(subject_id, at)
            except MerxError as error:
                decision = compiled.default(subject_id, Reason.ERROR, f"tag values: {error}")
            else:
                decision = compiled.decide(subject_id, tags, facts, self.assigner)
        if self.publisher is not None and self.recording.samples(key, subject_id):
            made: DomainEvent = DecisionMade(
                key,
                decision.version,
                subject_id,
                decision.variant,
                decision.reason.value,
                decision.strategy,
                at,
            )
            self.publisher.publish([made])
        return decision

    def saved_rule(self, name: str) -> Expr | None:
        with self.new_unit_of_work() as uow:
            found = uow.repo(NamedRule).peek(name)
            return None if found is None else found.rule

    def try_rule(self, rule: Expr, samples: Mapping[str, Facts]) -> RuleTrial:
        """Check ``rule`` against the tag catalog and dry-run it on ``samples``."""
        check_rule(None, rule, self.catalog, self.saved_rule)
        return try_rule(rule, samples, self.saved_rule)

    def try_rule_on_users(self, rule: Expr, limit: int = 1000) -> RuleTrial:
        """Check ``rule`` and dry-run it on up to ``limit`` real subjects' tag values now."""
        if limit < 1:
            raise ValidationError(f"a sample has at least one subject, not {limit}")
        at = self.clock.now()
        subjects: Sequence[str] = self.values.sample(limit)
        return self.try_rule(rule, {s: self.values.values_of(s, at) for s in subjects})
