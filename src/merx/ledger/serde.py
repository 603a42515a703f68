"""The cattrs converter for the ledger: to plain JSON-ready dicts and back.

Built on :mod:`merx.kernel.serde`. An account is written as its name
(``"merchant:m1:pending"``, see :class:`~merx.ledger.AccountId`), so the ledger's balances
are objects keyed by account name and an entry's legs are ``[account, minor units]``
pairs (integers, never floats); an entry kind is its value. A name that is no account of
the chart raises :class:`~merx.ledger.errors.InvalidAccount`, an unknown kind
:class:`~merx.ledger.errors.UnknownEntryKind` (both ``ValidationError``\\ s); any other
malformed input a ``ValidationError``. The ledger is written with its version and without
its pending events.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

import cattrs
from cattrs.cols import namedtuple_dict_structure_factory, namedtuple_dict_unstructure_factory

from merx.kernel import serde as base
from merx.kernel.errors import ValidationError
from merx.ledger.accounts import AccountId, account_named
from merx.ledger.errors import InvalidAccount, UnknownEntryKind
from merx.ledger.model import Entry, EntryKind, Ledger

T = TypeVar("T")

AGGREGATES: tuple[type[Any], ...] = (Ledger,)


def _structure_account(name: Any, _kind: type[AccountId]) -> AccountId:
    """The account named ``name`` (its ``str``)."""
    return account_named(name)


def _structure_kind(value: Any, _kind: type[EntryKind]) -> EntryKind:
    try:
        return EntryKind(value)
    except ValueError:
        raise UnknownEntryKind(f"{value!r} is no entry kind of the ledger") from None


def make_converter(aggregates: Iterable[type[Any]] = AGGREGATES) -> cattrs.Converter:
    """A fresh converter for the ledger's types and ``aggregates`` (by default the
    ledger's; the settlement context passes its own, whose records hold legs)."""
    converter = base.make_converter()
    converter.register_unstructure_hook(AccountId, str)
    converter.register_structure_hook(AccountId, _structure_account)
    converter.register_structure_hook(EntryKind, _structure_kind)
    # an entry is an object, not the list a named tuple would be
    converter.register_unstructure_hook(
        Entry, namedtuple_dict_unstructure_factory(Entry, converter)
    )
    converter.register_structure_hook(Entry, namedtuple_dict_structure_factory(Entry, converter))
    base.register_aggregates(converter, aggregates)  # after the hooks their fields use
    return converter


converter = make_converter()


def unstructure(value: object) -> Any:
    return converter.unstructure(value)


def structure(data: Any, kind: type[T]) -> T:
    """Rebuild a ``kind`` from :func:`unstructure`'s output; refuse malformed data (an
    unknown account or entry kind with its own error, see the module docstring)."""
    try:
        return base.structure_or_raise(converter, data, kind)
    except ValidationError as error:
        typed = _typed(error.__cause__)
        if typed is None:
            raise
        raise type(typed)(f"cannot read {kind.__name__} data: {typed}") from error


def _typed(error: BaseException | None) -> InvalidAccount | UnknownEntryKind | None:
    """The first :class:`InvalidAccount` or :class:`UnknownEntryKind` in ``error`` (a
    cattrs error group, nested)."""
    if error is None or isinstance(error, InvalidAccount | UnknownEntryKind):
        return error
    for inner in getattr(error, "exceptions", ()):
        found = _typed(inner)
        if found is not None:
            return found
    return None
