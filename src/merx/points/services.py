"""Points use cases: earn (rewards), expire (the run), and the queries.

Each handler is ``handler(cmd, uow, *, clock=...)``: it loads the customer's
:class:`~merx.points.model.PointsAccount` (earning opens it), calls the model, saves and
commits. Spending and giving back happen inside checkout's and the orders' units of work
(:mod:`merx.checkout`, :mod:`merx.orders`), through the account's methods.
"""

from __future__ import annotations

from datetime import date

import attrs

from merx.kernel.bus import Command
from merx.kernel.clock import Clock
from merx.kernel.errors import ValidationError
from merx.kernel.ids import CustomerId
from merx.kernel.uow import UnitOfWork
from merx.kernel.validation import business_date, require_date
from merx.points.model import PointsAccount
from merx.points.ports import PointsQueries


@attrs.frozen
class EarnPoints(Command[str]):
    """``customer_id`` earns ``points`` (a positive ``int``) from ``source``'s
    ``reference`` (a task, a sign-in day, a lottery draw), lapsing on ``expires_on``
    (``None``: never). Once per ``(source, reference)``: a replay earns nothing more and
    answers the same entry key."""

    customer_id: CustomerId
    points: int
    source: str
    reference: str
    expires_on: date | None = None


@attrs.frozen
class ExpirePoints(Command[int]):
    """Remove the points of every lot lapsed by ``as_of`` (its day of expiry on or before
    it, which is no later than today); the points removed. A second run the same day
    removes nothing."""

    as_of: date


def earn_points(cmd: EarnPoints, uow: UnitOfWork, *, clock: Clock) -> str:
    repo = uow.repo(PointsAccount)
    found = repo.find(cmd.customer_id)
    account = found if found is not None else PointsAccount.open(cmd.customer_id)
    before = len(account.entries)
    entry = account.earn(cmd.points, cmd.source, cmd.reference, cmd.expires_on, clock.now())
    if len(account.entries) == before:  # a replay: nothing changed
        return entry.key
    if found is None:
        repo.add(account)
    else:
        repo.save(account)
    uow.commit()
    return entry.key


def expire_points(
    cmd: ExpirePoints, uow: UnitOfWork, *, clock: Clock, queries: PointsQueries
) -> int:
    as_of = require_date(cmd.as_of, "points expiry run date")
    now = clock.now()
    if as_of > business_date(now):
        raise ValidationError(f"points expire by days gone: {as_of} is after {now.date()}")
    repo = uow.repo(PointsAccount)
    removed = 0
    for customer_id in queries.accounts_lapsing_by(as_of):
        account = repo.find(customer_id)
        if account is None:
            continue
        expired = account.expire(as_of, now)
        if expired:
            removed -= sum(entry.points for entry in expired)
            repo.save(account)
    uow.commit()
    return removed


# -- queries ---------------------------------------------------------------------------


def points_balance(uow: UnitOfWork, customer_id: CustomerId) -> int:
    """The customer's points: the sum of their account's entries (0 without an account)."""
    account = uow.repo(PointsAccount).peek(customer_id)
    return 0 if account is None else account.balance


def points_account(uow: UnitOfWork, customer_id: CustomerId) -> PointsAccount:
    """The customer's account, its lots and entries (an empty one if they never earned)."""
    found = uow.repo(PointsAccount).peek(customer_id)
    return found if found is not None else PointsAccount.open(customer_id)
