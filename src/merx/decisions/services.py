"""Decisions use cases: save rules, edit, publish, roll back and switch scenarios.

Each command checks everything first (the rule against the tag catalog, the definition
against its rules) and changes nothing when it fails. ``decide`` is a read: see
:class:`merx.decisions.engine.Decider`.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from merx.decisions.errors import NotPublished, UnknownScenario
from merx.decisions.model import (
    NamedRule,
    Scenario,
    ScenarioDefinition,
    check_definition,
    check_rule,
)
from merx.decisions.ports import TagCatalog
from merx.decisions.rules import Expr
from merx.kernel.bus import Command
from merx.kernel.clock import Clock
from merx.kernel.uow import UnitOfWork


@attrs.frozen
class SaveRule(Command[None]):
    """Save (or change) the rule ``name``, referred to as ``@name``. Published versions
    keep their own copy: changing it reaches a scenario when that is published again."""

    name: str
    rule: Expr
    description: str = ""


@attrs.frozen
class SaveScenarioDraft(Command[None]):
    """Create scenario ``key`` or replace its draft (the live version does not change)."""

    key: str
    definition: ScenarioDefinition


@attrs.frozen
class PublishScenario(Command[int]):
    """Check the draft with everything it refers to and publish it as the next version,
    live at once; returns its number."""

    key: str


@attrs.frozen
class RollBackScenario(Command[None]):
    """Make the published ``version`` live again (checked again against the tag catalog:
    a tag gone offline since refuses it)."""

    key: str
    version: int


@attrs.frozen
class SwitchScenario(Command[None]):
    """Turn a scenario off (every decision its default, reason ``DISABLED``) or on."""

    key: str
    enabled: bool


def _lookup(uow: UnitOfWork) -> Callable[[str], Expr | None]:
    """The saved rules as this unit of work sees them."""
    repo = uow.repo(NamedRule)

    def lookup(name: str) -> Expr | None:
        found = repo.peek(name)
        return None if found is None else found.rule

    return lookup


def save_rule(cmd: SaveRule, uow: UnitOfWork, *, catalog: TagCatalog) -> None:
    repo = uow.repo(NamedRule)
    check_rule(cmd.name, cmd.rule, catalog, _lookup(uow))
    saved = repo.find(cmd.name)
    if saved is None:
        saved = NamedRule(id=cmd.name, rule=cmd.rule, description=cmd.description)
        saved.change(cmd.rule, cmd.description)
        repo.add(saved)
    else:
        saved.change(cmd.rule, cmd.description)
        repo.save(saved)
    uow.commit()


def save_scenario_draft(cmd: SaveScenarioDraft, uow: UnitOfWork) -> None:
    repo = uow.repo(Scenario)
    scenario = repo.find(cmd.key)
    if scenario is None:
        scenario = Scenario.create(cmd.key)
        scenario.save_draft(cmd.definition)
        repo.add(scenario)
    else:
        scenario.save_draft(cmd.definition)
        repo.save(scenario)
    uow.commit()


def _scenario(uow: UnitOfWork, key: str) -> Scenario:
    scenario = uow.repo(Scenario).find(key)
    if scenario is None:
        raise UnknownScenario(f"no scenario {key!r}")
    return scenario


def publish_scenario(
    cmd: PublishScenario, uow: UnitOfWork, *, catalog: TagCatalog, clock: Clock
) -> int:
    scenario = _scenario(uow, cmd.key)
    if scenario.draft is None:
        raise NotPublished(f"scenario {cmd.key!r} has no draft to publish")
    rules = check_definition(cmd.key, scenario.draft, catalog, _lookup(uow))
    number = scenario.publish(rules, clock.now())
    uow.repo(Scenario).save(scenario)
    uow.commit()
    return number


def roll_back_scenario(cmd: RollBackScenario, uow: UnitOfWork, *, catalog: TagCatalog) -> None:
    scenario = _scenario(uow, cmd.key)
    version = scenario.published(cmd.version)
    check_definition(cmd.key, version.definition, catalog, version.rules.get)
    scenario.roll_back(cmd.version)
    uow.repo(Scenario).save(scenario)
    uow.commit()


def switch_scenario(cmd: SwitchScenario, uow: UnitOfWork) -> None:
    scenario = _scenario(uow, cmd.key)
    scenario.switch(cmd.enabled)
    uow.repo(Scenario).save(scenario)
    uow.commit()
