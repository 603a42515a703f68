"""Rules: conditions on tags and on a decision's context, combined with all, any and not.

A rule is a tree of frozen values (:data:`Expr`): a :class:`Condition` compares one tag
(``Source.TAG``) or one context field (``Source.CONTEXT``) with a value; :class:`AllOf`,
:class:`AnyOf` and :class:`Not` combine rules; :class:`RuleRef` names a saved rule.

Its canonical JSON form is versioned: ``{"v": 1, "all": [{"tag": "new_user", "op":
"equal", "value": true}, {"tag": "region", "op": "in", "value": ["north", "east"]}]}``.
Numbers are JSON numbers (read JSON text with ``parse_float=Decimal``: floats are refused),
dates are ``{"date": "2026-01-01"}``. Its text form is in :mod:`merx.decisions.text`.

:func:`check` validates a rule against the tag catalog and a scenario's inputs (unknown or
offline tag, an operator the value type does not have, a value of the wrong type), each
error carrying the JSON path of the fault; :func:`find_cycle` finds named rules that refer
to each other in a ring; :func:`compile_rule` turns a rule into one closure over
``(tags, context)``.

A condition on a value the subject does not hold (no tag value, an absent optional input)
is false, whatever its operator; ``not`` of it is true.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

import attrs

from merx.decisions.errors import (
    OperatorNotAllowed,
    RuleCycle,
    RuleInvalid,
    UnknownRule,
    ValueTypeMismatch,
)
from merx.decisions.ports import TagSpec, ValueType

#: The version of the JSON form this module writes and reads.
RULE_FORMAT = 1


class Op(enum.StrEnum):
    EQUAL = "equal"
    NOT_EQUAL = "not_equal"
    IN = "in"
    CONTAINS = "contains"
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"
    BETWEEN = "between"
    EXISTS = "exists"


class Source(enum.StrEnum):
    """Where a condition's value comes from: the subject's tags or the decision's context."""

    TAG = "tag"
    CONTEXT = "context"


#: The operators each value type has (``contains``: a set holds the value, a string holds
#: the substring).
OPERATORS: Mapping[ValueType, frozenset[Op]] = {
    ValueType.BOOL: frozenset({Op.EQUAL, Op.NOT_EQUAL, Op.EXISTS}),
    ValueType.NUMBER: frozenset(
        {Op.EQUAL, Op.NOT_EQUAL, Op.IN, Op.GT, Op.GTE, Op.LT, Op.LTE, Op.BETWEEN, Op.EXISTS}
    ),
    ValueType.STRING: frozenset({Op.EQUAL, Op.NOT_EQUAL, Op.IN, Op.CONTAINS, Op.EXISTS}),
    ValueType.ENUM: frozenset({Op.EQUAL, Op.NOT_EQUAL, Op.IN, Op.EXISTS}),
    ValueType.DATE: frozenset(
        {Op.EQUAL, Op.NOT_EQUAL, Op.GT, Op.GTE, Op.LT, Op.LTE, Op.BETWEEN, Op.EXISTS}
    ),
    ValueType.SET: frozenset({Op.CONTAINS, Op.EXISTS}),
}

#: Words of the text form, never names of tags, fields or rules.
KEYWORDS = frozenset(
    {"and", "or", "not", "in", "contains", "between", "exists", "true", "false"}
    | {"all", "any", "context"}
)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

Scalar = bool | Decimal | str | date
Value = Scalar | tuple[Scalar, ...] | None


def check_name(name: object, what: str, path: str) -> str:
    """``name`` if it is a valid tag, field or rule name (letters, digits, ``_``; no keyword)."""
    if not isinstance(name, str) or not _NAME.match(name) or name in KEYWORDS:
        raise RuleInvalid(f"{what} {name!r} is not a name (letters, digits, _; no keyword)", path)
    return name


def _scalar(value: object, path: str) -> Scalar:
    if isinstance(value, float):
        raise ValueTypeMismatch(f"floats are refused, got {value!r}: use an int or Decimal", path)
    if isinstance(value, bool | str) or type(value) is date:
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueTypeMismatch(f"{value!r} is not a finite number", path)
        return value
    raise ValueTypeMismatch(f"{value!r} is not a bool, number, string or date", path)


