"""The cattrs converter for the settlement context: to plain JSON-ready dicts and back.

Built on the ledger's converter (:mod:`merx.ledger.serde`: the kernel's shapes, Money as
``{"amount", "currency"}``, and accounts written by name), so the legs a refund record
keeps read back as account ids. Aggregates are written with their version and without
their pending events. The ledger itself is :mod:`merx.ledger.serde`'s.
"""

from __future__ import annotations

from typing import Any, TypeVar

import cattrs

from merx.kernel import serde as base
from merx.ledger import serde as ledger_serde
from merx.settlement.model import (
    CommissionSchedule,
    MerchantAccount,
    OrderClearing,
    SettlementStatement,
    Withdrawal,
)

T = TypeVar("T")

AGGREGATES: tuple[type[Any], ...] = (
    CommissionSchedule,
    OrderClearing,
    MerchantAccount,
    SettlementStatement,
    Withdrawal,
)


def make_converter() -> cattrs.Converter:
    """A fresh converter for the settlement context's types."""
    return ledger_serde.make_converter(AGGREGATES)


converter = make_converter()


def unstructure(value: object) -> Any:
    return converter.unstructure(value)


def structure(data: Any, kind: type[T]) -> T:
    """Rebuild a ``kind`` from :func:`unstructure`'s output; refuse malformed data."""
    return base.structure_or_raise(converter, data, kind)
