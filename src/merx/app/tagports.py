"""The decisions context's tag ports over the app's store, through :mod:`merx.tags`.

A decision is about a user (its subject id is a customer id): a rule may name the online
*user* tags defined with ``merx.tags`` (the built-in ones and the host's). Product, order
and pass-through tags describe no user; they are unknown to rules (a pass-through value
comes with the call, as a scenario input). Each call reads in a unit of work of its own
that commits nothing, so the ports may be asked inside a command handler.

Both ports of one app share a :class:`merx.tags.TagCatalogCache`: the definitions are
read once per catalog version, and each call reads only the version (with the subject's
values, in one read where the store reads many at once). The cache lives on the ports,
never in a global: two apps over one store hold one each, and each sees the other's
changes of definitions at its next call (the version is in the store).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

import attrs

from merx import decisions, tags
from merx.kernel.uow import UnitOfWork

#: tags' value kinds as decisions' value types; a ``text`` tag (a region code, a credit
#: grade: values no one lists ahead) is a decisions ``string``: compared with ``=``,
#: ``!=``, ``in`` and ``contains``.
VALUE_TYPES: Mapping[tags.ValueKind, decisions.ValueType] = {
    tags.ValueKind.BOOL: decisions.ValueType.BOOL,
    tags.ValueKind.NUMBER: decisions.ValueType.NUMBER,
    tags.ValueKind.ENUM: decisions.ValueType.ENUM,
    tags.ValueKind.DATE: decisions.ValueType.DATE,
    tags.ValueKind.SET: decisions.ValueType.SET,
    tags.ValueKind.TEXT: decisions.ValueType.STRING,
}


@attrs.frozen
class StoredTagCatalog:
    """``TagCatalog``: the user tags defined in the store (the catalog's version read a
    call, the definitions once per version)."""

    new_unit_of_work: Callable[[], UnitOfWork]
    cache: tags.TagCatalogCache = attrs.field(factory=tags.TagCatalogCache)

    def describe(self, name: str) -> decisions.TagSpec | None:
        with self.new_unit_of_work() as uow:
            definition = self.cache.catalog(uow).get(name)
        if definition is None or definition.spec.kind is not tags.TagKind.USER:
            return None
        value_type = definition.value_type
        return decisions.TagSpec(
            name,
            VALUE_TYPES[value_type.kind],
            frozenset(value_type.options),
            online=definition.online,
        )


@attrs.frozen
class StoredTagValues:
    """``TagValues``: a user's stored and built-in tag values (:func:`merx.tags.values_of`,
    the catalog from ``cache``: share the catalog port's)."""

    new_unit_of_work: Callable[[], UnitOfWork]
    cache: tags.TagCatalogCache = attrs.field(factory=tags.TagCatalogCache)

    def values_of(self, subject_id: str, at: datetime) -> Mapping[str, object]:
        with self.new_unit_of_work() as uow:
            return self.cache.values_of(uow, tags.Subject.user(subject_id), at)

    def sample(self, limit: int) -> Sequence[str]:
        """The first ``limit`` users, by id, holding stored values or recorded activity."""
        prefix = f"{tags.TagKind.USER.value}:"
        with self.new_unit_of_work() as uow:
            held = {
                key[len(prefix) :]
                for key in uow.repo(tags.SubjectTags).ids()
                if key.startswith(prefix)
            }
            active = set(uow.repo(tags.UserActivity).ids())
        return sorted(held | active)[:limit]
