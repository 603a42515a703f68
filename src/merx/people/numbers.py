"""Personal numbers: mainland mobile numbers, resident identity card numbers and bank
card numbers; how each is checked, normalised and masked for display.

Every check takes the customer id only to name it in the error; the value is never put in
a message. Masks (what a page may show, stored beside the vault's token):

============  ======================  =====================================
value         mask                    shows
============  ======================  =====================================
phone         ``138****0000``         the carrier prefix (3) and the last 4
ID card       ``1101**********1234``  the region of issue (4) and the last 4
bank card     ``**** 1234``           the last 4
name          ``张*`` / ``A***``      the first character
============  ======================  =====================================

So a mask never shows the ID card's birth date (characters 7 to 14) nor the middle four
digits of a phone number, and it never shows more than 8 characters of any number.
"""

from __future__ import annotations

import re
from datetime import date

from merx.kernel.ids import CustomerId
from merx.people.errors import InvalidBankCard, InvalidIdCard, InvalidPersonalValue, InvalidPhone

_SEPARATORS = re.compile(r"[\s-]")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_ID_CARD = re.compile(r"[0-9]{17}[0-9X]")
_CARD = re.compile(r"[0-9]{12,19}")

#: ISO 7064 MOD 11-2 weights of the first 17 characters (2^(17-i) mod 11) and the check
#: character for each remainder of the weighted sum modulo 11.
ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
ID_CHECK = "10X98765432"


def _compact(raw: object) -> str:
    return _SEPARATORS.sub("", raw) if isinstance(raw, str) else ""


def mainland_mobile(customer_id: CustomerId, raw: object) -> str:
    """``raw`` as 11 digits (spaces, dashes and a ``+86``/``0086`` prefix dropped), or
    :class:`InvalidPhone`."""
    digits = _compact(raw)
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    if not _MOBILE.fullmatch(digits):
        raise InvalidPhone(
            f"phone number of customer {customer_id!r} is not a valid mainland mobile number"
        )
    return digits


def id_check_character(first_17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of an ID card's first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first_17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


def _birth_date_ok(number: str) -> bool:
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return born.year >= 1900


def resident_id_card(customer_id: CustomerId, raw: object) -> str:
    """``raw`` as an 18-character resident ID card number (upper-case ``X``), or
    :class:`InvalidIdCard`: 17 digits, a real birth date (characters 7 to 14) and the
    check character."""
    number = _compact(raw).upper()
    if (
        not _ID_CARD.fullmatch(number)
        or not _birth_date_ok(number)
        or id_check_character(number[:17]) != number[17]
    ):
        raise InvalidIdCard(
            f"ID card number of customer {customer_id!r} is not a valid 18-character "
            "resident identity card number"
        )
    return number


def luhn_ok(digits: str) -> bool:
    """Whether ``digits`` pass the Luhn check (the last digit is the check digit)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def bank_card(customer_id: CustomerId, raw: object) -> str:
    """``raw`` as a card number of 12 to 19 digits passing the Luhn check, or
    :class:`InvalidBankCard`."""
    digits = _compact(raw)
    if not _CARD.fullmatch(digits) or not luhn_ok(digits):
        raise InvalidBankCard(
            f"bank card number of customer {customer_id!r} is not a valid card number"
        )
    return digits


def person_name(customer_id: CustomerId, raw: object) -> str:
    """``raw`` stripped, or :class:`InvalidPersonalValue` if empty or over 100 characters."""
    name = raw.strip() if isinstance(raw, str) else ""
    if not name or len(name) > 100:
        raise InvalidPersonalValue(f"name of customer {customer_id!r} must be 1 to 100 characters")
    return name


def mask_phone(number: str) -> str:
    return f"{number[:3]}****{number[-4:]}"


def mask_id_card(number: str) -> str:
    return f"{number[:4]}{'*' * 10}{number[-4:]}"


def mask_bank_card(number: str) -> str:
    return f"**** {number[-4:]}"


def mask_name(name: str) -> str:
    return name[0] + "*" * max(len(name) - 1, 1)
