"""In-memory :class:`~merx.suppliers.ports.VirtualGoodsSupplier`: a scriptable top-up supplier.

Tests script the supplier's next answers with :meth:`MemoryVirtualGoodsSupplier.fail_next`,
:meth:`~MemoryVirtualGoodsSupplier.timeout_next` and
:meth:`~MemoryVirtualGoodsSupplier.pending_next`, and decide pending purchases with
:meth:`~MemoryVirtualGoodsSupplier.settle_pending`. Scripted outcomes are consumed in order
by the next purchases that reach the supplier: replays and calls refused as invalid answer
without consuming one. Every credit is recorded in :attr:`~MemoryVirtualGoodsSupplier.top_ups`
so a test can check that no account was credited twice.
"""

from __future__ import annotations

import enum
from collections import deque

import attrs

from merx.kernel.errors import IllegalTransition, InvalidAmount, ValidationError
from merx.kernel.idempotency import IdempotencyLog
from merx.kernel.money import Money
from merx.kernel.validation import require_text
from merx.suppliers import SupplierResult, SupplierStatus, SupplierTimeout, UnknownPurchase


@attrs.frozen
class TopUp:
    """One credit the supplier made to an account."""

    account: str
    sku: str
    face_value: Money
    order_ref: str
    supplier_ref: str
    idempotency_key: str


class _Script(enum.Enum):
    FAIL = "fail"
    PENDING = "pending"
    TIMEOUT_APPLIED = "timeout, applied"
    TIMEOUT_LOST = "timeout, not applied"


@attrs.frozen
class _Scripted:
    outcome: _Script
    reason: str | None = None


@attrs.define
class _Purchase:
    order_ref: str
    sku: str
    account: str
    face_value: Money
    idempotency_key: str
    result: SupplierResult


class MemoryVirtualGoodsSupplier:
    """A virtual-goods supplier held in memory (see the module docstring for the hooks)."""

    def __init__(self, supplier_id: str = "memory_supplier") -> None:
        require_text(supplier_id, "supplier id")
        self.supplier_id = supplier_id
        self._log: IdempotencyLog[SupplierResult] = IdempotencyLog()
        self._purchases: dict[str, _Purchase] = {}  # idempotency key -> purchase
        self._top_ups: list[TopUp] = []
        self._script: deque[_Scripted] = deque()
        self._sequence = 0

    # -- the port ----------------------------------------------------------------------

    def purchase(
        self, *, order_ref: str, sku: str, account: str, face_value: Money, idempotency_key: str
    ) -> SupplierResult:
        require_text(idempotency_key, "idempotency key")
        payload = (order_ref, sku, account, face_value)
        if self._log.replay(idempotency_key, payload) is not None:
            return self._purchases[idempotency_key].result
        require_text(order_ref, "order reference")
        require_text(sku, "sku")
        require_text(account, "account")
        if not isinstance(face_value, Money) or not face_value.is_positive():
            raise InvalidAmount(f"face value must be a positive Money, not {face_value!r}")
        scripted = self._script.popleft() if self._script else None
        outcome = None if scripted is None else scripted.outcome
        if outcome is _Script.TIMEOUT_LOST:
            raise SupplierTimeout(
                f"{self.supplier_id}: purchase {idempotency_key!r} timed out before reaching "
                "the supplier; its outcome is unknown: query it or retry with the same key"
            )
        self._sequence += 1
        supplier_ref = f"{self.supplier_id}-{self._sequence:06d}"
        if scripted is not None and outcome is _Script.FAIL:
            result = SupplierResult(SupplierStatus.FAILED, supplier_ref, scripted.reason)
        elif outcome is _Script.PENDING:
            result = SupplierResult(SupplierStatus.PENDING, supplier_ref)
        else:
            result = SupplierResult(SupplierStatus.SUCCEEDED, supplier_ref)
        purchase = _Purchase(order_ref, sku, account, face_value, idempotency_key, result)
        self._purchases[idempotency_key] = purchase
        self._log.remember(idempotency_key, payload, result)
        if result.succeeded:
            self._credit(purchase)
        if outcome is _Script.TIMEOUT_APPLIED:
            raise SupplierTimeout(
                f"{self.supplier_id}: purchase {idempotency_key!r} timed out; its outcome is "
                "unknown: query it or retry with the same key"
            )
        return result

    def query(self, *, idempotency_key: str) -> SupplierResult:
        return self._purchase(idempotency_key).result

    # -- test hooks --------------------------------------------------------------------

    @property
    def top_ups(self) -> tuple[TopUp, ...]:
        """Every credit made, in order."""
        return tuple(self._top_ups)

    def top_ups_of(self, account: str) -> list[TopUp]:
        """The credits made to ``account``, in order."""
        return [top_up for top_up in self._top_ups if top_up.account == account]

    def fail_next(self, n: int = 1, *, reason: str = "refused by the supplier") -> None:
        """The next ``n`` purchases answer ``FAILED`` with ``reason`` and credit nothing."""
        self._push(n, _Scripted(_Script.FAIL, reason))

    def timeout_next(self, n: int = 1, *, applied: bool) -> None:
        """The next ``n`` purchases raise :class:`SupplierTimeout`.

        ``applied=True``: the supplier credited the account (``query`` and a replay reveal
        it); ``applied=False``: the request never reached the supplier (``query`` raises
        :class:`UnknownPurchase`, a retry with the same key purchases now).
        """
        self._push(n, _Scripted(_Script.TIMEOUT_APPLIED if applied else _Script.TIMEOUT_LOST))

    def pending_next(self, n: int = 1) -> None:
        """The next ``n`` purchases answer ``PENDING``; :meth:`settle_pending` decides them."""
        self._push(n, _Scripted(_Script.PENDING))

    def settle_pending(
        self, idempotency_key: str, succeeded: bool, reason: str | None = None
    ) -> SupplierResult:
        """Decide a pending purchase: credit the account once, or fail it with ``reason``."""
        purchase = self._purchase(idempotency_key)
        if purchase.result.status is not SupplierStatus.PENDING:
            raise IllegalTransition(
                f"{self.supplier_id} purchase {idempotency_key}",
                purchase.result.status.value,
                "settle",
            )
        ref = purchase.result.supplier_ref
        if succeeded:
            purchase.result = SupplierResult(SupplierStatus.SUCCEEDED, ref)
            self._credit(purchase)
        else:
            purchase.result = SupplierResult(
                SupplierStatus.FAILED, ref, reason or "failed at the supplier"
            )
        return purchase.result

    # -- internals ---------------------------------------------------------------------

    def _purchase(self, idempotency_key: str) -> _Purchase:
        purchase = self._purchases.get(idempotency_key)
        if purchase is None:
            raise UnknownPurchase(
                f"{self.supplier_id}: no purchase under idempotency key {idempotency_key!r}"
            )
        return purchase

    def _credit(self, purchase: _Purchase) -> None:
        assert not any(t.idempotency_key == purchase.idempotency_key for t in self._top_ups), (
            f"purchase {purchase.idempotency_key!r} credited twice"
        )
        self._top_ups.append(
            TopUp(
                purchase.account,
                purchase.sku,
                purchase.face_value,
                purchase.order_ref,
                purchase.result.supplier_ref,
                purchase.idempotency_key,
            )
        )

    def _push(self, n: int, scripted: _Scripted) -> None:
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValidationError(
                f"number of scripted outcomes must be a whole number >= 1, not {n!r}"
            )
        self._script.extend([scripted] * n)
