"""Ledger use cases: open a book.

Posting is not a command of its own: the contexts that book business events (settlement)
load the :class:`~merx.ledger.Ledger` of a currency, post to it with its journal
(:class:`~merx.ledger.ports.Journals`) and save it in their unit of work.
"""

from __future__ import annotations

import attrs

from merx.kernel.bus import Command
from merx.kernel.uow import UnitOfWork
from merx.ledger.accounts import cash_account
from merx.ledger.model import Ledger


@attrs.frozen
class OpenLedger(Command[str]):
    """Open the book of ``currency`` (its id is the currency code) with a cash account per
    payment channel; an open book gets the channels it lacks."""

    currency: str
    channels: tuple[str, ...]


def open_ledger(cmd: OpenLedger, uow: UnitOfWork) -> str:
    found = uow.repo(Ledger).find(cmd.currency)
    if found is not None:
        found.open_accounts([cash_account(c) for c in cmd.channels], exist_ok=True)
        uow.repo(Ledger).save(found)
        uow.commit()
        return found.id
    uow.repo(Ledger).add(Ledger.open(cmd.currency, cmd.currency, cmd.channels))
    uow.commit()
    return cmd.currency
