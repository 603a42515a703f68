"""Page components: the registry of component types, a page's JSON form, and what a page
shows at an instant.

A page is a list of components in JSON::

    {"components": [
        {"type": "banner", "image": "https://cdn/b.png", "link": "/newcomer"},
        {"type": "countdown", "until": "2026-12-12T00:00:00+00:00", "label": "ends in"},
        {"type": "product_grid", "skus": ["tee", "cap"], "columns": 2}]}

Each type declares its fields (:class:`FieldSpec`): a type, and whether it is required.
Every component may also carry ``show_from`` and ``show_until`` (instants): a scheduled
component shows only in that window. :func:`page_from_json` refuses an unknown type, a
missing, undeclared or mistyped field with the JSON path of the fault;
:func:`references` lists the SKUs and campaigns a page refers to, checked by the service
that saves it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

import attrs

from merx.traffic.errors import FieldInvalid, PageInvalid, UnknownComponent


class FieldType(enum.StrEnum):
    """The type of a component's field and its JSON form."""

    TEXT = "text"  # a non-empty string
    URL = "url"  # a string starting with https://, http:// or /
    INT = "int"  # a whole number (not a boolean)
    BOOL = "bool"
    INSTANT = "instant"  # an ISO-8601 date and time with its offset
    SKU = "sku"  # a SKU id, which must exist
    SKUS = "skus"  # a non-empty list of SKU ids, each of which must exist
    CAMPAIGN = "campaign"  # a campaign id, which must exist


@attrs.frozen
class FieldSpec:
    type: FieldType
    required: bool = True


def _fields(items: Mapping[str, FieldSpec]) -> Mapping[str, FieldSpec]:
    return dict(items)


@attrs.frozen
class ComponentType:
    """A kind of component and the fields it takes."""

    name: str
    fields: Mapping[str, FieldSpec] = attrs.field(converter=_fields)
    description: str = ""


#: The fields every component may carry: it shows only from ``show_from`` (included)
#: until ``show_until`` (excluded).
SCHEDULE_FIELDS: Mapping[str, FieldSpec] = {
    "show_from": FieldSpec(FieldType.INSTANT, required=False),
    "show_until": FieldSpec(FieldType.INSTANT, required=False),
}

_T = FieldType


def _type(name: str, description: str, **fields: FieldSpec) -> ComponentType:
    return ComponentType(name, fields, description)


def _opt(kind: FieldType) -> FieldSpec:
    return FieldSpec(kind, required=False)


#: The registry of component types, by name.
COMPONENTS: Mapping[str, ComponentType] = {
    kind.name: kind
    for kind in (
        _type("banner", "an image, linking somewhere", image=FieldSpec(_T.URL),
              link=_opt(_T.URL), title=_opt(_T.TEXT)),
        _type("product_grid", "SKUs in a grid", skus=FieldSpec(_T.SKUS), columns=_opt(_T.INT),
              title=_opt(_T.TEXT)),
        _type("product", "one SKU", sku=FieldSpec(_T.SKU), highlight=_opt(_T.BOOL)),
        _type("coupon_entrance", "claim a campaign's coupon", campaign=FieldSpec(_T.CAMPAIGN),
              label=_opt(_T.TEXT)),
        _type("activity_entrance", "an entrance to a campaign's activity",
              campaign=FieldSpec(_T.CAMPAIGN), image=FieldSpec(_T.URL), label=_opt(_T.TEXT)),
        _type("countdown", "seconds left until an instant; hidden once it passed",
              until=FieldSpec(_T.INSTANT), label=_opt(_T.TEXT)),
        _type("text", "a paragraph", body=FieldSpec(_T.TEXT)),
    )
}  # fmt: skip

FieldValue = str | int | bool | tuple[str, ...]


@attrs.frozen
class Component:
    """One component of a page: its type and its checked fields (instants kept as their
    ISO-8601 text, a SKU list as a tuple)."""

    type: str
    fields: Mapping[str, FieldValue]

    def instant(self, name: str) -> datetime | None:
        value = self.fields.get(name)
        return None if value is None else datetime.fromisoformat(str(value))

    def shows_at(self, at: datetime) -> bool:
        start, end = self.instant("show_from"), self.instant("show_until")
        return (start is None or start <= at) and (end is None or at < end)


def _components(items: Any) -> tuple[Component, ...]:
    return tuple(items)


@attrs.frozen
class PageContent:
    """A page's components, in order."""

    components: tuple[Component, ...] = attrs.field(converter=_components)

    def to_json(self) -> dict[str, Any]:
        """The JSON form :func:`page_from_json` reads back equal."""
        return {
            "components": [
                {"type": c.type, **{k: list(v) if isinstance(v, tuple) else v
                                    for k, v in c.fields.items()}}
                for c in self.components
            ]
        }  # fmt: skip


EMPTY_PAGE = PageContent(())


