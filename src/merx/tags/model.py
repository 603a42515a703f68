"""Tag definitions and the values subjects hold.

A tag (the seed's 标签) is a named fact about a subject (a user, a product, an order) that
rules consult. Its :class:`TagDefinition` says what kind of subject it describes, the type
of its values, where the values come from (:class:`DataSource`) and how long a value
stays true (``ttl``). A definition moves through ``TAG_FLOW`` (draft -> online -> offline,
and back online); only an online tag takes values or answers reads.

A subject's stored values are a :class:`SubjectTags` aggregate: each value with the
instant it was set and the instant it expires; an expired value reads as absent.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal

import attrs

from merx.kernel.aggregate import Aggregate
from merx.kernel.clock import require_aware
from merx.kernel.errors import ValidationError
from merx.kernel.events import DomainEvent
from merx.kernel.state import StateMachine
from merx.tags.errors import TagNotOnline, TagNotPushed, TagValueMismatch, UnknownTag

#: A tag's value: a bool, an enum's value or a text (``str``), a number (``Decimal``), a
#: date, or a set of strings.
TagValue = bool | str | Decimal | date | frozenset[str]

_NAME = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*")


class TagKind(enum.Enum):
    """What a tag describes. A pass-through tag describes nothing merx stores: its value
    comes with each decision (the seed's "transparent transmission")."""

    USER = "user"
    PRODUCT = "product"
    ORDER = "order"
    PASS_THROUGH = "pass_through"


class ValueKind(enum.Enum):
    BOOL = "bool"
    ENUM = "enum"
    NUMBER = "number"
    DATE = "date"
    SET = "set"
    TEXT = "text"


class DataSource(enum.Enum):
    """Where a tag's values come from: computed by merx from its own events as they happen
    (``realtime``), loaded by the host's batch jobs (``batch``), pushed by the host for one
    subject at a time (``pushed``), or given with each decision (``pass_through``)."""

    REALTIME = "realtime"
    BATCH = "batch"
    PUSHED = "pushed"
    PASS_THROUGH = "pass_through"


class TagStatus(enum.Enum):
    DRAFT = "draft"
    ONLINE = "online"
    OFFLINE = "offline"


#: A tag's life cycle. An offline tag may come back online (a season's tag returns
#: next season); its stored values come back with it, those past their TTL expired.
TAG_FLOW: StateMachine[TagStatus] = StateMachine(
    "tag",
    [
        (TagStatus.DRAFT, "revise", TagStatus.DRAFT),
        (TagStatus.DRAFT, "publish", TagStatus.ONLINE),
        (TagStatus.ONLINE, "retire", TagStatus.OFFLINE),
        (TagStatus.OFFLINE, "restore", TagStatus.ONLINE),
    ],
)


@attrs.frozen
class ValueType:
    """The type of a tag's values; ``options`` are an enum's values (only an enum has)."""

    kind: ValueKind
    options: tuple[str, ...] = ()

    def __attrs_post_init__(self) -> None:
        if self.kind is ValueKind.ENUM:
            if not self.options or len(set(self.options)) != len(self.options):
                raise ValidationError(f"an enum needs distinct options, got {self.options!r}")
        elif self.options:
            raise ValidationError(f"a {self.kind.value} tag has no options: {self.options!r}")

    @classmethod
    def enum(cls, *options: str) -> ValueType:
        return cls(ValueKind.ENUM, tuple(options))

    def describe(self) -> str:
        if self.kind is ValueKind.ENUM:
            return f"one of {', '.join(self.options)}"
        return {
            ValueKind.BOOL: "a bool",
            ValueKind.NUMBER: "a number (int or Decimal)",
            ValueKind.DATE: "a date",
            ValueKind.SET: "a set of strings",
            ValueKind.TEXT: "a non-empty text",
        }[self.kind]

    def check(self, tag: str, value: object) -> TagValue:
        """``value`` in its stored form (an int as a Decimal, a set of strings as a
        frozenset); :class:`TagValueMismatch` naming ``tag`` and this type otherwise."""
        kind = self.kind
        if kind is ValueKind.BOOL and type(value) is bool:
            return value
        if kind is ValueKind.NUMBER:
            if type(value) is int:
                return Decimal(value)
            if isinstance(value, Decimal) and value.is_finite():
                return value
        if kind is ValueKind.ENUM and isinstance(value, str) and value in self.options:
            return value
        if kind is ValueKind.TEXT and isinstance(value, str) and value.strip():
            return value
        if kind is ValueKind.DATE and type(value) is date:
            return value
        if (
            kind is ValueKind.SET
            and isinstance(value, set | frozenset | tuple | list)
            and all(isinstance(item, str) for item in value)
        ):
            return frozenset(value)
        raise TagValueMismatch(tag, self.describe(), value)


# -- definitions -----------------------------------------------------------------------


@attrs.frozen
class TagDefined(DomainEvent):
    tag: str
    kind: TagKind
    value_kind: ValueKind
    source: DataSource


@attrs.frozen
class TagRevised(DomainEvent):
    tag: str


@attrs.frozen
class TagPublished(DomainEvent):
    tag: str
    at: datetime


@attrs.frozen
class TagRetired(DomainEvent):
    tag: str
    at: datetime


@attrs.frozen
class TagRestored(DomainEvent):
    tag: str
    at: datetime


@attrs.frozen
class TagSpec:
    """What a tag is: everything of a definition but its life cycle (what a draft revises)."""

    name: str
    kind: TagKind
    value_type: ValueType
    source: DataSource
    category: str = "general"
    scope: str = "all"
    ttl: timedelta | None = None
    description: str = ""

    def __attrs_post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise ValidationError(
                f"a tag name is lower-case words joined by '_' or '.', got {self.name!r}"
            )
        if not self.category.strip() or not self.scope.strip():
            raise ValidationError(f"tag {self.name!r} needs a category and a scope")
        if self.ttl is not None and self.ttl <= timedelta(0):
            raise ValidationError(f"tag {self.name!r}: a time-to-live is positive, got {self.ttl}")
        pass_through = (self.kind is TagKind.PASS_THROUGH, self.source is DataSource.PASS_THROUGH)
        if pass_through[0] != pass_through[1]:
            raise ValidationError(
                f"tag {self.name!r}: a pass-through tag and only one has the pass-through source"
            )


@attrs.define(kw_only=True)
class TagDefinition(Aggregate):
    """A tag's definition (id = its name, a stable key) and its place in ``TAG_FLOW``."""

    spec: TagSpec
    status: TagStatus = TagStatus.DRAFT

    @property
    def id(self) -> str:
        return self.spec.name

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def value_type(self) -> ValueType:
        return self.spec.value_type

    @property
    def online(self) -> bool:
        return self.status is TagStatus.ONLINE

    @classmethod
    def define(cls, spec: TagSpec) -> TagDefinition:
        definition = cls(spec=spec)
        definition.record(TagDefined(spec.name, spec.kind, spec.value_type.kind, spec.source))
        return definition

    def revise(self, spec: TagSpec) -> None:
        """Change a draft (its name stays)."""
        if spec.name != self.name:
            raise ValidationError(f"tag {self.name!r} cannot be renamed to {spec.name!r}")
        TAG_FLOW.move(self, "revise", TagRevised(self.name))
        self.spec = spec

    def publish(self, at: datetime) -> None:
        TAG_FLOW.move(self, "publish", TagPublished(self.name, at))

    def retire(self, at: datetime) -> None:
        TAG_FLOW.move(self, "retire", TagRetired(self.name, at))

    def restore(self, at: datetime) -> None:
        TAG_FLOW.move(self, "restore", TagRestored(self.name, at))

    def accept(self, value: object, via: DataSource) -> TagValue:
        """``value`` checked for storing, arriving ``via`` a source (pushed or batch)."""
        if self.spec.source is not via:
            how = "pushed" if via is DataSource.PUSHED else "loaded in a batch"
            raise TagNotPushed(self.name, self.spec.source.value, how)
        if not self.online:
            raise TagNotOnline(f"tag {self.name!r} is {self.status.value}: it takes no values")
        return self.value_type.check(self.name, value)

    def expiry(self, set_at: datetime) -> datetime | None:
        """When a value set at ``set_at`` expires (``None``: it does not)."""
        return None if self.spec.ttl is None else set_at + self.spec.ttl


@attrs.define(kw_only=True)
class TagCatalogVersion(Aggregate):
    """The catalog's version: one more with each change of any tag definition (defined,
    revised, published, retired, restored), in the same commit. A reader caching the
    catalog reads this one small document to know whether what it holds is current
    (:class:`merx.tags.services.TagCatalogCache`). A store whose definitions predate it
    has none: version 0, until the next change adds it."""

    #: the one document's id
    KEY = "catalog"

    number: int = 0

    @property
    def id(self) -> str:
        return self.KEY

    def bump(self) -> None:
        self.number += 1


class TagCatalog(Mapping[str, TagDefinition]):
    """Every defined tag by name (whatever its status), with the names of the online ones
    at hand: what rules are checked against and what reads filter by. Read-only."""

    def __init__(self, definitions: Iterable[TagDefinition]) -> None:
        self._definitions = {definition.name: definition for definition in definitions}
        #: the tags online
        self.online: frozenset[str] = frozenset(
            name for name, definition in self._definitions.items() if definition.online
        )
        #: the online tags merx computes itself (source ``realtime``)
        self.computed: frozenset[str] = frozenset(
            name
            for name in self.online
            if self._definitions[name].spec.source is DataSource.REALTIME
        )

    def __getitem__(self, name: str) -> TagDefinition:
        return self._definitions[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._definitions)

    def __len__(self) -> int:
        return len(self._definitions)

    def definition(self, name: str) -> TagDefinition:
        """The definition of ``name``; :class:`UnknownTag` if there is none."""
        found = self._definitions.get(name)
        if found is None:
            raise UnknownTag(name)
        return found


# -- subjects and their values ---------------------------------------------------------


@attrs.frozen
class Subject:
    """What tags describe: a user (customer id), a product (SKU) or an order, by id."""

    kind: TagKind
    id: str

    def __attrs_post_init__(self) -> None:
        if self.kind is TagKind.PASS_THROUGH:
            raise ValidationError("a pass-through tag describes no stored subject")
        if not self.id.strip():
            raise ValidationError("a subject needs an id")

    @classmethod
    def user(cls, customer_id: str) -> Subject:
        return cls(TagKind.USER, customer_id)

    @property
    def key(self) -> str:
        return _KEY_PREFIXES[self.kind] + self.id  # read on every decision: no enum lookup


_KEY_PREFIXES: Mapping[TagKind, str] = {kind: f"{kind.value}:" for kind in TagKind}


@attrs.frozen
class HeldValue:
    """A stored value: set at ``set_at``, absent from ``expires_at`` on (if it expires)."""

    value: TagValue
    set_at: datetime
    expires_at: datetime | None = None

    def live_at(self, at: datetime) -> bool:
        return self.expires_at is None or at < self.expires_at


@attrs.frozen
class TagValuesSet(DomainEvent):
    """Values of ``tags`` were stored for a subject (the values themselves stay out of the
    event: a user's attributes are personal data)."""

    subject: str
    tags: tuple[str, ...]
    source: DataSource
    at: datetime


@attrs.define(kw_only=True)
class SubjectTags(Aggregate):
    """The stored tag values of one subject (id = :attr:`Subject.key`)."""

    subject: Subject
    held: dict[str, HeldValue] = attrs.field(factory=dict)

    @property
    def id(self) -> str:
        return self.subject.key

    @classmethod
    def of(cls, subject: Subject) -> SubjectTags:
        return cls(subject=subject)

    def set_values(
        self,
        values: Mapping[str, object],
        definitions: Mapping[str, TagDefinition],
        via: DataSource,
        at: datetime,
    ) -> None:
        """Store ``values`` (each checked against its tag in ``definitions``), set at
        ``at``; all or none."""
        require_aware(at)
        if not values:
            raise ValidationError(f"no tag values given for {self.subject.key!r}")
        checked: dict[str, HeldValue] = {}
        for name, value in values.items():
            definition = definitions[name]
            stored = definition.accept(value, via)
            if definition.spec.kind is not self.subject.kind:
                raise ValidationError(
                    f"tag {name!r} describes a {definition.spec.kind.value}, "
                    f"not {self.subject.key!r}"
                )
            checked[name] = HeldValue(stored, at, definition.expiry(at))
        self.held.update(checked)
        self.record(TagValuesSet(self.subject.key, tuple(sorted(checked)), via, at))

    def values_at(self, at: datetime, online: frozenset[str] | None = None) -> dict[str, TagValue]:
        """The values live at ``at`` (an expired one is absent), of the tags in
        ``online`` only when given."""
        values: dict[str, TagValue] = {}
        for name, held in self.held.items():  # live_at inlined: read on every decision
            expires = held.expires_at
            if (expires is None or at < expires) and (online is None or name in online):
                values[name] = held.value
        return values