def _shape(op: Op, value: object) -> Value:
    """``value`` made canonical for ``op`` (ints to Decimal, lists to tuples), or a
    :class:`RuleInvalid` with a path relative to the condition."""
    if op is Op.EXISTS:
        if value is not None:
            raise RuleInvalid(f"exists takes no value, got {value!r}", "$.value")
        return None
    if op in (Op.IN, Op.BETWEEN):
        if not isinstance(value, list | tuple) or not value:
            raise RuleInvalid(f"{op} takes a list of values, got {value!r}", "$.value")
        items = tuple(_scalar(item, f"$.value[{i}]") for i, item in enumerate(value))
        if op is Op.BETWEEN:
            if len(items) != 2:
                raise RuleInvalid(f"between takes two values, got {len(items)}", "$.value")
            low, high = items
            if type(low) is not type(high) or not isinstance(low, Decimal | date):
                raise ValueTypeMismatch(
                    f"between takes two numbers or two dates, got {value!r}", "$.value"
                )
            if low > high:  # type: ignore[operator]
                raise RuleInvalid(
                    f"between's low end {low} is above its high end {high}", "$.value"
                )
        return items
    if value is None:
        raise RuleInvalid(f"{op} needs a value", "$.value")
    return _scalar(value, "$.value")


def _canonical_op(op: object) -> Op:
    try:
        return Op(str(op)) if isinstance(op, str) else Op(op)  # type: ignore[arg-type]
    except ValueError:
        raise RuleInvalid(f"unknown operator {op!r}", "$.op") from None


@attrs.frozen
class Condition:
    """``name`` (a tag, or a context field) compared by ``op`` with ``value``: a scalar, a
    list for ``in``, ``(low, high)`` for ``between`` (both ends included), nothing for
    ``exists``. Ints become ``Decimal``; floats are refused."""

    source: Source = attrs.field(converter=Source)
    name: str
    op: Op = attrs.field(converter=_canonical_op)
    value: Value = None

    def __attrs_post_init__(self) -> None:
        check_name(self.name, self.source.value, f"$.{self.source.value}")
        object.__setattr__(self, "value", _shape(self.op, self.value))


def _items(items: Iterable[Expr]) -> tuple[Expr, ...]:
    found = tuple(items)
    if not found:
        raise RuleInvalid("all and any need at least one rule")
    return found


@attrs.frozen
class AllOf:
    """True when every one of ``items`` is."""

    items: tuple[Expr, ...] = attrs.field(converter=_items)


@attrs.frozen
class AnyOf:
    """True when at least one of ``items`` is."""

    items: tuple[Expr, ...] = attrs.field(converter=_items)


@attrs.frozen
class Not:
    item: Expr


@attrs.frozen
class RuleRef:
    """The saved rule called ``name`` (see ``SaveRule``)."""

    name: str

    def __attrs_post_init__(self) -> None:
        check_name(self.name, "rule", "$.rule")


Expr = Condition | AllOf | AnyOf | Not | RuleRef


# -- the JSON form ------------------------------------------------------------------------


def _encode(value: Value) -> Any:
    if isinstance(value, tuple):
        return [_encode(item) for item in value]
    if type(value) is date:
        return {"date": value.isoformat()}
    if isinstance(value, Decimal) and value.as_tuple().exponent >= 0:  # type: ignore[operator]
        return int(value)
    return value


def _node_json(expr: Expr) -> dict[str, Any]:
    match expr:
        case Condition(source=source, name=name, op=op, value=value):
            node: dict[str, Any] = {source.value: name, "op": op.value}
            if op is not Op.EXISTS:
                node["value"] = _encode(value)
            return node
        case AllOf(items=items):
            return {"all": [_node_json(item) for item in items]}
        case AnyOf(items=items):
            return {"any": [_node_json(item) for item in items]}
        case Not(item=item):
            return {"not": _node_json(item)}
        case RuleRef(name=name):
            return {"rule": name}


def rule_to_json(expr: Expr) -> dict[str, Any]:
    """The canonical JSON form of ``expr``: plain dicts, lists, strings, bools, ints and
    (for numbers with decimals) ``Decimal``."""
    return {"v": RULE_FORMAT, **_node_json(expr)}


