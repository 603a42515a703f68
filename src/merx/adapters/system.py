"""The real clock and a real id source, for hosts (tests and simulations use the memory ones).

* :class:`SystemClock`: the operating system's time, in UTC or in the shop's zone (business
  days, such as a usage cap per day, are calendar dates in the clock's zone).
* :class:`TimeOrderedIds`: ``prefix-`` and 26 characters of base 32 in RFC 4648's
  "extended hex" alphabet, ``0-9A-V``, whose text order is numeric order (the 128 bits of a
  ULID: 48 bits of milliseconds since the epoch, then 80 random bits). Ids sort by the time they
  were minted; within one millisecond of one source they keep increasing (the random part
  counts up), and two processes minting in the same millisecond collide with probability
  about 2^-80. No coordination, no state to keep across restarts.
* :class:`SystemRandomSource`: the ``RandomSource`` voucher codes are drawn from, read from
  :mod:`secrets` (the operating system's cryptographic randomness), so a code cannot be
  guessed from the ones handed out.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import Final

from merx.kernel.errors import ValidationError

_RANDOM_BITS = 80
_RANDOM_LIMIT = 1 << _RANDOM_BITS


class SystemClock:
    """``Clock`` reading the system's time, timezone-aware, in ``zone`` (UTC by default; a
    shop in China passes ``ZoneInfo("Asia/Shanghai")`` so its business days start at its
    midnight)."""

    def __init__(self, zone: tzinfo = UTC) -> None:
        self.zone = zone

    def now(self) -> datetime:
        return datetime.now(self.zone)


#: Base32hex (``0-9A-V``) digit pairs of every 10-bit number, in order.
_ALPHABET: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUV"
_PAIRS: Final = tuple(high + low for high in _ALPHABET for low in _ALPHABET)
#: The shifts of the 13 pairs of 10 bits of a 128-bit number padded to 130 bits.
_SHIFTS: Final = tuple(range(120, -1, -10))


def _base32(value: int) -> str:
    """The 128 bits of ``value`` as 26 characters of base32hex (text order = number order):
    RFC 4648's encoding of its 16 bytes without the padding, two digits per table look-up
    (``base64.b32hexencode`` runs a Python loop over the bytes: an id per event made it a
    twentieth of a stored order's time)."""
    padded = value << 2  # 26 digits hold 130 bits: the last digit's two low bits are zero
    return "".join([_PAIRS[padded >> shift & 1023] for shift in _SHIFTS])


class TimeOrderedIds:
    """``IdSource`` minting sortable, collision-free ids across processes (see the module
    docstring). ``milliseconds`` and ``random_bits`` are injectable for tests."""

    def __init__(
        self,
        *,
        milliseconds: Callable[[], int] = lambda: time.time_ns() // 1_000_000,
        random_bits: Callable[[int], int] = secrets.randbits,
    ) -> None:
        self._milliseconds = milliseconds
        self._random_bits = random_bits
        self._lock = threading.Lock()
        self._last_ms = -1
        self._last_random = 0

    def next_id(self, prefix: str) -> str:
        if not isinstance(prefix, str) or not prefix:
            raise ValidationError(f"an id prefix is a non-empty string, not {prefix!r}")
        with self._lock:
            ms = max(self._milliseconds(), self._last_ms)  # never back in time
            if ms == self._last_ms:
                random_part = self._last_random + 1
                if random_part >= _RANDOM_LIMIT:  # 2^80 ids in one millisecond: next one
                    ms, random_part = ms + 1, self._random_bits(_RANDOM_BITS)
            else:
                random_part = self._random_bits(_RANDOM_BITS)
            self._last_ms, self._last_random = ms, random_part
        if ms >= 1 << 48:
            raise ValidationError(f"the clock reads {ms} ms, beyond what an id can hold")
        return f"{prefix}-{_base32(ms << _RANDOM_BITS | random_part)}"


class SystemRandomSource:
    """``RandomSource`` (:mod:`merx.promotions.ports`) drawing from :mod:`secrets`."""

    def below(self, limit: int) -> int:
        return secrets.randbelow(limit)
