"""merx.points: customers' points accounts (issue 17, marketing).

A :class:`PointsAccount` per customer on the ledger's pattern: every movement an entry
(earned, spent, returned, expired), the balance the sum of the entries, points earned in
lots with their day of expiry and spent oldest-expiring first, every point traceable to
the entry that earned it. The account holds the balance and its open lots; each entry is
a :class:`PointsRecord` of its own (:func:`points_entries` pages through them), so a
movement writes a bounded amount whatever the account's age; other contexts move points
through a :class:`PointsBook`. Rewards earn through :class:`EarnPoints` (once per source and
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
    PointsRecord,
    PointsReturned,
    PointsSpent,
)
from merx.points.ports import ENTRIES_PER_PAGE, PointsQueries
from merx.points.services import (
    EarnPoints,
    ExpirePoints,
    PointsBook,
    PointsEntriesPage,
    points_account,
    points_balance,
    points_entries,
)

__all__ = [
    "ENTRIES_PER_PAGE",
    "EarnPoints",
    "ExpirePoints",
    "InsufficientPoints",
    "InvalidPoints",
    "PointsAccount",
    "PointsBook",
    "PointsEarned",
    "PointsEntriesPage",
    "PointsEntry",
    "PointsEntryKind",
    "PointsExpired",
    "PointsLot",
    "PointsOverCap",
    "PointsQueries",
    "PointsRate",
    "PointsRecord",
    "PointsReturnExceeded",
    "PointsReturned",
    "PointsSpent",
    "UnknownPointsSpend",
    "points_account",
    "points_balance",
    "points_entries",
]