def _decode(value: Any, path: str) -> Any:
    if isinstance(value, list):
        return [_decode(item, f"{path}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, dict):
        if set(value) != {"date"} or not isinstance(value["date"], str):
            raise ValueTypeMismatch(f'a date is {{"date": "YYYY-MM-DD"}}, got {value!r}', path)
        try:
            return date.fromisoformat(value["date"])
        except ValueError:
            raise ValueTypeMismatch(f"{value['date']!r} is not a date", path) from None
    return value


_COMBINERS = ("all", "any", "not", "rule")


def _node(data: Any, path: str) -> Expr:
    if not isinstance(data, dict):
        raise RuleInvalid(f"a rule is a JSON object, got {data!r}", path)
    kinds = [key for key in (*_COMBINERS, "tag", "context") if key in data]
    if len(kinds) != 1:
        raise RuleInvalid(
            f"a rule has exactly one of all, any, not, rule, tag, context; got {sorted(data)}",
            path,
        )
    kind = kinds[0]
    allowed = {kind} if kind in _COMBINERS else {kind, "op", "value"}
    if extra := set(data) - allowed:
        raise RuleInvalid(f"unexpected keys {sorted(extra)}", path)
    match kind:
        case "all" | "any":
            items = data[kind]
            if not isinstance(items, list) or not items:
                raise RuleInvalid(f"{kind} takes a non-empty list of rules", f"{path}.{kind}")
            nodes = tuple(_node(item, f"{path}.{kind}[{i}]") for i, item in enumerate(items))
            return AllOf(nodes) if kind == "all" else AnyOf(nodes)
        case "not":
            return Not(_node(data["not"], f"{path}.not"))
    try:  # the values' own checks name paths from this node
        if kind == "rule":
            return RuleRef(data["rule"])
        if "op" not in data:
            raise RuleInvalid("a condition needs an op", "$")
        value = _decode(data["value"], "$.value") if "value" in data else None
        return Condition(Source(kind), data[kind], data["op"], value)
    except RuleInvalid as error:
        raise error.under(path) from None


def rule_from_json(data: Any) -> Expr:
    """The rule in the JSON form ``data`` (as :func:`rule_to_json` writes it); a
    :class:`RuleInvalid` with the path of the first fault."""
    if not isinstance(data, dict):
        raise RuleInvalid(f"a rule is a JSON object, got {data!r}")
    if data.get("v") != RULE_FORMAT:
        raise RuleInvalid(f"unknown rule format {data.get('v')!r}: expected {RULE_FORMAT}", "$.v")
    return _node({key: item for key, item in data.items() if key != "v"}, "$")


# -- validation ---------------------------------------------------------------------------


class Vocabulary(Protocol):
    """What :func:`check` looks names up in."""

    def spec(self, source: Source, name: str, path: str) -> TagSpec | None:
        """The tag or input ``name``, or ``None`` when its type is not known here (a context
        field outside a scenario); raises ``UnknownTag``, ``OfflineTag`` or
        ``UnknownInput`` with ``path``."""
        ...

    def rule(self, name: str) -> Expr | None:
        """The saved rule ``name``, or ``None``."""
        ...


def _fits(value: Scalar, spec: TagSpec) -> bool:
    match spec.value_type:
        case ValueType.BOOL:
            return type(value) is bool
        case ValueType.NUMBER:
            return isinstance(value, Decimal)
        case ValueType.DATE:
            return type(value) is date
        case ValueType.ENUM:
            return isinstance(value, str) and (not spec.enum_values or value in spec.enum_values)
        case ValueType.STRING | ValueType.SET:
            return isinstance(value, str)


def _check_condition(condition: Condition, spec: TagSpec, path: str) -> None:
    kind = spec.value_type
    if condition.op not in OPERATORS[kind]:
        raise OperatorNotAllowed(
            f"{condition.op} does not apply to a {kind} ({spec.name})", f"{path}.op"
        )
    value = condition.value
    values = value if isinstance(value, tuple) else () if value is None else (value,)
    for i, item in enumerate(values):
        if not _fits(item, spec):
            where = f"{path}.value[{i}]" if isinstance(value, tuple) else f"{path}.value"
            wanted = f"one of {sorted(spec.enum_values)}" if kind is ValueType.ENUM else f"a {kind}"
            raise ValueTypeMismatch(f"{spec.name} takes {wanted}, got {item!r}", where)


def check(expr: Expr, vocabulary: Vocabulary, path: str = "$") -> None:
    """Raise the first fault of ``expr`` against ``vocabulary`` (see :mod:`errors
    <merx.decisions.errors>`), with its JSON path; named rules are only looked up (each
    is checked where it is saved)."""
    match expr:
        case Condition():
            spec = vocabulary.spec(expr.source, expr.name, f"{path}.{expr.source.value}")
            if spec is not None:
                _check_condition(expr, spec, path)
        case AllOf(items=items) | AnyOf(items=items):
            word = "all" if isinstance(expr, AllOf) else "any"
            for i, item in enumerate(items):
                check(item, vocabulary, f"{path}.{word}[{i}]")
        case Not(item=item):
            check(item, vocabulary, f"{path}.not")
        case RuleRef(name=name):
            if vocabulary.rule(name) is None:
                raise UnknownRule(f"no saved rule {name!r}", f"{path}.rule")


#: How deep a rule may nest, saved rules it refers to written in place (the compiled
#: expression's parentheses stay well under Python's limit).
MAX_NESTING = 40


def nesting(expr: Expr, lookup: Callable[[str], Expr | None]) -> int:
    """How deep ``expr`` nests, with the saved rules ``lookup`` finds written in place (an
    unknown one counts as one level; call it only on rules without cycles)."""
    match expr:
        case Condition():
            return 1
        case AllOf(items=items) | AnyOf(items=items):
            return 1 + max(nesting(item, lookup) for item in items)
        case Not(item=item):
            return 1 + nesting(item, lookup)
        case RuleRef(name=name):
            found = lookup(name)
            return 1 if found is None else nesting(found, lookup)


def check_nesting(expr: Expr, lookup: Callable[[str], Expr | None]) -> None:
    """Raise :class:`RuleInvalid` if ``expr`` nests deeper than :data:`MAX_NESTING`."""
    depth = nesting(expr, lookup)
    if depth > MAX_NESTING:
        raise RuleInvalid(
            f"the rule nests {depth} deep with its saved rules; at most {MAX_NESTING}"
        )


def references(expr: Expr) -> Iterator[str]:
    """The names of the saved rules ``expr`` refers to directly, in order."""
    match expr:
        case AllOf(items=items) | AnyOf(items=items):
            for item in items:
                yield from references(item)
        case Not(item=item):
            yield from references(item)
        case RuleRef(name=name):
            yield name
        case _:
            return


def find_cycle(name: str, expr: Expr, lookup: Callable[[str], Expr | None]) -> None:
    """Raise :class:`RuleCycle` if ``expr``, saved as ``name``, would lead back to itself
    through the saved rules ``lookup`` finds (the ring is named, first name repeated)."""
    trail: list[str] = [name]
    done: set[str] = set()

    def visit(current: Expr) -> None:
        for ref in references(current):
            if ref in trail:
                raise RuleCycle((*trail[trail.index(ref) :], ref))
            if ref in done:
                continue
            found = lookup(ref)
            if found is not None:
                trail.append(ref)
                visit(found)
                trail.pop()
            done.add(ref)

    visit(expr)


def closure(expr: Expr, lookup: Callable[[str], Expr | None]) -> dict[str, Expr]:
    """Every saved rule ``expr`` refers to, directly or through others (``UnknownRule`` for
    one that is not saved)."""
    found: dict[str, Expr] = {}
    pending = list(references(expr))
    while pending:
        name = pending.pop()
        if name in found:
            continue
        rule = lookup(name)
        if rule is None:
            raise UnknownRule(f"no saved rule {name!r}", "$.rule")
        found[name] = rule
        pending.extend(references(rule))
    return found


# -- evaluation ---------------------------------------------------------------------------

Facts = Mapping[str, object]
#: A compiled rule: ``predicate(tags, context)``.
Predicate = Callable[[Facts, Facts], bool]


_COMPARE = {Op.GT: ">", Op.GTE: ">=", Op.LT: "<", Op.LTE: "<="}


def _condition_source(condition: Condition, constants: dict[str, object]) -> str:
    held = f"{'t' if condition.source is Source.TAG else 'c'}.get({condition.name!r})"

    def constant(value: object) -> str:
        name = f"k{len(constants)}"
        constants[name] = value
        return name

    op, value = condition.op, condition.value
    match op:
        case Op.EQUAL:  # a value is never None: an absent one is unequal
            return f"({held} == {constant(value)})"
        case Op.NOT_EQUAL:
            return f"((h := {held}) is not None and h != {constant(value)})"
        case Op.IN:
            return f"({held} in {constant(frozenset(value))})"  # type: ignore[arg-type]
        case Op.CONTAINS:
            return f"((h := {held}) is not None and {constant(value)} in h)"
        case Op.BETWEEN:
            low, high = value  # type: ignore[misc,str-unpack]
            return f"((h := {held}) is not None and {constant(low)} <= h <= {constant(high)})"
        case Op.EXISTS:
            return f"({held} is not None)"
        case _:
            return f"((h := {held}) is not None and h {_COMPARE[op]} {constant(value)})"


def rule_source(expr: Expr, named: Callable[[str], Expr], constants: dict[str, object]) -> str:
    """``expr`` as one Python expression over ``t`` (the tags) and ``c`` (the context);
    its values are the names in ``constants`` (never written into the source), saved rules
    are written in place (``named`` finds them; they hold no cycle)."""
    match expr:
        case Condition():
            return _condition_source(expr, constants)
        case AllOf(items=items) | AnyOf(items=items):
            joiner = " and " if isinstance(expr, AllOf) else " or "
            return "(" + joiner.join(rule_source(item, named, constants) for item in items) + ")"
        case Not(item=item):
            return f"(not {rule_source(item, named, constants)})"
        case RuleRef(name=name):
            return rule_source(named(name), named, constants)


def compile_rule(expr: Expr, named: Callable[[str], Expr]) -> Predicate:
    """``expr`` as one function ``predicate(tags, context)``: its source (:func:`rule_source`)
    compiled once, so a decision makes one call per strategy. Only validated names (letters,
    digits, ``_``) and generated constant names enter the source."""
    constants: dict[str, object] = {}
    source = rule_source(expr, named, constants)
    scope: dict[str, object] = {"__builtins__": {}, **constants}
    predicate: Predicate = eval(f"lambda t, c: {source}", scope)
    return predicate