def _field(spec: FieldSpec, value: Any, path: str) -> FieldValue:
    kind = spec.type
    if kind is FieldType.BOOL:
        if type(value) is bool:
            return value
    elif kind is FieldType.INT:
        if type(value) is int:
            return value
    elif kind in (FieldType.TEXT, FieldType.SKU, FieldType.CAMPAIGN):
        if isinstance(value, str) and value.strip():
            return value
    elif kind is FieldType.URL:
        if isinstance(value, str) and value.startswith(("https://", "http://", "/")):
            return value
    elif kind is FieldType.INSTANT:
        if isinstance(value, str):
            try:
                instant = datetime.fromisoformat(value)
            except ValueError:
                instant = None
            if instant is not None and instant.tzinfo is not None:
                return instant.isoformat()
    elif kind is FieldType.SKUS and isinstance(value, list) and value:
        for index, item in enumerate(value):
            if not (isinstance(item, str) and item.strip()):
                raise FieldInvalid(
                    f"a SKU id is a non-empty string, got {item!r}", f"{path}[{index}]"
                )
        return tuple(value)
    raise FieldInvalid(f"expected a {kind}, got {value!r}", path)


def component_from_json(data: Any, path: str) -> Component:
    """One component, checked against its type in :data:`COMPONENTS`."""
    if not isinstance(data, dict):
        raise PageInvalid(f"a component is an object, got {data!r}", path)
    name = data.get("type")
    kind = COMPONENTS.get(name) if isinstance(name, str) else None
    if kind is None:
        raise UnknownComponent(
            f"unknown component type {name!r} (known: {', '.join(sorted(COMPONENTS))})",
            f"{path}.type",
        )
    specs = {**kind.fields, **SCHEDULE_FIELDS}
    for key in data:
        if key != "type" and key not in specs:
            raise FieldInvalid(f"component {name!r} has no field {key!r}", f"{path}.{key}")
    fields: dict[str, FieldValue] = {}
    for key, spec in specs.items():
        if key not in data:
            if spec.required:
                raise FieldInvalid(f"component {name!r} requires {key!r}", f"{path}.{key}")
            continue
        fields[key] = _field(spec, data[key], f"{path}.{key}")
    component = Component(str(name), fields)
    start, end = component.instant("show_from"), component.instant("show_until")
    if start is not None and end is not None and end <= start:
        raise FieldInvalid("show_until is not after show_from", f"{path}.show_until")
    return component


def page_from_json(data: Any) -> PageContent:
    """A page's content from its JSON form (a dict with a list ``components``); the first
    fault raises a :class:`PageInvalid` naming its path."""
    if not isinstance(data, dict) or set(data) != {"components"}:
        raise PageInvalid("a page is an object with one key, 'components'", "$")
    items = data["components"]
    if not isinstance(items, list):
        raise PageInvalid(f"components is a list, got {items!r}", "$.components")
    return PageContent(
        component_from_json(item, f"$.components[{index}]") for index, item in enumerate(items)
    )


class Reference(enum.StrEnum):
    SKU = "sku"
    CAMPAIGN = "campaign"


def references(content: PageContent) -> Iterator[tuple[str, Reference, str]]:
    """Every SKU and campaign the page refers to: (JSON path, what, id)."""
    for index, component in enumerate(content.components):
        specs = COMPONENTS[component.type].fields
        for key, value in component.fields.items():
            path = f"$.components[{index}].{key}"
            spec = specs.get(key)
            if spec is None:
                continue
            if spec.type is FieldType.SKU:
                yield path, Reference.SKU, str(value)
            elif spec.type is FieldType.SKUS:
                assert isinstance(value, tuple)
                for at, sku in enumerate(value):
                    yield f"{path}[{at}]", Reference.SKU, sku
            elif spec.type is FieldType.CAMPAIGN:
                yield path, Reference.CAMPAIGN, str(value)


@attrs.frozen
class ShownComponent:
    """A component as it shows at an instant: its fields in their JSON form (a SKU list
    as a list); a countdown carries its seconds left (rounded down)."""

    type: str
    fields: Mapping[str, Any]
    seconds_left: int | None = None


def resolve(content: PageContent, at: datetime) -> tuple[ShownComponent, ...]:
    """What ``content`` shows at ``at``: components outside their window and countdowns
    whose instant passed are left out."""
    shown: list[ShownComponent] = []
    for component in content.components:
        if not component.shows_at(at):
            continue
        seconds: int | None = None
        if component.type == "countdown":
            until = component.instant("until")
            assert until is not None
            if until <= at:
                continue
            seconds = int((until - at).total_seconds())  # rounded down (toward zero)
        fields = {k: list(v) if isinstance(v, tuple) else v for k, v in component.fields.items()}
        shown.append(ShownComponent(component.type, fields, seconds))
    return tuple(shown)
