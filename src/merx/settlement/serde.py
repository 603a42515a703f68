"""The cattrs converter for the settlement context: to plain JSON-ready dicts and back.

Built on :mod:`merx.kernel.serde`. The ledger's entries keep their legs as
``[account, minor units]`` pairs (integers, never floats); aggregates are written with
their version and without their pending events.
"""

from __future__ import annotations

from typing import Any, TypeVar

import cattrs

from merx.kernel import serde as base
from merx.settlement.journal import JournalEntry, JournalIndex
from merx.settlement.ledger import Ledger
from merx.settlement.model import (
    CommissionSchedule,
    MerchantAccount,
    OrderClearing,
    SettlementStatement,
    Withdrawal,
)

T = TypeVar("T")

AGGREGATES: tuple[type[Any], ...] = (
    Ledger,
    JournalEntry,
    JournalIndex,
    CommissionSchedule,
    OrderClearing,
    MerchantAccount,
    SettlementStatement,
    Withdrawal,
)


def make_converter() -> cattrs.Converter:
    """A fresh converter for the settlement context's types."""
    return base.make_converter(AGGREGATES)


converter = make_converter()


def unstructure(value: object) -> Any:
    return converter.unstructure(value)


def structure(data: Any, kind: type[T]) -> T:
    """Rebuild a ``kind`` from :func:`unstructure`'s output; refuse malformed data."""
    return base.structure_or_raise(converter, data, kind)
