"""The contract of the ``VirtualGoodsSupplier`` port (:mod:`merx.suppliers.ports`).

Run it against an adapter by subclassing :class:`VirtualGoodsSupplierContract` and providing the
fixture ``make_supplier``: a :class:`SupplierFactory` answering a fresh adapter with the test
hooks of :class:`ScriptableSupplier`::

    class TestTopUpSandbox(VirtualGoodsSupplierContract):
        @pytest.fixture
        def make_supplier(self) -> SupplierFactory:
            return lambda: SandboxTopUps(sandbox_credentials())

Laws: whatever fails, times out, stays pending or is retried, an account is credited at
most once per idempotency key, and exactly for the purchases the supplier reports as
``SUCCEEDED``; a replay answers what ``query`` answers and credits nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx.kernel.errors import IdempotencyConflict, IllegalTransition, InvalidAmount, NotFound
from merx.kernel.money import Money
from merx.suppliers import (
    SupplierResult,
    SupplierStatus,
    SupplierTimeout,
    UnknownPurchase,
    VirtualGoodsSupplier,
)


class Credit(Protocol):
    """One credit the supplier made to an account, as the test hooks report it."""

    @property
    def account(self) -> str: ...

    @property
    def face_value(self) -> Money: ...

    @property
    def supplier_ref(self) -> str: ...

    @property
    def idempotency_key(self) -> str: ...


class ScriptableSupplier(VirtualGoodsSupplier, Protocol):
    """The port plus the test hooks the contract needs."""

    @property
    def top_ups(self) -> tuple[Credit, ...]:
        """Every credit made, in order."""
        ...

    def top_ups_of(self, account: str) -> Sequence[Credit]:
        """The credits made to ``account``, in order."""
        ...

    def fail_next(self, n: int = 1, *, reason: str = ...) -> None: ...

    def timeout_next(self, n: int = 1, *, applied: bool) -> None: ...

    def pending_next(self, n: int = 1) -> None: ...

    def settle_pending(
        self, idempotency_key: str, succeeded: bool, reason: str | None = None
    ) -> SupplierResult: ...


#: What the host's ``make_supplier`` fixture answers: a fresh supplier.
SupplierFactory = Callable[[], ScriptableSupplier]

PHONE = "13800138000"


def top_up(
    supplier: VirtualGoodsSupplier,
    key: str = "k1",
    face_value: str = "50",
    account: str = PHONE,
) -> SupplierResult:
    return supplier.purchase(
        order_ref="ord-1",
        sku="mobile-topup-50",
        account=account,
        face_value=Money.of(face_value, "CNY"),
        idempotency_key=key,
    )


# -- the law -------------------------------------------------------------------------------

SCRIPTS = ("none", "none", "fail", "pending", "timeout_applied", "timeout_lost", "settle")
ACCOUNTS = ("13800000001", "13800000002")


class VirtualGoodsSupplierContract:
    """The contract of a ``VirtualGoodsSupplier`` adapter (see the module docstring). Subclass it
    under a name pytest collects and provide the fixture ``make_supplier`` (a
    :class:`SupplierFactory`)."""

    @pytest.fixture
    def supplier(self, make_supplier: SupplierFactory) -> ScriptableSupplier:
        return make_supplier()

    # -- happy path and replays ----------------------------------------------------------------

    def test_a_purchase_credits_the_account(self, supplier: ScriptableSupplier) -> None:
        result = top_up(supplier)

        assert result.status is SupplierStatus.SUCCEEDED
        assert result.supplier_ref
        assert result.reason is None
        assert supplier.query(idempotency_key="k1") == result
        [credit] = supplier.top_ups_of(PHONE)
        assert credit.face_value == Money.of("50", "CNY")
        assert credit.supplier_ref == result.supplier_ref

    def test_a_replayed_purchase_never_tops_up_twice(self, supplier: ScriptableSupplier) -> None:
        first = top_up(supplier)

        assert top_up(supplier) == first
        assert len(supplier.top_ups_of(PHONE)) == 1

    def test_two_keys_are_two_purchases(self, supplier: ScriptableSupplier) -> None:
        first = top_up(supplier, "k1")
        second = top_up(supplier, "k2")

        assert first.supplier_ref != second.supplier_ref
        assert len(supplier.top_ups_of(PHONE)) == 2

    def test_a_key_reused_with_another_payload_is_a_conflict(
        self, supplier: ScriptableSupplier
    ) -> None:
        top_up(supplier, "k1", "50")

        with pytest.raises(IdempotencyConflict):
            top_up(supplier, "k1", "100")
        with pytest.raises(IdempotencyConflict):
            top_up(supplier, "k1", "50", account="13900139000")
        assert len(supplier.top_ups) == 1

    @pytest.mark.parametrize("face_value", ["0", "-5"])
    def test_face_values_must_be_positive(
        self, supplier: ScriptableSupplier, face_value: str
    ) -> None:
        with pytest.raises(InvalidAmount):
            top_up(supplier, face_value=face_value)

    def test_unknown_purchases_cannot_be_queried(self, supplier: ScriptableSupplier) -> None:
        with pytest.raises(UnknownPurchase):
            supplier.query(idempotency_key="never-sent")
        with pytest.raises(NotFound):
            supplier.settle_pending("never-sent", succeeded=True)

    # -- failure modes -------------------------------------------------------------------------

    def test_a_failed_purchase_credits_nothing_and_is_replayed_as_failed(
        self,
        supplier: ScriptableSupplier,
    ) -> None:
        supplier.fail_next(reason="number not in service")

        failed = top_up(supplier)

        assert failed.status is SupplierStatus.FAILED
        assert failed.reason == "number not in service"
        assert supplier.top_ups == ()
        assert top_up(supplier) == failed
        assert top_up(supplier, "k2").succeeded

    def test_a_timeout_after_the_credit_is_revealed_and_not_repeated(
        self,
        supplier: ScriptableSupplier,
    ) -> None:
        supplier.timeout_next(applied=True)

        with pytest.raises(SupplierTimeout):
            top_up(supplier)

        assert supplier.query(idempotency_key="k1").succeeded
        assert top_up(supplier).succeeded
        assert len(supplier.top_ups_of(PHONE)) == 1

    def test_a_timeout_before_the_supplier_is_unknown_to_it_and_the_retry_buys(
        self,
        supplier: ScriptableSupplier,
    ) -> None:
        supplier.timeout_next(applied=False)

        with pytest.raises(SupplierTimeout):
            top_up(supplier)

        with pytest.raises(UnknownPurchase):
            supplier.query(idempotency_key="k1")
        assert supplier.top_ups == ()
        assert top_up(supplier).succeeded
        assert len(supplier.top_ups_of(PHONE)) == 1

    def test_a_pending_purchase_credits_once_when_it_succeeds(
        self, supplier: ScriptableSupplier
    ) -> None:
        supplier.pending_next()
        pending = top_up(supplier)

        assert pending.status is SupplierStatus.PENDING
        assert supplier.top_ups == ()
        settled = supplier.settle_pending("k1", succeeded=True)

        assert settled.status is SupplierStatus.SUCCEEDED
        assert settled.supplier_ref == pending.supplier_ref
        assert supplier.query(idempotency_key="k1") == settled
        assert top_up(supplier) == settled
        assert len(supplier.top_ups_of(PHONE)) == 1
        with pytest.raises(IllegalTransition):
            supplier.settle_pending("k1", succeeded=True)

    def test_a_pending_purchase_may_fail(self, supplier: ScriptableSupplier) -> None:
        supplier.pending_next()
        top_up(supplier)

        failed = supplier.settle_pending("k1", succeeded=False, reason="carrier down")

        assert failed.status is SupplierStatus.FAILED
        assert failed.reason == "carrier down"
        assert top_up(supplier) == failed
        assert supplier.top_ups == ()

    def test_invalid_purchases_consume_no_scripted_outcome(
        self, supplier: ScriptableSupplier
    ) -> None:
        supplier.fail_next()

        with pytest.raises(InvalidAmount):
            top_up(supplier, "k1", "0")

        assert top_up(supplier, "k2").status is SupplierStatus.FAILED

    def test_accounts_are_credited_exactly_for_the_succeeded_purchases(
        self, make_supplier: SupplierFactory
    ) -> None:
        @given(
            actions=st.lists(
                st.tuples(st.integers(0, 5), st.sampled_from(SCRIPTS), st.booleans()), max_size=30
            )
        )
        def check(actions: list[tuple[int, str, bool]]) -> None:
            supplier = make_supplier()
            seen: dict[str, SupplierResult] = {}  # key -> latest answer
            for number, scripted, flag in actions:
                key, account = f"k{number}", ACCOUNTS[number % 2]
                if scripted == "settle":
                    current = seen.get(key)
                    if current is not None and current.status is SupplierStatus.PENDING:
                        seen[key] = supplier.settle_pending(key, succeeded=flag)
                    continue
                if scripted == "fail":
                    supplier.fail_next()
                elif scripted == "pending":
                    supplier.pending_next()
                elif scripted.startswith("timeout"):
                    supplier.timeout_next(applied=scripted == "timeout_applied")
                credits = len(supplier.top_ups)
                try:
                    result = top_up(supplier, key, face_value=str(10 + number), account=account)
                except SupplierTimeout:
                    continue
                if key in seen:
                    assert result == seen[key]  # a replay: same answer, no credit
                    assert len(supplier.top_ups) == credits
                seen[key] = result
            keys = [top.idempotency_key for top in supplier.top_ups]
            assert len(keys) == len(set(keys))  # never credited twice
            for key in keys:
                assert supplier.query(idempotency_key=key).succeeded
            for key, result in seen.items():
                assert supplier.query(idempotency_key=key) == result
                assert (key in keys) == result.succeeded

        check()
