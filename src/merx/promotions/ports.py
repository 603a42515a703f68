"""Ports of the promotions context: where voucher codes get their randomness, and the
query a code set's page asks.

* :class:`RandomSource`: what :class:`~merx.promotions.GenerateVoucherCodes` draws code
  characters from. The host's default (``merx.adapters.system.SystemRandomSource``) reads
  :mod:`secrets`, so codes cannot be guessed from the ones handed out; a seeded one
  (``merx.adapters.memory.SeededRandomSource``) gives tests and simulations the same codes
  on every run.
* :class:`VoucherCodeQueries`: the codes of one code set, answered from the store's index
  (a database indexes each :class:`~merx.promotions.VoucherCode` by its set,
  :func:`voucher_code_index`), never by loading every code.
* :class:`ClaimScreen`: what screens a coupon claimed with
  :class:`~merx.promotions.ClaimCoupon` before it is committed (risk control): a reason
  refuses the claim (:class:`~merx.promotions.ClaimDenied`, nothing claimed). A claim
  cannot wait for a person, so a screen never holds one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from merx.promotions.codes import VoucherCode


class RandomSource(Protocol):
    """Port: uniformly random whole numbers."""

    def below(self, limit: int) -> int:
        """A whole number drawn uniformly from ``0 <= n < limit`` (``limit >= 1``)."""
        ...


class ClaimScreen(Protocol):
    """Port: screen a coupon claim (the coupon it would be) before it is committed."""

    def screen(self, *, coupon_id: str, customer_id: str, campaign_id: str) -> str | None:
        """Why the claim is refused, or ``None`` to let it go on."""
        ...


class VoucherCodeQueries(Protocol):
    """Port: voucher codes by code set, from committed state."""

    def codes_of(self, code_set_id: str) -> Iterable[str]:
        """The (normalized) codes generated for ``code_set_id``, in no particular order."""
        ...


#: What a database indexes to answer :class:`VoucherCodeQueries`: a code, by its set.
CODE_SET = "code_set"


def voucher_code_index(code: VoucherCode) -> dict[str, str | None]:
    """A code is found by its code set."""
    return {CODE_SET: code.code_set_id}
