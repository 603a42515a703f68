"""The decisions context's errors, each under one family of :mod:`merx.errors`.

Errors about a rule carry ``path``: where in the rule's JSON form the fault is
(``$.all[1].value``), the same path whether the rule was written as JSON or as text.
"""

from __future__ import annotations

from merx.kernel.errors import NotFound, Unauthorized, ValidationError


class RuleInvalid(ValidationError):
    """A rule is malformed or does not fit the tags and inputs it names; ``path`` says where."""

    def __init__(self, message: str, path: str = "$") -> None:
        super().__init__(f"{path}: {message}")
        self.detail = message
        self.path = path

    def under(self, prefix: str) -> RuleInvalid:
        """The same error, its path taken relative to the node at ``prefix``."""
        return type(self)(self.detail, prefix + self.path[1:])


class RuleSyntaxError(RuleInvalid):
    """A rule's text form does not parse; ``position`` is the offending character's index."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.args = (f"{message} (at character {position})",)
        self.position = position


class UnknownTag(RuleInvalid):
    """A rule names a tag the tag catalog does not know."""


class OfflineTag(RuleInvalid):
    """A rule names a tag that is not online (a draft or an offline tag)."""


class UnknownInput(RuleInvalid):
    """A rule names a context field the scenario does not declare as an input."""


class OperatorNotAllowed(RuleInvalid):
    """An operator that does not apply to the value type (``gt`` on a bool, ``contains`` on
    a number)."""


class ValueTypeMismatch(RuleInvalid):
    """A rule compares a tag or input with a value of another type (or an enum value the
    tag does not have)."""


class UnknownRule(RuleInvalid):
    """A rule refers to a named rule that is not saved."""


class RuleCycle(RuleInvalid):
    """Named rules refer to each other in a ring; ``cycle`` lists it, first name repeated."""

    def __init__(self, cycle: tuple[str, ...]) -> None:
        super().__init__(f"named rules refer to each other in a cycle: {' -> '.join(cycle)}")
        self.cycle = cycle


class ScenarioInvalid(ValidationError):
    """A scenario's definition cannot be saved or published (duplicate strategy names, an
    output of the wrong type, an experiment without variations, a malformed key)."""


class UnknownScenario(NotFound):
    """No scenario is saved under this key."""


class NotPublished(NotFound):
    """The scenario has no published version (or not the one asked for), or no draft to
    publish."""


class CallerNotPermitted(Unauthorized):
    """The caller may not call this scenario, or not this way (API or embedded)."""


class MissingInput(ValidationError):
    """A decision's context lacks an input the scenario requires."""


class InputTypeMismatch(ValidationError):
    """A decision's context holds a field the scenario does not declare, or a value of
    another type than the declared one."""
