"""The points context's errors, each under one family of :mod:`merx.errors`.

Messages name the customer's account and the offending number of points; they carry no
personal data (an account is named by its customer id).
"""

from __future__ import annotations

from merx.kernel.errors import BusinessRuleViolation, NotFound, ValidationError


class InvalidPoints(ValidationError):
    """A number of points is not a positive ``int`` (zero, negative, a bool, a float), or a
    lot's expiry date is not after the day it is earned."""


class InsufficientPoints(BusinessRuleViolation):
    """A spend asks for more points than the account holds (its unexpired balance)."""

    def __init__(self, account: str, balance: int, asked: int) -> None:
        super().__init__(f"points account {account!r}: {asked} points asked, balance {balance}")
        self.account = account
        self.balance = balance
        self.asked = asked


class PointsOverCap(BusinessRuleViolation):
    """Checkout: the points asked for are worth more than the share of the payable they may
    pay (:class:`~merx.points.PointsRate`)."""


class PointsReturnExceeded(BusinessRuleViolation):
    """A return would give back more points than the spend it returns took."""


class UnknownPointsSpend(NotFound):
    """The account has no spend under this reference."""
