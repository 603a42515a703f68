"""The people context's errors, each under one family of :mod:`merx.errors`.

None of them carries or names the personal value it refuses: a message says whose value
and what kind of value was wrong, never the value itself.
"""

from __future__ import annotations

from merx.kernel.errors import NotFound, ValidationError
from merx.kernel.vault import UnknownToken

__all__ = [
    "InvalidBankCard",
    "InvalidIdCard",
    "InvalidPersonalValue",
    "InvalidPhone",
    "NoPersonalData",
    "UnknownBankCard",
    "UnknownToken",
]


class InvalidPersonalValue(ValidationError):
    """A personal value (phone, ID card, bank card, name) is malformed; the value is not in
    the message."""


class InvalidPhone(InvalidPersonalValue):
    """Not a mainland China mobile number (11 digits, ``1[3-9]`` then 9 digits)."""


class InvalidIdCard(InvalidPersonalValue):
    """Not an 18-character resident identity card number with a real birth date and a
    correct ISO 7064 MOD 11-2 check character."""


class InvalidBankCard(InvalidPersonalValue):
    """Not a 12 to 19 digit card number passing the Luhn check."""


class UnknownBankCard(NotFound):
    """The customer has no bank card under this card id."""


class NoPersonalData(NotFound):
    """No personal data is registered for this customer (or it was forgotten)."""
