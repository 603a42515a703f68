"""merx.points: customers' points accounts (issue 17, marketing).

A :class:`PointsAccount` per customer on the ledger's pattern: every movement an entry
(earned, spent, returned, expired), the balance the sum of the entries, points earned in
lots with their day of expiry and spent oldest-expiring first, every point traceable to
the entry that earned it. Rewards earn through :class:`EarnPoints` (once per source and
reference); :class:`ExpirePoints` is the expiry run; checkout spends points as a discount
the customer chooses (:class:`PointsRate`), orders give them back on cancel and refund.
See docs/marketing.md, "Points".
"""

from merx.points.errors import (
    InsufficientPoints,
    InvalidPoints,
    PointsOverCap,
    PointsReturnExceeded,
    UnknownPointsSpend,
)
from merx.points.model import (
    PointsAccount,
    PointsEarned,
    PointsEntry,
    PointsEntryKind,
    PointsExpired,
    PointsLot,
    PointsRate,
    PointsReturned,
    PointsSpent,
)
from merx.points.ports import PointsQueries
from merx.points.services import EarnPoints, ExpirePoints, points_account, points_balance

__all__ = [
    "EarnPoints",
    "ExpirePoints",
    "InsufficientPoints",
    "InvalidPoints",
    "PointsAccount",
    "PointsEarned",
    "PointsEntry",
    "PointsEntryKind",
    "PointsExpired",
    "PointsLot",
    "PointsOverCap",
    "PointsQueries",
    "PointsRate",
    "PointsReturnExceeded",
    "PointsReturned",
    "PointsSpent",
    "UnknownPointsSpend",
    "points_account",
    "points_balance",
]
